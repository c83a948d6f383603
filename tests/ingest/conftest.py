"""Ingest test helpers: real files, a fresh staging file per test, and the row-accounting check.

Bundled samples live in ``data/`` (committed). Files we may not redistribute
(the OpenSanctions FtM samples, CC BY-NC) are read from the shared data folder
beside the checkout (``../shared/data``) when it is there; tests that need them
are skipped otherwise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingest import staging
from ingest.run import run_ingest
from ingest.staging import IngestSummary

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
SHARED_CANDIDATES = [Path(os.environ.get("SANCTIONGRAPH_SHARED_DATA", "/nonexistent")), ROOT.parent / "shared" / "data"]


def shared_data() -> Path | None:
    return next((p for p in SHARED_CANDIDATES if p.is_dir()), None)


def shared_file(relative: str) -> Path:
    """A file of the shared data folder, or skip the test when it is not there."""
    base = shared_data()
    if base is None or not (base / relative).exists():
        pytest.skip(f"shared data file {relative} is not available (not redistributable; see data/PROVENANCE.md)")
    return base / relative


@dataclass(frozen=True)
class Staged:
    """The outcome of one ingest into a fresh staging file."""

    path: Path
    summary: IngestSummary

    def connect(self) -> duckdb.DuckDBPyConnection:
        return staging.connect(self.path, read_only=True)

    def record(self, key: str) -> staging.Record:
        con = self.connect()
        try:
            record = staging.get_record(con, f"{self.summary.source}:{key}")
        finally:
            con.close()
        assert record is not None, f"no record {key}"
        return record

    def records(self) -> list[staging.Record]:
        con = self.connect()
        try:
            return list(staging.iter_current_records(con, [self.summary.source]))
        finally:
            con.close()


@pytest.fixture
def ingest(tmp_path: Path):  # type: ignore[no-untyped-def]
    """``ingest(path, format, **kwargs)`` into this test's own staging file."""

    def run(path: Path, format_name: str, **kwargs: object) -> Staged:
        target = tmp_path / "staging.duckdb"
        summary = run_ingest(target, path, format_name, **kwargs)  # type: ignore[arg-type]
        return Staged(target, summary)

    return run


def assert_nothing_lost(staged: Staged, expected_rows: int) -> None:
    """Rows read = rows in the file = rows carried by staged records + rows quarantined, in the database too."""
    summary = staged.summary
    assert summary.rows_read == expected_rows
    con = staged.connect()
    try:
        staged_rows = con.execute(
            "SELECT coalesce(sum((data->>'$.provenance.rows')::BIGINT), 0) FROM sg_records"
            " WHERE source = ? AND version = ?",
            [summary.source, summary.version],
        ).fetchone()
        quarantined = con.execute(
            "SELECT coalesce(sum(rows), 0), count(*) FROM sg_quarantine WHERE source = ? AND version = ?",
            [summary.source, summary.version],
        ).fetchone()
        records = con.execute(
            "SELECT count(*) FROM sg_records WHERE source = ? AND version = ?", [summary.source, summary.version]
        ).fetchone()
    finally:
        con.close()
    assert staged_rows is not None and quarantined is not None and records is not None
    assert int(staged_rows[0]) + int(quarantined[0]) == expected_rows
    assert int(quarantined[0]) == summary.quarantined
    assert int(records[0]) == summary.records
