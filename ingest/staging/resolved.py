"""What resolution decided, as staging keeps it: runs, entity IDs, evidence, features, judgements.

Resolution writes these tables and the graph layer reads them; both do it through
the functions here, which take and give plain rows and Arrow tables, so this module
needs nothing of either layer. A run is written in one transaction (``write_run``):
``sg_record_entities`` always describes one complete run, and a crash leaves the
previous run in place.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from ingest.staging.schema import MATCH_EVIDENCE, RECORD_ENTITIES

EVIDENCE_COLUMNS = "record_l, record_r, family, match_probability, match_weight, comparisons"
# A row of ``sg_match_evidence``: record_l, record_r, family, probability, weight, comparisons (JSON text).
EvidenceRow = tuple[str, str, str, float, float, str]


@dataclass(frozen=True, slots=True)
class RunWrite:
    """Everything one resolution run replaces or adds, as tables ready to insert."""

    run_id: str
    started_at: datetime
    finished_at: datetime
    mode: str
    entities: pa.Table  # record_id, entity_id
    matches: pa.Table  # record_l, record_r, family, match_probability, match_weight, comparisons
    created: list[str]  # entity IDs issued by this run
    retired: dict[str, str | None]  # entity ID -> successor (none when it has no single one)
    events: pa.Table | None  # entity_id, event, other_id
    features: pa.Table | None = None  # the run's comparison rows with each record's content hash
    purged: pa.Table | None = None  # family, blocking_column, value


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> tuple[Any, ...] | None:
    """The first row of a query, with the result drained.

    DuckDB 2 refuses further work on a connection whose ``execute()`` result was
    only partly fetched (``fetchone``), so every lookup here fetches all rows.
    """
    rows = con.execute(sql, params or []).fetchall()
    return tuple(rows[0]) if rows else None


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a staging table exists: a read-only reader of an older file cannot create it."""
    rows = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchall()
    return bool(rows[0][0])


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """An Arrow table visible to SQL on ``con`` as ``name`` for the block's duration."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


# --- reads ---------------------------------------------------------------------------------


def is_resolved(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any resolution run has been written."""
    return has_table(con, "sg_runs") and first_row(con, "SELECT count(*) FROM sg_runs") != (0,)


def last_run_id(con: duckdb.DuckDBPyConnection) -> str | None:
    row = first_row(con, "SELECT run_id FROM sg_runs ORDER BY finished_at DESC LIMIT 1")
    return None if row is None else str(row[0])


def run_finished_at(con: duckdb.DuckDBPyConnection, run_id: str) -> datetime | None:
    row = first_row(con, "SELECT finished_at FROM sg_runs WHERE run_id = ?", [run_id])
    return None if row is None else row[0]


def features_table(con: duckdb.DuckDBPyConnection) -> pa.Table | None:
    """The last run's feature rows with each record's content hash; ``None`` before any run stored them."""
    if not has_table(con, "sg_features"):
        return None
    return con.sql("SELECT * FROM sg_features").to_arrow_table()


def evidence_rows(con: duckdb.DuckDBPyConnection) -> list[EvidenceRow]:
    return con.execute(f"SELECT {EVIDENCE_COLUMNS} FROM sg_match_evidence").fetchall()


def evidence_pair(con: duckdb.DuckDBPyConnection, left: str, right: str) -> EvidenceRow | None:
    """The stored evidence of one pair (ids in sorted order); ``None`` when the last run kept none or never ran."""
    if not has_table(con, "sg_match_evidence"):
        return None
    row = first_row(
        con, f"SELECT {EVIDENCE_COLUMNS} FROM sg_match_evidence WHERE record_l = ? AND record_r = ?", [left, right]
    )
    return None if row is None else (row[0], row[1], row[2], row[3], row[4], row[5])


