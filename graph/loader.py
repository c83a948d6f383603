"""``load``: the current resolution run from staging into Neo4j.

A load works out what the graph should hold (``graph.load_rows``) and writes the
difference from what the last load wrote (``graph.load_state``):

- *fresh*: the graph is empty, so everything is created (``CREATE``: no lookups);
- *incremental*: the state matches the graph's last completed load, so only rows
  whose properties changed are written (``MERGE``), and what the run no longer
  has is deleted (records that moved entity are re-pointed, retired entities go,
  delisted records stay, marked);
- *full*: the state cannot be trusted (another Neo4j, a wiped graph, a first load
  into a graph that has data), so everything is written with ``MERGE`` and then
  everything with an older ``loadId`` is swept.

Invariants: every write is batched ``UNWIND $rows`` on uniquely constrained keys;
writing the same run twice changes nothing; a load killed half-way (the loader
or Neo4j) leaves the state of the last completed load, and the next load
completes the job.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from graph.load_rows import KINDS, SEPARATOR, all_rows
from graph.load_state import STATE_FILE, LoadState
from graph.model import INFRA, SCHEMA_LABELS, Label
from graph.schema import SWEPT_LABELS, SWEPT_RELS, ensure_schema, schema_statements
from graph.store import GraphStore
from ingest import staging
from resolution.store import current_entity_id
from sanctiongraph.errors import GraphStoreError

BATCH_SIZE = 2_000
# How long a fresh load waits for the indexes it builds at the end to come online.
INDEX_WAIT_SECONDS = 3_600
_INDEX_NAME = re.compile(r"CREATE (?:FULLTEXT |RANGE |TEXT )?INDEX (\w+) IF NOT EXISTS")
# DuckDB memory for reading staging during a load (spills to the workspace's tmp/ beyond it).
READ_MEMORY_LIMIT = "1GB"
SWEEP_BATCH = 10_000

Progress = Callable[[str, int], None]

# A load's progress, left in the workspace for the API's /metrics (a load runs in another process).
LOAD_PROGRESS_FILE = "load-progress.json"

# (query when creating into an empty graph, query otherwise) per kind of row, and what fills their labels.
WRITE_QUERIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "entity": ("create_entities", "merge_entities", ("schema",)),
    "record": ("create_records", "merge_records", ()),
    "sanction": ("create_sanctions", "merge_sanctions", ()),
    "value": ("create_values_links", "merge_values", ("label",)),  # fresh: each value with its links
    "parent": ("merge_values", "merge_values", ("label",)),
    "link": ("create_links", "merge_links", ("label", "rel")),
    "parent_link": ("merge_parent_links", "merge_parent_links", ("label", "parent", "rel")),
    "relation": ("create_relations", "merge_relations", ("rel",)),
}

# The relationship from an entity to a value of each label (one per label).
VALUE_RELS: dict[str, str] = {str(label): str(rel) for label, rel in INFRA.values()}

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


@dataclass(slots=True)
class LoadSummary:
    load_id: int
    run_id: str
    mode: str = "full"  # fresh, incremental or full
    entities: int = 0  # entities in the run
    records: int = 0
    sanctions: int = 0
    infra_links: int = 0
    relations: int = 0
    retired: int = 0
    delisted: int = 0
    written: dict[str, int] = field(default_factory=dict)  # rows written, by kind
    deleted: dict[str, int] = field(default_factory=dict)  # rows deleted, by kind
    swept: int = 0
    seconds: float = 0.0


class _Writer:
    """Batches rows by kind and label group and writes them from a background thread.

    Building rows (Python) and writing them (Neo4j, the other core) overlap. A
    kind's batch is only sent after every earlier kind's pending rows (records
    after the entities they point at), because rows arrive in that order.
    """

    def __init__(self, store: GraphStore, load_id: int, fresh: bool, progress: Progress | None) -> None:
        self.store, self.load_id, self.fresh, self.progress = store, load_id, fresh, progress
        self.buffers: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
        self.written: dict[str, int] = {kind: 0 for kind in KINDS}
        self._queue: queue.Queue[tuple[str, list[dict[str, Any]], dict[str, str]] | None] = queue.Queue(maxsize=3)
        self._error: BaseException | None = None
        self._value: dict[str, Any] | None = None  # the value whose links are arriving (fresh loads)
        self._value_label = ""
        self._thread = threading.Thread(target=self._work, name="graph-writer", daemon=True)
        self._thread.start()

    def add(self, kind: str, group: tuple[str, ...], row: dict[str, Any]) -> None:
        if self.fresh and kind == "value":
            self._add_value(group, row)
            return
        if self.fresh and kind == "link":
            # Rows come value by value, each followed by its links: the link rides with its value.
            if self._value is None or self._value["key"] != row["key"] or self._value_label != group[0]:
                raise GraphStoreError(f"a link to {group[0]} {row['key']!r} did not follow its value (a bug)")
            self._value["users"].append({"entityId": row["entityId"], "records": row["records"]})
            self.written["link"] += 1
            return
        buffer = self.buffers.setdefault((kind, group), [])
        buffer.append(row)
        if len(buffer) >= BATCH_SIZE:
            self._flush_before(kind)
            self._send(kind, group)

    def _add_value(self, group: tuple[str, ...], row: dict[str, Any]) -> None:
        """Into an empty graph a value is written with its links, so a batch goes once its last value is complete."""
        buffer = self.buffers.get(("value", group))
        if buffer is not None and len(buffer) >= BATCH_SIZE:
            self._flush_before("value")
            self._send("value", group)
        self._value, self._value_label = {**row, "users": []}, group[0]
        self.buffers.setdefault(("value", group), []).append(self._value)

    def close(self) -> None:
        """Send what is left (in kind order) and wait until it is written."""
        for kind in KINDS:
            for key in [k for k in self.buffers if k[0] == kind]:
                self._send(*key)
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _flush_before(self, kind: str) -> None:
        """Send every pending row of the kinds before ``kind``, in kind order (entities, then records, ...)."""
        for earlier in KINDS[: KINDS.index(kind)]:
            for key in [k for k in self.buffers if k[0] == earlier]:
                self._send(*key)

    def _send(self, kind: str, group: tuple[str, ...]) -> None:
        rows = self.buffers.pop((kind, group), [])
        if not rows:
            return
        if self._error is not None:
            raise self._error
        create, merge, placeholders = WRITE_QUERIES[kind]
        labels = _entity_labels(self.fresh)(group) if kind == "entity" else dict(zip(placeholders, group, strict=True))
        if self.fresh and kind == "value":
            labels["rel"] = VALUE_RELS[group[0]]
        self._queue.put((create if self.fresh else merge, rows, labels))
        self.written[kind] += len(rows)
        if self.progress is not None:
            self.progress(kind, self.written[kind])

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain: the first error is reported by the main thread
            query, rows, labels = item
            try:
                counters = self.store.write(query, {"rows": rows, "loadId": self.load_id}, **labels)
                _check_created(query, counters, len(rows))
                if query == "create_values_links":
                    _check_created("create_links", counters, sum(len(row["users"]) for row in rows))
            except BaseException as error:  # handed to the main thread, which raises it
                self._error = error


# What each CREATE query must create per row; fewer means a row's MATCH found nothing (a bug, never data).
CREATED: dict[str, str] = {
    "create_entities": "nodes_created",
    "create_records": "nodes_created",
    "create_sanctions": "nodes_created",
    "create_values_links": "nodes_created",
    "create_links": "relationships_created",
    "create_relations": "relationships_created",
}


def _check_created(query: str, counters: dict[str, int], rows: int) -> None:
    counter = CREATED.get(query)
    if counter is not None and counters.get(counter, 0) != rows:
        raise GraphStoreError(
            f"query {query} created {counters.get(counter, 0)} of {rows} rows; the load is incomplete",
            hint="run `sanctiongraph load` again (it rewrites everything); report this as a bug",
        )


def _entity_labels(fresh: bool) -> Callable[[tuple[str, ...]], dict[str, str]]:
    """An entity's schema is its label too, unless (like Address) it is not an entity label."""

    def fill(group: tuple[str, ...]) -> dict[str, str]:
        schema = group[0]
        label = schema if schema in SCHEMA_LABELS else str(Label.ENTITY)
        if fresh:
            return {"schema": label}
        return {"schema": label, "other_schemas": ":".join(sorted(SCHEMA_LABELS - {schema}))}

    return fill


