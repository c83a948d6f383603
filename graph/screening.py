"""Real-time screening of one applicant against the graph the last load wrote.

1. The applicant becomes a canonical record, cleaned as ingest cleans sources.
2. Candidates come from indexes in one Cypher round trip: full-text names,
   identifiers, and shared values (e-mail, phone, wallet, payment instrument).
3. Each candidate's records are scored in-process with the trained resolution
   model (``resolution.scorer``: the same weights Splink computes, without SQL),
   and analyst judgements about the applicant's own record are honoured.
4. Network exposure: who else uses the applicant's values (a super-node never
   counts), and the shortest path from each of them to a listed party.

The decision: ``HIT`` when a listed entity matches at ``HIT_PROBABILITY`` or above
(and at least at the model's merge threshold), or an analyst said it is the same party; an unlisted
organisation that listed parties own 50% or more of, in aggregate (OFAC's 50% rule), counts as listed
(``Match.blocked_by``); ``REVIEW`` when a listed
entity matches above ``REVIEW_PROBABILITY`` or the applicant's values lead to
a listed party with a score of at least ``REVIEW_EXPOSURE``, or a strong DPRK
indicator fired (a ``+850`` phone, a ``.kp`` mailbox or website, a DPRK network,
country or city, an institution of concern, or a specific value shared with a
customer that has such indicators: ``ingest.indicators``); else ``CLEAR``.
Weak signals (a Korean surname, a South Korean phone or address) are no
indicator at all: most Korean-named applicants are South Korean.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from graph import analytics, answers, networks, ownership
from graph.applicants import (
    HIT_PROBABILITY,
    NOTHING_TO_SCREEN,
    REVIEW_EXPOSURE,
    REVIEW_PROBABILITY,
    Applicant,
    Decision,
    ExposureHit,
    Match,
    ScreenResult,
    applicant_indicators,
    applicant_record,
    screenable,
    shared_indicator,
    value_keys,
)
from graph.model import ENTITY_NAME_INDEX, Label
from graph.name_index import NameIndex
from graph.name_match import (
    MIN_MATCH_PROBABILITY,
    NEAR_IDENTICAL_NAMES,
    UNLIKE_CAP,
    UNLIKE_NAMES,
    Candidate,
    as_screened,
    family_of_schema,
    name_similarity,
    names_near,
    record_forms,
    screening_probability,
)
from graph.queries import lucene_query
from graph.similar_addresses import near_addresses
from graph.store import GraphStore
from ingest.indicators import Indicator
from ingest.record import Record
from resolution.features import FAMILY_OF_SCHEMA, merge_features
from resolution.normalize import ORGANIZATION
from resolution.scorer import ScoredPair, Scorer
from sanctiongraph.errors import InvalidArgumentError, ResolutionError

# Candidates by full-text name, candidate entities in all, records scored per entity (``screen_candidates``).
NAME_CANDIDATES = 20
MAX_CANDIDATES = 40
RECORDS_PER_ENTITY = 4
EXPOSURE_USERS = 50
EXPOSURE_HOPS = 3
FEATURE_CACHE_SIZE = 200_000
# Listed entities read per round trip when only the name index is built (nothing cached, no stop to wait for):
# a page costs a sort of the listed entities left, so fewer, larger pages (a CLI's or an alert pass's fixed cost).
INDEX_PAGE = 5_000
# How often a screener asks whether a newer load completed (its name index is then rebuilt).
INDEX_CHECK_SECONDS = 10.0
REQUIRED_FAMILIES = ("person", "organization")
# The values by which a party is a candidate (the same identifier, e-mail, phone, wallet or card).
CANDIDATE_VALUE_LABELS = ("Identifier", "Email", "Phone", "Wallet", "PaymentInstrument")

log = logging.getLogger("sanctiongraph.screening")


class FeatureCache:
    """Candidates' features and names, kept across requests (keyed by record id and load)."""

    def __init__(self, size: int = FEATURE_CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str, Any], Candidate] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, record: dict[str, Any], family: str) -> Candidate | None:
        """The cached candidate for a record row (id and loadId), or None."""
        key = (record["id"], family, record.get("loadId"))
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, record: dict[str, Any], family: str, data: str) -> Candidate:
        return self.put_record(record, family, Record.from_dict(json.loads(data)))

    def put_record(self, record: dict[str, Any], family: str, parsed: Record) -> Candidate:
        """Cache a record row's candidate, its record already parsed."""
        candidate = Candidate.of(parsed, family)
        with self._lock:
            self._items[(record["id"], family, record.get("loadId"))] = candidate
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return candidate

    def warm(self, store: GraphStore, stop: threading.Event | None = None, page: int = 500) -> int:
        """Cache the records of every listed entity (up to half the cache); returns how many.

        They are the hot set: every HIT or REVIEW by name is scored against them,
        and without this the first request naming each listed party pays for
        fetching and normalising its records. Read a page of entities at a time,
        so a server shutting down (``stop``) waits for one page at most.
        """
        after, cached = "", 0
        while cached < self.size // 2 and not (stop is not None and stop.is_set()):
            rows = store.read("listed_records_data", {"after": after, "limit": page})
            if not rows:
                break
            for row in rows:
                self.put(row, family_of_schema(row["schema"]), row["data"])
            cached += len(rows)
            after = max(row["entityId"] for row in rows)
        return cached

    def fill(self, store: GraphStore, rows: list[dict[str, Any]], family: str) -> None:
        """Fetch and cache the records of candidate rows not cached yet, in one query."""
        missing = [r for row in rows for r in row["records"] if self.get(r, family) is None]
        if not missing:
            return
        for found in store.read("records_data", {"ids": [r["id"] for r in missing]}):
            self.put({"id": found["id"], "loadId": found["loadId"]}, family, found["data"])


