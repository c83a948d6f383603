"""Ongoing screening: after each load, the customers whose decision or exposure the load changed become alerts.

A screening team must re-check a customer the day a list adds a party it
matches, or a wallet, e-mail or address it shares; and a delisting must close
what it opened. Re-screening every customer and diffing the answers costs the
size of the customer base; this costs the size of the change:

1. *What the load touched* (``Touched``): the entities and shared values whose
   rows the load wrote or deleted (``LoadState.touched``). A load with no
   trusted state (the first, or into another graph) touches every listed party.
2. *Customers it reaches*: touched customers themselves; customers a walk of at
   most ``WALK_HOPS`` hops reaches from a touched entity or value over relations
   and shared values (never through a super-node); members of exposed clusters
   the load wrote (``graph.clusters``: a ring's far end is many hops from the
   list, its cluster is not); customers with a name form near one of a
   touched listed person's (the forms screening retrieves by, folded for spelling,
   spacing, romanisation and script; equal or one edit apart: ``_by_name``
   through the customers' forms index, or on a first load ``_by_name_everything``
   through the screener's in-process index); and customers whose last screening
   named a touched party (a delisting re-screens them).
3. *Re-screen only those* with the screening service's scorer, against the lists
   (``Screener.screen_customer``, a few at a time), into a decision and its
   reasons: each listed party matched or reached, with the level it reaches (HIT or REVIEW).
4. *Compare with the last screening* (``CustomerScreening`` nodes; none means
   CLEAR): a reason that is new raises an alert (id = customer and reason, so
   never twice); a reason that is gone closes its alert, saying why (the list
   removed the party, or the link is gone). A reason back after a load closed
   it reopens the alert.

An alert keeps its status (OPEN, UNDER_REVIEW, CLOSED), who closed it and why,
and its history; analysts move it with ``update_alert``.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import duckdb
from rapidfuzz import fuzz, process
from rigour.text.translit import ascii_text

from graph import analytics, answers
from graph.applicants import HIT_PROBABILITY, REVIEW_EXPOSURE, REVIEW_PROBABILITY, Decision, ScreenResult
from graph.model import CUSTOMER_FORMS_INDEX, ENTITY_NAME_INDEX, Label
from graph.name_index import NameIndex, form_edits, forms_near
from graph.name_match import UNLIKE_NAMES, family_of_schema, names_forms, plain_name
from graph.queries import MAX_QUERY_TERMS
from graph.screening import Screener
from graph.store import GraphStore
from ingest.record import Record
from resolution.normalize import PERSON
from sanctiongraph.errors import GraphStoreError, InvalidArgumentError, NotFoundError

# Hops from a touched entity or value to a customer: a listed party's value, its user, that user's relation,
# and the customer's own value (screening's exposure reaches listed parties within 3 hops of a user of the
# customer's values).
WALK_HOPS = 4
# A walk that reaches more nodes than this stops widening (the hops so far are kept): a change that touches a
# dense corner of the graph must not turn into a traversal of all of it.
WALK_NODES = 500_000
# Customers the forms index may return per listed name (a common name is many customers' name).
NAME_CANDIDATES = 1_000
# Customers the names index may return per listed name's words, and how alike (token-sort) the names must be.
WORD_CANDIDATES = 50
NAME_SIMILARITY = round(100 * UNLIKE_NAMES)
_WORDS = re.compile(r"[A-Za-z0-9]+")
# Query terms (forms) per listed name at most: Lucene caps a query's clauses.
MAX_TERMS = 64
# Customers' forms read per round trip on a first load.
FORMS_PAGE = 10_000
_FORM = re.compile(r"[a-z0-9]+")
BATCH = 500
# Customers screened at once (threads: screening waits on Neo4j most of the time).
SCREEN_THREADS = 4
# Who closes an alert when a load removed its reason.
SYSTEM = "sanctiongraph load"
_RANK = {Decision.CLEAR: 0, Decision.REVIEW: 1, Decision.HIT: 2}


class AlertStatus(StrEnum):
    OPEN = "OPEN"
    UNDER_REVIEW = "UNDER_REVIEW"
    CLOSED = "CLOSED"


class ChangeKind(StrEnum):
    ADDED = "ADDED"
    CHANGED = "CHANGED"
    REMOVED = "REMOVED"
    UNCHANGED = "UNCHANGED"  # the party's entry did not change; a value or relation now links the customer


@dataclass(slots=True)
class Touched:
    """What a load wrote or deleted: entity IDs and shared values (label, key); ``everything`` when untrusted."""

    entity_ids: set[str] = field(default_factory=set)
    values: set[tuple[str, str]] = field(default_factory=set)
    everything: bool = False


@dataclass(slots=True)
class Reason:
    """One listed party behind a customer's decision, at the level it reaches."""

    key: str  # "match:<listed id>:<level>" or "exposure:<listed id>:<level>"
    level: str  # HIT or REVIEW
    listed_id: str
    listed_name: str
    text: str