def _secondary_indexes() -> list[str]:
    """The indexes of the schema that do not back a uniqueness constraint."""
    return [m.group(1) for s in schema_statements() if (m := _INDEX_NAME.match(s))]


def _split(key: str) -> list[str]:
    return key.split(SEPARATOR)


def _delete_removed(store: GraphStore, state: LoadState) -> dict[str, int]:
    """Delete what the last load wrote and this run no longer has (edges first, nodes last)."""
    deleted: dict[str, int] = {}

    def run(kind: str, query: str, rows: list[Any], param: str, **labels: str) -> None:
        for start in range(0, len(rows), BATCH_SIZE):
            store.write(query, {param: rows[start : start + BATCH_SIZE]}, **labels)
        deleted[kind] = deleted.get(kind, 0) + len(rows)

    by_group: dict[tuple[str, tuple[str, ...]], list[Any]] = {}
    for kind in ("relation", "link", "parent_link", "sanction", "record", "entity", "value", "parent"):
        for group, key, _ref in state.removed(kind):
            by_group.setdefault((kind, group), []).append(key)
    for (kind, group), keys in by_group.items():
        if kind == "relation":
            rows = [{"fromId": _split(k)[1], "toId": _split(k)[2]} for k in keys]
            run(kind, "delete_relations", rows, "rows", rel=group[0])
        elif kind == "link":
            rows = [{"entityId": _split(k)[1], "key": _split(k)[2]} for k in keys]
            run(kind, "delete_links", rows, "rows", label=group[0], rel=group[1])
        elif kind in ("sanction", "record", "entity"):
            label = {"sanction": Label.SANCTION, "record": Label.RECORD, "entity": Label.ENTITY}[kind]
            run(kind, "delete_nodes", keys, "keys", label=str(label))
        elif kind in ("value", "parent"):
            run(kind, "delete_values", [k.split(":", 1)[1] for k in keys], "keys", label=group[0])
    return deleted


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


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchall()
    return bool(rows[0][0])


