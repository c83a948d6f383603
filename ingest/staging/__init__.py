"""Staging: canonical records in a DuckDB file in the workspace, and the owner of that file.

Every table of the file is declared in ``staging.schema``, whichever layer writes
it; ``open_for_writing`` opens it and brings an older file up to date
(``schema.migrate``), ``connect`` only opens it, and ``exclusive_writer`` is the
lock every writer (an ingest, a resolution run, a judgement) takes.

Invariants:
- One input file (or OFAC trio) is staged in one DuckDB transaction. A crash, a
  bad file or a kill mid-file leaves staging exactly as before that file.
- A source holds the latest snapshot of its list: ``sg_records`` has one row per
  record ever seen, with ``removed_in`` set when a newer version no longer has it
  (a delisting); ``sg_changes`` keeps what each version added, changed, removed.
- The same file twice is recognised by its SHA-256 and changes nothing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ingest.record import Quarantine, Record
from ingest.staging import shared_values
from ingest.staging.incoming import RECORD_COLUMNS, StagedPart, StagedRecords, Stamp, stamp
from ingest.staging.lock import exclusive_writer, writer_lock_path
from ingest.staging.reads import (
    CHANGE_KINDS,
    Change,
    QuarantineEntry,
    SourceVersion,
    change_history,
    current_hashes,
    current_records_as,
    current_schemas,
    find_version_by_hash,
    get_record,
    iter_current_records,
    list_changes,
    list_quarantine,
    list_versions,
    newest_changes,
    record_exists,
    source_formats,
    version_exists,
)
from ingest.staging.schema import create_work_tables, drop_work, is_current, migrate
from sanctiongraph.errors import IngestError, MassRemovalError

__all__ = [
    "BATCH_SIZE",
    "CHANGE_KINDS",
    "Change",
    "change_history",
    "IngestSummary",
    "LOAD_MEMORY_LIMIT",
    "MAX_REMOVED_SHARE",
    "MERGE_SQL",
    "QuarantineEntry",
    "RemovalGuard",
    "SourceVersion",
    "StagedPart",
    "StagedRecords",
    "Stamp",
    "bound_memory",
    "connect",
    "current_hashes",
    "current_records_as",
    "current_schemas",
    "exclusive_writer",
    "find_version_by_hash",
    "get_record",
    "is_current",
    "iter_current_records",
    "list_changes",
    "list_quarantine",
    "list_versions",
    "newest_changes",
    "open_for_writing",
    "record_exists",
    "source_formats",
    "stamp",
    "stage_version",
    "transaction",
    "version_exists",
    "work_folder",
    "writer_lock_path",
]


BATCH_SIZE = 10_000
# Records written as a part (or quarantine entries appended) at a time: a part has a fixed cost, and costs
# memory only while it is built.
APPEND_ROWS = 20_000
# The share of a snapshot source's current records a new version may remove without --allow-mass-removal.
# Real lists change by a few percent between issues; a cut or empty file removes far more.
MAX_REMOVED_SHARE = 0.10
# DuckDB's memory while a file is staged: beyond this it spills to the workspace's temp folder, so
# a 5-million-row file stages in the same memory as a small one (DuckDB's default is 80% of RAM).
LOAD_MEMORY_LIMIT = "512MB"

# The parts of one load (``_Batcher.read_parts``) into its work tables, by the kind of file they read:
# ``staged_parts`` lists each part's files and the ``seq`` of its first record; ``$files`` are that kind's files.
READ_PARTS_SQL = {
    "records": f"""INSERT INTO sg_load_records ({", ".join(RECORD_COLUMNS)}, seq)
        SELECT {", ".join("r." + name for name in RECORD_COLUMNS)}, p.base + r.at
        FROM read_parquet($files, filename = true) r JOIN staged_parts p ON r.filename = p.records""",
    "shared": """INSERT INTO sg_load_infra (seq, kind, key, value)
        SELECT p.base + s.at, s.kind, s.key, s.value
        FROM read_parquet($files, filename = true) s JOIN staged_parts p ON s.filename = p.shared""",
}
_QUARANTINE = pa.schema(
    [
        ("source", pa.string()),
        ("version", pa.string()),
        ("file", pa.string()),
        ("row", pa.int64()),
        ("field", pa.string()),
        ("reason", pa.string()),
        ("raw", pa.string()),
        ("rows", pa.int64()),
    ]
)

# Set-based merge of one version's records (in the work table sg_load_records) into sg_records.
MERGE_SQL = {
    # A key seen twice in one file: the first entry wins, later ones are quarantined.
    "quarantine_duplicates": """
        INSERT INTO sg_quarantine (source, version, file, row, field, reason, raw, rows)
        SELECT $source, $version, file, row, 'source_key',
               'duplicate key ' || source_key || ': an earlier row has it', left(caption, 200), rows
        FROM (SELECT *, row_number() OVER (PARTITION BY record_id ORDER BY seq) AS n FROM sg_load_records)
        WHERE n > 1
        RETURNING 1
    """,
    "drop_duplicates": """
        DELETE FROM sg_load_records WHERE seq IN (
            SELECT seq FROM (SELECT seq, row_number() OVER (PARTITION BY record_id ORDER BY seq) AS n
                             FROM sg_load_records) WHERE n > 1)
        RETURNING rows
    """,
    # The records this version adds or changes, kept in a work table of their own: the shared values are
    # replaced for these (``shared_values.merge``) without joining the whole load to sg_changes again.
    "find_changes": """
        INSERT INTO sg_load_changed
        SELECT i.seq, i.record_id,
               CASE WHEN r.record_id IS NULL OR r.removed_in IS NOT NULL THEN 'added' ELSE 'changed' END
        FROM sg_load_records i LEFT JOIN sg_records r USING (record_id)
        WHERE r.record_id IS NULL OR r.removed_in IS NOT NULL OR r.content_hash <> i.content_hash
    """,
    "record_changes": """
        INSERT INTO sg_changes SELECT $source, $version, record_id, change FROM sg_load_changed
    """,
    "removals": """
        INSERT INTO sg_changes
        SELECT $source, $version, r.record_id, 'removed'
        FROM sg_records r ANTI JOIN sg_load_records i USING (record_id)
        WHERE r.source = $source AND r.removed_in IS NULL
    """,
    "mark_removed": """
        UPDATE sg_records SET removed_in = $version, updated_at = $now
        WHERE source = $source AND removed_in IS NULL
          AND record_id NOT IN (SELECT record_id FROM sg_load_records)
    """,
    # Every incoming record, changed or not, takes this version; split in two rather than one
    # INSERT ... ON CONFLICT DO UPDATE, which held every conflicting row in memory (a re-ingested
    # 200k-row export ran out of the 512 MB cap) and cost twice an INSERT on a first ingest.
    "update_seen": """
        UPDATE sg_records r SET
            schema = i.schema, caption = i.caption, content_hash = i.content_hash, data = i.data::JSON,
            version = $version, removed_in = NULL, updated_at = $now
        FROM sg_load_records i
        WHERE r.record_id = i.record_id
    """,
    "insert_new": """
        INSERT INTO sg_records
        SELECT i.record_id, i.source, i.source_key, i.schema, i.caption, i.content_hash, i.data::JSON,
               $version, $version, NULL, $now
        FROM sg_load_records i ANTI JOIN sg_records r USING (record_id)
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
    notices: dict[str, int] = field(default_factory=dict)  # what rows left out, not quarantined


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and create) the staging database, with a readable error if we cannot."""
    try:
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
    except (duckdb.Error, OSError) as error:
        raise IngestError(
            f"{path}: cannot open staging database ({error})",
            hint="check the workspace is writable and no other sanctiongraph process holds it",
        ) from error
    return con


def open_for_writing(path: Path) -> duckdb.DuckDBPyConnection:
    """Staging opened to write, brought up to this version's tables first (``staging.schema.migrate``)."""
    con = connect(path)
    try:
        migrate(con)
    except BaseException:
        con.close()
        raise
    return con


