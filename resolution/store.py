"""Resolution state in the staging DuckDB file: runs, entity IDs, evidence, judgements.

Invariant: ``sg_record_entities`` always describes one complete run; a run is
written in one transaction, so a crash leaves the previous run in place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from ingest.staging.schema import MATCH_EVIDENCE, RECORD_ENTITIES
from resolution.features import FEATURE_SCHEMA
from resolution.identity import Assignment


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why two records were (or were not) merged: Splink's score and its parts."""

    record_l: str
    record_r: str
    family: str
    match_probability: float
    match_weight: float
    comparisons: list[dict[str, Any]]  # [{"comparison", "level", "label", "weight"}]


@dataclass(frozen=True, slots=True)
class StoredFeatures:
    """The comparison rows of the last run (``FEATURE_SCHEMA``) and the content hash of each record."""

    rows: pa.Table
    hashes: dict[str, str]  # record_id -> content_hash


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> tuple[Any, ...] | None:
    """The first row of a query, with the result drained.

    DuckDB 2 refuses further work on a connection whose ``execute()`` result was
    only partly fetched (``fetchone``), so every lookup here fetches all rows.
    """
    rows = con.execute(sql, params or []).fetchall()
    return tuple(rows[0]) if rows else None


def load_features(con: duckdb.DuckDBPyConnection) -> StoredFeatures:
    """The last run's feature rows; empty when there is none or its columns are outdated.

    ``sg_features`` is rewritten whole by every run, so a feature column added in a
    later version just makes the next incremental run a full one.
    """
    empty = StoredFeatures(FEATURE_SCHEMA.empty_table(), {})
    exists = first_row(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'sg_features'")
    if not exists or not exists[0]:
        return empty
    table = con.sql("SELECT * FROM sg_features").to_arrow_table()
    if table is None or table.column_names != [*FEATURE_SCHEMA.names, "content_hash"]:
        return empty
    hashes = dict(zip(table["unique_id"].to_pylist(), table["content_hash"].to_pylist(), strict=True))
    return StoredFeatures(table.select(FEATURE_SCHEMA.names).cast(FEATURE_SCHEMA), hashes)


def load_evidence(con: duckdb.DuckDBPyConnection) -> list[Evidence]:
    rows = con.execute(
        "SELECT record_l, record_r, family, match_probability, match_weight, comparisons FROM sg_match_evidence"
    ).fetchall()
    return [Evidence(l_, r_, f, p, w, json.loads(c)) for l_, r_, f, p, w, c in rows]


def load_evidence_pair(con: duckdb.DuckDBPyConnection, left: str, right: str) -> Evidence | None:
    """The stored evidence of one pair (ids in sorted order), if the last run kept any."""
    row = first_row(
        con,
        "SELECT record_l, record_r, family, match_probability, match_weight, comparisons FROM sg_match_evidence"
        " WHERE record_l = ? AND record_r = ?",
        [left, right],
    )
    return None if row is None else Evidence(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]))


def _write_features(con: duckdb.DuckDBPyConnection, table: pa.Table, hashes: dict[str, str]) -> None:
    ids = table["unique_id"].to_pylist()
    table = table.append_column("content_hash", pa.array([hashes.get(i, "") for i in ids], pa.string()))
    con.register("sg_features_new", table)
    try:
        con.execute("CREATE OR REPLACE TABLE sg_features AS SELECT * FROM sg_features_new")
    finally:
        con.unregister("sg_features_new")


def _write_purged(con: duckdb.DuckDBPyConnection, purged: dict[str, dict[str, list[str]]]) -> None:
    con.execute("DELETE FROM sg_blocking_purged")
    rows = [
        (family, column, value)
        for family, columns in purged.items()
        for column, values in columns.items()
        for value in values
    ]
    if rows:
        _insert(
            con,
            "sg_blocking_purged",
            {"family": [r[0] for r in rows], "blocking_column": [r[1] for r in rows], "value": [r[2] for r in rows]},
        )


def load_purged(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, list[str]]]:
    """The blocking values the last run did not block on, per family and column (see ``resolution.blocking``)."""
    from resolution.blocking import purge_columns
    from resolution.models import FAMILIES

    found: dict[str, dict[str, list[str]]] = {f: {c: [] for c in purge_columns(f)} for f in FAMILIES}
    rows = con.execute("SELECT family, blocking_column, value FROM sg_blocking_purged ORDER BY value").fetchall()
    for family, column, value in rows:
        found.setdefault(family, {}).setdefault(column, []).append(value)
    return found


