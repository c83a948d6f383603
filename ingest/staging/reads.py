"""What the staged lists hold, read back: versions, current records, changes, quarantine."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from ingest.record import Record

# Records decoded per fetch while iterating.
READ_BATCH = 10_000


@dataclass(slots=True)
class SourceVersion:
    source: str
    format: str
    version: str
    rows_read: int
    records: int
    quarantined: int
    added: int
    changed: int
    removed: int
    ingested_at: datetime


def find_version_by_hash(con: duckdb.DuckDBPyConnection, source: str, sha256: str) -> str | None:
    row = con.execute(
        "SELECT version FROM sg_source_versions WHERE source = ? AND sha256 = ?", [source, sha256]
    ).fetchone()
    return None if row is None else str(row[0])


def version_exists(con: duckdb.DuckDBPyConnection, source: str, version: str) -> bool:
    row = con.execute("SELECT 1 FROM sg_source_versions WHERE source = ? AND version = ?", [source, version]).fetchone()
    return row is not None


def list_versions(con: duckdb.DuckDBPyConnection) -> list[SourceVersion]:
    rows = con.execute(
        "SELECT source, format, version, rows_read, records, quarantined, added, changed, removed, ingested_at"
        " FROM sg_source_versions ORDER BY source, ingested_at"
    ).fetchall()
    return [SourceVersion(*row) for row in rows]


def iter_current_records(con: duckdb.DuckDBPyConnection, sources: list[str] | None = None) -> Iterator[Record]:
    """Records present in the latest version of their source (delisted ones left out)."""
    sql = "SELECT data FROM sg_records WHERE removed_in IS NULL"
    params: list[Any] = []
    if sources:
        sql += " AND source IN (SELECT unnest(?))"
        params.append(sources)
    cursor = con.execute(sql + " ORDER BY record_id", params)
    while rows := cursor.fetchmany(READ_BATCH):
        for (data,) in rows:
            yield Record.from_dict(orjson.loads(data))


@dataclass(slots=True)
class Change:
    source: str
    version: str
    record_id: str
    change: str  # added | changed | removed
    caption: str | None = None  # the record's name as staged now


CHANGE_KINDS = ("added", "changed", "removed")


@dataclass(slots=True)
class QuarantineEntry:
    source: str
    version: str
    file: str
    row: int
    field: str | None
    reason: str
    raw: str | None
    rows: int = 1


def list_changes(
    con: duckdb.DuckDBPyConnection,
    source: str,
    version: str | None = None,
    *,
    kind: str | None = None,
    limit: int | None = None,
) -> list[Change]:
    """What each version of ``source`` added, changed and removed (delisted), oldest version first; ``kind`` one
    of ``CHANGE_KINDS``, ``limit`` the first that many."""
    sql = (
        "SELECT c.source, c.version, c.record_id, c.change, r.caption FROM sg_changes c"
        " JOIN sg_source_versions v USING (source, version) LEFT JOIN sg_records r ON r.record_id = c.record_id"
    )
    filters = {"c.source": source, "c.version": version, "c.change": kind}
    rows = _filtered(con, sql, filters, "v.ingested_at, c.change, c.record_id", limit)
    return [Change(*row) for row in rows]


def list_quarantine(
    con: duckdb.DuckDBPyConnection, source: str | None = None, version: str | None = None, *, limit: int | None = None
) -> list[QuarantineEntry]:
    """Rows that did not become records, with file, row and reason, in file order; ``limit`` the first that many."""
    sql = "SELECT source, version, file, row, field, reason, raw, rows FROM sg_quarantine"
    rows = _filtered(con, sql, {"source": source, "version": version}, "source, version, file, row", limit)
    return [QuarantineEntry(*row) for row in rows]


def _filtered(
    con: duckdb.DuckDBPyConnection, sql: str, filters: dict[str, str | None], order: str, limit: int | None
) -> list[tuple[Any, ...]]:
    """``sql``'s rows where each given filter column equals its value (parameters, never text), ordered, limited."""
    given = {column: value for column, value in filters.items() if value is not None}
    where = " WHERE " + " AND ".join(f"{column} = ?" for column in given) if given else ""
    tail = " LIMIT ?" if limit is not None else ""
    params = [*given.values(), *([limit] if limit is not None else [])]
    return con.execute(f"{sql}{where} ORDER BY {order}{tail}", params).fetchall()


