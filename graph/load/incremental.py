"""What a load that is not the first removes: rows the run no longer has, or everything an older load wrote.

An incremental load deletes what its state says the last load wrote and this
run lacks; a full load (no trusted state) sweeps everything with an older
``loadId``.
"""

from __future__ import annotations

from typing import Any

from graph.load.rows import SEPARATOR
from graph.load.state import LoadState
from graph.load.writer import BATCH_SIZE, INDEX_WAIT_SECONDS
from graph.model import Label
from graph.schema import SWEPT_LABELS, SWEPT_RELS, sweep_index_statements
from graph.store import GraphStore

SWEEP_BATCH = 10_000


def split_key(key: str) -> list[str]:
    return key.split(SEPARATOR)


def delete_removed(store: GraphStore, state: LoadState) -> dict[str, int]:
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
            rows = [{"fromId": split_key(k)[1], "toId": split_key(k)[2]} for k in keys]
            run(kind, "delete_relations", rows, "rows", rel=group[0])
        elif kind == "link":
            rows = [{"entityId": split_key(k)[1], "key": split_key(k)[2]} for k in keys]
            run(kind, "delete_links", rows, "rows", label=group[0], rel=group[1])
        elif kind in ("sanction", "record", "entity"):
            label = {"sanction": Label.SANCTION, "record": Label.RECORD, "entity": Label.ENTITY}[kind]
            run(kind, "delete_nodes", keys, "keys", label=str(label))
        elif kind in ("value", "parent"):
            run(kind, "delete_values", [k.split(":", 1)[1] for k in keys], "keys", label=group[0])
    return deleted


def sweep(store: GraphStore, load_id: int) -> int:
    """Delete what this load did not write: stale relationships first, then stale nodes."""
    for statement in sweep_index_statements():  # the first full load builds them (a first load does not)
        store.run_schema(statement)
    store.run_schema(f"CALL db.awaitIndexes({INDEX_WAIT_SECONDS})")
    deleted = 0
    for rel in SWEPT_RELS:
        deleted += sweep_one(store, "sweep_stale_rels", load_id, rel=str(rel))
    for label in SWEPT_LABELS:
        deleted += sweep_one(store, "sweep_stale", load_id, label=str(label))
    return deleted


def sweep_one(store: GraphStore, query: str, load_id: int, **labels: str) -> int:
    deleted = 0
    while True:
        counters = store.write(query, {"loadId": load_id, "batch": SWEEP_BATCH}, **labels)
        count = counters.get("nodes_deleted", 0) or counters.get("relationships_deleted", 0)
        deleted += count
        if count < SWEEP_BATCH:
            return deleted
