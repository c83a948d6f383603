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

from graph.extract import iter_infra, iter_relations
from graph.model import RELATION_TYPES, SCHEMA_LABELS, Label, Rel
from graph.schema import SWEPT_LABELS, SWEPT_RELS, ensure_schema
from graph.specificity import is_super_node, specificity
from graph.store import GraphStore
from ingest import staging
from ingest.record import NameKind, Record, RelationKind, Schema
from ingest.values import email_domain, ip_network
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

# A load's progress, left in the workspace for the API's /metrics (a load runs in another process).
LOAD_PROGRESS_FILE = "load-progress.json"


class ProgressFile:
    """Writes a load's progress to a small JSON file, at most once a second."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written: dict[str, int] = {}
        self._last = 0.0

    def update(self, step: str, count: int) -> None:
        self.written[step] = count
        if time.monotonic() - self._last >= 1.0:
            self._save(running=True)

    def finish(self) -> None:
        self._save(running=False)

    def _save(self, *, running: bool) -> None:
        self._last = time.monotonic()
        temporary = self.path.with_suffix(".tmp")
        try:
            temporary.write_text(json.dumps({"running": running, "written": self.written}), encoding="utf-8")
            temporary.replace(self.path)
        except OSError:
            pass  # progress is a convenience; a read-only workspace must not fail the load


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

SOURCES_SQL = """
SELECT source, any_value(format),
       list({'version': version, 'rowsRead': rows_read, 'records': records, 'quarantined': quarantined,
             'added': added, 'changed': changed, 'removed': removed,
             'ingestedAt': strftime(ingested_at, '%Y-%m-%dT%H:%M:%S')}
            ORDER BY ingested_at)
FROM sg_source_versions GROUP BY source ORDER BY source
"""

# The latest active judgement per record pair.
JUDGEMENTS_SQL = """
SELECT record_l, record_r, arg_max(judgement, created_at), arg_max(note, created_at), arg_max(author, created_at),
       strftime(max(created_at), '%Y-%m-%dT%H:%M:%S')
