"""The writer: batches of rows by kind, sent from background threads that never lock the same node.

A first load into an empty graph goes in phases (``PHASES``) with a barrier
between them; each phase's rows are split between writers so that no two
transactions ever lock the same node (``Writer``'s docstring says how).
"""

from __future__ import annotations

import queue
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph.load.rows import KINDS
from graph.model import SCHEMA_LABELS, Label
from graph.schema import constraint_statements, index_statements
from graph.store import GraphStore, Rows
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


Progress = Callable[[str, int], None]


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


# Into an empty graph, this many write transactions run at once (one keeps Neo4j to about one core), each
# on nodes no other one touches, so they never wait on each other's locks (see Writer).
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


def partition(entity_id: str, parts: int) -> int:
    return zlib.crc32(entity_id.encode()) % parts if parts > 1 else 0


@dataclass(slots=True)
class Batch:
    query: str
    rows: list[dict[str, Any]]
    labels: dict[str, str]
    check: dict[str, int]  # counter -> how many the query must have made
    prepare: Callable[[Rows], Rows] | None = None  # run by the writer, just before


class Writer:
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
        self._queues: list[queue.Queue[Batch | str | None]] = [queue.Queue(maxsize=3) for _ in range(self.parts)]
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
        self._start_row(("entity", group, partition(row["id"], self.parts)), self._entity)
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
            parts |= 1 << partition(entity_id, self.parts)
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
        key = ("parent", group, partition(row["key"], self.parts))
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

    def _merge_batch(self, kind: str, group: tuple[str, ...], rows: list[dict[str, Any]]) -> Batch:
        _, query, placeholders = WRITE_QUERIES[kind]
        labels = entity_labels(False)(group) if kind == "entity" else dict(zip(placeholders, group, strict=True))
        return Batch(query, rows, labels, {})

    def _fresh_batch(self, kind: str, group: tuple[str, ...], rows: list[dict[str, Any]]) -> Batch:
        query = WRITE_QUERIES[kind][0]
        if kind == "entity":
            nested = sum(len(row["records"]) + len(row["sanctions"]) for row in rows)
            check = {"nodes_created": len(rows) + nested, "relationships_created": nested}
            return Batch(query, rows, entity_labels(True)(group), check)
        if kind == "value":
            links = sum(len(row["entityIds"]) for row in rows)
            check = {"nodes_created": len(rows), "relationships_created": links}
            return Batch(query, rows, {"label": group[0], "rel": group[1]}, check, self._with_user_nodes)
        if kind == "parent":
            check = {"relationships_created": sum(len(row["children"]) for row in rows)}
            return Batch(query, rows, dict(zip(("label", "parent", "rel"), group, strict=True)), check)
        if kind == "relation":
            check = {"relationships_created": len(rows)}
            return Batch(query, rows, {"rel": group[0]}, check, self._with_end_nodes)
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

    def _work(self, items: queue.Queue[Batch | str | None]) -> None:
        while (item := items.get()) is not None:
            if item == _BARRIER:
                self._barrier.wait()
                continue
            if self._error is not None:
                continue  # drain: the first error is reported by the main thread
            try:
                if item == _CONSTRAINTS:
                    build_constraints(self.store)
                elif item == _INDEXES:
                    for statement in index_statements():
                        self.store.run_schema(statement)
                elif isinstance(item, Batch):
                    self._write(item)
            except BaseException as error:  # handed to the main thread, which raises it
                self._error = error

    def _write(self, batch: Batch) -> None:
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
            check_created(batch.query, counters, batch.check)
            if result and "nodes" in result[0]:
                self.nodes.update(zip(result[0]["ids"], result[0]["nodes"], strict=True))
        finally:
            # The driver's objects for a query hold its parameters in reference cycles, which only the cycle
            # collector frees, and it is paused during a load: empty the batch, or every batch stays in memory.
            params["rows"].clear()


def build_constraints(store: GraphStore) -> None:
    """The uniqueness constraints a first load dropped, built in one pass over the nodes written so far."""
    for statement in constraint_statements():
        store.run_schema(statement)
    store.run_schema(f"CALL db.awaitIndexes({INDEX_WAIT_SECONDS})")


def check_created(query: str, counters: dict[str, int], expected: dict[str, int]) -> None:
    """Fewer nodes or relationships than rows ask for means a MATCH found nothing: a bug, never data."""
    for counter, count in expected.items():
        if counters.get(counter, 0) != count:
            raise GraphStoreError(
                f"query {query} made {counters.get(counter, 0)} {counter.replace('_', ' ')} of {count};"
                " the load is incomplete",
                hint="run `sanctiongraph load` again (it rewrites everything); report this as a bug",
            )


def entity_labels(fresh: bool) -> Callable[[tuple[str, ...]], dict[str, str]]:
    """An entity's schema is its label too, unless (like Address) it is not an entity label."""

    def fill(group: tuple[str, ...]) -> dict[str, str]:
        schema = group[0]
        label = schema if schema in SCHEMA_LABELS else str(Label.ENTITY)
        if fresh:
            return {"schema": label}
        return {"schema": label, "other_schemas": ":".join(sorted(SCHEMA_LABELS - {schema}))}

    return fill