class _Batcher:
    """Incoming records and quarantine entries: records written as parts every ``APPEND_ROWS`` (or handed over as
    parts by workers), quarantine entries appended to DuckDB; the parts read into the work tables at the end."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, version: str, folder: Path) -> None:
        self.con, self.source, self.version, self.folder = con, source, version, folder
        self.records = StagedRecords()
        self.quarantine: dict[str, list[Any]] = {name: [] for name in _QUARANTINE.names}
        self.parts: dict[str, list[Any]] = {"records": [], "shared": [], "base": []}
        self.seq = 0  # records staged so far: the first of the next part's ``seq``

    def add_record(self, record: Record | StagedPart) -> None:
        if isinstance(record, StagedPart):
            self.flush_records()  # the records before it come first
            self._add_part(record)
            return
        self.records.add(record)
        if len(self.records) >= APPEND_ROWS:
            self.flush_records()

    def add_quarantine(self, entry: Quarantine) -> None:
        columns = self.quarantine
        for name, value in (
            ("source", self.source),
            ("version", self.version),
            ("file", entry.file),
            ("row", entry.row),
            ("field", entry.field),
            ("reason", entry.reason),
            ("raw", entry.raw),
            ("rows", entry.rows),
        ):
            columns[name].append(value)
        if len(columns["row"]) >= APPEND_ROWS:
            self.flush_quarantine()

    def flush_records(self) -> None:
        if len(self.records):
            self._add_part(self.records.write(self.folder / f"staged-{len(self.parts['base']):06d}"))
            self.records = StagedRecords()

    def _add_part(self, part: StagedPart) -> None:
        self.parts["records"].append(str(part.records))
        self.parts["shared"].append(str(part.shared))
        self.parts["base"].append(self.seq)
        self.seq += part.count

    def flush_quarantine(self) -> None:
        if not self.quarantine["row"]:
            return
        batch = pa.table(self.quarantine, schema=_QUARANTINE)
        self.con.register("incoming_batch", batch)
        names = ", ".join(_QUARANTINE.names)  # column names are constants of this module
        self.con.execute(f"INSERT INTO sg_load_quarantine ({names}) SELECT {names} FROM incoming_batch")
        self.con.unregister("incoming_batch")
        self.quarantine = {name: [] for name in _QUARANTINE.names}

    def read_parts(self) -> None:
        """Every part into the work tables, each record's ``seq`` its part's first plus its place in the part."""
        self.flush_records()
        if not self.parts["base"]:
            return
        self.con.register("staged_parts", pa.table(self.parts))
        try:
            for kind, sql in READ_PARTS_SQL.items():
                self.con.execute(sql, {"files": self.parts[kind]})
        finally:
            self.con.unregister("staged_parts")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.begin()
    try:
        yield
    except BaseException:
        con.rollback()
        raise
    con.commit()


@dataclass(frozen=True, slots=True)
class RemovalGuard:
    """Refuses a snapshot version that looks like a broken file rather than a new issue of the list.

    A snapshot source marks everything a new version lacks as removed, so a 0-byte
    or cut file, or another list's file under this source's name, would delist
    sanctioned parties and screening would answer CLEAR for them.
    """

    file: str
    max_removed_share: float = MAX_REMOVED_SHARE

    def _refuse(self, source: str, what: str) -> MassRemovalError:
        return MassRemovalError(
            f"{self.file}: refused as a new version of {source}, {what}; staging is unchanged."
            " Check the file is complete and of this list, or pass --allow-mass-removal (API: allowMassRemoval, admin)"
        )

    def check_format(self, con: duckdb.DuckDBPyConnection, source: str, format_name: str) -> None:
        """A source keeps its format: another format's file is almost surely another list."""
        row = con.execute(
            "SELECT format FROM sg_source_versions WHERE source = ? ORDER BY ingested_at DESC LIMIT 1", [source]
        ).fetchone()
        if row is not None and row[0] != format_name:
            raise self._refuse(source, f"it is {format_name} but {source} is {row[0]}")

    def check_removals(self, con: duckdb.DuckDBPyConnection, summary: IngestSummary, params: dict[str, Any]) -> None:
        """Before anything is marked removed: an empty version, or one removing too large a share, stops here."""
        (current,) = con.execute(
            "SELECT count(*) FROM sg_records WHERE source = $source AND removed_in IS NULL",
            {"source": params["source"]},
        ).fetchone() or (0,)
        if not current:
            return
        (removing,) = con.execute(
            "SELECT count(*) FROM sg_changes WHERE source = $source AND version = $version AND change = 'removed'",
            params,
        ).fetchone() or (0,)
        if summary.records == 0:
            raise self._refuse(summary.source, f"it has no records and would remove all {current:,}")
        if removing > current * self.max_removed_share:
            raise self._refuse(
                summary.source,
                f"it would remove {removing:,} of {current:,} current records (more than {self.max_removed_share:.0%})",
            )


