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

import contextlib
import gc
import json
import queue
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from graph.alerts import AlertSummary, Touched, run_alerts, touched_from_rows
from graph.clusters import ClusterSummary, write_clusters
from graph.load_rows import (
    KINDS,
    SEPARATOR,
    Parents,
    Row,
    all_rows,
    entity_rows,
    linked_values,
    links_state,
    members_state,
    relation_rows,
    stage_links,
)
from graph.load_state import STATE_FILE, LoadState
from graph.model import SCHEMA_LABELS, Label, Rel, constraint_name
from graph.schema import (
    BULK_LABELS,
    SWEPT_LABELS,
    SWEPT_RELS,
    constraint_statements,
    ensure_schema,
    index_statements,
    schema_statements,
    sweep_index_statements,
)
from graph.screening import Screener
from graph.similar_addresses import write_similar
from graph.store import GraphStore, Rows
from ingest import infra, staging
from resolution.store import current_entity_id
from sanctiongraph.errors import GraphStoreError

BATCH_SIZE = 2_000
# Rows per transaction when creating into an empty graph: fewer, larger commits (an entity's records and
# listings and a value's links ride in its row).
FRESH_BATCH_SIZE = 10_000
# ... and at most this many nodes and relationships per row on average, so that no transaction (a webmail
# domain can hold hundreds of thousands of e-mails' links) exhausts Neo4j's transaction memory. A parent's
# members come in rows of at most FRESH_BATCH_SIZE, and a batch goes once its rows would create this many.
BATCH_ITEMS_PER_ROW = 4
# How long a fresh load waits for the indexes it builds at the end to come online.
INDEX_WAIT_SECONDS = 3_600
_INDEX_NAME = re.compile(r"CREATE (?:FULLTEXT |RANGE |TEXT )?INDEX (\w+) IF NOT EXISTS")
# DuckDB memory for reading staging during a load (spills to the workspace's tmp/ beyond it); the
# infrastructure query runs while Neo4j waits, so spilling less is time saved.
READ_MEMORY_LIMIT = "2GB"
SWEEP_BATCH = 10_000

Progress = Callable[[str, int], None]

# A load's progress, left in the workspace for the API's /metrics (a load runs in another process).
LOAD_PROGRESS_FILE = "load-progress.json"

# (query when creating into an empty graph, query otherwise) per kind of row, and what fills their labels.
# Into an empty graph an entity is written with its records and listings, a value with its links and a parent
# with its members' links, so those kinds have no query of their own there ("").
WRITE_QUERIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "entity": ("create_entities_records", "merge_entities", ("schema",)),
    "record": ("", "merge_records", ()),
    "sanction": ("", "merge_sanctions", ()),
    "value": ("create_values_links", "merge_values", ("label",)),
    "parent": ("create_parents_links", "merge_values", ("label",)),
    "link": ("", "merge_links", ("label", "rel")),
    "parent_link": ("", "merge_parent_links", ("label", "parent", "rel")),
    "relation": ("create_relations", "merge_relations", ("rel",)),
}

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
    similar_addresses: int = 0
    retired: int = 0
    delisted: int = 0
    written: dict[str, int] = field(default_factory=dict)  # rows written, by kind
    deleted: dict[str, int] = field(default_factory=dict)  # rows deleted, by kind
    swept: int = 0
    seconds: float = 0.0
    clusters: ClusterSummary | None = None  # shared-infrastructure clusters, computed after the writes
    alerts: AlertSummary | None = None  # ongoing screening: customers the load's change moved (graph.alerts)


# Into an empty graph, this many write transactions run at once (one keeps Neo4j to about one core), each
# on nodes no other one touches, so they never wait on each other's locks (see _Writer).
WRITERS = 2

# Fresh loads write in phases: every row of a phase may refer to rows of earlier phases only, and all
# writers finish a phase before any starts the next. Entities come with their records and listings; the
# uniqueness constraints are built at the start of the parents' phase (parents are merged by key).
PHASES: dict[str, int] = {
    "entity": 0,
    "record": 0,
    "sanction": 0,
    "value": 1,
    "link": 1,
    "parent": 2,
    "parent_link": 2,
    "relation": 3,
}
_END = max(PHASES.values()) + 1

