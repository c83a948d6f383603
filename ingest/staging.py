"""Staging: canonical records in a DuckDB file in the workspace.

Invariants:
- One input file (or OFAC trio) is staged in one DuckDB transaction. A crash, a
  bad file or a kill mid-file leaves staging exactly as before that file.
- A source holds the latest snapshot of its list: ``sg_records`` has one row per
  record ever seen, with ``removed_in`` set when a newer version no longer has it
  (a delisting); ``sg_changes`` keeps what each version added, changed, removed.
- The same file twice is recognised by its SHA-256 and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ingest.record import Quarantine, Record
from sanctiongraph.errors import IngestError

BATCH_SIZE = 10_000

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS sg_source_versions (
    source VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    files VARCHAR[] NOT NULL,
    sha256 VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL,
    records BIGINT NOT NULL,
    quarantined BIGINT NOT NULL,
    added BIGINT NOT NULL,
    changed BIGINT NOT NULL,
    removed BIGINT NOT NULL,
    ingested_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source, version)
);
CREATE TABLE IF NOT EXISTS sg_records (
    record_id VARCHAR PRIMARY KEY,
    source VARCHAR NOT NULL,
    source_key VARCHAR NOT NULL,
    schema VARCHAR NOT NULL,
    caption VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    data JSON NOT NULL,
    first_version VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    removed_in VARCHAR,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS sg_changes (
    source VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    change VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS sg_quarantine (
    source VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    row BIGINT NOT NULL,
    field VARCHAR,
    reason VARCHAR NOT NULL,
    raw VARCHAR
);
"""

_INCOMING = pa.schema(
    [
        ("record_id", pa.string()),
        ("source", pa.string()),
        ("source_key", pa.string()),
        ("schema", pa.string()),
        ("caption", pa.string()),
        ("content_hash", pa.string()),
        ("data", pa.string()),
        ("seq", pa.int64()),
        ("file", pa.string()),
        ("row", pa.int64()),
        ("rows", pa.int64()),
    ]
)

# Set-based merge of one version's records (in temp table sg_incoming) into sg_records.
MERGE_SQL = {
    # A key seen twice in one file: the first entry wins, later ones are quarantined.
    "quarantine_duplicates": """
        INSERT INTO sg_quarantine
        SELECT $source, $version, file, row, 'source_key',
               'duplicate key ' || source_key || ': an earlier row has it', left(caption, 200)
        FROM (SELECT *, row_number() OVER (PARTITION BY record_id ORDER BY seq) AS n FROM sg_incoming)
        WHERE n > 1
        RETURNING 1
    """,
    "drop_duplicates": """
        DELETE FROM sg_incoming WHERE seq IN (
            SELECT seq FROM (SELECT seq, row_number() OVER (PARTITION BY record_id ORDER BY seq) AS n
                             FROM sg_incoming) WHERE n > 1)
        RETURNING rows
    """,
    "record_changes": """
        INSERT INTO sg_changes
        SELECT $source, $version, i.record_id,
               CASE WHEN r.record_id IS NULL OR r.removed_in IS NOT NULL THEN 'added' ELSE 'changed' END
        FROM sg_incoming i LEFT JOIN sg_records r USING (record_id)
        WHERE r.record_id IS NULL OR r.removed_in IS NOT NULL OR r.content_hash <> i.content_hash
    """,
    "removals": """
        INSERT INTO sg_changes
        SELECT $source, $version, r.record_id, 'removed'
        FROM sg_records r ANTI JOIN sg_incoming i USING (record_id)
        WHERE r.source = $source AND r.removed_in IS NULL
    """,
    "mark_removed": """
        UPDATE sg_records SET removed_in = $version, updated_at = $now
        WHERE source = $source AND removed_in IS NULL
          AND record_id NOT IN (SELECT record_id FROM sg_incoming)
    """,
    "upsert": """
        INSERT INTO sg_records
        SELECT i.record_id, i.source, i.source_key, i.schema, i.caption, i.content_hash, i.data::JSON,
               $version, $version, NULL, $now
        FROM sg_incoming i
        ON CONFLICT (record_id) DO UPDATE SET
            schema = excluded.schema, caption = excluded.caption,
            content_hash = excluded.content_hash, data = excluded.data,
            version = excluded.version, removed_in = NULL, updated_at = excluded.updated_at
    """,
    "count_changes": """
        SELECT change, count(*) FROM sg_changes WHERE source = $source AND version = $version GROUP BY change
    """,
}