def stage_version(
    con: duckdb.DuckDBPyConnection,
    summary: IngestSummary,
    items: Iterable[Record | StagedPart | Quarantine],
    sha256: str,
    folder: Path,
    *,
    snapshot: bool = True,
    guard: RemovalGuard | None = None,
) -> IngestSummary:
    """Stage one source version and fill in its change counts; the contract tables change in one transaction.

    ``items`` (records, or the parts worker processes wrote of them, and
    quarantine entries) is consumed lazily: records are written as parts
    (``StagedPart``) in ``folder`` every ``APPEND_ROWS``, so memory stays flat in
    the file's size. When the stream is done the parts are read into the load's
    temporary work tables (``sg_load_records``, ``sg_load_infra``,
    ``sg_load_quarantine``), which spill to the workspace's temp folder past the
    memory cap, and one transaction merges the work tables into ``sg_records``,
    ``sg_changes``, ``sg_quarantine`` and ``sg_source_versions`` and drop them.
    Anything raised while consuming ``items`` (a malformed file) drops the work
    tables; a kill takes them with the connection. Either way the contract tables
    are as before.

    A ``snapshot`` source lists everything it holds, so records a new version
    lacks are marked removed; other sources only add and change. With a
    ``guard``, a snapshot version that is empty or removes too much raises
    ``MassRemovalError`` inside the merge transaction, so nothing changes.
    """
    now = datetime.now(UTC).replace(tzinfo=None)
    params: dict[str, Any] = {"source": summary.source, "version": summary.version}
    bound_memory(con)
    create_work_tables(con)
    try:
        batcher = _Batcher(con, summary.source, summary.version, folder)
        for item in items:
            if isinstance(item, Record | StagedPart):
                batcher.add_record(item)
            else:
                batcher.add_quarantine(item)
        batcher.read_parts()
        batcher.flush_quarantine()
        with transaction(con):
            _merge_version(con, summary, params, now, snapshot, sha256, guard)
            drop_work(con)
    except BaseException:
        drop_work(con)
        raise
    return summary


