"""What a load starts from: staging opened for reading, the mode (fresh, incremental, full), the small tables.

Also what a load reports: its summary, and its progress left in the workspace
for the API's ``/metrics`` (a load runs in another process).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from graph.alerts import AlertSummary
from graph.clusters import ClusterSummary
from graph.load.state import LoadState
from graph.store import GraphStore
from ingest import staging
from ingest.staging import entities, resolved

# DuckDB memory for reading staging during a load (spills to the workspace's tmp/ beyond it); the
# infrastructure query runs while Neo4j waits, so spilling less is time saved.
READ_MEMORY_LIMIT = "2GB"


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


def small_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict[str, Any]]]:
    """Sources, judgements, retired IDs and delistings: few rows, rewritten every load."""
    sources = [{"name": n, "format": f, "versions": v} for n, f, v in entities.source_versions(con)]
    judgements = [
        {"recordA": a, "recordB": b, "judgement": j, "note": note, "author": author, "at": _iso(at)}
        for a, b, j, note, author, at in resolved.latest_judgements(con)
    ]
    retired = [{"id": e, "successor": resolved.current_entity_id(con, e)} for e in resolved.retired_ids(con)]
    delisted = [
        {"id": rid, "removedIn": version, "sanctionIds": [f"{rid}#{i}" for i in range(int(count))]}
        for rid, version, count in entities.delisted_records(con)
    ]
    return {
        "merge_sources": sources,
        "merge_judgements": judgements,
        "merge_retired": retired,
        "mark_delisted": delisted,
    }


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S")


def keep_delisted(state: LoadState, delisted: list[dict[str, Any]]) -> None:
    """Delisted records stay in the graph, marked: keep them, their listings and their entity."""
    state.keep("record", [row["id"] for row in delisted])
    state.keep("sanction", [sid for row in delisted for sid in row["sanctionIds"]])
    state.keep("entity", state.kept_refs("record", "record"))


def graph_is_empty(store: GraphStore) -> bool:
    return bool(store.read_raw("MATCH (n:Entity) RETURN count(n) = 0 AS empty")[0]["empty"])


def load_mode(store: GraphStore, state: LoadState) -> str:
    last = store.read("last_load")
    trusted = not state.is_empty() and bool(last) and state.last_load_id() == last[0]["loadId"]
    if trusted:
        return "incremental"
    state.forget()
    return "fresh" if graph_is_empty(store) else "full"


def open_staging(staging_path: Path) -> duckdb.DuckDBPyConnection:
    """Staging, read-only; one written by an older version first gets its shared values derived."""
    con = staging.connect(staging_path, read_only=True)
    if not staging.is_current(con):
        con.close()
        with staging.exclusive_writer(staging_path, what="load"):
            staging.open_for_writing(staging_path).close()
        con = staging.connect(staging_path, read_only=True)
    staging.bound_memory(con, READ_MEMORY_LIMIT, keep_order=True)
    return con
