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
3. *Rule out* customers reached only by the names of parties new to the graph and
   without any reason before, when none of those parties scores at REVIEW against
   them (``graph.alert_gate``: new candidates cannot move them otherwise).
   *Re-screen the others* with the screening service's scorer, against the lists
   (``Screener.screen_customer``'s decision, in batches: ``graph.screen_batch``), into a decision and its
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
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import duckdb

from graph import alert_gate, analytics, answers
from graph.alert_reach import (
    BATCH,
    WALK_HOPS,
    Touched,
    reach,
)
from graph.applicants import HIT_PROBABILITY, REVIEW_EXPOSURE, REVIEW_PROBABILITY, Decision, ScreenResult
from graph.exposure_reach import ExposingValues, exposing_values
from graph.load.writer import Progress
from graph.screen_batch import SCREEN_BATCH, NameQueryHits, screen_records, screen_records_by_values
from graph.screening import Screener
from graph.store import GraphStore
from ingest import staging
from ingest.record import Record

# Batches of customers screened at once (threads: a batch waits on Neo4j most of the time).
SCREEN_THREADS = 3
# Customers to screen from which a pass first reads which values can expose anyone (``graph.exposure_reach``,
# a walk from every listed party): fewer cost less screened in full.
READ_EXPOSING_AT = 2_000
# Who closes an alert when a load removed its reason.
SYSTEM = "sanctiongraph load"
# Steps an alert pass reports to its ``progress(step, count)``, as a load reports its writes (``graph.loader``):
# the customers it will screen, then those screened so far.
TO_SCREEN_STEP = "alert_customers"
SCREENED_STEP = "alert_customers_screened"
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
    ruled_out: int = 0  # customers reached by a new party's name only, whom it cannot move (``graph.alert_gate``)
    by_values: int = 0  # of ``customers``, those screened without their name search (``graph.alert_gate``)
    raised: int = 0
    reopened: int = 0
    closed: int = 0
    seconds: float = 0.0
    # seconds: seeds, walk, names, gate, exposing, screen, write
    phases: dict[str, float] = field(default_factory=dict)


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


@dataclass(slots=True)
class Screened:
    decision: Decision
    reasons: list[Reason]


def screen_customers(
    store: GraphStore,
    screener: Screener,
    customer_ids: list[str],
    by_values: dict[str, list[dict[str, Any]]] | None = None,
    progress: Progress | None = None,
    exposing: ExposingValues | None = None,
) -> dict[str, Screened]:
    """Each customer's decision against the lists and its reasons (a customer with several records: the worst).

    Batched (``graph.screen_batch``): a few round trips per batch of customers
    instead of five or six per customer, each record's result what
    ``Screener.screen_customer`` gives it alone. Neo4j runs one query on one core:
    ``SCREEN_THREADS`` batches at a time keep its cores (and this process) busy.
    ``by_values``: customers whose screening by name only the new parties given can move (``graph.alert_gate``),
    screened without their name search (``screen_records_by_values``; a record it cannot screen exactly gets the
    full screen). ``progress``: called with ``SCREENED_STEP`` and the customers screened so far, a batch at a time.
    ``exposing``: the values that can expose anyone (``graph.exposure_reach``): a customer with none of them is
    not searched for exposure.
    """
    screened: dict[str, Screened] = {cid: Screened(Decision.CLEAR, []) for cid in customer_ids}
    cheap = by_values or {}
    names = NameQueryHits()  # the graph is written: each distinct name query's hits hold for the whole pass

    def screen(ids: list[str]) -> tuple[list[dict[str, Any]], list[ScreenResult]]:
        rows = store.read("alert_customer_records", {"ids": ids})
        records = [Record.from_dict(json.loads(row["data"])) for row in rows]
        results: list[ScreenResult | None] = [None] * len(rows)
        light = [i for i, row in enumerate(rows) if row["entityId"] in cheap]
        named = [cheap[rows[i]["entityId"]] for i in light]
        by_values = screen_records_by_values(screener, store, [records[i] for i in light], named, exposing, names)
        for i, result in zip(light, by_values, strict=True):
            results[i] = result
        full = [i for i, result in enumerate(results) if result is None]
        batch = [records[i] for i in full]
        for i, result in zip(full, screen_records(screener, store, batch, exposing, names), strict=True):
            results[i] = result
        return rows, [r for r in results if r is not None]

    batches = [customer_ids[start : start + SCREEN_BATCH] for start in range(0, len(customer_ids), SCREEN_BATCH)]
    with ThreadPoolExecutor(max(1, SCREEN_THREADS), thread_name_prefix="alerts-screen") as pool:
        done = 0
        for batch, (rows, results) in zip(
            batches, pool.map(screen, batches) if SCREEN_THREADS > 1 else map(screen, batches), strict=True
        ):
            for row, result in zip(rows, results, strict=True):
                _merge(screened[row["entityId"]], result, row["entityId"])
            done += len(batch)
            if progress is not None:
                progress(SCREENED_STEP, done)
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
        for record_id, (source, version, change) in staging.newest_changes(con, sorted(by_record)).items():
            found[record_id] = (source, version, change.upper())
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
    progress: Progress | None = None,
) -> AlertSummary:
    """Re-screen the customers a load's change reaches and raise, reopen or close their alerts.

    ``progress(step, count)``: the customers to screen (``TO_SCREEN_STEP``), then those screened so far
    (``SCREENED_STEP``); a first load of a big customer base screens for a long while.
    """
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

    reached = reach(store, touched, summary.phases, index=lambda: get_screener().name_index(store))
    clock = time.monotonic()
    planned = alert_gate.plan(store, get_screener, reached, con)
    summary.phases["gate"] = time.monotonic() - clock
    customer_ids = sorted(reached.customers - planned.ruled_out)
    summary.customers, summary.ruled_out, summary.by_values = (
        len(customer_ids),
        len(planned.ruled_out),
        len(planned.by_values),
    )
    if not customer_ids:
        summary.seconds = time.monotonic() - started
        return summary
    return _screen_and_compare(
        store, get_screener(), customer_ids, load_id, con, summary, started, planned.by_values, progress
    )