def _merge_version(
    con: duckdb.DuckDBPyConnection,
    summary: IngestSummary,
    params: dict[str, Any],
    now: datetime,
    snapshot: bool,
    sha256: str,
    guard: RemovalGuard | None = None,
) -> None:
    _quarantine_duplicates(con, summary, params)
    con.execute(
        "INSERT INTO sg_quarantine (source, version, file, row, field, reason, raw, rows)"
        " SELECT source, version, file, row, field, reason, raw, rows FROM sg_load_quarantine"
    )
    _run(con, "find_changes", params)
    _run(con, "record_changes", params)
    if snapshot:
        _run(con, "removals", params)
        if guard is not None:
            guard.check_removals(con, summary, params)
        _run(con, "mark_removed", {**params, "now": now})
    _run(con, "update_seen", {**params, "now": now})
    _run(con, "insert_new", {**params, "now": now})
    shared_values.merge(con, "sg_load_changed")
    counts = dict(_run(con, "count_changes", params).fetchall())
    summary.added, summary.changed, summary.removed = (int(counts.get(k, 0)) for k in ("added", "changed", "removed"))
    con.execute(
        "INSERT INTO sg_source_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            summary.source,
            summary.version,
            summary.format,
            summary.files,
            sha256,
            summary.rows_read,
            summary.records,
            summary.quarantined,
            summary.added,
            summary.changed,
            summary.removed,
            now,
        ],
    )


@contextmanager
def work_folder(staging_path: Path) -> Iterator[Path]:
    """A folder of its own for one ingest's parts, beside DuckDB's spill files, removed when the ingest ends.

    A killed ingest cannot remove its folder: the next one removes every folder whose process is gone.
    """
    root = staging_path.parent / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    for stale in root.glob("load-*-*"):
        pid = stale.name.split("-")[1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=f"load-{os.getpid()}-", dir=root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def bound_memory(con: duckdb.DuckDBPyConnection, limit: str = LOAD_MEMORY_LIMIT, *, keep_order: bool = False) -> None:
    """Cap DuckDB's memory and let it spill to the workspace's temp folder instead.

    Without a cap DuckDB may take 80% of RAM for one big query or temp table,
    which on a shared machine is someone else's memory.
    """
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if row is not None and row[0]:
        spill = Path(str(row[0])).parent / "tmp"
        spill.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = '{spill.as_posix()}'")  # a path we made; no user text
    con.execute(f"SET memory_limit = '{limit}'")
    if not keep_order:
        con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")  # the CLI shows its own progress


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