@dataclass(slots=True)
class AlertSummary:
    seeds: int = 0  # entities and values the load touched
    customers: int = 0  # customers re-screened
    raised: int = 0
    reopened: int = 0
    closed: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds: seeds, walk, names, screen, write


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


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def alert_id(customer_id: str, reason_key: str) -> str:
    return "al-" + hashlib.sha256(f"{customer_id}|{reason_key}".encode()).hexdigest()[:20]


def reasons_of(result: ScreenResult, customer_id: str | None = None) -> list[Reason]:
    """The listed parties behind a decision: matches at REVIEW or above, exposure at REVIEW or above.

    A party reached both directly (it uses the customer's value) and through a
    path is told by the direct share: that is what an analyst checks first.
    """
    found: dict[str, Reason] = {}
    for match in result.matches:
        if not match.listed:
            continue
        if match.judged == "same" or match.probability >= HIT_PROBABILITY:
            level = Decision.HIT
        elif match.probability >= REVIEW_PROBABILITY:
            level = Decision.REVIEW
        else:
            continue
        key = f"match:{match.entity_id}:{level}"
        text = f"name match with {match.name} ({match.probability:.2f})"
        found.setdefault(key, Reason(key, str(level), match.entity_id, match.name, text))
    hits = sorted(
        (hit for hit in result.exposure if hit.score >= REVIEW_EXPOSURE),
        key=lambda h: (not h.user.listed, h.user.entity_id == customer_id, -h.score),
    )
    for hit in hits:
        listed = hit.user if hit.user.listed else (hit.path.nodes[-1] if hit.path and hit.path.nodes else None)
        if listed is None or listed.entity_id is None:
            continue
        key = f"exposure:{listed.entity_id}:{Decision.REVIEW}"
        if hit.user.listed:
            text = f"shares {hit.label} {hit.value} with {listed.name}"
        elif hit.user.entity_id == customer_id and hit.path is not None and len(hit.path.nodes) > 1:
            via = hit.path.nodes[1]
            text = f"{via.label} {via.name} links it to {listed.name}"
        else:
            text = f"shares {hit.label} {hit.value} with {hit.user.name}, linked to {listed.name}"
        text += f" (exposure {hit.score:.2f})"
        found.setdefault(key, Reason(key, str(Decision.REVIEW), listed.entity_id, listed.name, text))
    return sorted(found.values(), key=lambda r: (-_RANK[Decision(r.level)], r.key))


def _walk(store: GraphStore, starts: set[str]) -> set[str]:
    """Customers within ``WALK_HOPS`` hops of the start nodes (element ids), breadth first, hop by hop."""
    seen = set(starts)
    frontier = sorted(starts)
    customers: set[str] = set()
    for _ in range(WALK_HOPS):
        following: list[str] = []
        for start in range(0, len(frontier), BATCH):
            rows = store.read(
                "alert_expand", {"nodes": frontier[start : start + BATCH], "types": list(answers.EXPOSURE_RELS)}
            )
            for row in rows:
                if row["customer"]:
                    customers.add(row["id"])
                if row["node"] not in seen:
                    seen.add(row["node"])
                    following.append(row["node"])
        if not following or len(seen) >= WALK_NODES:
            break
        frontier = following
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


