"""Whom a load's change reaches: the customers to re-screen after a list changes.

A walk over relations and shared values from what the load touched, the
members of exposed clusters it wrote, and customers whose names screening's
forms (or plain words) bring near a touched listed party's names. The cost
follows the size of the change, not of the customer base.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from rigour.text.translit import ascii_text

from graph import answers
from graph.model import CUSTOMER_FORMS_INDEX, ENTITY_NAME_INDEX, Label
from graph.name_index import NameIndex, form_edits, forms_near, keep
from graph.name_match import UNLIKE_NAMES, family_of_schema, names_forms, plain_name
from graph.queries import MAX_QUERY_TERMS
from graph.store import GraphStore, Row
from resolution.normalize import PERSON

# Ids, seeds or keys per query.
BATCH = 500
# Hops from a touched entity or value to a customer: a listed party's value, its user, that user's relation,
# and the customer's own value (screening's exposure reaches listed parties within 3 hops of a user of the
# customer's values).
WALK_HOPS = 4


# A walk that reaches more nodes than this stops widening (the hops so far are kept): a change that touches a
# dense corner of the graph must not turn into a traversal of all of it.
WALK_NODES = 500_000


# Customers the forms index returns per listed name at first (a common name is many customers' name: a name that
# returns this many is asked again for ten times as many, ``_every_hit``).
NAME_CANDIDATES = 1_000


# Entities the names index returns per listed name's words at first (asked again likewise), and how alike
# (token-sort) the names must be.
WORD_CANDIDATES = 50


NAME_SIMILARITY = round(100 * UNLIKE_NAMES)


_WORDS = re.compile(r"[A-Za-z0-9]+")


# Query terms (forms) per listed name at most: Lucene caps a query's clauses.
MAX_TERMS = 64


# Customers' forms read per round trip on a first load.
FORMS_PAGE = 10_000


# Customers' plain names whose words-path answer a first load's name search keeps (memory stays bounded).
NAMES_KEPT = 200_000


_FORM = re.compile(r"[a-z0-9]+")


@dataclass(slots=True)
class Touched:
    """What a load wrote or deleted: entity IDs and shared values (label, key); ``everything`` when untrusted."""

    entity_ids: set[str] = field(default_factory=set)
    values: set[tuple[str, str]] = field(default_factory=set)
    everything: bool = False


def touched_from_rows(rows: Iterable[tuple[str, str, str | None]]) -> Touched:
    """Entities and values from the (kind, key, ref) of the rows a load wrote or deleted (``graph.load.rows``)."""
    touched = Touched()
    for kind, key, ref in rows:
        if kind == "entity":
            touched.entity_ids.add(key)
        elif kind == "record" and ref:
            touched.entity_ids.add(ref)
        elif kind == "link":
            label, entity_id, value_key = key.split("\x1f", 2) if "\x1f" in key else (None, None, None)
            if label is None:
                continue
            touched.entity_ids.add(str(entity_id))
            touched.values.add((str(label), str(value_key)))
        elif kind == "relation":
            parts = key.split("\x1f")
            if len(parts) == 3:
                touched.entity_ids.update(parts[1:])
        elif kind == "value":
            label, _, value_key = key.partition(":")
            touched.values.add((label, value_key))
    return touched


def hops_from(store: GraphStore, starts: Iterable[str], hops: int) -> Iterator[tuple[list[Row], set[str]]]:
    """Breadth first from the start nodes (element ids) over relations and shared values, never into a super-node:
    each hop's rows (``alert_expand``: node, customer, entity, id), and every node seen so far. Stops early when
    a hop reaches nothing new; a caller stops it when the walk grows too far."""
    seen = set(starts)
    frontier = sorted(seen)
    for _ in range(hops):
        rows: list[Row] = []
        following: list[str] = []
        for start in range(0, len(frontier), BATCH):
            rows += store.read(
                "alert_expand", {"nodes": frontier[start : start + BATCH], "types": list(answers.EXPOSURE_RELS)}
            )
        for row in rows:
            if row["node"] not in seen:
                seen.add(row["node"])
                following.append(row["node"])
        yield rows, seen
        if not following:
            return
        frontier = following


def _walk(store: GraphStore, starts: set[str]) -> set[str]:
    """Customers within ``WALK_HOPS`` hops of the start nodes (element ids), breadth first, hop by hop."""
    customers: set[str] = set()
    for rows, seen in hops_from(store, starts, WALK_HOPS):
        customers.update(row["id"] for row in rows if row["customer"])
        if len(seen) >= WALK_NODES:
            break
    return customers


def _fuzzy_terms(forms: Iterable[str]) -> str | None:
    """A name's forms as a Lucene query of fuzzy terms: within two edits for a short form, one for a longer.

    Spacing, romanisation, script and word order are folded into the forms on
    both sides; the edits are typos (``name_index.forms_near`` says which pairs count).
    A long form gets one edit, not two: a two-edit fuzzy term on a long form costs
    Lucene about eight times as much to build (bench/results/NOTES.md).
    """
    terms = []
    for form in forms:
        if not _FORM.fullmatch(form):
            continue  # not a single Lucene term (screening's own index still compares it when the customer is screened)
        terms.append(f"{form}~{form_edits(form)}")
    return " ".join(terms[:MAX_TERMS]) if terms else None


def _plain(name: str) -> str:
    return plain_name(name)


def _words_query(name: str) -> str | None:
    """A name's words as a plain Lucene query (no fuzzy terms: the forms search takes the typos)."""
    words = [w for w in _WORDS.findall(ascii_text(name)) if w.upper() not in ("AND", "OR", "NOT", "TO")]
    return " ".join(words[:MAX_QUERY_TERMS]) if words else None


