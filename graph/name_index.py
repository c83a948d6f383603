"""An in-process index of the listed parties' names, searched by similarity of their name forms.

The graph's full-text index needs whole tokens: ``Ri Mnagon``, ``KIM TONGCHOL``,
``Yi Eun-Seong`` or ``황석화`` share no token with ``RI MAN GON``, ``KIM TONG CHOL``,
``RI U'N SO'NG`` or ``HWANG SOK-HWA``, so screening never saw those listed parties.
Here every listed entity's names are reduced to their compact forms
(``resolution.name_keys``: script, case, punctuation, legal forms, Korean
romanisation and spacing folded away), and a query is compared with every form by
the Indel ratio (rapidfuzz, in C with a cutoff), so one or two typos still find it.

Why in process and not in Neo4j: listed parties are a few thousand to tens of
thousands of entities (9,500 on the demo graph, about 30,000 forms), small enough
to compare a query with all of them in about a millisecond per form, which no
n-gram filter can beat on recall; customers, by the million, stay with the
full-text index. The index is built from the same records the screening cache
warms with (``listed_records_data``), tagged with the load it was read after,
and rebuilt when a newer load completes (``Screener`` checks every few seconds).

Ongoing screening also asks it the other way round, set-wise: on a first load,
which customers have a form within one edit of some listed form (``near``, by
symmetric deletion: each form filed under its one-letter deletions, so a
customer costs a few dictionary lookups, not a comparison with every form).

Invariant: immutable once built (the deletion map is a cache built once, under a
lock; the forms' kept hits and near entities are caches of answers that never change);
a rebuild makes a new one and swaps the reference.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

# Forms at least this similar (Indel ratio, 0 to 1) make a candidate; scoring decides the rest.
RETRIEVE_SIMILARITY = 0.72
# At most this many entities per query, best first.
INDEX_CANDIDATES = 12
# Ongoing screening's reverse search (from a changed listed party to customers) takes two forms as near
# when screening's own retrieval could pair them: two short forms (both this long at most) within two edits
# (a letter changed, added, dropped, or two swapped) and ``RETRIEVE_SIMILARITY`` alike (``Dang Anh`` and
# ``AH BANG``, ``Ying Li`` and ``LI, Yi``); longer ones within one edit, both ``NEAR_FORM_CHARS`` long at least.
SHORT_FORM_CHARS = 8
NEAR_FORM_CHARS = 5
# How far below an entity's own best score ``NameIndex.keeps`` reads hits (0 to 100): more than rounding.
SCORE_SLACK = 0.5
# Forms whose search hits an index keeps (``NameIndex.search``): enough for a re-screen's repeated names, and
# small beside the index (a form's hits are a few entities; a server's index keeps them too).
HITS_KEPT = 50_000
# Forms whose ``near`` entities an index keeps: a first load asks for every customer's forms, and names repeat.
NEAR_KEPT = 200_000


K = TypeVar("K")
V = TypeVar("V")


def keep(kept: dict[K, V], key: K, value: V, limit: int) -> V:
    """Keep an answer that never changes, up to ``limit`` of them; past it start again rather than track use (a
    new customer base's names). Returns ``value``."""
    if len(kept) >= limit:
        kept.clear()
    kept[key] = value
    return value


def form_edits(form: str) -> int:
    """The edits a form is searched within: two for a short form, one for a longer one."""
    return 2 if len(form) <= SHORT_FORM_CHARS else 1


def forms_near(ours: Iterable[str], theirs: Iterable[str]) -> bool:
    """Some two forms equal, or near as the reverse search takes them (see ``SHORT_FORM_CHARS``).

    The rule of the reverse search, whichever way it runs: the full-text index's fuzzy
    terms (``form~2`` or ``form~1``, ``form_edits``) on an update, ``NameIndex.near`` on a first load.
    """
    theirs = tuple(theirs)
    for a in ours:
        for b in theirs:
            if a == b:
                return True
            if max(len(a), len(b)) <= SHORT_FORM_CHARS:
                if (
                    OSA.distance(a, b, score_cutoff=2) <= 2
                    and fuzz.ratio(a, b, processor=None) >= RETRIEVE_SIMILARITY * 100
                ):
                    return True
            elif min(len(a), len(b)) >= NEAR_FORM_CHARS and OSA.distance(a, b, score_cutoff=1) <= 1:
                return True
    return False


def _deletions(form: str) -> set[str]:
    """The form and every form ``form_edits`` letters shorter at most: two near forms share one of these."""
    found = {form}
    for _ in range(form_edits(form)):
        found |= {f[:i] + f[i + 1 :] for f in found for i in range(len(f))}
    return found


@dataclass(slots=True)
class _Family:
    """One family's distinct forms, bucketed by length, each with the entities that have it."""

    by_length: dict[int, list[str]] = field(default_factory=dict)
    entities: dict[str, tuple[str, ...]] = field(default_factory=dict)


class NameIndex:
    """Listed entities' name forms by family (person, organization, vessel)."""

    def __init__(self, load_id: int | None, families: dict[str, _Family]) -> None:
        self.load_id = load_id
        self._families = families
        self._deleted: dict[str, dict[str, list[str]]] = {}  # per family: deletion key -> forms, built on first use
        self._owned: dict[str, dict[str, tuple[str, ...]]] = {}  # per family: entity -> its forms, built on first use
        self._lock = threading.Lock()
        self._hits: dict[tuple[str, str, int, float], dict[str, float]] = {}  # one form's search, kept
        self._near: dict[tuple[str, str], tuple[str, ...]] = {}  # one form's near entities, kept

    @classmethod
    def build(cls, load_id: int | None, entries: Iterable[tuple[str, str, Iterable[str]]]) -> NameIndex:
        """From (entity id, family, forms) triples; an entity may come in several (one per record)."""
        owners: dict[str, dict[str, set[str]]] = {}
        for entity_id, family, forms in entries:
            by_form = owners.setdefault(family, {})
            for form in forms:
                if form:
                    by_form.setdefault(form, set()).add(entity_id)
        families: dict[str, _Family] = {}
        for family, by_form in owners.items():
            built = families.setdefault(family, _Family())
            for form in sorted(by_form):
                built.by_length.setdefault(len(form), []).append(form)
                built.entities[form] = tuple(sorted(by_form[form]))
        return cls(load_id, families)

    def __len__(self) -> int:
        return sum(len(f.entities) for f in self._families.values())

    def entities(self, family: str) -> int:
        found = self._families.get(family)
        return len({e for owners in found.entities.values() for e in owners}) if found else 0

    def search(
        self,
        forms: Iterable[str],
        family: str,
        *,
        limit: int = INDEX_CANDIDATES,
        cutoff: float = RETRIEVE_SIMILARITY,
    ) -> list[tuple[str, float]]:
        """Entities with a form at least ``cutoff`` similar to one of ``forms``, best first: (id, similarity).

        Each form's hits are its own (``_form_hits``), so they are kept and shared:
        customers named alike, or the same customer's records, pay for a form once.
        """
        if family not in self._families:
            return []
        best: dict[str, float] = {}
        for form in set(forms):
            for entity, score in self._form_hits(family, form, limit, cutoff).items():
                if score > best.get(entity, -1.0):
                    best[entity] = score
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [(entity, score / 100.0) for entity, score in ranked]

    def _form_hits(self, family: str, form: str, limit: int, cutoff: float) -> dict[str, float]:
        """One form's entities and best scores (0 to 100), at most ``limit * 4`` forms of each length; kept.

        The Indel ratio of strings of lengths a and b is at most 2 min(a, b) / (a + b),
        so only forms of lengths within that bound of the query's are compared.
        """
        key = (family, form, limit, cutoff)
        kept = self._hits.get(key)
        if kept is not None:
            return kept
        found = self._families[family]
        best: dict[str, float] = {}
        size = len(form)
        if size:
            low = math.ceil(size * cutoff / (2 - cutoff))
            high = math.floor(size * (2 - cutoff) / cutoff)
            for length in range(low, high + 1):
                bucket = found.by_length.get(length)
                if not bucket:
                    continue
                hits = process.extract(
                    form, bucket, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff * 100, limit=limit * 4
                )
                for hit, score, _ in hits:
                    for entity in found.entities[hit]:
                        if score > best.get(entity, -1.0):
                            best[entity] = score
        return keep(self._hits, key, best, HITS_KEPT)

    def keeps(
        self,
        forms: Iterable[str],
        family: str,
        entity: str,
        *,
        limit: int = INDEX_CANDIDATES,
        cutoff: float = RETRIEVE_SIMILARITY,
    ) -> bool | None:
        """Whether ``search(forms, family)`` returns ``entity`` (among its ``limit`` best), without searching
        every form: None when this cannot tell (then search).

        ``entity``'s own best similarity S to the query is computed first; then only
        forms at least S alike are looked for (a narrow length window, few hits). Those
        are exactly the forms ``search`` ranks at S or above, unless some length bucket
        has ``limit * 4`` of them or more (``search`` keeps that many per bucket: then
        None). ``entity`` is kept when fewer than ``limit`` entities rank before it
        (a better score, or the same and a smaller id, as ``search`` orders them).
        Ongoing screening asks this for a customer whose only new candidate is ``entity``
        (``graph.alert_gate``): a full search costs every form of the index.
        """
        found = self._families.get(family)
        if found is None:
            return False
        queries = set(forms)
        own = self._forms_of(family).get(entity, ())
        best = max((fuzz.ratio(q, f, processor=None) for q in queries for f in own), default=0.0)
        if best < cutoff * 100:
            return False
        # Scores are compared as ``search`` gets them (from ``extract``, whose cutoff test may round): hits a little
        # below ``best`` are read too, and the entity's own score is the one they give.
        floor = best - SCORE_SLACK
        scores: dict[str, float] = {}
        for form in queries:
            size, bound = len(form), floor / 100.0
            low, high = math.ceil(size * bound / (2 - bound)) - 1, math.floor(size * (2 - bound) / bound) + 1
            for length in range(max(1, low), high + 1):
                bucket = found.by_length.get(length)
                if not bucket:
                    continue
                hits = process.extract(form, bucket, scorer=fuzz.ratio, processor=None, score_cutoff=floor, limit=None)
                if len(hits) >= limit * 4:
                    return None
                for hit, score, _ in hits:
                    for other in found.entities[hit]:
                        if score > scores.get(other, -1.0):
                            scores[other] = score
        mine = scores.get(entity)
        if mine is None or mine < cutoff * 100 + SCORE_SLACK:
            return None  # on the edge of ``search``'s own cutoff: let it say
        before = sum(1 for other, score in scores.items() if score > mine or (score == mine and other < entity))
        return before < limit

    def _forms_of(self, family: str) -> dict[str, tuple[str, ...]]:
        """Each entity's forms (one family), built on first use under the lock, like the deletion map."""
        built = self._owned.get(family)
        if built is None:
            with self._lock:
                built = self._owned.get(family)
                if built is None:
                    owned: dict[str, list[str]] = {}
                    for form, owners in self._families[family].entities.items():
                        for owner in owners:
                            owned.setdefault(owner, []).append(form)
                    built = {owner: tuple(forms) for owner, forms in owned.items()}
                    self._owned[family] = built
        return built

    def near(self, forms: Iterable[str], family: str) -> set[str]:
        """Entities with a form near one of ``forms`` (``forms_near``), by hashing: no comparison with every form.

        Each form is filed under itself and its one-letter deletions (symmetric
        deletion); a query's forms and their deletions look those up, and only the
        forms found are compared. A first load asks this for every customer.
        """
        found = self._families.get(family)
        if found is None:
            return set()
        deleted = self._deleted.get(family)
        if deleted is None:
            with self._lock:
                deleted = self._deleted.get(family)
                if deleted is None:
                    deleted = {}
                    for form in found.entities:
                        for key in _deletions(form):
                            deleted.setdefault(key, []).append(form)
                    self._deleted[family] = deleted
        entities: set[str] = set()
        for form in set(forms):
            near = self._near.get((family, form))
            if near is None:
                seen = {other for key in _deletions(form) for other in deleted.get(key, ())}
                near = tuple(e for other in seen if forms_near((form,), (other,)) for e in found.entities[other])
                keep(self._near, (family, form), near, NEAR_KEPT)
            entities.update(near)
        return entities