def _by_name(store: GraphStore, listed: list[dict[str, Any]]) -> set[str]:
    """Customers whose own screening could find a changed listed person by name.

    Two searches, one query per listed name each, so the cost follows the change:
    the forms screening retrieves by (``name_match.names_forms`` for the party, as
    its name index holds them; ``name_match.customer_forms`` for customers, kept on
    their entities by the loader) as fuzzy terms in the customers' forms index, so
    a respelled, run-together or otherwise romanised name is found
    (``name_index.forms_near`` says which pairs count); and the name's plain words
    in the names index, for a customer with most of a listed name's words (``_words_near``).
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
    customers: set[str] = set()
    for start in range(0, len(seeds), BATCH):
        rows = store.read(
            "alert_form_candidates",
            {"seeds": seeds[start : start + BATCH], "index": CUSTOMER_FORMS_INDEX, "limit": NAME_CANDIDATES},
        )
        for row in rows:
            if row["id"] not in customers and forms_near((row["forms"] or "").split(), forms_of[row["listedId"]]):
                customers.add(row["id"])
    for start in range(0, len(words), BATCH):
        rows = store.read(
            "alert_word_candidates",
            {"seeds": words[start : start + BATCH], "index": ENTITY_NAME_INDEX, "limit": WORD_CANDIDATES},
        )
        for row in rows:
            if row["id"] not in customers and _words_near(_plain(row["name"] or ""), plain_of[row["listedId"]]):
                customers.add(row["id"])
    return customers


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
    after = ""
    while rows := store.read("alert_customer_forms", {"after": after, "limit": FORMS_PAGE}):
        for row in rows:
            if index.near(row["forms"].split(), PERSON):
                customers.add(row["id"])
                continue
            plain = _plain(row["name"] or "")
            others = {other for word in _WORDS.findall(plain) for other in by_word.get(word, ())}
            if others and process.extractOne(plain, others, scorer=fuzz.token_sort_ratio, score_cutoff=NAME_SIMILARITY):
                customers.add(row["id"])
        after = rows[-1]["id"]
    return customers


def customers_reached(
    store: GraphStore,
    touched: Touched,
    phases: dict[str, float] | None = None,
    index: Callable[[], NameIndex] | None = None,
) -> set[str]:
    """The customers a load's change may have moved: the change's own customers and what it reaches.

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
    customers |= _walk(store, starts)
    phases["walk"], clock = time.monotonic() - clock, time.monotonic()
    if touched.everything and index is not None:
        customers |= _by_name_everything(store, index(), listed)
    else:
        customers |= _by_name(store, listed)
    phases["names"] = time.monotonic() - clock
    return customers


@dataclass(slots=True)
class Screened:
    decision: Decision
    reasons: list[Reason]


def screen_customers(store: GraphStore, screener: Screener, customer_ids: list[str]) -> dict[str, Screened]:
    """Each customer's decision against the lists and its reasons (a customer with several records: the worst)."""
    screened: dict[str, Screened] = {cid: Screened(Decision.CLEAR, []) for cid in customer_ids}

    def screen(row: dict[str, Any]) -> ScreenResult:
        return screener.screen_customer(store, Record.from_dict(json.loads(row["data"])))

    # Screening a customer is mostly waiting on Neo4j's round trips: a few at a time keep both busy.
    with ThreadPoolExecutor(max(1, SCREEN_THREADS), thread_name_prefix="alerts-screen") as pool:
        for start in range(0, len(customer_ids), BATCH):
            rows = store.read("alert_customer_records", {"ids": customer_ids[start : start + BATCH]})
            results = pool.map(screen, rows) if SCREEN_THREADS > 1 else map(screen, rows)  # 1: in this thread
            for row, result in zip(rows, results, strict=True):
                _merge(screened[row["entityId"]], result, row["entityId"])
    return screened


