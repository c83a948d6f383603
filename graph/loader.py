"""``load``: the current resolution run from staging into Neo4j.

Invariants:
- Every write is ``UNWIND $rows ... MERGE`` on a uniquely constrained key, so a
  load run twice leaves the graph as one load does.
- Every node a load writes carries its ``loadId``; only after everything is
  written are nodes with an older ``loadId`` swept. A load that dies half-way
  (the loader or Neo4j killed) leaves a graph the next load completes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from graph.model import SCHEMA_LABELS
from graph.schema import SWEPT_LABELS, ensure_schema
from graph.store import GraphStore
from ingest import staging
from ingest.record import NameKind, Record, Schema
from resolution.store import current_entity_id
from sanctiongraph.errors import GraphStoreError

BATCH_SIZE = 2_000
SWEEP_BATCH = 10_000

# When an entity's records disagree on schema, the most specific one wins.
SCHEMA_PRIORITY = [
    Schema.PERSON,
    Schema.VESSEL,
    Schema.AIRCRAFT,
    Schema.COMPANY,
    Schema.ORGANIZATION,
    Schema.LEGAL_ENTITY,
    Schema.CUSTOMER_ACCOUNT,
    Schema.ADDRESS,
]

Progress = Callable[[str, int], None]

# Records of the current run with their entity and the best evidence linking them
# to another record of the same entity.
RECORDS_SQL = """
WITH evidence AS (
    SELECT record_l AS record_id, record_r AS partner, match_probability, match_weight, comparisons
    FROM sg_match_evidence
    UNION ALL
    SELECT record_r, record_l, match_probability, match_weight, comparisons FROM sg_match_evidence
),
best AS (
    SELECT ev.record_id, arg_max(ev.partner, ev.match_probability) AS partner,
           max(ev.match_probability) AS match_probability,
           arg_max(ev.match_weight, ev.match_probability) AS match_weight,
           arg_max(ev.comparisons, ev.match_probability) AS comparisons
    FROM evidence ev
    JOIN sg_record_entities a ON a.record_id = ev.record_id
    JOIN sg_record_entities b ON b.record_id = ev.partner AND b.entity_id = a.entity_id
    GROUP BY ev.record_id
)
SELECT e.entity_id, r.data, best.partner, best.match_probability, best.match_weight, best.comparisons
FROM sg_record_entities e
JOIN sg_records r USING (record_id)
LEFT JOIN best USING (record_id)
ORDER BY e.entity_id, e.record_id
"""

RETIRED_SQL = "SELECT entity_id FROM sg_entity_ids WHERE retired_run IS NOT NULL"


@dataclass(slots=True)
class LoadSummary:
    load_id: int
    run_id: str
    entities: int = 0
    records: int = 0
    sanctions: int = 0
    retired: int = 0
    swept: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class _Member:
    record: Record
    partner: str | None
    probability: float | None
    weight: float | None
    comparisons: str | None


@dataclass(slots=True)
class _Batches:
    """Rows waiting to be written, flushed in batches."""

    entities: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    sanctions: list[dict[str, Any]] = field(default_factory=list)


def _entity_schema(members: list[_Member]) -> Schema:
    schemas = {m.record.schema for m in members}
    return next(s for s in SCHEMA_PRIORITY if s in schemas)


def entity_row(entity_id: str, members: list[_Member]) -> dict[str, Any]:
    """The properties of one entity node, derived from all its records."""
    records = [m.record for m in members]
    caption = max((r.caption for r in records), key=lambda c: (len(c), c))
    aliases = sorted({n.value for r in records for n in r.names if n.kind is not NameKind.WEAK} - {caption})
    return {
        "id": entity_id,
        "schema": str(_entity_schema(members)),
        "name": caption,
        "aliases": aliases,
        "aliasText": "\n".join(aliases),
        "listed": any(r.sanctions for r in records),
        "countries": sorted({c for r in records for c in r.countries + r.nationalities + r.jurisdictions}),
        "birthDates": sorted({d for r in records for d in r.birth_dates}),
        "recordCount": len(records),
        "sources": sorted({r.source for r in records}),
    }


def record_row(entity_id: str, member: _Member) -> dict[str, Any]:
    record = member.record
    evidence = None
    if member.partner is not None:
        evidence = json.dumps({"partner": member.partner, "comparisons": json.loads(member.comparisons or "[]")})
    return {
        "id": record.record_id,
        "entityId": entity_id,
        "source": record.source,
        "sourceKey": record.source_key,
        "sourceVersion": record.source_version,
        "schema": str(record.schema),
        "name": record.caption,
        "names": [n.value for n in record.names],
        "data": json.dumps(record.to_dict(), ensure_ascii=False, default=str),
        "matchProbability": member.probability,
        "matchWeight": member.weight,
        "evidence": evidence,
    }


def sanction_rows(entity_id: str, record: Record) -> Iterator[dict[str, Any]]:
    for index, sanction in enumerate(record.sanctions):
        yield {
            "id": f"{record.record_id}#{index}",
            "entityId": entity_id,
            "recordId": record.record_id,
            "source": record.source,
            "authority": sanction.authority,
            "program": sanction.program,
            "listName": sanction.list_name,
            "listedOn": sanction.listed_on,
            "reference": sanction.reference,
        }


def iter_entities(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, list[_Member]]]:
    """Entities of the current run with their member records, streamed from staging."""
    cursor = con.execute(RECORDS_SQL)
    current: str | None = None
    members: list[_Member] = []
    while rows := cursor.fetchmany(BATCH_SIZE):
        for entity_id, data, partner, probability, weight, comparisons in rows:
            if entity_id != current and current is not None:
                yield current, members
                members = []
            current = entity_id
            members.append(_Member(Record.from_dict(json.loads(data)), partner, probability, weight, comparisons))
    if current is not None:
        yield current, members


class Loader:
    """Writes one load; ``flush`` sends whatever batches are full (or all, at the end)."""

    def __init__(self, store: GraphStore, load_id: int, progress: Progress | None) -> None:
        self.store = store
        self.load_id = load_id
        self.progress = progress or (lambda _step, _n: None)
        self.batches = _Batches()
        self.summary_counts = {"entities": 0, "records": 0, "sanctions": 0}

    def add(self, entity_id: str, members: list[_Member]) -> None:
        row = entity_row(entity_id, members)
        self.batches.entities.setdefault(row["schema"], []).append(row)
        for member in members:
            self.batches.records.append(record_row(entity_id, member))
            self.batches.sanctions.extend(sanction_rows(entity_id, member.record))
        self.flush(final=False)

    def flush(self, *, final: bool) -> None:
        """Write when a batch is full; entities first, since records MATCH their entity."""
        if not final and len(self.batches.records) < BATCH_SIZE:
            return
        self.flush_entities()
        self._write("merge_records", self.batches.records, "records")
        self._write("merge_sanctions", self.batches.sanctions, "sanctions")
        self.batches.records, self.batches.sanctions = [], []

    def flush_entities(self) -> None:
        for schema, rows in list(self.batches.entities.items()):
            others = ":".join(sorted(SCHEMA_LABELS - {schema}))
            self._write("merge_entities", rows, "entities", schema=schema, other_schemas=others)
        self.batches.entities.clear()

    def _write(self, query: str, rows: list[dict[str, Any]], counter: str, **labels: str) -> None:
        if not rows:
            return
        self.store.write(query, {"rows": rows, "loadId": self.load_id}, **labels)
        self.summary_counts[counter] += len(rows)
        self.progress(counter, self.summary_counts[counter])


def _sweep(store: GraphStore, load_id: int) -> int:
    deleted = 0
    for label in SWEPT_LABELS:
        while True:
            rows = store.write("sweep_stale", {"loadId": load_id, "batch": SWEEP_BATCH}, label=str(label))
            count = rows.get("nodes_deleted", 0)
            deleted += count
            if count < SWEEP_BATCH:
                break
    return deleted


def _retired_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = []
    for (entity_id,) in con.execute(RETIRED_SQL).fetchall():
        rows.append({"id": entity_id, "successor": current_entity_id(con, entity_id)})
    return rows


def run_load(store: GraphStore, staging_path: Path, *, progress: Progress | None = None) -> LoadSummary:
    """Write the latest resolution run into Neo4j and sweep what it no longer has."""
    started = time.monotonic()
    if not staging_path.is_file():
        raise GraphStoreError(
            f"{staging_path}: no staging database", hint="run `sanctiongraph ingest` and `resolve` first"
        )
    con = staging.connect(staging_path, read_only=True)
    try:
        run = con.execute("SELECT run_id FROM sg_runs ORDER BY finished_at DESC LIMIT 1").fetchone()
        if run is None:
            raise GraphStoreError(f"{staging_path}: no resolution run yet", hint="run `sanctiongraph resolve` first")
        store.verify()
        ensure_schema(store)
        load_id = int(time.time() * 1000)
        summary = LoadSummary(load_id, str(run[0]))
        store.write("start_load", {"loadId": load_id, "runId": summary.run_id})
        loader = Loader(store, load_id, progress)
        for entity_id, members in iter_entities(con):
            loader.add(entity_id, members)
        loader.flush(final=True)
        retired = _retired_rows(con)
        for start in range(0, len(retired), BATCH_SIZE):
            store.write("merge_retired", {"rows": retired[start : start + BATCH_SIZE], "loadId": load_id})
    finally:
        con.close()
    summary.swept = _sweep(store, load_id)
    summary.entities = loader.summary_counts["entities"]
    summary.records = loader.summary_counts["records"]
    summary.sanctions = loader.summary_counts["sanctions"]
    summary.retired = len(retired)
    store.write("finish_load", {"runId": summary.run_id, "entities": summary.entities, "records": summary.records})
    summary.seconds = time.monotonic() - started
    return summary