@dataclass(slots=True)
class IngestSummary:
    source: str
    version: str
    format: str
    files: list[str]
    rows_read: int = 0
    records: int = 0
    quarantined: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    already_ingested: bool = False
    reasons: dict[str, int] = field(default_factory=dict)


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


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and create) the staging database, with a readable error if we cannot."""
    try:
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
    except (duckdb.Error, OSError) as error:
        raise IngestError(f"{path}: cannot open staging database ({error})", hint="check the workspace is writable and no other sanctiongraph process holds it") from error
    if not read_only:
        con.execute(SCHEMA_SQL)
    return con


def find_version_by_hash(con: duckdb.DuckDBPyConnection, source: str, sha256: str) -> str | None:
    row = con.execute("SELECT version FROM sg_source_versions WHERE source = ? AND sha256 = ?", [source, sha256]).fetchone()
    return None if row is None else str(row[0])


def version_exists(con: duckdb.DuckDBPyConnection, source: str, version: str) -> bool:
    row = con.execute("SELECT 1 FROM sg_source_versions WHERE source = ? AND version = ?", [source, version]).fetchone()
    return row is not None


def _record_row(record: Record, seq: int) -> tuple[Any, ...]:
    data = record.to_dict()
    return (
        record.record_id,
        record.source,
        record.source_key,
        str(record.schema),
        record.caption,
        record.content_hash(),
        json.dumps(data, ensure_ascii=False, default=str),
        seq,
        record.provenance.file,
        record.provenance.row,
        record.provenance.rows,
    )


def _batches(items: Iterable[Record], size: int) -> Iterator[pa.Table]:
    rows: list[tuple[Any, ...]] = []
    for seq, record in enumerate(items):
        rows.append(_record_row(record, seq))
        if len(rows) >= size:
            yield _table(rows)
            rows = []
    if rows:
        yield _table(rows)


def _table(rows: list[tuple[Any, ...]]) -> pa.Table:
    columns = list(zip(*rows, strict=True))
    return pa.table({name: list(col) for name, col in zip(_INCOMING.names, columns, strict=True)}, schema=_INCOMING)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()


def stage_version(
    con: duckdb.DuckDBPyConnection,
    summary: IngestSummary,
    records: Iterable[Record],
    quarantine: list[Quarantine],
    sha256: str,
) -> IngestSummary:
    """Stage one source version in one transaction and fill in its change counts.

    ``records`` is consumed lazily, in batches, so a large file streams through.
    """
    now = datetime.now(UTC).replace(tzinfo=None)
    params: dict[str, Any] = {"source": summary.source, "version": summary.version}
    with transaction(con):
        con.execute(
            "CREATE OR REPLACE TEMP TABLE sg_incoming (record_id VARCHAR, source VARCHAR, source_key VARCHAR,"
            " schema VARCHAR, caption VARCHAR, content_hash VARCHAR, data VARCHAR, seq BIGINT, file VARCHAR,"
            " row BIGINT, rows BIGINT)"
        )
        for batch in _batches(records, BATCH_SIZE):
            con.register("sg_batch", batch)
            con.execute("INSERT INTO sg_incoming SELECT * FROM sg_batch")
            con.unregister("sg_batch")
        _quarantine_duplicates(con, summary, params)
        _run(con, "record_changes", params)
        _run(con, "removals", params)
        _run(con, "mark_removed", {**params, "now": now})
        _run(con, "upsert", {**params, "now": now})
        _stage_quarantine(con, summary, quarantine)
        counts = dict(_run(con, "count_changes", params).fetchall())
        summary.added, summary.changed, summary.removed = (int(counts.get(k, 0)) for k in ("added", "changed", "removed"))
        con.execute(
            "INSERT INTO sg_source_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [summary.source, summary.version, summary.format, summary.files, sha256, summary.rows_read,
             summary.records, summary.quarantined, summary.added, summary.changed, summary.removed, now],
        )
        con.execute("DROP TABLE sg_incoming")
    return summary


def _run(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    """Run a named statement of ``MERGE_SQL`` with just the parameters it names."""
    sql = MERGE_SQL[name]
    return con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})


def _quarantine_duplicates(con: duckdb.DuckDBPyConnection, summary: IngestSummary, params: dict[str, Any]) -> None:
    _run(con, "quarantine_duplicates", params)
    dropped = [int(r[0]) for r in _run(con, "drop_duplicates", params).fetchall()]
    if dropped:
        summary.records -= len(dropped)
        summary.quarantined += sum(dropped)
        summary.reasons["duplicate key"] = summary.reasons.get("duplicate key", 0) + sum(dropped)


def _stage_quarantine(con: duckdb.DuckDBPyConnection, summary: IngestSummary, quarantine: list[Quarantine]) -> None:
    if not quarantine:
        return
    con.executemany(
        "INSERT INTO sg_quarantine VALUES (?, ?, ?, ?, ?, ?, ?)",
        [[summary.source, summary.version, q.file, q.row, q.field, q.reason, q.raw] for q in quarantine],
    )


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
    while rows := cursor.fetchmany(BATCH_SIZE):
        for (data,) in rows:
            yield Record.from_dict(json.loads(data))