def _merge(current: Screened, result: ScreenResult, customer_id: str) -> None:
    """One record's screening into its customer's: the worst decision, every reason once."""
    if _RANK[result.decision] > _RANK[current.decision]:
        current.decision = result.decision
    known = {r.key for r in current.reasons}
    current.reasons += [r for r in reasons_of(result, customer_id) if r.key not in known]


def _list_changes(
    con: duckdb.DuckDBPyConnection | None, store: GraphStore, listed_ids: list[str]
) -> dict[str, dict[str, str]]:
    """For each listed party: the newest change to its list entries (source, version, kind)."""
    if not listed_ids:
        return {}
    rows = store.read("alert_listed_records", {"ids": listed_ids})
    by_record = {row["recordId"]: row for row in rows}
    changes: dict[str, dict[str, str]] = {}
    found: dict[str, tuple[str, str, str]] = {}
    if con is not None and by_record:
        result = con.execute(
            """
            SELECT c.record_id, c.source, c.version, c.change FROM sg_changes c
            JOIN sg_source_versions v ON v.source = c.source AND v.version = c.version
            WHERE c.record_id IN (SELECT unnest(?::VARCHAR[]))
            ORDER BY v.ingested_at DESC
            """,
            [sorted(by_record)],
        ).fetchall()
        for record_id, source, version, change in result:
            found.setdefault(str(record_id), (str(source), str(version), str(change).upper()))
    for record_id, row in sorted(by_record.items()):
        source, version, kind = found.get(
            record_id, (row["source"], row["sourceVersion"] or "", str(ChangeKind.UNCHANGED))
        )
        if row["removedIn"]:
            source, version, kind = row["source"], row["removedIn"], str(ChangeKind.REMOVED)
        current = changes.get(row["entityId"])
        # A party with several entries: a live entry's change rather than a removed one's, then the newest.
        rank = (kind != ChangeKind.REMOVED, version)
        if current is None or rank > (current["kind"] != ChangeKind.REMOVED, current["version"]):
            changes[row["entityId"]] = {"source": source, "version": version, "kind": kind}
    return changes


def _path_json(store: GraphStore, customer_id: str, listed_id: str) -> str | None:
    found = analytics.paths(store, customer_id, listed_id, max_hops=WALK_HOPS + 1, k=1)
    return json.dumps(asdict(found[0])) if found else None


def path_from_json(text: str | None) -> answers.Path | None:
    """The path an alert stored (``asdict`` of ``answers.Path``)."""
    if not text:
        return None
    data = json.loads(text)
    return answers.Path(
        [answers.GraphNode(**n) for n in data["nodes"]],
        [answers.GraphEdge(**e) for e in data["edges"]],
        data["score"],
        data["explanation"],
    )