def _screen_and_compare(
    store: GraphStore,
    screener: Screener,
    customer_ids: list[str],
    load_id: int,
    con: duckdb.DuckDBPyConnection | None,
    summary: AlertSummary,
    started: float,
    by_values: dict[str, list[dict[str, Any]]] | None = None,
    progress: Progress | None = None,
) -> AlertSummary:
    """Screen ``customer_ids`` (``by_values``: without their name search), compare with their last screening, and
    raise, reopen or close their alerts."""
    clock = time.monotonic()
    if progress is not None:
        progress(TO_SCREEN_STEP, len(customer_ids))
    exposing = exposing_values(store) if len(customer_ids) >= READ_EXPOSING_AT else None
    summary.phases["exposing"], clock = time.monotonic() - clock, time.monotonic()
    screened = screen_customers(store, screener, customer_ids, by_values, progress, exposing)
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


def rescreen_everyone(
    store: GraphStore,
    screener: Screener,
    load_id: int,
    con: duckdb.DuckDBPyConnection | None = None,
    page: int = 5_000,
    progress: Progress | None = None,
) -> AlertSummary:
    """Re-screen every customer, and raise, reopen or close alerts for whatever moved.

    A load re-screens the customers its change reaches. Some moves reach no one:
    a retrained model, or a newly listed party pushing an older one out of a
    customer's best name candidates. This is the reconciliation a screening team
    runs after a retrain or on a schedule; it costs a full re-screen.
    """
    started = time.monotonic()
    customer_ids = [row["id"] for rows in store.pages("customer_ids_page", limit=page) for row in rows]
    summary = AlertSummary(seeds=0, customers=len(customer_ids))
    if not customer_ids:
        summary.seconds = time.monotonic() - started
        return summary
    return _screen_and_compare(store, screener, customer_ids, load_id, con, summary, started, None, progress)


# --- reading and moving alerts (the API and the CLI) ---------------------------------------------------