def purged_values(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(family, blocking column, value) the last run did not block on."""
    return con.execute("SELECT family, blocking_column, value FROM sg_blocking_purged ORDER BY value").fetchall()


def entity_of_records(con: duckdb.DuckDBPyConnection, record_ids: list[str] | None = None) -> dict[str, str]:
    """record ID -> entity ID in the last run (of ``record_ids`` only, when given); empty before any run."""
    if not has_table(con, "sg_record_entities"):
        return {}
    if record_ids is None:
        return dict(con.execute("SELECT record_id, entity_id FROM sg_record_entities").fetchall())
    sql = "SELECT record_id, entity_id FROM sg_record_entities WHERE record_id IN (SELECT unnest(?::VARCHAR[]))"
    return dict(con.execute(sql, [record_ids]).fetchall())


def resolved_record_count(con: duckdb.DuckDBPyConnection) -> int:
    row = first_row(con, "SELECT count(*) FROM sg_record_entities")
    return int(row[0]) if row else 0


def issued_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT entity_id FROM sg_entity_ids").fetchall()}


def retired_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        str(row[0])
        for row in con.execute("SELECT entity_id FROM sg_entity_ids WHERE retired_run IS NOT NULL").fetchall()
    ]


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


# --- judgements ----------------------------------------------------------------------------

# The latest active judgement per record pair, with its note, author and time.
LATEST_JUDGEMENTS_SQL = """
SELECT record_l, record_r, arg_max(judgement, created_at), arg_max(note, created_at), arg_max(author, created_at),
       max(created_at)
FROM sg_judgements WHERE deleted_at IS NULL GROUP BY record_l, record_r ORDER BY record_l, record_r
"""


def add_judgement(
    con: duckdb.DuckDBPyConnection,
    left: str,
    right: str,
    judgement: str,
    note: str | None,
    author: str | None,
    at: datetime,
) -> None:
    con.execute("INSERT INTO sg_judgements VALUES (?, ?, ?, ?, ?, ?, NULL)", [left, right, judgement, note, author, at])


def judgement_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str | None, str | None, datetime]]:
    """Every active judgement, oldest first; none in a file never written by a resolving version."""
    if not has_table(con, "sg_judgements"):
        return []
    return con.execute(
        "SELECT record_l, record_r, judgement, note, author, created_at FROM sg_judgements "
        "WHERE deleted_at IS NULL ORDER BY created_at"
    ).fetchall()


def latest_judgements(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str | None, str | None, datetime]]:
    """The latest active judgement per pair: (record_l, record_r, judgement, note, author, at)."""
    if not has_table(con, "sg_judgements"):
        return []
    return con.execute(LATEST_JUDGEMENTS_SQL).fetchall()


# --- writing a run -------------------------------------------------------------------------


def write_run(con: duckdb.DuckDBPyConnection, run: RunWrite) -> None:
    """Replace the current assignment, evidence and feature rows with this run's, atomically."""
    con.begin()
    try:
        _replace(con, RECORD_ENTITIES, run.entities, run.run_id)
        _write_ids(con, run)
        _replace(con, MATCH_EVIDENCE, run.matches, run.run_id)
        if run.features is not None:
            with registered(con, "features_new", run.features):
                con.execute("CREATE OR REPLACE TABLE sg_features AS SELECT * FROM features_new")
        if run.purged is not None:
            con.execute("DELETE FROM sg_blocking_purged")
            if run.purged.num_rows:
                _insert(con, "sg_blocking_purged", run.purged)
        entity_count = len(set(run.entities["entity_id"].to_pylist()))
        con.execute(
            "INSERT INTO sg_runs VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                run.run_id,
                run.started_at,
                run.finished_at,
                run.mode,
                run.entities.num_rows,
                entity_count,
                run.matches.num_rows,
            ],
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
    con.execute(f"CREATE OR REPLACE TABLE {table_sql}")  # table_sql is a constant of staging.schema
    with registered(con, "run_rows", rows):
        con.execute(f"INSERT INTO {table} BY NAME SELECT *, ? AS run_id FROM run_rows", [run_id])


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    """Bulk insert through Arrow: row-by-row inserts are far too slow at a million rows."""
    with registered(con, "new_rows", rows):
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM new_rows")  # table: a name of this module


def _write_ids(con: duckdb.DuckDBPyConnection, run: RunWrite) -> None:
    if run.created:
        ids = pa.table(
            {"entity_id": pa.array(run.created, pa.string()), "created_run": [run.run_id] * len(run.created)}
        )
        _insert(con, "sg_entity_ids", ids)
    if run.retired:
        retired = pa.table(
            {"entity_id": list(run.retired), "successor": list(run.retired.values())},
            schema=pa.schema([("entity_id", pa.string()), ("successor", pa.string())]),
        )
        with registered(con, "retired", retired):
            con.execute(
                "UPDATE sg_entity_ids SET retired_run = ?, successor = retired.successor FROM retired"
                " WHERE sg_entity_ids.entity_id = retired.entity_id",
                [run.run_id],
            )
    if run.events is not None and run.events.num_rows:
        events = run.events.add_column(0, "run_id", pa.array([run.run_id] * run.events.num_rows, pa.string()))
        _insert(con, "sg_entity_events", events)