def run_alerts(
    store: GraphStore,
    screener: Screener | Callable[[], Screener],
    touched: Touched,
    load_id: int,
    con: duckdb.DuckDBPyConnection | None = None,
) -> AlertSummary:
    """Re-screen the customers a load's change reaches and raise, reopen or close their alerts."""
    started = time.monotonic()
    summary = AlertSummary(seeds=len(touched.entity_ids) + len(touched.values))
    if not store.read("any_customer"):  # lists alone: no walk, no name search
        summary.seconds = time.monotonic() - started
        return summary
    loaded: list[Screener] = [screener] if isinstance(screener, Screener) else []

    def get_screener() -> Screener:
        # Loading the models costs a second or two: only when a customer needs screening (or a first load's index).
        if not loaded:
            assert not isinstance(screener, Screener)
            loaded.append(screener())
        return loaded[0]

    customer_ids = sorted(
        customers_reached(store, touched, summary.phases, index=lambda: get_screener().name_index(store))
    )
    clock = time.monotonic()
    summary.customers = len(customer_ids)
    if not customer_ids:
        summary.seconds = time.monotonic() - started
        return summary
    screened = screen_customers(store, get_screener(), customer_ids)
    summary.phases["screen"], clock = time.monotonic() - clock, time.monotonic()
    before = {row["id"]: row for row in store.read("alert_screenings", {"ids": customer_ids})}
    now = _now()
    raise_rows: list[dict[str, Any]] = []
    reopen_rows: list[dict[str, Any]] = []
    close_rows: list[tuple[str, Reason]] = []
    states: list[dict[str, Any]] = []
    pending: list[tuple[str, Reason, str, str]] = []  # customer, reason, previous decision, alert status
    for customer_id in customer_ids:
        now_screened = screened[customer_id]
        last = before.get(customer_id) or {}
        previous = str(last.get("decision") or Decision.CLEAR)
        old = {r["key"]: Reason(**r) for r in json.loads(last.get("reasons") or "[]")}
        alerts = {a["id"]: a for a in (last.get("alerts") or []) if a.get("id")}
        new_keys = {r.key for r in now_screened.reasons}
        for reason in now_screened.reasons:
            existing = alerts.get(alert_id(customer_id, reason.key))
            if reason.key in old and existing is not None:
                continue  # the same reason as before: nothing new to say
            if existing is None:
                pending.append((customer_id, reason, previous, "raise"))
            elif existing["status"] == AlertStatus.CLOSED and existing.get("closedBy") == SYSTEM:
                pending.append((customer_id, reason, previous, "reopen"))
        for key, reason in old.items():
            if key not in new_keys:
                close_rows.append((customer_id, reason))
        states.append(
            {
                "id": customer_id,
                "decision": str(now_screened.decision),
                "reasons": json.dumps([asdict(r) for r in now_screened.reasons]),
                "listedIds": sorted({r.listed_id for r in now_screened.reasons}),
            }
        )
    listed_ids = sorted({r.listed_id for _, r, _, _ in pending} | {r.listed_id for _, r in close_rows})
    changes = _list_changes(con, store, listed_ids)
    for customer_id, reason, previous, action in pending:
        change = changes.get(reason.listed_id, {"source": "", "version": "", "kind": str(ChangeKind.UNCHANGED)})
        props = {
            "customerId": customer_id,
            "decision": str(screened[customer_id].decision),
            "previousDecision": previous,
            "reasonKey": reason.key,
            "reason": reason.text,
            "level": reason.level,
            "listedId": reason.listed_id,
            "listedName": reason.listed_name,
            "path": _path_json(store, customer_id, reason.listed_id),
            "source": change["source"],
            "version": change["version"],
            "kind": change["kind"],
        }
        event = json.dumps({"at": now, "status": str(AlertStatus.OPEN), "by": SYSTEM, "note": reason.text})
        row = {"id": alert_id(customer_id, reason.key), "props": props, "event": event}
        (raise_rows if action == "raise" else reopen_rows).append(row)
    closing: list[dict[str, Any]] = []
    for customer_id, reason in close_rows:
        change = changes.get(reason.listed_id, {})
        if change.get("kind") == ChangeKind.REMOVED:
            why = f"{reason.listed_name} removed from {change['source']} in {change['version']}"
        else:
            why = f"no longer a reason: {reason.text}"
        event = json.dumps({"at": now, "status": str(AlertStatus.CLOSED), "by": SYSTEM, "note": why})
        closing.append({"id": alert_id(customer_id, reason.key), "reason": why, "event": event})
    params = {"now": now, "loadId": load_id, "system": SYSTEM}
    for name, rows in (("create_alerts", raise_rows), ("reopen_alerts", reopen_rows), ("close_alerts", closing)):
        for start in range(0, len(rows), BATCH):
            store.write(name, {**params, "rows": rows[start : start + BATCH]})
    summary.raised, summary.reopened, summary.closed = len(raise_rows), len(reopen_rows), len(closing)
    for start in range(0, len(states), BATCH):
        store.write("merge_screenings", {"rows": states[start : start + BATCH], "loadId": load_id})
    summary.phases["write"] = time.monotonic() - clock
    summary.seconds = time.monotonic() - started
    return summary