class Screener:
    """Screens applicants with the trained models; one per process, shared by requests."""

    def __init__(self, scorers: dict[str, Scorer]) -> None:
        self.scorers = scorers
        self.cache = FeatureCache()
        self.index: NameIndex | None = None  # listed parties' name forms; built on first use or by warm
        self._index_lock = threading.Lock()
        self._rebuilding = threading.Lock()
        self._checked_at = 0.0

    @classmethod
    def load(cls) -> Screener:
        """Load every family's trained model; people and organisations are required.

        A screening service that cannot score would clear everyone, so a missing
        or mismatched person or organisation model stops it from starting.
        """
        scorers: dict[str, Scorer] = {}
        for family in sorted(set(FAMILY_OF_SCHEMA.values())):
            try:
                scorers[family] = Scorer.load(family)
            except ResolutionError as error:
                if family in REQUIRED_FAMILIES:
                    raise ResolutionError(f"screening cannot start: {error}", hint=error.hint) from error
                log.warning("no %s model (%s); %s applicants are matched by name index only", family, error, family)
        return cls(scorers)

    def screen(self, store: GraphStore, applicant: Applicant) -> ScreenResult:
        record = applicant_record(applicant)
        keys = value_keys(record)
        if not screenable(applicant, record, keys):
            raise InvalidArgumentError(NOTHING_TO_SCREEN)
        family = family_of_schema(record.schema)
        scorer = self.scorers.get(family)
        itself = Candidate.of(record, family)
        matches = self._matches(store, record, keys, applicant.record_id, family, scorer, itself)
        if family == ORGANIZATION:
            _blocked_owners(store, matches)
        exposure, shared = self._exposure(store, keys) if keys else ([], [])
        exposure_score = max((hit.score for hit in exposure), default=0.0)
        found = applicant_indicators(applicant, record, shared)
        decision = _decide(matches, exposure_score, scorer, named=bool(record.names), indicators=found)
        return ScreenResult(decision, matches, exposure, exposure_score, found)

    def screen_customer(self, store: GraphStore, record: Record) -> ScreenResult:
        """A customer already in the graph, against the lists only: the decision ongoing screening tracks.

        An account is screened as the person who holds it (accounts are their own
        resolution family, which no list has). DPRK indicators are left out of the
        decision: they say where a customer is, not that a list changed, and an
        alert must follow a list change (``graph.alerts``). Only listed candidates are
        scored: the decision reads nothing else, and the others (customers named
        alike) would cost a fetch and a score each.
        """
        person = as_screened(record)
        keys = value_keys(person)
        family = family_of_schema(person.schema)
        scorer = self.scorers.get(family)
        matches = (
            self._matches(
                store, person, keys, record.record_id, family, scorer, Candidate.of(person, family), listed_only=True
            )
            if person.names or keys
            else []
        )
        exposure, _ = self._exposure(store, keys) if keys else ([], [])
        exposure_score = max((hit.score for hit in exposure), default=0.0)
        decision = _decide(matches, exposure_score, scorer, named=bool(person.names))
        return ScreenResult(decision, matches, exposure, exposure_score)

    def warm(self, store: GraphStore, stop: threading.Event | None = None, page: int = 500) -> int:
        """Get ready for the first requests: listed records cached, the name index built; returns records cached.

        One pass over the listed parties' records (``listed_records_data``) fills
        both: the cache takes up to half its size, the index every record's forms.
        A stop (server shutting down) leaves the index as it was.
        """
        index, cached = self._read_listed(store, stop, page, cache=True)
        if index is not None:
            self.index = index
        return cached

    def _read_listed(
        self, store: GraphStore, stop: threading.Event | None, page: int, *, cache: bool
    ) -> tuple[NameIndex | None, int]:
        load_id = _last_load(store)
        entries: list[tuple[str, str, tuple[str, ...]]] = []
        after, cached = "", 0
        while True:
            if stop is not None and stop.is_set():
                return None, cached
            rows = store.read("listed_records_data", {"after": after, "limit": page})
            if not rows:
                break
            for row in rows:
                family = family_of_schema(row["schema"])
                record = Record.from_dict(json.loads(row["data"]))
                if cache and cached < self.cache.size // 2:
                    self.cache.put_record(row, family, record)
                    cached += 1
                forms = record_forms(record, family, listed=True)
                entries.append((row["entityId"], family, forms))
            after = max(row["entityId"] for row in rows)
        return NameIndex.build(load_id, entries), cached

    def name_index(self, store: GraphStore) -> NameIndex:
        """The index of listed names: built now when there is none, rebuilt in the background after a new load.

        The first request of a process that was not warmed (the CLI) pays for one
        pass over the listed names (about a second on the demo graph). Every
        ``INDEX_CHECK_SECONDS`` one request asks for the last completed load; a newer
        one starts a rebuild while requests keep using the old index.
        """
        index = self.index
        if index is None:
            with self._index_lock:
                if self.index is None:
                    self.index = self._read_listed(store, None, INDEX_PAGE, cache=False)[0]
                index = self.index
            assert index is not None
            self._checked_at = time.monotonic()
            return index
        now = time.monotonic()
        if now - self._checked_at >= INDEX_CHECK_SECONDS and not self._rebuilding.locked():
            self._checked_at = now
            if _last_load(store) != index.load_id:
                threading.Thread(target=self._rebuild, args=(store,), name="name-index", daemon=True).start()
        return index

    def _rebuild(self, store: GraphStore) -> None:
        if not self._rebuilding.acquire(blocking=False):
            return
        try:
            self.warm(store)
            log.info("screening name index rebuilt", extra={"forms": len(self.index or ())})
        except Exception as error:  # the old index keeps serving; the next check tries again
            log.warning("screening name index rebuild failed", extra={"reason": type(error).__name__})
            self._checked_at = 0.0
        finally:
            self._rebuilding.release()

    def candidate_entities(self, store: GraphStore, applicant: Applicant) -> list[str]:
        """The entities retrieval hands to scoring for an applicant, before any score (for measuring recall)."""
        record = applicant_record(applicant)
        family = family_of_schema(record.schema)
        rows = self._candidate_rows(store, record, value_keys(record), applicant.record_id, family)
        return [row["entityId"] for row in rows]

    def _candidate_rows(
        self, store: GraphStore, record: Record, keys: list[dict[str, str]], record_id: str | None, family: str
    ) -> list[dict[str, Any]]:
        """Candidate entities of the applicant's family with their records, in one round trip."""
        rows = store.read("screen_candidates", self.candidate_params(store, record, keys, record_id, family))
        return [row for row in rows if family_of_schema(row["schema"]) == family]

    def candidate_params(
        self, store: GraphStore, record: Record, keys: list[dict[str, str]], record_id: str | None, family: str
    ) -> dict[str, Any]:
        """The candidate query's parameters for one applicant (``screen_candidates``; ``graph.screen_batch``)."""
        by_label: dict[str, list[str]] = {}
        for item in keys:
            by_label.setdefault(item["label"], []).append(item["key"])
        listed = self.name_index(store).search(record_forms(record, family), family) if record.names else []
        return {
            "entityIds": [entity for entity, _ in listed],
            "index": ENTITY_NAME_INDEX,
            "nameQuery": name_query(record),
            "nameCandidates": NAME_CANDIDATES,
            "values": {label: by_label.get(label, []) for label in CANDIDATE_VALUE_LABELS},
            "limit": MAX_CANDIDATES,
            "recordsPerEntity": RECORDS_PER_ENTITY,
            "recordId": record_id or "",
        }

    def _matches(
        self,
        store: GraphStore,
        record: Record,
        keys: list[dict[str, str]],
        record_id: str | None,
        family: str,
        scorer: Scorer | None,
        itself: Candidate,
        *,
        listed_only: bool = False,
    ) -> list[Match]:
        rows = self._candidate_rows(store, record, keys, record_id, family)
        if listed_only:
            rows = [row for row in rows if row["listed"]]
        self.cache.fill(store, rows, family)
        return self.ranked(rows, family, scorer, itself)

    def ranked(self, rows: list[dict[str, Any]], family: str, scorer: Scorer | None, itself: Candidate) -> list[Match]:
        """Candidate rows (their records cached) scored, best first, down to ``MIN_MATCH_PROBABILITY``."""
        matches = [m for m in (self._score(row, family, scorer, itself) for row in rows) if m is not None]
        matches.sort(key=lambda m: (-(m.judged == "same"), -m.probability, m.entity_id))
        return [m for m in matches if m.probability >= MIN_MATCH_PROBABILITY or m.judged == "same"][:20]

    def _score(self, row: dict[str, Any], family: str, scorer: Scorer | None, applicant: Candidate) -> Match | None:
        if family_of_schema(row["schema"]) != family:
            return None
        judged: str | None = None
        similarity = 0.0
        candidates: list[Candidate] = []
        for record in row["records"]:
            judgements = record.get("judgements") or []
            if "not_same" in judgements:
                return None
            if "same" in judgements:
                judged = "same"
            candidate = self.cache.get(record, family)
            if candidate is None:  # the record changed under us (a load ran): skip it this time
                continue
            similarity = max(similarity, name_similarity(applicant, candidate))
            candidates.append(candidate)
        by_name_only = row["via"] == ["name"]
        if by_name_only and judged is None and similarity < UNLIKE_NAMES and UNLIKE_CAP < MIN_MATCH_PROBABILITY:
            return None  # names this unlike cap the probability below reporting, whatever the model says
        # Keyboard slips count only for a candidate found by name alone whose names are alike but not near-identical
        # already (``screening_probability``): asked only then.
        near = (
            by_name_only
            and judged != "same"
            and UNLIKE_NAMES <= similarity < NEAR_IDENTICAL_NAMES
            and any(names_near(applicant, c) for c in candidates)
        )
        best: ScoredPair | None = None
        if scorer is not None and candidates:
            # The entity's records are one party: scored as one, so a birth date or identifier
            # any of them gives counts (an entry without a birth date cannot hide another's).
            best = scorer.score(applicant.features, merge_features([c.features for c in candidates]))
        probability = best.match_probability if best else 0.0
        if judged == "same":
            probability = 1.0
        elif by_name_only:
            probability = screening_probability(best, similarity, scorer, near=near or None)
        return Match(
            entity_id=row["entityId"],
            name=row["name"],
            schema=row["schema"],
            listed=bool(row["listed"]),
            probability=probability,
            match_weight=best.match_weight if best else 0.0,
            comparisons=best.comparisons if best else [],
            records=[{"source": r["source"], "sourceKey": r["sourceKey"]} for r in row["records"]],
            via=list(row["via"]),
            judged=judged,
            name_similarity=round(similarity, 4),
        )

    def _exposure(
        self, store: GraphStore, keys: list[dict[str, str]]
    ) -> tuple[list[ExposureHit], list[Indicator | None]]:
        """Who else uses the applicant's values: hits on the way to listed parties, and an indicator for each
        value it shares with a party the load found DPRK indicators on (``shared_indicator``)."""
        values: list[dict[str, Any]] = [*keys, *_near_addresses(store, keys)]
        rows = store.read(
            "screen_exposure",
            {"values": values, "types": list(answers.EXPOSURE_RELS), "limit": EXPOSURE_USERS},
            max_hops=EXPOSURE_HOPS,
        )
        hits = exposure_hits(rows)
        hits += cluster_hits(store, rows)
        hits.sort(key=lambda h: -h.score)
        return hits[:20], [shared_indicator(row) for row in rows]