def _small_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict[str, Any]]]:
    """Sources, judgements, retired IDs and delistings: few rows, rewritten every load."""
    sources = [{"name": n, "format": f, "versions": v} for n, f, v in con.execute(SOURCES_SQL).fetchall()]
    judgements = []
    if _has_table(con, "sg_judgements"):
        judgements = [
            {"recordA": a, "recordB": b, "judgement": j, "note": note, "author": author, "at": at}
            for a, b, j, note, author, at in con.execute(JUDGEMENTS_SQL).fetchall()
        ]
    retired = [{"id": e, "successor": current_entity_id(con, e)} for (e,) in con.execute(RETIRED_SQL).fetchall()]
    delisted = [
        {"id": rid, "removedIn": version, "sanctionIds": [f"{rid}#{i}" for i in range(int(count))]}
        for rid, version, count in con.execute(REMOVED_SQL).fetchall()
    ]
    return {
        "merge_sources": sources,
        "merge_judgements": judgements,
        "merge_retired": retired,
        "mark_delisted": delisted,
    }


def _keep_delisted(state: LoadState, delisted: list[dict[str, Any]]) -> None:
    """Delisted records stay in the graph, marked: keep them, their listings and their entity."""
    state.keep("record", [row["id"] for row in delisted])
    state.keep("sanction", [sid for row in delisted for sid in row["sanctionIds"]])
    state.keep("entity", state.kept_refs("record", "record"))


def _graph_is_empty(store: GraphStore) -> bool:
    return bool(store.read_raw("MATCH (n:Entity) RETURN count(n) = 0 AS empty")[0]["empty"])