FROM sg_judgements WHERE deleted_at IS NULL GROUP BY record_l, record_r
"""

# Records a newer version of their list no longer has (delisted), with how many listings they had.
REMOVED_SQL = """
SELECT record_id, removed_in, coalesce(json_array_length(json_extract(data, '$.sanctions')), 0)
FROM sg_records WHERE removed_in IS NOT NULL ORDER BY record_id
"""


@dataclass(slots=True)
class LoadSummary:
    load_id: int
    run_id: str
    entities: int = 0
    records: int = 0
    sanctions: int = 0
    retired: int = 0
    infra_links: int = 0
    relations: int = 0
    delisted: int = 0
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
        "incorporationDates": sorted({d for r in records for d in r.incorporation_dates}),
        # How sure the merge is: its weakest link (1.0 for a single record).
        "confidence": min((m.probability for m in members if m.probability is not None), default=1.0),
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
            # An entity's schema is its label too, unless (like Address) it is not an entity label.
            label = schema if schema in SCHEMA_LABELS else "Entity"
            others = ":".join(sorted(SCHEMA_LABELS - {schema}))
            self._write("merge_entities", rows, "entities", schema=label, other_schemas=others)
        self.batches.entities.clear()

    def _write(self, query: str, rows: list[dict[str, Any]], counter: str, **labels: str) -> None:
        if not rows:
            return
        self.store.write(query, {"rows": rows, "loadId": self.load_id}, **labels)
        self.summary_counts[counter] += len(rows)
        self.progress(counter, self.summary_counts[counter])


def _sweep(store: GraphStore, load_id: int) -> int:
    """Delete what this load did not write: stale relationships first, then stale nodes."""
    deleted = 0
    for rel in SWEPT_RELS:
        deleted += _sweep_one(store, "sweep_stale_rels", load_id, rel=str(rel))
    for label in SWEPT_LABELS:
        deleted += _sweep_one(store, "sweep_stale", load_id, label=str(label))
    return deleted


def _sweep_one(store: GraphStore, query: str, load_id: int, **labels: str) -> int:
    deleted = 0
    while True:
        counters = store.write(query, {"loadId": load_id, "batch": SWEEP_BATCH}, **labels)
        count = counters.get("nodes_deleted", 0) or counters.get("relationships_deleted", 0)
        deleted += count
        if count < SWEEP_BATCH:
            return deleted


def _source_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return [
        {"name": name, "format": fmt, "versions": versions}
        for name, fmt, versions in con.execute(SOURCES_SQL).fetchall()
    ]


def _judgement_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    if not _has_table(con, "sg_judgements"):
        return []
    return [
        {"recordA": a, "recordB": b, "judgement": j, "note": note, "author": author, "at": at}
        for a, b, j, note, author, at in con.execute(JUDGEMENTS_SQL).fetchall()
    ]


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()
    return bool(row and row[0])


def _write_rows(store: GraphStore, query: str, rows: list[dict[str, Any]], load_id: int) -> None:
    for start in range(0, len(rows), BATCH_SIZE):
        store.write(query, {"rows": rows[start : start + BATCH_SIZE], "loadId": load_id})


def _mark_delisted(con: duckdb.DuckDBPyConnection, store: GraphStore, load_id: int) -> int:
    rows = [
        {"id": record_id, "removedIn": removed_in, "sanctionIds": [f"{record_id}#{i}" for i in range(int(count))]}
        for record_id, removed_in, count in con.execute(REMOVED_SQL).fetchall()
    ]
    _write_rows(store, "mark_delisted", rows, load_id)
    return len(rows)


def _retired_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = []
    for (entity_id,) in con.execute(RETIRED_SQL).fetchall():
        rows.append({"id": entity_id, "successor": current_entity_id(con, entity_id)})
    return rows


def _write_batches(
    store: GraphStore,
    query: str,
    rows: Iterator[tuple[tuple[str, ...], dict[str, Any]]],
    load_id: int,
    placeholders: tuple[str, ...],
    progress: Progress | None,
    step: str,
) -> int:
    """Write ``(group, row)`` pairs in batches of one group (one label/type) each."""
    written = 0
    batch: list[dict[str, Any]] = []
    group: tuple[str, ...] = ()

    def flush() -> None:
        nonlocal written, batch
        store.write(query, {"rows": batch, "loadId": load_id}, **dict(zip(placeholders, group, strict=True)))
        written += len(batch)
        batch = []
        if progress is not None:
            progress(step, written)

    for row_group, row in rows:
        if batch and (row_group != group or len(batch) >= BATCH_SIZE):
            flush()
        group = row_group
        batch.append(row)
    if batch:
        flush()
    return written


def _infra_rows(con: duckdb.DuckDBPyConnection, parents: _Parents) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    for row in iter_infra(con):
        parents.add(row.kind, row.key)
        weight = specificity(row.kind, row.value, row.degree)
        yield (
            (str(row.label), str(row.rel)),
            {
                "entityId": row.entity_id,
                "key": row.key,
                "value": row.value,
                "kind": row.kind,
                "records": row.records,
                "degree": row.degree,
                "specificity": weight,
                "superNode": is_super_node(row.degree),
            },
        )


@dataclass(slots=True)
class _Parents:
    """E-mails by domain and IP addresses by network, gathered while infra streams by."""

    members: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def add(self, kind: str, key: str) -> None:
        if kind == "email":
            self.members.setdefault(("domain", email_domain(key)), set()).add(key)
        elif kind == "ip":
            self.members.setdefault(("network", ip_network(key)), set()).add(key)

    def rows(self) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
        for (kind, parent), values in sorted(self.members.items()):
            child, parent_label, rel = (
                (Label.EMAIL, Label.DOMAIN, Rel.AT_DOMAIN)
                if kind == "domain"
                else (Label.IP_ADDRESS, Label.IP_NETWORK, Rel.IN_NETWORK)
            )
            degree = len(values)
            for key in sorted(values):
                yield (
                    (str(child), str(parent_label), str(rel)),
                    {
                        "key": key,
                        "parentKey": parent,
                        "parentKind": kind,
                        "members": degree,
                        "specificity": specificity(kind, parent, degree),
                        "superNode": is_super_node(degree),
                    },
                )


def _relation_rows(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    for row in iter_relations(con):
        rel = RELATION_TYPES.get(RelationKind(row["kind"]))
        if rel is None:
            continue
        yield (
            (str(rel),),
            {
                "fromId": row["from_id"],
                "toId": row["to_id"],
                "records": list(row["records"]),
                "share": row["share"],
                "role": row["role"],
                "startDate": row["start_date"],
                "endDate": row["end_date"],
            },
        )


def _load_run(
    con: duckdb.DuckDBPyConnection, store: GraphStore, summary: LoadSummary, progress: Progress | None
) -> None:
    load_id = summary.load_id
    loader = Loader(store, load_id, progress)
    for entity_id, members in iter_entities(con):
        loader.add(entity_id, members)
    loader.flush(final=True)
    summary.entities = loader.summary_counts["entities"]
    summary.records = loader.summary_counts["records"]
    summary.sanctions = loader.summary_counts["sanctions"]
    parents = _Parents()
    summary.infra_links = _write_batches(
        store, "merge_infra", _infra_rows(con, parents), load_id, ("label", "rel"), progress, "infrastructure links"
    )
    _write_batches(store, "merge_value_parents", parents.rows(), load_id, ("label", "parent", "rel"), None, "")
    summary.relations = _write_batches(
        store, "merge_relations", _relation_rows(con), load_id, ("rel",), progress, "relations"
    )
    summary.delisted = _mark_delisted(con, store, load_id)
    _write_rows(store, "merge_sources", _source_rows(con), load_id)
    _write_rows(store, "merge_judgements", _judgement_rows(con), load_id)
    retired = _retired_rows(con)
    _write_rows(store, "merge_retired", retired, load_id)
    summary.retired = len(retired)


def run_load(store: GraphStore, staging_path: Path, *, progress: Progress | None = None) -> LoadSummary:
    """Write the latest resolution run into Neo4j and sweep what it no longer has."""
    started = time.monotonic()
    if not staging_path.is_file():
        raise GraphStoreError(
            f"{staging_path}: no staging database", hint="run `sanctiongraph ingest` and `resolve` first"
        )
    con = staging.connect(staging_path, read_only=True)
    con.execute("SET enable_progress_bar = false")
    try:
        run = con.execute("SELECT run_id FROM sg_runs ORDER BY finished_at DESC LIMIT 1").fetchone()
        if run is None:
            raise GraphStoreError(f"{staging_path}: no resolution run yet", hint="run `sanctiongraph resolve` first")
        store.verify()
        ensure_schema(store)
        summary = LoadSummary(int(time.time() * 1000), str(run[0]))
        store.write("start_load", {"loadId": summary.load_id, "runId": summary.run_id})
        _load_run(con, store, summary, progress)
    finally:
        con.close()
    summary.swept = _sweep(store, summary.load_id)
    store.write("finish_load", {"runId": summary.run_id, "entities": summary.entities, "records": summary.records})
    summary.seconds = time.monotonic() - started
    return summary