def exposure_hits(rows: list[dict[str, Any]]) -> list[ExposureHit]:
    """The exposure query's rows as hits: a listed user at the value's weight, another at the weight times its
    path's score (``screen_exposure``; batched: ``graph.screen_batch``)."""
    hits: list[ExposureHit] = []
    for row in rows:
        user = answers.node_from(
            {
                "labels": [str(Label.ENTITY)],
                "id": row["userId"],
                "name": row["userName"],
                "schema": row["userSchema"],
                "listed": row["userListed"],
            }
        )
        weight = float(row["specificity"] or 0.0) * float(row["matchScore"] or 1.0)
        path = analytics.path_from_row(row["path"]) if row.get("path") else None
        score = weight if user.listed else (weight * path.score if path else 0.0)
        if score > 0:
            hits.append(ExposureHit(row["label"], row["value"] or row["key"], user, round(score, 6), path))
    return hits


# An applicant's value of these kinds used by a member of an exposed cluster leads to that cluster's listed party.
CLUSTER_VALUE_LABELS = frozenset(
    str(label) for label in (Label.PAYMENT_INSTRUMENT, Label.PHONE, Label.WALLET, Label.DEVICE, Label.EMAIL)
)


def cluster_hits(
    store: GraphStore, rows: list[dict[str, Any]], exposed: dict[str, networks.ClusterView] | None = None
) -> list[ExposureHit]:
    """Exposure through the cluster of a user of the applicant's card, phone, wallet, device or e-mail.

    A ring's far end is many hops from the list; its cluster (``graph.clusters``)
    is not. The score is the value's weight times the cluster's exposure score, so
    a super-node (a VPN IP) or a webmail domain, which weigh nothing, never counts.
    ``exposed``: the users' exposed clusters when the caller read them already (a batch's at once).
    """
    users = {r["userId"]: r for r in rows if r["label"] in CLUSTER_VALUE_LABELS and not r["userListed"]}
    if exposed is None:
        clusters = networks.exposed_clusters_of(store, sorted(users))
    else:
        clusters = {user_id: exposed[user_id] for user_id in sorted(users) if user_id in exposed}
    hits: list[ExposureHit] = []
    for user_id, cluster in clusters.items():
        row = users[user_id]
        score = float(row["specificity"] or 0.0) * float(row["matchScore"] or 1.0) * cluster.score
        path = networks.cluster_path(store, cluster, user_id)
        if score > 0 and path is not None:
            user = path.nodes[0]
            hits.append(ExposureHit(row["label"], row["value"] or row["key"], user, round(score, 6), path))
    return hits


