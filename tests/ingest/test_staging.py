"""Staging behaviour users rely on: idempotent re-ingest, versions with delistings, and bad files change nothing."""

from __future__ import annotations

import multiprocessing
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingest import staging
from ingest.run import run_ingest
from ingest.staging import schema
from sanctiongraph.errors import IngestError, MappingError
from tests.ingest.conftest import DATA

TABLES = ("sg_records", "sg_source_versions", "sg_changes", "sg_quarantine", "sg_record_infra")


def snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every staging table, in a stable order."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}
    finally:
        con.close()


@pytest.fixture
def staged_un(tmp_path: Path, samples) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "staging.duckdb"
    run_ingest(path, samples.un_xml_2024, "un-xml")
    return path


def test_same_file_twice_changes_nothing(staged_un: Path, samples) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(staged_un)
    again = run_ingest(staged_un, samples.un_xml_2024, "un-xml")
    assert again.already_ingested and again.version == "2024-09-26"
    assert snapshot(staged_un) == before


def test_newer_version_records_additions_changes_and_delistings(staged_un: Path, samples) -> None:  # type: ignore[no-untyped-def]
    summary = run_ingest(staged_un, samples.un_xml, "un-xml")
    assert summary.version == "2025-04-19"
    assert (summary.added, summary.removed) == (4, 2) and summary.changed > 0
    con = staging.connect(staged_un, read_only=True)
    try:
        changes = staging.list_changes(con, "un_sc_sanctions", "2025-04-19")
        removed = [c.record_id for c in changes if c.change == "removed"]
        assert len(removed) == 2
        current = {r.record_id for r in staging.iter_current_records(con, ["un_sc_sanctions"])}
        assert not current & set(removed)  # delisted entries leave the current view...
        delisted = staging.get_record(con, removed[0])
        assert delisted is not None  # ...but stay queryable, with the version that removed them
        (removed_in,) = con.execute("SELECT removed_in FROM sg_records WHERE record_id = ?", [removed[0]]).fetchone()
        assert removed_in == "2025-04-19"
        versions = [v.version for v in staging.list_versions(con) if v.source == "un_sc_sanctions"]
        assert versions == ["2024-09-26", "2025-04-19"]
    finally:
        con.close()


def test_relisting_restores_delisted_entries(staged_un: Path, tmp_path: Path, samples) -> None:  # type: ignore[no-untyped-def]
    run_ingest(staged_un, samples.un_xml, "un-xml")
    reissued = tmp_path / "reissued.xml"  # the 2024 content again, as a new file (the very same file is a no-op)
    reissued.write_bytes(samples.un_xml_2024.read_bytes() + b"\n")
    back = run_ingest(staged_un, reissued, "un-xml", version="2024-09-26-reissued")
    assert (back.added, back.removed) == (2, 4)


