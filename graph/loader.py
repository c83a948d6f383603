"""``load``: the current resolution run from staging into Neo4j.

A load works out what the graph should hold (``graph.load.rows``) and writes the
difference from what the last load wrote (``graph.load.state``):

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
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from graph.alert_reach import Touched, touched_from_rows
from graph.alerts import run_alerts
from graph.clusters import write_clusters
from graph.load.fresh import secondary_indexes, write_first_load
from graph.load.incremental import delete_removed, sweep, sweep_one
from graph.load.plan import LoadSummary, keep_delisted, load_mode, open_staging, small_rows
from graph.load.rows import KINDS, all_rows
from graph.load.state import STATE_FILE, LoadState
from graph.load.writer import BATCH_SIZE, INDEX_WAIT_SECONDS, WRITERS, Progress, Writer
from graph.model import Rel, constraint_name
from graph.schema import BULK_LABELS, ensure_schema, schema_statements
from graph.screening import Screener
from graph.similar_addresses import write_similar
from graph.store import GraphStore
from ingest.staging import resolved
from sanctiongraph.errors import GraphStoreError


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
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
    con = open_staging(staging_path)
    try:
        run = resolved.last_run_id(con)
        if run is None:
            raise GraphStoreError(f"{staging_path}: no resolution run yet", hint="run `sanctiongraph resolve` first")
        store.verify()
        ensure_schema(store)
        state = LoadState.open(state_path or staging_path.parent / STATE_FILE)
        try:
            summary = LoadSummary(int(time.time() * 1000), run)
            summary = _load(con, store, state, summary, progress, WRITERS if writers is None else writers, alerts)
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
    writers: int,
    alerts: bool = True,
) -> LoadSummary:
    summary.mode = load_mode(store, state)
    store.write("start_load", {"loadId": summary.load_id, "runId": summary.run_id})
    fresh = summary.mode == "fresh"
    if fresh:
        # Into an empty graph, building the indexes (loadId, name, ...) and the uniqueness constraints of
        # what it creates once costs a small part of maintaining them node by node (at 300k e-mails, about
        # 3 us a node against 30); the writer builds the constraints before the first write that seeks by
        # key, and the other indexes when the relations start. A load killed before then leaves them
        # dropped: the next load (a full one: the graph is no longer empty) creates them first, in
        # ensure_schema.
        for name in secondary_indexes():
            store.run_schema(f"DROP INDEX {name} IF EXISTS")
        for label in BULK_LABELS:
            store.run_schema(f"DROP CONSTRAINT {constraint_name(label)} IF EXISTS")
    writer = Writer(store, summary.load_id, fresh, progress, writers)
    with cyclic_gc_paused():
        try:
            if fresh:
                counts = write_first_load(con, state, writer)
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
    small = small_rows(con)
    keep_delisted(state, small["mark_delisted"])
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
    sweep_one(store, "sweep_stale_rels", summary.load_id, rel=str(Rel.SIMILAR_ADDRESS))
    if summary.mode == "incremental":
        summary.deleted = delete_removed(store, state)
    elif summary.mode == "full":
        summary.swept = sweep(store, summary.load_id)
    # After the sweeps: a cluster's members must be the entities the graph now holds.
    summary.clusters = write_clusters(con, store, summary.load_id)
    if alerts:
        # Before the load is recorded: a load that dies here is redone against the same state, and raises the
        # same alerts (an alert's id is its customer and reason).
        touched = touched_from_rows(state.touched()) if summary.mode == "incremental" else Touched(everything=True)
        touched.entity_ids |= newly_delisted | set(summary.clusters.exposed_changed)
        summary.alerts = run_alerts(store, Screener.load, touched, summary.load_id, con, progress)
    store.write("finish_load", {"runId": summary.run_id, "entities": summary.entities, "records": summary.records})
    state.commit(summary.load_id, summary.run_id)
    return summary
