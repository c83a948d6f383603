"""Screening customers in batches: each gets the decision ``Screener.screen_customer`` gives it alone.

Ongoing screening re-screens every customer a list change reaches (``graph.alerts``),
tens of thousands on a large update and every customer the lists reach on a first
load. One at a time, a customer costs five or six round trips to Neo4j (candidates,
near addresses, exposure, exposed clusters, candidates' records) and one name search;
each round trip's fixed cost (planning, the network, a thread switch) is most of it.
Here a batch of customers shares each round trip: the same subqueries, run once per
customer inside one ``UNWIND`` (``screen_candidates_batch``, ``screen_exposure_batch``,
``address_candidates_batch``), with the same limits per customer, so each customer's
rows are the ones its own query returns. The in-process name search is the
screener's (``NameIndex.search``), which keeps each form's hits, and the full-text
name query is asked once per distinct query (``NameQueryHits``, kept for a pass):
customers named alike pay for a name once. Scoring and the decision are the
screener's own code.

Invariant: a batched result equals ``screen_customer``'s for the same record and
graph (``tests/graph/test_alerts.py`` checks it on the real OFAC update).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from graph import answers, networks
from graph.applicants import REVIEW_PROBABILITY, ExposureHit, Match, ScreenResult, value_keys
from graph.exposure_reach import ExposingValues
from graph.model import ENTITY_NAME_INDEX, Label
from graph.name_index import INDEX_CANDIDATES, keep
from graph.name_match import Candidate, as_screened, family_of_schema, record_forms
from graph.screening import (
    CANDIDATE_VALUE_LABELS,
    CLUSTER_VALUE_LABELS,
    EXPOSURE_HOPS,
    EXPOSURE_USERS,
    MAX_CANDIDATES,
    NAME_CANDIDATES,
    RECORDS_PER_ENTITY,
    Screener,
    _decide,
    cluster_hits,
    exposure_hits,
    name_query,
)
from graph.similar_addresses import near_addresses_of
from graph.store import GraphStore
from ingest.record import Record
from resolution.scorer import Scorer

# Customers' records screened per batch: each batch is four or five round trips.
SCREEN_BATCH = 100
# Entities sharing a candidate value with a customer that its candidate query surely keeps, whatever its names
# find (``INDEX_CANDIDATES`` by the name index, ``NAME_CANDIDATES`` by full text): the rest of ``MAX_CANDIDATES``.
VALUE_ROOM = MAX_CANDIDATES - NAME_CANDIDATES - INDEX_CANDIDATES
# Distinct full-text name queries a pass keeps the hits of (up to 2 KB each), and keeps as seen.
QUERIES_KEPT = 50_000


@dataclass(slots=True)
class NameQueryHits:
    """The full-text name queries a pass has seen, and the hits (entity ids, in the index's order) of those it
    saw again.

    The full-text query (``name_query``: a customer's names, fuzzy words) is most of
    Neo4j's work in a customer's candidate query, and a customer base repeats names. A
    query seen once runs inside the candidate query, as for a single screening; one seen
    again (or twice in a batch) is asked once on its own (``screen_fulltext_batch``) and
    its ids go to the candidate query, in the order the index gave them, where the query
    would have run. Asking on its own costs a round trip of rows, more than running it
    inside once: a name no other customer has pays nothing more. Valid while the graph
    does not change: one alert pass, whose load is written.
    """

    kept: dict[str, tuple[str, ...]] = field(default_factory=dict)
    seen: dict[str, None] = field(default_factory=dict)

    def of(self, store: GraphStore, queries: list[str]) -> dict[str, tuple[str, ...]]:
        """The hits of those of ``queries`` seen before or repeated among them; the others are marked seen."""
        found: dict[str, tuple[str, ...]] = {}
        counts = Counter(queries)
        missing: list[str] = []
        for query, count in sorted(counts.items()):
            hits = self.kept.get(query)
            if hits is not None:
                found[query] = hits
            elif count > 1 or query in self.seen:
                missing.append(query)
            else:
                keep(self.seen, query, None, QUERIES_KEPT)
        if missing:
            found.update(self.ask(store, missing))
        return found

    def ask(self, store: GraphStore, queries: list[str]) -> dict[str, tuple[str, ...]]:
        """Each of ``queries`` asked now, on its own (its hits kept)."""
        asked: dict[str, list[str]] = {query: [] for query in queries}
        params = {
            "customers": [{"key": query, "nameQuery": query} for query in queries],
            "index": ENTITY_NAME_INDEX,
            "limit": NAME_CANDIDATES,
        }
        for row in store.read("screen_fulltext_batch", params):
            asked[row["customer"]].append(row["id"])
        return {query: keep(self.kept, query, tuple(ids), QUERIES_KEPT) for query, ids in asked.items()}


@dataclass(slots=True)
class _Job:
    """One record to screen: as the person who holds it, its values, family and scorer."""

    key: int
    record: Record
    record_id: str | None
    keys: list[dict[str, str]]
    family: str
    scorer: Scorer | None

    @property
    def searched(self) -> bool:
        """``screen_customer`` looks for candidates only for a record with a name or a value."""
        return bool(self.record.names or self.keys)


def screen_records(
    screener: Screener,
    store: GraphStore,
    records: list[Record],
    exposing: ExposingValues | None = None,
    names: NameQueryHits | None = None,
) -> list[ScreenResult]:
    """Each record's ``screen_customer`` result, in order, a batch of ``SCREEN_BATCH`` at a time.

    ``exposing``: the values that can expose anyone (``graph.exposure_reach``), read once for a big pass; a
    record none of whose values can is not searched for exposure (it has none). ``names``: the pass's full-text
    hits so far (a fresh one if not given).
    """
    names = names if names is not None else NameQueryHits()
    results: list[ScreenResult] = []
    for start in range(0, len(records), SCREEN_BATCH):
        results += _screen_batch(screener, store, records[start : start + SCREEN_BATCH], exposing, names)
    return results


def _jobs(screener: Screener, records: list[Record]) -> list[_Job]:
    """A batch's customers as screening sees them, keyed by their position in the batch."""
    jobs = []
    for key, record in enumerate(records):
        person = as_screened(record)
        family = family_of_schema(person.schema)
        jobs.append(_Job(key, person, record.record_id, value_keys(person), family, screener.scorers.get(family)))
    return jobs


def _screen_batch(
    screener: Screener, store: GraphStore, records: list[Record], exposing: ExposingValues | None, names: NameQueryHits
) -> list[ScreenResult]:
    jobs = _jobs(screener, records)
    rows = _candidate_rows(screener, store, jobs, names)
    exposure = _exposure(store, jobs, exposing)
    results: list[ScreenResult] = []
    for job in jobs:
        matches: list[Match] = []
        if rows.get(job.key):  # the customer's own features only when some listed party is to be scored
            itself = Candidate.of(job.record, job.family)
            matches = screener.ranked(rows[job.key], job.family, job.scorer, itself)
        hits = exposure.get(job.key, [])
        score = max((hit.score for hit in hits), default=0.0)
        decision = _decide(matches, score, job.scorer, named=bool(job.record.names))
        results.append(ScreenResult(decision, matches, hits, score))
    return results


def _candidate_rows(
    screener: Screener, store: GraphStore, jobs: list[_Job], names: NameQueryHits
) -> dict[int, list[dict[str, Any]]]:
    """Each job's listed candidates of its family, their records cached: a round trip for the batch, and one
    for the full-text queries the pass has not asked yet."""
    customers: list[dict[str, Any]] = []
    shared: dict[str, Any] = {}
    for job in jobs:
        if not job.searched:
            continue
        params = screener.candidate_params(store, job.record, job.keys, job.record_id, job.family)
        own = {k: params.pop(k) for k in ("entityIds", "nameQuery", "values", "recordId")}
        customers.append({"key": job.key, **own})
        shared = params
    if not customers:
        return {}
    hits = names.of(store, [customer["nameQuery"] for customer in customers])
    for customer in customers:
        asked = hits.get(customer["nameQuery"])
        customer["nameHits"] = None if asked is None else list(asked)
    family_of = {job.key: job.family for job in jobs}
    found: dict[int, list[dict[str, Any]]] = {}
    for row in store.read("screen_candidates_batch", {**shared, "customers": customers}):
        if row["listed"] and family_of_schema(row["schema"]) == family_of[row["customer"]]:
            found.setdefault(row["customer"], []).append(row)
    by_family: dict[str, list[dict[str, Any]]] = {}
    for key, candidates in found.items():
        by_family.setdefault(family_of[key], []).extend(candidates)
    for family, candidates in sorted(by_family.items()):
        screener.cache.fill(store, candidates, family)
    return found


def _exposure(store: GraphStore, jobs: list[_Job], exposing: ExposingValues | None) -> dict[int, list[ExposureHit]]:
    """Each job's exposure hits as ``Screener._exposure`` finds them: one round trip for the batch's values,
    one for its near addresses, one for its users' exposed clusters. A job whose values cannot expose it
    (``exposing``) has none, unsearched."""
    if exposing is not None:
        jobs = [job for job in jobs if exposing.may_expose(job.keys)]
    near = _near_addresses(store, jobs)
    customers = [{"key": j.key, "values": [*j.keys, *near.get(j.key, [])]} for j in jobs if j.keys]
    if not customers:
        return {}
    rows_of: dict[int, list[dict[str, Any]]] = {j.key: [] for j in jobs if j.keys}
    params = {"customers": customers, "types": list(answers.EXPOSURE_RELS), "limit": EXPOSURE_USERS}
    for row in store.read("screen_exposure_batch", params, max_hops=EXPOSURE_HOPS):
        rows_of[row.pop("customer")].append(row)
    users = {r["userId"] for rows in rows_of.values() for r in rows if r["label"] in CLUSTER_VALUE_LABELS}
    exposed = networks.exposed_clusters_of(store, sorted(users))
    found: dict[int, list[ExposureHit]] = {}
    for key, rows in rows_of.items():
        hits = exposure_hits(rows)
        hits += cluster_hits(store, rows, exposed)
        hits.sort(key=lambda h: -h.score)
        found[key] = hits[:20]
    return found


def _near_addresses(store: GraphStore, jobs: list[_Job]) -> dict[int, list[dict[str, Any]]]:
    """Each job's near-identical addresses as ``screening._near_addresses`` finds them, in one round trip."""
    exact_of = {j.key: {k["key"] for k in j.keys if k["label"] == str(Label.ADDRESS)} for j in jobs}
    scored = near_addresses_of(store, sorted({a for exact in exact_of.values() for a in exact}))
    near: dict[int, list[dict[str, Any]]] = {}
    for key, exact in exact_of.items():
        for address in exact:
            for other, score in scored.get(address, []):
                if other not in exact:
                    near.setdefault(key, []).append({"label": str(Label.ADDRESS), "key": other, "score": score})
    return near


def screen_records_by_values(
    screener: Screener,
    store: GraphStore,
    records: list[Record],
    named: list[list[dict[str, Any]]] | None = None,
    exposing: ExposingValues | None = None,
    names: NameQueryHits | None = None,
) -> list[ScreenResult | None]:
    """Each record's screening *without its name search*, for a customer whose candidates by name can give no
    reason but those of ``named`` (``graph.alert_gate`` says when); None for a record this cannot screen exactly.

    ``named``: per record, the candidate rows (as ``screen_candidates`` returns them, ``via`` name) of the new
    parties whose names reached it. The decision and reasons equal ``screen_customer``'s: what decides is the
    parties sharing a candidate value with the record (scored as its candidate query returns them:
    ``screen_value_candidates_batch``), its exposure (``_exposure``, as a full screen's), and each named party
    scoring at REVIEW or above that its candidate query would find: in the name index's best
    (``NameIndex.keeps``, which looks only at forms as alike as that party's) or the full-text query's
    (``screen_fulltext_batch``). Matches below REVIEW found by name alone are left out. None: a record sharing
    values with more entities than ``VALUE_ROOM`` (its candidate query's limit might cut some), or whose name
    index hits ``keeps`` cannot rank. ``exposing``, ``names``: as for ``screen_records``.
    """
    named = named if named is not None else [[] for _ in records]
    names = names if names is not None else NameQueryHits()
    results: list[ScreenResult | None] = []
    for start in range(0, len(records), SCREEN_BATCH):
        end = start + SCREEN_BATCH
        results += _screen_batch_by_values(screener, store, records[start:end], named[start:end], exposing, names)
    return results


def _screen_batch_by_values(
    screener: Screener,
    store: GraphStore,
    records: list[Record],
    named: list[list[dict[str, Any]]],
    exposing: ExposingValues | None,
    names: NameQueryHits,
) -> list[ScreenResult | None]:
    jobs = _jobs(screener, records)
    shared = _value_rows(screener, store, jobs)
    exposure = _exposure(store, jobs, exposing)
    found = _named_rows(screener, store, jobs, named, names)
    results: list[ScreenResult | None] = []
    for job in jobs:
        rows = shared.get(job.key, [])
        by_name = found.get(job.key, [])
        if len(rows) > VALUE_ROOM or by_name is None:
            results.append(None)
            continue
        listed = [row for row in rows if row["listed"] and family_of_schema(row["schema"]) == job.family]
        ids = {row["entityId"] for row in listed}
        listed += [row for row in by_name if row["entityId"] not in ids]
        matches: list[Match] = []
        if listed:
            matches = screener.ranked(listed, job.family, job.scorer, Candidate.of(job.record, job.family))
        hits = exposure.get(job.key, [])
        score = max((hit.score for hit in hits), default=0.0)
        decision = _decide(matches, score, job.scorer, named=bool(job.record.names))
        results.append(ScreenResult(decision, matches, hits, score))
    return results


def _named_rows(
    screener: Screener, store: GraphStore, jobs: list[_Job], named: list[list[dict[str, Any]]], names: NameQueryHits
) -> dict[int, list[dict[str, Any]] | None]:
    """Of each job's named rows, those scoring at REVIEW or above by name that its candidate query would find
    (None: the name index cannot tell without a full search)."""
    strong: dict[int, list[dict[str, Any]]] = {}
    for job, rows in zip(jobs, named, strict=True):
        mine = [row for row in rows if family_of_schema(row["schema"] or "") == job.family]
        if not mine or not job.record.names:
            continue  # no name, no name search: nothing is found by name
        screener.cache.fill(store, mine, job.family)  # cached already when the plan scored them with this screener
        itself = Candidate.of(job.record, job.family)
        for row in mine:
            for match in screener.ranked([row], job.family, job.scorer, itself):
                if match.judged == "same" or match.probability >= REVIEW_PROBABILITY:
                    strong.setdefault(job.key, []).append(row)
    if not strong:
        return {}
    queries = {job.key: name_query(job.record) for job in jobs if job.key in strong}
    hits = names.of(store, list(queries.values()))
    hits.update(names.ask(store, sorted(set(queries.values()) - hits.keys())))
    text = {key: set(hits[query]) for key, query in queries.items()}
    found: dict[int, list[dict[str, Any]] | None] = {}
    for job in jobs:
        kept: list[dict[str, Any]] | None = []
        for row in strong.get(job.key, []):
            if row["entityId"] in text.get(job.key, set()):
                assert kept is not None
                kept.append(row)
                continue
            # The listed-name index only when the full text did not find it: building it is an alert pass's
            # largest fixed cost (a read of every listed record).
            index = screener.name_index(store)
            keeps = index.keeps(record_forms(job.record, job.family), job.family, row["entityId"])
            if keeps is None:
                kept = None
                break
            if keeps:
                assert kept is not None
                kept.append(row)
        found[job.key] = kept
    return found


def _value_rows(screener: Screener, store: GraphStore, jobs: list[_Job]) -> dict[int, list[dict[str, Any]]]:
    """Each job's entities sharing a candidate value with it (listed ones with their records, cached)."""
    customers = []
    for job in jobs:
        by_label: dict[str, list[str]] = {}
        for item in job.keys:
            by_label.setdefault(item["label"], []).append(item["key"])
        values = {label: by_label.get(label, []) for label in CANDIDATE_VALUE_LABELS}
        if any(values.values()):
            customers.append({"key": job.key, "values": values, "recordId": job.record_id or ""})
    if not customers:
        return {}
    found: dict[int, list[dict[str, Any]]] = {}
    params = {"customers": customers, "recordsPerEntity": RECORDS_PER_ENTITY}
    for row in store.read("screen_value_candidates_batch", params):
        found.setdefault(row["customer"], []).append(row)
    family_of = {job.key: job.family for job in jobs}
    by_family: dict[str, list[dict[str, Any]]] = {}
    for key, rows in found.items():
        by_family.setdefault(family_of[key], []).extend(r for r in rows if r["listed"])
    for family, rows in sorted(by_family.items()):
        screener.cache.fill(store, rows, family)
    return found
