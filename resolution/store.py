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

from resolution.features import FEATURE_SCHEMA, Features, features_from_row, features_table
from resolution.identity import Assignment

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS sg_runs (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    mode VARCHAR NOT NULL,
    records BIGINT NOT NULL,
    entities BIGINT NOT NULL,
    links BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS sg_record_entities (
    record_id VARCHAR PRIMARY KEY,
    entity_id VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS sg_entity_ids (
    entity_id VARCHAR PRIMARY KEY,
    created_run VARCHAR NOT NULL,
    retired_run VARCHAR,
    successor VARCHAR
);
CREATE TABLE IF NOT EXISTS sg_entity_events (
    run_id VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    event VARCHAR NOT NULL,
    other_id VARCHAR
);
CREATE TABLE IF NOT EXISTS sg_match_evidence (
    record_l VARCHAR NOT NULL,
    record_r VARCHAR NOT NULL,
    family VARCHAR NOT NULL,
    match_probability DOUBLE NOT NULL,
    match_weight DOUBLE NOT NULL,
    comparisons JSON NOT NULL,
    run_id VARCHAR NOT NULL,
    PRIMARY KEY (record_l, record_r)
);
CREATE TABLE IF NOT EXISTS sg_judgements (
    record_l VARCHAR NOT NULL,
    record_r VARCHAR NOT NULL,
    judgement VARCHAR NOT NULL,
    note VARCHAR,
    author VARCHAR,
    created_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
"""


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
    """The comparison rows of the last run and the content hash of each record they came from."""

    rows: list[Features]
    hashes: dict[str, str]  # record_id -> content_hash


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> tuple[Any, ...] | None:
    """The first row of a query, with the result drained.

    DuckDB 2 refuses further work on a connection whose ``execute()`` result was
    only partly fetched (``fetchone``), so every lookup here fetches all rows.
    """
    rows = con.execute(sql, params or []).fetchall()
    return tuple(rows[0]) if rows else None


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA_SQL)


def load_features(con: duckdb.DuckDBPyConnection) -> StoredFeatures:
    """The last run's feature rows; empty when there is none or its columns are outdated.

    ``sg_features`` is rewritten whole by every run, so a feature column added in a
    later version just makes the next incremental run a full one.
    """
    exists = first_row(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'sg_features'")
    if not exists or not exists[0]:
        return StoredFeatures([], {})
    table = con.sql("SELECT * FROM sg_features").to_arrow_table()
    if table is None or table.column_names != [*FEATURE_SCHEMA.names, "content_hash"]:
        return StoredFeatures([], {})
    rows, hashes = [], {}
    for row in table.to_pylist():
        hashes[row["unique_id"]] = row.pop("content_hash")
        rows.append(features_from_row(row))
    return StoredFeatures(rows, hashes)


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
        " WHERE record_l = ? AND record_r = ?", [left, right],
    )
    return None if row is None else Evidence(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]))


def _write_features(con: duckdb.DuckDBPyConnection, rows: list[Features], hashes: dict[str, str]) -> None:
    table = features_table(rows)
    table = table.append_column("content_hash", pa.array([hashes.get(r.unique_id, "") for r in rows], pa.string()))
    con.register("sg_features_new", table)
    try:
        con.execute("CREATE OR REPLACE TABLE sg_features AS SELECT * FROM sg_features_new")
    finally:
        con.unregister("sg_features_new")


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
    features: tuple[list[Features], dict[str, str]] | None = None,
) -> None:
    """Replace the current assignment, evidence and feature rows with this run's, atomically."""
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = list(evidence)
    con.begin()
    try:
        con.execute("DELETE FROM sg_record_entities")
        if assignment.entity_of:
            _insert(con, "sg_record_entities", {
                "record_id": list(assignment.entity_of),
                "entity_id": list(assignment.entity_of.values()),
                "run_id": [run_id] * len(assignment.entity_of),
            })
        _write_ids(con, run_id, assignment)
        con.execute("DELETE FROM sg_match_evidence")
        if rows:
            _insert(con, "sg_match_evidence", {
                "record_l": [e.record_l for e in rows],
                "record_r": [e.record_r for e in rows],
                "family": [e.family for e in rows],
                "match_probability": [e.match_probability for e in rows],
                "match_weight": [e.match_weight for e in rows],
                "comparisons": [json.dumps(e.comparisons) for e in rows],
                "run_id": [run_id] * len(rows),
            })
        if features is not None:
            _write_features(con, *features)
        entities = len(set(assignment.entity_of.values()))
        con.execute(
            "INSERT INTO sg_runs VALUES (?, ?, ?, ?, ?, ?, ?)",
            [run_id, started_at, now, mode, len(assignment.entity_of), entities, len(rows)],
        )
    except BaseException:
        con.rollback()
        raise
    con.commit()


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, list[Any]]) -> None:
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
        con.executemany("INSERT INTO sg_entity_ids VALUES (?, ?, NULL, NULL)", [[i, run_id] for i in created])
    for old, successor in assignment.retired.items():
        con.execute(
            "UPDATE sg_entity_ids SET retired_run = ?, successor = ? WHERE entity_id = ?", [run_id, successor, old]
        )
    if assignment.events:
        con.executemany(
            "INSERT INTO sg_entity_events VALUES (?, ?, ?, ?)",
            [[run_id, e.entity_id, e.event, e.other_id] for e in assignment.events],
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