def test_truncated_xml_fails_and_leaves_staging_as_it_was(staged_un: Path, tmp_path: Path, samples) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(staged_un)
    broken = tmp_path / "consolidated.xml"
    data = samples.un_xml.read_bytes()
    broken.write_bytes(data[: len(data) * 2 // 3])  # cut mid-file: hundreds of good entries come first
    with pytest.raises(IngestError, match=r"malformed XML") as caught:
        run_ingest(staged_un, broken, "un-xml")
    assert "\n" not in str(caught.value) and str(broken) in str(caught.value)
    assert snapshot(staged_un) == before


def test_wrong_encoding_fails_and_leaves_staging_as_it_was(staged_un: Path, tmp_path: Path) -> None:
    before = snapshot(staged_un)
    folder = tmp_path / "ofac"
    shutil.copytree(DATA / "ofac" / "snapshot_2022-01", folder)
    sdn = folder / "sdn.csv"
    sdn.write_bytes(sdn.read_text(encoding="cp1252").encode("utf-16"))
    with pytest.raises(IngestError, match="NUL bytes"):
        run_ingest(staged_un, folder, "ofac-csv")
    assert snapshot(staged_un) == before


def test_missing_required_column_fails_and_leaves_staging_as_it_was(staged_un: Path, tmp_path: Path) -> None:
    before = snapshot(staged_un)
    bic = tmp_path / "lei-bic.csv"
    bic.write_text("LEI,SWIFT\n01ERPZV3DOLNXY2MLB90,LBTCUS44XXX\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"missing required column\(s\) 'BIC'"):
        run_ingest(staged_un, bic, "gleif-lei-bic")
    assert snapshot(staged_un) == before


def test_bad_mapping_fails_before_reading_and_leaves_staging_as_it_was(staged_un: Path, tmp_path: Path) -> None:
    before = snapshot(staged_un)
    mapping = tmp_path / "bad.yaml"
    mapping.write_text("source: x\nentities:\n  a:\n    schema: Persn\n    key: id\n", encoding="utf-8")
    table = tmp_path / "table.csv"
    table.write_text("id\n1\n", encoding="utf-8")
    with pytest.raises(MappingError, match=r"bad.yaml: entities.a.schema"):
        run_ingest(staged_un, table, "mapping", mapping=mapping)
    assert snapshot(staged_un) == before


def test_error_in_the_middle_of_a_large_stream_rolls_back_everything(tmp_path: Path) -> None:
    path = tmp_path / "staging.duckdb"
    # Several staging batches of good rows, then bytes that are not UTF-8 past the 1 MB the encoding check reads.
    rows = ["id,name"] + [f"{i},Person number {i}" for i in range(80_000)]
    table = tmp_path / "people.csv"
    table.write_bytes(("\n".join(rows) + "\n").encode() + b"\xff\xfe broken utf-8 after 80,000 good rows\n")
    mapping = tmp_path / "people.yaml"
    mapping.write_text("source: people\nentities:\n  p: {schema: Person, key: id, fields: {name: name}}\n")
    with pytest.raises(IngestError, match="unreadable CSV"):
        run_ingest(path, table, "mapping", mapping=mapping)
    con = staging.connect(path, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM sg_records").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM sg_quarantine").fetchone() == (0,)
    finally:
        con.close()


def _hold_writer(path: str, held: Any, release: Any) -> None:
    with staging.exclusive_writer(Path(path)):
        held.set()
        release.wait(30)


def test_a_second_process_waits_for_the_staging_writer_and_gives_up_with_a_clear_error(tmp_path: Path) -> None:
    """API workers share one staging file; DuckDB itself would refuse the second writer outright."""
    path = tmp_path / "staging.duckdb"
    context = multiprocessing.get_context("spawn")
    held, release = context.Event(), context.Event()
    other = context.Process(target=_hold_writer, args=(str(path), held, release))
    other.start()
    try:
        assert held.wait(60)
        started = time.monotonic()
        with pytest.raises(IngestError, match="another process is writing.*judgement was not made") as caught:
            with staging.exclusive_writer(path, 0.3, what="judgement"):
                pass
        assert time.monotonic() - started >= 0.3
        assert str(path) in str(caught.value) and caught.value.hint
        release.set()
        other.join(30)
        with staging.exclusive_writer(path, 5):  # free again once the other process let go
            con = staging.connect(path)
            con.close()
    finally:
        release.set()
        other.join(30)


def test_threads_of_one_process_share_the_staging_writer(tmp_path: Path) -> None:
    path = tmp_path / "staging.duckdb"
    inside = threading.Event()
    with staging.exclusive_writer(path):
        # An ingest job's thread holds it; a judgement in the same process must not wait for it.
        thread = threading.Thread(target=lambda: _enter(path, inside))
        thread.start()
        thread.join(5)
        assert inside.is_set()
    with staging.exclusive_writer(path, 0.1):  # released when the last holder left
        pass


def _enter(path: Path, inside: threading.Event) -> None:
    with staging.exclusive_writer(path, 0.5):
        inside.set()


def test_records_of_a_file_made_with_a_keyed_table_are_kept_and_unkeyed(staged_un: Path, samples) -> None:  # type: ignore[no-untyped-def]
    """A staging file made when sg_records had a PRIMARY KEY (whose index grew past the load's memory cap on big
    files) loses the key when opened for writing, every row kept; ingesting goes on as before."""
    con = duckdb.connect(str(staged_un))
    con.execute("ALTER TABLE sg_records RENAME TO sg_records_now")
    ddl = schema.RECORDS.replace("record_id VARCHAR NOT NULL", "record_id VARCHAR PRIMARY KEY")
    con.execute(f"CREATE TABLE {ddl}")  # as an earlier release made it
    con.execute("INSERT INTO sg_records SELECT * FROM sg_records_now")
    con.execute("DROP TABLE sg_records_now")
    con.close()
    before = snapshot(staged_un)

    staging.open_for_writing(staged_un).close()
    assert snapshot(staged_un) == before
    con = duckdb.connect(str(staged_un), read_only=True)
    keys = con.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'sg_records' AND constraint_type = 'PRIMARY KEY'"
    ).fetchone()
    con.close()
    assert keys == (0,)
    newer = run_ingest(staged_un, samples.un_xml, "un-xml")
    assert newer.added + newer.changed + newer.removed > 0 and snapshot(staged_un)["sg_records"] != before["sg_records"]