_BARRIER = "barrier"  # a queue item: wait until every writer has written everything queued before it
_CONSTRAINTS = "constraints"  # a queue item: build the uniqueness constraints and wait until they are online
_INDEXES = "indexes"  # a queue item: create the other indexes, which Neo4j populates in the background


def _partition(entity_id: str, parts: int) -> int:
    return zlib.crc32(entity_id.encode()) % parts if parts > 1 else 0


@dataclass(slots=True)
class _Batch:
    query: str
    rows: list[dict[str, Any]]
    labels: dict[str, str]
    check: dict[str, int]  # counter -> how many the query must have made
    prepare: Callable[[Rows], Rows] | None = None  # run by the writer, just before


class _Writer:
    """Batches rows by kind and label group and writes them from background threads.

    Building rows (Python) and writing them (Neo4j, the other core) overlap. A
    kind's batch is only sent after every earlier kind's pending rows (records
    after the entities they point at), because rows arrive in that order.

    Into an empty graph (``fresh``) entities, records, listings and values are
    ``CREATE``d with their uniqueness constraints dropped (``_load``; building
    them in one pass costs a small part of checking them node by node), and
    nothing is looked up by key: an entity's records and listings ride in its
    row, a value's links in its row, and links and relations find their
    entities by the node ids the entity writes returned (``nodes``). The
    constraints are built before the parents, which are merged and find their
    members by key. Phases (``PHASES``) are separated by a barrier that all
    writers pass together.

    ``writers`` transactions write at once, and no two ever lock the same node:
    creating a relationship locks both ends and the first relationship of each
    end's chain, and two transactions locking in different orders deadlock.
    Entities are split by a hash of their ID; a value goes to the writer of its
    entities, or, if they are split between writers (a shared value), to the
    first writer after the others are done with the phase; a parent goes by a
    hash of its key (its members have no other parent); relations, which lock
    two entities each, are written by the first writer alone.
    """

    def __init__(
        self, store: GraphStore, load_id: int, fresh: bool, progress: Progress | None, writers: int = 1
    ) -> None:
        self.store, self.load_id, self.fresh, self.progress = store, load_id, fresh, progress
        self.parts = max(1, writers) if fresh else 1
        self.batch_size = FRESH_BATCH_SIZE if fresh else BATCH_SIZE
        self.buffers: dict[tuple[str, tuple[str, ...], int], list[dict[str, Any]]] = {}
        # Fresh values and parents: the nodes and relationships each buffer's rows will create. A batch goes at
        # batch_size rows or batch_items of these, whichever comes first: most rows carry one or two links, but
        # one can carry thousands (a webmail domain's e-mails).
        self.batch_items = BATCH_ITEMS_PER_ROW * self.batch_size
        self._sizes: dict[tuple[str, tuple[str, ...], int], int] = {}
        self.written: dict[str, int] = {kind: 0 for kind in KINDS}
        self.nodes: dict[str, int] = {}  # fresh: entity ID -> node id, filled by the writers
        self._queues: list[queue.Queue[_Batch | str | None]] = [queue.Queue(maxsize=3) for _ in range(self.parts)]
        self._barrier = threading.Barrier(self.parts)
        self._error: BaseException | None = None
        self._phase = 0
        self._entity: dict[str, Any] | None = None  # fresh: the entity whose records are arriving
        self._shared: dict[tuple[str, ...], list[dict[str, Any]]] = {}  # values linked from several writers
        self._threads = [
            threading.Thread(target=self._work, args=(q,), name=f"graph-writer-{i}", daemon=True)
            for i, q in enumerate(self._queues)
        ]
        for thread in self._threads:
            thread.start()

    def add(self, kind: str, group: tuple[str, ...], row: dict[str, Any]) -> None:
        if self.fresh:
            self._enter_phase(PHASES[kind])
            if kind == "entity":
                self._add_entity(group, row)
                return
            if kind in ("record", "sanction"):
                self._add_to_entity(kind, row)
                return
            if kind in ("value", "link", "parent", "parent_link"):
                raise GraphStoreError(f"a first load's {kind} rows come nested (add_linked_value, add_linked_parent)")
        buffer = self.buffers.setdefault((kind, group, 0), [])
        buffer.append(row)
        if len(buffer) >= self.batch_size:
            self._flush_before(kind)
            self._send(kind, group, 0)

    def _enter_phase(self, phase: int) -> None:
        """Before the first row of a later phase: send everything, and let every writer wait for the others."""
        if phase <= self._phase:
            return
        for key in list(self.buffers):
            self._send(*key)
        self._queue_barrier()
        if self._shared:  # values linked from entities of several writers: the first writer, alone
            for group, rows in self._shared.items():
                for row in rows:  # batched like any value: by rows and by the links they carry
                    self._buffer(("value", group, 0), row)
                self._send("value", group, 0)
            self._shared.clear()
            self._queue_barrier()
        if phase == PHASES["parent"]:
            self._queues[0].put(_CONSTRAINTS)
            self._queue_barrier()
        if self._phase < PHASES["relation"] <= phase:
            # Populated while the relations are written, not after everything, so the load does not wait
            # for them at the end; what the relations add to them is a few per cent.
            self._queues[0].put(_INDEXES)
        self._phase = phase

    def _queue_barrier(self) -> None:
        """Every writer writes what was queued before, then waits for the others."""
        if self.parts > 1:
            for writer_queue in self._queues:
                writer_queue.put(_BARRIER)

    def _add_entity(self, group: tuple[str, ...], row: dict[str, Any]) -> None:
        """An entity is written with its records and listings: a batch goes once a new entity starts."""
        self._entity = {**row, "records": [], "sanctions": []}
        self._start_row(("entity", group, _partition(row["id"], self.parts)), self._entity)
        self.written["entity"] += 1

    def _start_row(self, key: tuple[str, tuple[str, ...], int], row: dict[str, Any]) -> None:
        """Rows nest what follows them: a full batch goes when the next row starts (its last row is complete)."""
        buffer = self.buffers.get(key)
        if buffer is not None and len(buffer) >= self.batch_size:
            self._send(*key)
        self.buffers.setdefault(key, []).append(row)

    def _add_to_entity(self, kind: str, row: dict[str, Any]) -> None:
        if self._entity is None or self._entity["id"] != row["entityId"]:
            raise GraphStoreError(f"a {kind} of entity {row['entityId']!r} did not follow its entity (a bug)")
        self._entity["records" if kind == "record" else "sanctions"].append(row)
        self.written[kind] += 1

    def add_linked_value(self, group: tuple[str, str], row: dict[str, Any]) -> None:
        """A first load's value with its links (``entityIds``, ``records``), into the batch of their writer.

        A value used by entities of several writers waits for the others to be
        done with the phase (``_shared``), and the first writer writes it alone.
        """
        self._enter_phase(PHASES["value"])
        parts = 0
        for entity_id in row["entityIds"]:
            parts |= 1 << _partition(entity_id, self.parts)
        self.written["value"] += 1
        self.written["link"] += len(row["entityIds"])
        if parts & (parts - 1):  # more than one bit: shared between writers
            self._shared.setdefault(group, []).append(row)
        else:
            self._buffer(("value", group, parts.bit_length() - 1), row)

    def add_linked_parent(self, group: tuple[str, str, str], row: dict[str, Any]) -> None:
        """A first load's parent with its members (``children``), into the batches of one writer (by its key).

        A parent is merged, so its members can come in several rows: a domain
        with a million e-mails would otherwise be one transaction, and two such
        at once outgrew Neo4j's transaction memory.
        """
        self._enter_phase(PHASES["parent"])
        children = row["children"]
        self.written["parent"] += 1
        self.written["parent_link"] += len(children)
        if not children:
            return
        key = ("parent", group, _partition(row["key"], self.parts))
        for start in range(0, len(children), self.batch_size):
            self._buffer(key, {**row, "children": children[start : start + self.batch_size]})

    def _buffer(self, key: tuple[str, tuple[str, ...], int], row: dict[str, Any]) -> None:
        """A complete value or parent row into its batch, which goes when full (rows or items)."""
        buffer = self.buffers.setdefault(key, [])
        buffer.append(row)
        size = self._sizes.get(key, 0) + 1 + len(row["entityIds" if key[0] == "value" else "children"])
        self._sizes[key] = size
        if len(buffer) >= self.batch_size or size >= self.batch_items:
            self._send(*key)

    def close(self) -> None:
        """Send what is left (in kind order) and wait until it is written."""
        try:
            if self.fresh:
                self._enter_phase(_END)
            for kind in KINDS:
                for key in [k for k in self.buffers if k[0] == kind]:
                    self._send(*key)
        finally:
            for writer_queue in self._queues:
                writer_queue.put(None)
            for thread in self._threads:
                thread.join()
        if self._error is not None:
            raise self._error

    def _flush_before(self, kind: str) -> None:
        """Send every pending row of the kinds before ``kind``, in kind order (entities, then records, ...)."""
        for earlier in KINDS[: KINDS.index(kind)]:
            for key in [k for k in self.buffers if k[0] == earlier]:
                self._send(*key)

    def _send(self, kind: str, group: tuple[str, ...], part: int) -> None:
        rows = self.buffers.pop((kind, group, part), [])
        self._sizes.pop((kind, group, part), None)
        if not rows:
            return
        if self._error is not None:
            raise self._error
        batch = self._fresh_batch(kind, group, rows) if self.fresh else self._merge_batch(kind, group, rows)
        self._queues[part].put(batch)
        if not self.fresh:  # fresh rows are counted as they arrive, with what is nested in them
            self.written[kind] += len(rows)
        if self.progress is not None:
            self.progress(kind, self.written[kind])

    def _merge_batch(self, kind: str, group: tuple[str, ...], rows: list[dict[str, Any]]) -> _Batch:
        _, query, placeholders = WRITE_QUERIES[kind]
        labels = _entity_labels(False)(group) if kind == "entity" else dict(zip(placeholders, group, strict=True))
        return _Batch(query, rows, labels, {})

    def _fresh_batch(self, kind: str, group: tuple[str, ...], rows: list[dict[str, Any]]) -> _Batch:
        query = WRITE_QUERIES[kind][0]
        if kind == "entity":
            nested = sum(len(row["records"]) + len(row["sanctions"]) for row in rows)
            check = {"nodes_created": len(rows) + nested, "relationships_created": nested}
            return _Batch(query, rows, _entity_labels(True)(group), check)
        if kind == "value":
            links = sum(len(row["entityIds"]) for row in rows)
            check = {"nodes_created": len(rows), "relationships_created": links}
            return _Batch(query, rows, {"label": group[0], "rel": group[1]}, check, self._with_user_nodes)
        if kind == "parent":
            check = {"relationships_created": sum(len(row["children"]) for row in rows)}
            return _Batch(query, rows, dict(zip(("label", "parent", "rel"), group, strict=True)), check)
        if kind == "relation":
            check = {"relationships_created": len(rows)}
            return _Batch(query, rows, {"rel": group[0]}, check, self._with_end_nodes)
        raise GraphStoreError(f"no query creates {kind} rows on their own (a bug)")

    def _node(self, entity_id: str) -> int:
        node = self.nodes.get(entity_id)
        if node is None:
            raise GraphStoreError(f"entity {entity_id!r} was not created before what links to it (a bug)")
        return node

    def _with_user_nodes(self, rows: Rows) -> Rows:
        nodes = self.nodes
        try:
            for row in rows:
                row["nodes"] = [nodes[entity_id] for entity_id in row.pop("entityIds")]
        except KeyError as missing:
            self._node(str(missing.args[0]))  # raises, naming the entity
        return rows

    def _with_end_nodes(self, rows: Rows) -> Rows:
        return Rows({**row, "fromNode": self._node(row["fromId"]), "toNode": self._node(row["toId"])} for row in rows)

    def _work(self, items: queue.Queue[_Batch | str | None]) -> None:
        while (item := items.get()) is not None:
            if item == _BARRIER:
                self._barrier.wait()
                continue
            if self._error is not None:
                continue  # drain: the first error is reported by the main thread
            try:
                if item == _CONSTRAINTS:
                    _build_constraints(self.store)
                elif item == _INDEXES:
                    for statement in index_statements():
                        self.store.run_schema(statement)
                elif isinstance(item, _Batch):
                    self._write(item)
            except BaseException as error:  # handed to the main thread, which raises it
                self._error = error

    def _write(self, batch: _Batch) -> None:
        # As Rows, the store passes the batch to the driver as it is (a plain list would be copied, and the
        # copy freed only by the paused cycle collector) and the driver does not render it for its debug log.
        params: dict[str, Any] = {"rows": Rows(batch.rows), "loadId": self.load_id}
        batch.rows.clear()
        try:
            if not self.fresh:
                self.store.write(batch.query, params, **batch.labels)
                return
            if batch.prepare is not None:
                params["rows"] = batch.prepare(params["rows"])
            counters, result = self.store.write_once(batch.query, params, **batch.labels)
            _check_created(batch.query, counters, batch.check)
            if result and "nodes" in result[0]:
                self.nodes.update(zip(result[0]["ids"], result[0]["nodes"], strict=True))
        finally:
            # The driver's objects for a query hold its parameters in reference cycles, which only the cycle
            # collector frees, and it is paused during a load: empty the batch, or every batch stays in memory.
            params["rows"].clear()


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while rows stream through (reference counting still frees them).

    The rows are plain dicts, lists and tuples, so they hold no cycles, but the
    collector does not know that: every few thousand rows that outlive a batch it
    walks every live container, and a load keeps millions of entries alive (the
    entities' node ids, the e-mails by domain). At 200k customers that walk was a
    quarter of the loader's CPU, and its share grows with the graph.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build_constraints(store: GraphStore) -> None:
    """The uniqueness constraints a first load dropped, built in one pass over the nodes written so far."""
    for statement in constraint_statements():
        store.run_schema(statement)
    store.run_schema(f"CALL db.awaitIndexes({INDEX_WAIT_SECONDS})")


def _check_created(query: str, counters: dict[str, int], expected: dict[str, int]) -> None:
    """Fewer nodes or relationships than rows ask for means a MATCH found nothing: a bug, never data."""
    for counter, count in expected.items():
        if counters.get(counter, 0) != count:
            raise GraphStoreError(
                f"query {query} made {counters.get(counter, 0)} {counter.replace('_', ' ')} of {count};"
                " the load is incomplete",
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
    """The indexes that back no uniqueness constraint, the sweep's too (a first load builds those only if swept)."""
    statements = schema_statements() + sweep_index_statements()
    return [m.group(1) for s in statements if (m := _INDEX_NAME.match(s))]


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
    for statement in sweep_index_statements():  # the first full load builds them (a first load does not)
        store.run_schema(statement)
    store.run_schema(f"CALL db.awaitIndexes({INDEX_WAIT_SECONDS})")
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


def _open_staging(staging_path: Path) -> duckdb.DuckDBPyConnection:
    """Staging, read-only; one written by an older version first gets its shared values derived."""
    con = staging.connect(staging_path, read_only=True)
    if not infra.is_current(con):
        con.close()
        with staging.exclusive_writer(staging_path, what="load"):
            staging.connect(staging_path).close()
        con = staging.connect(staging_path, read_only=True)
    staging.bound_memory(con, READ_MEMORY_LIMIT, keep_order=True)
    return con


def run_load(
    store: GraphStore,
    staging_path: Path,
    *,
    progress: Progress | None = None,
    state_path: Path | None = None,
    writers: int | None = None,
    alerts: bool = True,
) -> LoadSummary:
    """Write the latest resolution run into Neo4j: only what changed since the last load.

    ``writers``: concurrent write transactions when the graph is empty (default ``WRITERS``).
    ``alerts``: re-screen the customers the change reaches and raise their alerts (``graph.alerts``).
    """
    started = time.monotonic()
    if not staging_path.is_file():
        raise GraphStoreError(
            f"{staging_path}: no staging database", hint="run `sanctiongraph ingest` and `resolve` first"
        )
    con = _open_staging(staging_path)
    try:
        runs = con.execute("SELECT run_id FROM sg_runs ORDER BY finished_at DESC LIMIT 1").fetchall()
        run = runs[0] if runs else None
        if run is None:
            raise GraphStoreError(f"{staging_path}: no resolution run yet", hint="run `sanctiongraph resolve` first")
        store.verify()
        ensure_schema(store)
        state = LoadState.open(state_path or staging_path.parent / STATE_FILE)
        try:
            summary = LoadSummary(int(time.time() * 1000), str(run[0]))
            summary = _load(con, store, state, summary, progress, WRITERS if writers is None else writers, alerts)
        finally:
            state.close()
    finally:
        con.close()
    summary.seconds = time.monotonic() - started
    return summary


def _write_first_load(con: duckdb.DuckDBPyConnection, state: LoadState, writer: _Writer) -> dict[str, int]:
    """Everything is new: write rows as they are built, and record them as the load state.

    Values come with their links nested, one row per value, and parents with
    their members; the state of links and members is staged set-wise, not row
    by row: they are nearly half of a load's items.
    """
    counts: dict[str, int] = {}

    def add(row: Row) -> None:
        writer.add(row.kind, row.group, row.payload)

    def count(more: dict[str, int]) -> None:
        for kind, n in more.items():
            counts[kind] = counts.get(kind, 0) + n

    with state.first_load():
        count(state.stage(entity_rows(con), on_row=add))
        stage_links(con)
        parents = Parents()
        for links, value in linked_values(con, parents):
            writer.add_linked_value(links, value)
        count(state.stage_hashed(links_state(con)))
        parent_rows: list[Row] = []
        members: list[tuple[tuple[str, str, str], list[str]]] = []
        for parent, member_links, children in parents.linked():
            writer.add_linked_parent(member_links, {**parent.payload, "children": children})
            parent_rows.append(parent)
            members.append((member_links, children))
        count(state.stage(parent_rows))
        count(state.stage_hashed(members_state(members)))
        count(state.stage(relation_rows(con), on_row=add))
    return counts


def _load(
    con: duckdb.DuckDBPyConnection,
    store: GraphStore,
    state: LoadState,
    summary: LoadSummary,
    progress: Progress | None,
    writers: int,
    alerts: bool = True,
) -> LoadSummary:
    summary.mode = _mode(store, state)
    store.write("start_load", {"loadId": summary.load_id, "runId": summary.run_id})
    fresh = summary.mode == "fresh"
    if fresh:
        # Into an empty graph, building the indexes (loadId, name, ...) and the uniqueness constraints of
        # what it creates once costs a small part of maintaining them node by node (at 300k e-mails, about
        # 3 us a node against 30); the writer builds the constraints before the first write that seeks by
        # key, and the other indexes when the relations start. A load killed before then leaves them
        # dropped: the next load (a full one: the graph is no longer empty) creates them first, in
        # ensure_schema.
        for name in _secondary_indexes():
            store.run_schema(f"DROP INDEX {name} IF EXISTS")
        for label in BULK_LABELS:
            store.run_schema(f"DROP CONSTRAINT {constraint_name(label)} IF EXISTS")
    writer = _Writer(store, summary.load_id, fresh, progress, writers)
    with _cyclic_gc_paused():
        try:
            if fresh:
                counts = _write_first_load(con, state, writer)
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
    # Delisting changes no row of the run (the record stays, marked): its entities are where alerts close.
    delisted_ids = [row["id"] for row in small["mark_delisted"]]
    newly_delisted = {
        row["id"]
        for start in range(0, len(delisted_ids), BATCH_SIZE)
        for row in store.read("newly_delisted", {"ids": delisted_ids[start : start + BATCH_SIZE]})
    }
    for query, rows in small.items():
        for start in range(0, len(rows), BATCH_SIZE):
            store.write(query, {"rows": rows[start : start + BATCH_SIZE], "loadId": summary.load_id})
    summary.retired, summary.delisted = len(small["merge_retired"]), len(small["mark_delisted"])
    summary.similar_addresses = write_similar(con, store, summary.load_id)
    _sweep_one(store, "sweep_stale_rels", summary.load_id, rel=str(Rel.SIMILAR_ADDRESS))
    if summary.mode == "incremental":
        summary.deleted = _delete_removed(store, state)
    elif summary.mode == "full":
        summary.swept = _sweep(store, summary.load_id)
    # After the sweeps: a cluster's members must be the entities the graph now holds.
    summary.clusters = write_clusters(con, store, summary.load_id)
    if alerts:
        # Before the load is recorded: a load that dies here is redone against the same state, and raises the
        # same alerts (an alert's id is its customer and reason).
        touched = touched_from_rows(state.touched()) if summary.mode == "incremental" else Touched(everything=True)
        touched.entity_ids |= newly_delisted | set(summary.clusters.exposed_changed)
        summary.alerts = run_alerts(store, Screener.load, touched, summary.load_id, con)
    store.write("finish_load", {"runId": summary.run_id, "entities": summary.entities, "records": summary.records})
    state.commit(summary.load_id, summary.run_id)
    return summary