def _mode(store: GraphStore, state: LoadState) -> str:
    last = store.read("last_load")
    trusted = not state.is_empty() and bool(last) and state.last_load_id() == last[0]["loadId"]
    if trusted:
        return "incremental"
    state.forget()
    return "fresh" if _graph_is_empty(store) else "full"


def run_load(
    store: GraphStore, staging_path: Path, *, progress: Progress | None = None, state_path: Path | None = None
) -> LoadSummary:
    """Write the latest resolution run into Neo4j: only what changed since the last load."""
    started = time.monotonic()
    if not staging_path.is_file():
        raise GraphStoreError(
            f"{staging_path}: no staging database", hint="run `sanctiongraph ingest` and `resolve` first"
        )
    con = staging.connect(staging_path, read_only=True)
    staging.bound_memory(con, READ_MEMORY_LIMIT, keep_order=True)
    try:
        runs = con.execute("SELECT run_id FROM sg_runs ORDER BY finished_at DESC LIMIT 1").fetchall()
        run = runs[0] if runs else None
        if run is None:
            raise GraphStoreError(f"{staging_path}: no resolution run yet", hint="run `sanctiongraph resolve` first")
        store.verify()
        ensure_schema(store)
        state = LoadState.open(state_path or staging_path.parent / STATE_FILE)
        try:
            summary = _load(con, store, state, LoadSummary(int(time.time() * 1000), str(run[0])), progress)
        finally:
            state.close()
    finally:
        con.close()
    summary.seconds = time.monotonic() - started
    return summary


def _load(
    con: duckdb.DuckDBPyConnection,
    store: GraphStore,
    state: LoadState,
    summary: LoadSummary,
    progress: Progress | None,
) -> LoadSummary:
    summary.mode = _mode(store, state)
    store.write("start_load", {"loadId": summary.load_id, "runId": summary.run_id})
    fresh = summary.mode == "fresh"
    if fresh:
        # Into an empty graph, building the secondary indexes (loadId, name, ...) once at the end costs
        # less than maintaining them item by item; only the uniqueness constraints, which
        # the writes seek by, stay. A load killed before the end leaves them dropped: the next load
        # creates them first (ensure_schema), and this one creates them again below.
        for name in _secondary_indexes():
            store.run_schema(f"DROP INDEX {name} IF EXISTS")
    writer = _Writer(store, summary.load_id, fresh, progress)
    try:
        if fresh:  # everything is new: write rows as they are built
            counts = state.stage(
                all_rows(con), keep_payload=False, on_row=lambda r: writer.add(r.kind, r.group, r.payload)
            )
        else:
            counts = state.stage(all_rows(con))
            for kind in KINDS:
                for group, row in state.changed(kind):
                    writer.add(kind, group, row)
    finally:
        writer.close()
    summary.written = writer.written
    if fresh:
        # Populating the indexes of a big graph can take longer than ensure_schema waits.
        for statement in schema_statements():
            store.run_schema(statement)
        store.run_schema(f"CALL db.awaitIndexes({INDEX_WAIT_SECONDS})")
    ensure_schema(store)
    summary.entities, summary.records = counts.get("entity", 0), counts.get("record", 0)
    summary.sanctions, summary.infra_links = counts.get("sanction", 0), counts.get("link", 0)
    summary.relations = counts.get("relation", 0)
    small = _small_rows(con)
    _keep_delisted(state, small["mark_delisted"])
    for query, rows in small.items():
        for start in range(0, len(rows), BATCH_SIZE):
            store.write(query, {"rows": rows[start : start + BATCH_SIZE], "loadId": summary.load_id})
    summary.retired, summary.delisted = len(small["merge_retired"]), len(small["mark_delisted"])
    if summary.mode == "incremental":
        summary.deleted = _delete_removed(store, state)
    elif summary.mode == "full":
        summary.swept = _sweep(store, summary.load_id)
    store.write("finish_load", {"runId": summary.run_id, "entities": summary.entities, "records": summary.records})
    state.commit(summary.load_id, summary.run_id)
    return summary