def get_record(con: duckdb.DuckDBPyConnection, record_id: str) -> Record | None:
    """One staged record by id (delisted ones included), or ``None``."""
    row = con.execute("SELECT data FROM sg_records WHERE record_id = ?", [record_id]).fetchone()
    return None if row is None else Record.from_dict(orjson.loads(row[0]))


def record_exists(con: duckdb.DuckDBPyConnection, record_id: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM sg_records WHERE record_id = ?", [record_id]).fetchall()[0][0])


def source_formats(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(source, format) of every staged source."""
    return {
        (str(s), str(f)) for s, f in con.execute("SELECT DISTINCT source, format FROM sg_source_versions").fetchall()
    }


def current_schemas(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(record ID, schema) of every current record."""
    return con.execute("SELECT record_id, schema FROM sg_records WHERE removed_in IS NULL").fetchall()


def current_hashes(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(record ID, source, content hash) of every current record."""
    return con.execute("SELECT record_id, source, content_hash FROM sg_records WHERE removed_in IS NULL").fetchall()


def current_records_as(con: duckdb.DuckDBPyConnection, json_type: str, record_ids: list[str] | None = None) -> pa.Table:
    """Current records as Arrow (record_id, source, d), ``d`` their JSON parsed by DuckDB into ``json_type``.

    Parsing in DuckDB is what lets resolution read a million records' feature inputs
    without a Python object per record. ``record_ids`` limits it to those records.
    """
    sql = "SELECT record_id, source, json_transform(data, $type) AS d FROM sg_records WHERE removed_in IS NULL"
    if record_ids is None:
        return con.sql(sql, params={"type": json_type}).to_arrow_table()
    con.register("wanted_ids", pa.table({"record_id": pa.array(record_ids, pa.string())}))
    try:
        sql += " AND record_id IN (SELECT record_id FROM wanted_ids)"
        return con.sql(sql, params={"type": json_type}).to_arrow_table()
    finally:
        con.unregister("wanted_ids")


def newest_changes(con: duckdb.DuckDBPyConnection, record_ids: list[str]) -> dict[str, tuple[str, str, str]]:
    """For each of ``record_ids`` that any version changed: (source, version, change) of the newest."""
    rows = con.execute(
        """
        SELECT c.record_id, c.source, c.version, c.change FROM sg_changes c
        JOIN sg_source_versions v ON v.source = c.source AND v.version = c.version
        WHERE c.record_id IN (SELECT unnest(?::VARCHAR[]))
        ORDER BY v.ingested_at DESC
        """,
        [record_ids],
    ).fetchall()
    found: dict[str, tuple[str, str, str]] = {}
    for record_id, source, version, change in rows:
        found.setdefault(str(record_id), (str(source), str(version), str(change)))
    return found


def change_history(con: duckdb.DuckDBPyConnection, record_ids: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Every (change, version) any version recorded for each of ``record_ids``, oldest first."""
    if not record_ids:
        return {}
    rows = con.execute(
        """
        SELECT c.record_id, c.change, c.version FROM sg_changes c
        JOIN sg_source_versions v ON v.source = c.source AND v.version = c.version
        WHERE c.record_id IN (SELECT unnest(?::VARCHAR[]))
        ORDER BY v.ingested_at
        """,
        [record_ids],
    ).fetchall()
    found: dict[str, list[tuple[str, str]]] = {}
    for record_id, change, version in rows:
        found.setdefault(str(record_id), []).append((str(change).lower(), str(version)))
    return found