def name_query(record: Record) -> str:
    """A record's full-text name query (``screen_candidates``): its names' words, the longer ones fuzzy."""
    return lucene_query(" ".join(n.value for n in record.names)) or '""'


def _near_addresses(store: GraphStore, keys: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Addresses near-identical to the applicant's, each with its score (``graph.similar_addresses``)."""
    exact = {item["key"] for item in keys if item["label"] == str(Label.ADDRESS)}
    near: list[dict[str, Any]] = []
    for key in exact:
        for other, score in near_addresses(store, frozenset(key.split())):
            if other not in exact:
                near.append({"label": str(Label.ADDRESS), "key": other, "score": score})
    return near


def _blocked_owners(store: GraphStore, matches: list[Match]) -> None:
    """Mark each unlisted organisation matched at ``REVIEW_PROBABILITY`` or above that the 50% rule blocks.

    A company owned 50% or more, in aggregate, by listed parties (directly or
    through companies they block) is blocked without being named on any list: an
    applicant that is such a company is screened as one that is listed. Only
    matches that could move the decision are walked (one ownership query each).
    """
    for match in matches:
        if not match.listed and match.probability >= REVIEW_PROBABILITY:
            owned = ownership.ownership(store, match.entity_id)
            if owned.blocked:
                match.blocked_by = owned.blocked_owners


def _last_load(store: GraphStore) -> int | None:
    """The id of the last completed load, or None before any."""
    rows = store.read("last_load")
    return int(rows[0]["loadId"]) if rows and rows[0]["loadId"] is not None else None


def _decide(
    matches: list[Match],
    exposure_score: float,
    scorer: Scorer | None,
    *,
    named: bool = True,
    indicators: Iterable[Indicator] = (),
) -> Decision:
    """``named``: the applicant gave a name. A value alone (a wallet, an e-mail) shared with a listed party is
    for a person to look at, never a HIT: it says the two are linked, not that they are one party. Nor is a
    DPRK indicator a HIT: it says where a party is, not who it is."""
    hit_at = max(HIT_PROBABILITY, scorer.threshold if scorer is not None else HIT_PROBABILITY)
    listed = [m for m in matches if m.sanctioned]
    if any(m.judged == "same" or (named and m.probability >= hit_at) for m in listed):
        return Decision.HIT
    if any(m.probability >= REVIEW_PROBABILITY for m in listed) or exposure_score >= REVIEW_EXPOSURE:
        return Decision.REVIEW
    if any(i.strong for i in indicators):
        return Decision.REVIEW
    return Decision.CLEAR