def previous_assignment(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT record_id, entity_id FROM sg_record_entities").fetchall())


def issued_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT entity_id FROM sg_entity_ids").fetchall()}


def judgements(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Active analyst judgements as (same, not_same) pairs; the latest per pair wins."""
    rows = con.execute(
        """SELECT record_l, record_r, arg_max(judgement, created_at) FROM sg_judgements
           WHERE deleted_at IS NULL GROUP BY record_l, record_r"""
    ).fetchall()
    same = [(a, b) for a, b, j in rows if j == "same"]
    not_same = [(a, b) for a, b, j in rows if j == "not_same"]
    return same, not_same


def write_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    started_at: datetime,
    mode: str,
    assignment: Assignment,
    evidence: Iterable[Evidence],
    features: tuple[pa.Table, dict[str, str]] | None = None,
    purged: dict[str, dict[str, list[str]]] | None = None,
) -> None:
    """Replace the current assignment, evidence and feature rows with this run's, atomically."""
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = list(evidence)
    entities = pa.table(
        {
            "record_id": pa.array(list(assignment.entity_of), pa.string()),
            "entity_id": pa.array(list(assignment.entity_of.values()), pa.string()),
        }
    )
    matches = pa.table(
        {
            "record_l": pa.array([e.record_l for e in rows], pa.string()),
            "record_r": pa.array([e.record_r for e in rows], pa.string()),
            "family": pa.array([e.family for e in rows], pa.string()),
            "match_probability": pa.array([e.match_probability for e in rows], pa.float64()),
            "match_weight": pa.array([e.match_weight for e in rows], pa.float64()),
            "comparisons": pa.array([json.dumps(e.comparisons) for e in rows], pa.string()),
        }
    )
    con.begin()
    try:
        _replace(con, RECORD_ENTITIES, entities, run_id)
        _write_ids(con, run_id, assignment)
        _replace(con, MATCH_EVIDENCE, matches, run_id)
        if features is not None:
            _write_features(con, *features)
        if purged is not None:
            _write_purged(con, purged)
        entity_count = len(set(assignment.entity_of.values()))
        con.execute(
            "INSERT INTO sg_runs VALUES (?, ?, ?, ?, ?, ?, ?)",
            [run_id, started_at, now, mode, len(assignment.entity_of), entity_count, len(rows)],
        )
    except BaseException:
        con.rollback()
        raise
    con.commit()


def _replace(con: duckdb.DuckDBPyConnection, table_sql: str, rows: pa.Table, run_id: str) -> None:
    """A table rewritten whole, within the caller's transaction: ``rows`` plus this run's id.

    Replacing the table is far cheaper than deleting and re-inserting every row, and
    it also drops the PRIMARY KEY an older workspace's table still has.
    """
    table = table_sql.split(" ", 1)[0]
    con.execute(f"CREATE OR REPLACE TABLE {table_sql}")
    con.register("sg_bulk", rows)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT *, ? AS run_id FROM sg_bulk", [run_id])
    finally:
        con.unregister("sg_bulk")


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, Any]) -> None:
    """Bulk insert through Arrow: row-by-row inserts are far too slow at a million rows."""
    frame = pa.table(columns)
    con.register("sg_bulk", frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM sg_bulk")
    finally:
        con.unregister("sg_bulk")


def _write_ids(con: duckdb.DuckDBPyConnection, run_id: str, assignment: Assignment) -> None:
    created = [e.entity_id for e in assignment.events if e.event == "created"]
    if created:
        _insert(con, "sg_entity_ids", {"entity_id": created, "created_run": [run_id] * len(created)})
    if assignment.retired:
        retired = pa.table(
            {"entity_id": list(assignment.retired), "successor": list(assignment.retired.values())},
            schema=pa.schema([("entity_id", pa.string()), ("successor", pa.string())]),
        )
        con.register("sg_retired", retired)
        try:
            con.execute(
                "UPDATE sg_entity_ids SET retired_run = ?, successor = sg_retired.successor FROM sg_retired"
                " WHERE sg_entity_ids.entity_id = sg_retired.entity_id",
                [run_id],
            )
        finally:
            con.unregister("sg_retired")
    if assignment.events:
        _insert(
            con,
            "sg_entity_events",
            {
                "run_id": [run_id] * len(assignment.events),
                "entity_id": [e.entity_id for e in assignment.events],
                "event": [e.event for e in assignment.events],
                "other_id": pa.array([e.other_id for e in assignment.events], pa.string()),
            },
        )


def current_entity_id(con: duckdb.DuckDBPyConnection, entity_id: str) -> str | None:
    """Follow retired IDs to their successor; ``None`` when the ID was never issued."""
    seen: set[str] = set()
    while entity_id not in seen:
        seen.add(entity_id)
        row = first_row(con, "SELECT retired_run, successor FROM sg_entity_ids WHERE entity_id = ?", [entity_id])
        if row is None:
            return None
        if row[0] is None or row[1] is None:
            return entity_id if row[0] is None else None
        entity_id = row[1]
    return None