def _words_near(plain: str, others: Iterable[str]) -> bool:
    """Names alike word for word, in any order (token-sort similarity ``NAME_SIMILARITY``): a customer whose
    words are most of a listed name's (``Alejandro Garcia``, GIL GARCIA, Jose Alejandro), which screening's
    full-text retrieval finds and its forms do not. The words as screening compares them (``plain_name``),
    as alike as screening needs names to be to match at all (``name_match.UNLIKE_NAMES``)."""
    return any(fuzz.token_sort_ratio(plain, other) >= NAME_SIMILARITY for other in others)


def _person_names(row: dict[str, Any]) -> list[str] | None:
    """A listed entity's names (every name of its records), or None when it is no person."""
    if family_of_schema(row["schema"] or "") != PERSON:
        return None  # a customer is screened as a person: only listed people can match it by name
    return sorted({detail.split("|", 2)[-1] for detail in row["nameDetails"]} | {row["name"] or ""} - {""})


def _by_name(store: GraphStore, listed: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Customers whose own screening could find a changed listed person by name.

    Two searches, one query per listed name each, so the cost follows the change:
    the forms screening retrieves by (``name_match.names_forms`` for the party, as
    its name index holds them; ``name_match.customer_forms`` for customers, kept on
    their entities by the loader) as fuzzy terms in the customers' forms index, so
    a respelled, run-together or otherwise romanised name is found
    (``name_index.forms_near`` says which pairs count); and the name's plain words
    in the names index, for a customer with most of a listed name's words (``_words_near``).
    Returns each customer found with the listed parties that found it (``gate`` reads them).
    """
    seeds: list[dict[str, str]] = []
    words: list[dict[str, str]] = []
    forms_of: dict[str, tuple[str, ...]] = {}
    plain_of: dict[str, list[str]] = {}
    for row in listed:
        names = _person_names(row)
        if not names:
            continue
        forms_of[row["id"]] = names_forms(names, PERSON, listed=True)
        plain_of[row["id"]] = [_plain(n) for n in names]
        for name in names:
            query = _fuzzy_terms(names_forms([name], PERSON, listed=True))
            if query:
                seeds.append({"id": row["id"], "name": name, "query": query})
            query = _words_query(name)
            if query:
                words.append({"id": row["id"], "query": query})
    customers: dict[str, set[str]] = {}
    for row in _every_hit(store, "alert_form_candidates", seeds, CUSTOMER_FORMS_INDEX, NAME_CANDIDATES):
        forms = (row["forms"] or "").split()
        for listed_id in set(row["listedIds"]) - customers.get(row["id"], set()):
            if forms_near(forms, forms_of[listed_id]):
                customers.setdefault(row["id"], set()).add(listed_id)
    for row in _every_hit(store, "alert_word_candidates", words, ENTITY_NAME_INDEX, WORD_CANDIDATES, again=False):
        if not row["customer"]:
            continue
        plain = _plain(row["name"] or "")
        for listed_id in set(row["listedIds"]) - customers.get(row["id"], set()):
            if _words_near(plain, plain_of[listed_id]):
                customers.setdefault(row["id"], set()).add(listed_id)
    return customers


def _every_hit(
    store: GraphStore, query: str, seeds: list[dict[str, str]], index: str, limit: int, *, again: bool = True
) -> Iterator[Row]:
    """Every full-text hit of each seed, however many, one row per node and batch of seeds (``keys``: the seeds
    that found it). A seed found in as many rows as its limit is asked again with a limit ten times larger, until
    it is found in fewer (a common listed name is many customers' name; those past a fixed limit would never be
    re-screened). Nodes of a seed asked again come again (callers keep what they found). ``again=False``: the
    first page only (the plain-words search: its words are ORed, so every entity sharing one common word would
    come, and the forms search already finds every customer with a near form). Fewer seeds go in a query as
    their limit grows, so that no query holds more hits than a first page's batch."""
    pending: list[dict[str, Any]] = [{**seed, "key": i} for i, seed in enumerate(seeds)]
    hits = BATCH * limit
    while pending:
        capped: list[dict[str, Any]] = []
        per_query = max(1, hits // limit)
        for start in range(0, len(pending), per_query):
            batch = pending[start : start + per_query]
            found: dict[int, int] = {}
            for row in store.read(query, {"seeds": batch, "index": index, "limit": limit}):
                for key in row["keys"]:
                    found[key] = found.get(key, 0) + 1
                yield row
            capped += [seed for seed in batch if found.get(int(seed["key"]), 0) >= limit]
        pending, limit = (capped if again else []), limit * 10


def _by_name_everything(store: GraphStore, index: NameIndex, listed: list[dict[str, Any]]) -> set[str]:
    """Every customer with a form near a listed person's (``forms_near``): the first load's name search.

    The other way round from ``_by_name`` and set-wise: each customer's forms
    (as the loader keeps them) are looked up in the screener's in-process index
    of listed names (``NameIndex.near``, by hashing), a page of customers a read.
    Linear in the customers and small: no query per listed name. The words path
    likewise: each customer's name against the listed names sharing a word with it.
    """
    by_word: dict[str, set[str]] = {}  # a listed person's name's word -> its plain names
    for row in listed:
        for name in _person_names(row) or ():
            for word in _WORDS.findall(_plain(name)):
                by_word.setdefault(word, set()).add(_plain(name))
    customers: set[str] = set()
    alike: dict[str, bool] = {}  # a plain name -> whether a listed name sharing a word is alike (names repeat)
    for rows in store.pages("alert_customer_forms", limit=FORMS_PAGE):
        for row in rows:
            if index.near(row["forms"].split(), PERSON):
                customers.add(row["id"])
                continue
            plain = _plain(row["name"] or "")
            near = alike.get(plain)
            if near is None:
                others = {other for word in _WORDS.findall(plain) for other in by_word.get(word, ())}
                near = (
                    bool(others)
                    and process.extractOne(plain, others, scorer=fuzz.token_sort_ratio, score_cutoff=NAME_SIMILARITY)
                    is not None
                )
                keep(alike, plain, near, NAMES_KEPT)
            if near:
                customers.add(row["id"])
    return customers


@dataclass(slots=True)
class Reach:
    """The customers a load's change reaches, and how: ``direct`` (the load touched them, or their last screening
    named a touched party), ``walked`` (the walk reached them), ``by_name`` (with the touched listed parties whose
    names reached them, when ``parties_known``). ``graph.alert_gate`` reads the how."""

    customers: set[str] = field(default_factory=set)
    direct: set[str] = field(default_factory=set)
    walked: set[str] = field(default_factory=set)
    by_name: dict[str, set[str]] = field(default_factory=dict)
    # ``by_name`` says which parties reached each customer (an update's search); a first load's does not.
    parties_known: bool = False
    touched: set[str] = field(default_factory=set)  # the entities the load touched


def customers_reached(
    store: GraphStore,
    touched: Touched,
    phases: dict[str, float] | None = None,
    index: Callable[[], NameIndex] | None = None,
) -> set[str]:
    """The customers a load's change may have moved: the change's own customers and what it reaches."""
    return reach(store, touched, phases, index).customers


def reach(
    store: GraphStore,
    touched: Touched,
    phases: dict[str, float] | None = None,
    index: Callable[[], NameIndex] | None = None,
) -> Reach:
    """The customers a load's change may have moved, and which of them only a changed party's names reached.

    ``index``: the screener's listed-name index, for a load that touched everything
    (its name search runs customer by customer against it, ``_by_name_everything``).
    """
    phases = {} if phases is None else phases
    clock = time.monotonic()
    ids = sorted(touched.entity_ids)
    if touched.everything:
        ids = sorted({r["id"] for r in store.read("alert_listed_ids")} | touched.entity_ids)
    starts: set[str] = set()
    customers: set[str] = set()
    listed: list[dict[str, Any]] = []
    for start in range(0, len(ids), BATCH):
        for row in store.read("alert_seed_entities", {"ids": ids[start : start + BATCH]}):
            starts.add(row["node"])
            if row["customer"]:
                customers.add(row["id"])
            if row["listed"]:
                listed.append(row)
    by_label: dict[str, list[str]] = {}
    for label, key in touched.values:
        by_label.setdefault(label, []).append(key)
    for label, keys in sorted(by_label.items()):
        if label not in {str(v) for v in Label}:
            continue
        for start in range(0, len(keys), BATCH):
            starts.update(
                r["node"] for r in store.read("alert_seed_values", {"keys": keys[start : start + BATCH]}, label=label)
            )
    touching = store.read("alert_screenings_touching", {"ids": ids, "all": touched.everything})
    customers |= {row["id"] for row in touching}
    phases["seeds"], clock = time.monotonic() - clock, time.monotonic()
    walked = _walk(store, starts)
    phases["walk"], clock = time.monotonic() - clock, time.monotonic()
    found = Reach(customers | walked, set(customers), walked, touched=set(ids))
    if touched.everything and index is not None:
        found.customers |= _by_name_everything(store, index(), listed)
    else:
        found.by_name, found.parties_known = _by_name(store, listed), True
        found.customers |= set(found.by_name)
    phases["names"] = time.monotonic() - clock
    return found