# --- reading and moving alerts (the API and the CLI) ---------------------------------------------------


@dataclass(slots=True)
class AlertView:
    id: str
    customer_id: str
    decision: str
    previous_decision: str
    reason: str
    path: answers.Path | None
    list_change: dict[str, str]
    created_at: str
    status: str
    level: str = ""
    listed_id: str = ""
    listed_name: str = ""
    updated_at: str = ""
    closed_reason: str | None = None
    closed_by: str | None = None
    closed_at: str | None = None
    note: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The CLI's shape (``sanctiongraph alerts --json``): the GraphQL field names."""
        return {
            "id": self.id,
            "customerId": self.customer_id,
            "decision": self.decision,
            "previousDecision": self.previous_decision,
            "reason": self.reason,
            "listedId": self.listed_id,
            "listedName": self.listed_name,
            "listChange": self.list_change,
            "createdAt": self.created_at,
            "status": self.status,
            "closedReason": self.closed_reason,
            "closedBy": self.closed_by,
            "path": [n.node_id for n in self.path.nodes] if self.path else None,
        }


def _view(row: dict[str, Any]) -> AlertView:
    return AlertView(
        id=row["id"],
        customer_id=row["customerId"],
        decision=row["decision"],
        previous_decision=row["previousDecision"],
        reason=row["reason"],
        path=path_from_json(row.get("path")),
        list_change={
            "source": row.get("source") or "",
            "version": row.get("version") or "",
            "kind": row.get("kind") or "",
        },
        created_at=row["createdAt"],
        status=row["status"],
        level=row.get("level") or "",
        listed_id=row.get("listedId") or "",
        listed_name=row.get("listedName") or "",
        updated_at=row.get("updatedAt") or "",
        closed_reason=row.get("closedReason"),
        closed_by=row.get("closedBy"),
        closed_at=row.get("closedAt"),
        note=row.get("note"),
        history=[json.loads(h) for h in row.get("history") or []],
    )


def list_alerts(
    store: GraphStore, status: str = AlertStatus.OPEN, *, skip: int = 0, limit: int = 50
) -> list[AlertView]:
    """A page of alerts of one status, newest first."""
    rows = store.read("list_alerts", {"status": str(AlertStatus(status)), "skip": skip, "limit": limit})
    return [_view(row["alert"]) for row in rows]


def get_alert(store: GraphStore, id: str) -> AlertView | None:
    rows = store.read("alert_by_id", {"id": id})
    return _view(rows[0]["alert"]) if rows else None


def update_alert(store: GraphStore, id: str, status: str, note: str | None, author: str) -> AlertView:
    """An analyst's move: under review, or closed (the note is the closing reason); kept in the history."""
    try:
        chosen = AlertStatus(status)
    except ValueError:
        raise InvalidArgumentError(f"status must be one of {[s.value for s in AlertStatus]}") from None
    if chosen is AlertStatus.CLOSED and not (note or "").strip():
        raise InvalidArgumentError("closing an alert needs a note: why it is closed")
    now = _now()
    event = json.dumps({"at": now, "status": str(chosen), "by": author, "note": note})
    rows = store.write_once(
        "update_alert", {"id": id, "status": str(chosen), "note": note, "author": author, "now": now, "event": event}
    )[1]
    if not rows:
        raise NotFoundError(f"no alert {id}")
    return _view(rows[0]["alert"])


__all__ = ["AlertStatus", "GraphStoreError", "Touched", "run_alerts", "list_alerts", "update_alert"]
