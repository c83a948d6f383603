"""A mapped table built by worker processes stages exactly what one process stages.

The messy generated customers (bad rows, duplicate keys, nameless companies, cells
across lines: see ``test_setwise._messy``) go in chunks of 100 rows to two
worker subprocesses and, for the reference, through the set-wise path in the
loading process. The staged tables, the summary and the notices must be equal; a
file that turns out bad half-way, and a worker killed mid-ingest, must leave
staging as it was and no worker behind.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest

from ingest import chunks
from ingest.generate.registries import write_ftm_entities, write_lei_csv, write_psc_snapshot
from ingest.run import run_ingest
from ingest.textfile import csv_rows, iter_csv_rows, iter_csv_texts
from sanctiongraph.errors import IngestError
from tests.ingest.test_setwise import MAPPINGS, STRICT_MAPPING, _staged, write_messy_customers

ROWS = 1_200
CHUNK = 100


@pytest.fixture(scope="module")
def messy_table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_messy_customers(tmp_path_factory.mktemp("parallel"), ROWS, 28)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of ``CHUNK`` rows, so a test table is many chunks and the workers start."""
    monkeypatch.setattr(chunks, "CHUNK_ROWS", CHUNK)


def _workers_alive() -> list[int]:
    """Children of this process that are worker subprocesses (``ingest.parallel``), still running."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent, state = int(stat.rsplit(")", 1)[1].split()[1]), stat.rsplit(")", 1)[1].split()[0]
        if parent == os.getpid() and b"ingest.parallel" in command and state != "Z":
            alive.append(int(entry.name))
    return alive


def _summary(summary: Any) -> dict[str, Any]:
    names = ("rows_read", "records", "quarantined", "added", "changed", "removed", "reasons", "notices")
    return {name: getattr(summary, name) for name in names}


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("mapping_name", ["customers.yaml", "strict"])
def test_workers_stage_what_one_process_stages(messy_table: Path, tmp_path: Path, mapping_name: str) -> None:
    if mapping_name == "strict":
        mapping = tmp_path / "strict.yaml"
        mapping.write_text(STRICT_MAPPING, encoding="utf-8")
    else:
        mapping = MAPPINGS / mapping_name
    phases: list[tuple[str, int]] = []
    parallel = run_ingest(
        tmp_path / "a" / "staging.duckdb",
        messy_table,
        "mapping",
        mapping=mapping,
        workers=2,
        phases=lambda phase, rows: phases.append((phase, rows)),
    )
    single = run_ingest(tmp_path / "b" / "staging.duckdb", messy_table, "mapping", mapping=mapping, workers=1)
    assert parallel.rows_read == ROWS
    assert _summary(parallel) == _summary(single)
    assert parallel.quarantined > 0 and parallel.notices  # the bad rows and nameless companies were met
    assert _staged(tmp_path / "a" / "staging.duckdb") == _staged(tmp_path / "b" / "staging.duckdb")
    # progress per phase reached the end of the file, a chunk at a time
    assert ("read", ROWS) in phases and ("cleaned", ROWS) in phases and ("read", CHUNK) in phases
    assert phases[-1] == ("merging", ROWS)  # then the version is merged into staging
    assert not _workers_alive()


@pytest.mark.parametrize("rows", [1, 2, 3, 7])
def test_text_handed_to_workers_splits_into_the_rows_the_file_has(tmp_path: Path, rows: int) -> None:
    """Blocks of text cut where rows end (a cell across lines, CRLF, blank lines, a DOS end-of-file byte)."""
    table = tmp_path / "t.csv"
    table.write_bytes(
        b'id,name,note\r\n1,"Kim\r\nMyong Chol",a\r\n\r\n2,"Ri, ""Pyong""",b\r\n3,x\r\n'
        b'4,"multi\nline\ncell",c\r\n5,"",\r\n6,e,f\r\n\x1a'
    )
    split: list[tuple[int, list[str]]] = []
    for first_line, text, count in iter_csv_texts(table, rows):
        found = list(csv_rows(io.StringIO(text, newline=""), table, ",", first_line))
        assert len(found) == count, f"the block from line {first_line}"
        split.extend(found)
    assert split == list(iter_csv_rows(table))
    assert [line for line, _ in split] == [1, 2, 5, 6, 7, 10, 11]


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("layout", ["lines", "array"])
def test_workers_stage_json_lines_as_one_process(messy_table: Path, tmp_path: Path, layout: str) -> None:
    """JSON lines go to the workers as lines of text; a file that is one array, parsed, as values."""
    with messy_table.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    lines = tmp_path / "messy.jsonl"
    with lines.open("wb") as out:
        out.write(b"[\n" if layout == "array" else b"")
        for number, row in enumerate(rows):
            if layout == "array":  # a syntax error in an array refuses the file: none here
                out.write((b",\n" if number else b"") + orjson.dumps(dict(zip(header, row, strict=False))))
            elif number % 97 == 5:
                out.write(b"{not json\n")
            elif number % 89 == 7:  # blank lines count in the line numbers, and are not rows
                out.write(b"\n   \n")
            else:
                out.write(orjson.dumps(dict(zip(header, row, strict=False))) + b"\n")
        out.write(b"\n]\n" if layout == "array" else b"")
    mapping = tmp_path / "customers-jsonl.yaml"
    mapping.write_text(
        (MAPPINGS / "customers.yaml").read_text(encoding="utf-8").replace("format: csv", "format: jsonl"),
        encoding="utf-8",
    )
    parallel = run_ingest(tmp_path / "a" / "staging.duckdb", lines, "mapping", mapping=mapping, workers=2)
    single = run_ingest(tmp_path / "b" / "staging.duckdb", lines, "mapping", mapping=mapping, workers=1)
    assert _summary(parallel) == _summary(single)
    blank = sum(n % 89 == 7 and n % 97 != 5 for n in range(len(rows)))  # rows written as blank lines
    assert parallel.rows_read == len(rows) - (blank if layout == "lines" else 0)
    assert any(reason.startswith("not valid JSON") for reason in parallel.reasons) == (layout == "lines")
    assert _staged(tmp_path / "a" / "staging.duckdb") == _staged(tmp_path / "b" / "staging.duckdb")


@pytest.mark.usefixtures("small_chunks")
def test_a_file_bad_half_way_changes_nothing(messy_table: Path, tmp_path: Path) -> None:
    target = tmp_path / "staging.duckdb"
    mapping = MAPPINGS / "customers.yaml"
    run_ingest(target, messy_table, "mapping", mapping=mapping, workers=2)
    before = _staged(target)
    text = messy_table.read_text(encoding="utf-8")
    broken = tmp_path / "broken.csv"
    # after every chunk of the good rows has gone to the workers, a cell past the CSV reader's field limit
    broken.write_text(text + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(IngestError, match="broken.csv"):
        run_ingest(target, broken, "mapping", mapping=mapping, workers=2)
    assert _staged(target) == before
    assert not _workers_alive()


@pytest.mark.usefixtures("small_chunks")
def test_a_killed_worker_fails_the_ingest_and_changes_nothing(messy_table: Path, tmp_path: Path) -> None:
    target = tmp_path / "staging.duckdb"
    mapping = MAPPINGS / "customers.yaml"
    killed: list[int] = []

    def kill_one(phase: str, rows: int) -> None:
        if phase == "read" and rows == 4 * CHUNK and not killed:
            workers = _workers_alive()
            assert len(workers) == 2
            os.kill(workers[0], signal.SIGKILL)
            killed.append(workers[0])

    with pytest.raises(IngestError, match="a worker process building rows failed") as raised:
        run_ingest(target, messy_table, "mapping", mapping=mapping, workers=2, phases=kill_one)
    assert killed and "--workers 1" in (raised.value.hint or "")
    assert _staged(target) == {"records": [], "quarantine": [], "infra": [], "changes": []}
    assert not _workers_alive()
    assert not list((tmp_path / "tmp").glob("load-*"))  # the parts the workers wrote are gone
    again = run_ingest(target, messy_table, "mapping", mapping=mapping, workers=2)  # and the next one stages it
    assert again.rows_read == ROWS and not again.already_ingested


@pytest.mark.usefixtures("small_chunks")
def test_parts_a_killed_ingest_left_are_removed_by_the_next(messy_table: Path, tmp_path: Path) -> None:
    """A kill cannot remove the load's folder of parts: the next ingest removes those of processes gone."""
    spill = tmp_path / "tmp"
    stale = spill / f"load-{_exited_pid()}-abc123"
    stale.mkdir(parents=True)
    (stale / "task-000001-records.parquet").write_bytes(b"PAR1")
    running = spill / f"load-{os.getpid()}-def456"  # another ingest of this process, still going
    running.mkdir()
    summary = run_ingest(
        tmp_path / "staging.duckdb", messy_table, "mapping", mapping=MAPPINGS / "customers.yaml", workers=2
    )
    assert summary.rows_read == ROWS
    assert not stale.exists() and running.exists()
    assert [p.name for p in spill.glob("load-*")] == [running.name]  # and its own folder is gone too


def _exited_pid() -> int:
    """The pid of a process that has exited and been reaped: no process has it (until it is reused)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


# --- an adapter's CSV (GLEIF's golden copy) through the workers --------------------------------------

GLEIF = Path(__file__).resolve().parents[2] / "data" / "gleif"


def _both_ways(tmp_path: Path, path: Path, format_name: str) -> tuple[Any, list[tuple[str, int]]]:
    """``path`` ingested by two workers (``a``) and by the adapter in one process (``b``), which must stage the same;
    the workers' summary and phases."""
    phases: list[tuple[str, int]] = []
    workers = run_ingest(
        tmp_path / "a" / "staging.duckdb",
        path,
        format_name,
        workers=2,
        phases=lambda phase, rows: phases.append((phase, rows)),
    )
    single = run_ingest(tmp_path / "b" / "staging.duckdb", path, format_name, workers=1)
    assert _summary(workers) == _summary(single)
    assert _staged(tmp_path / "a" / "staging.duckdb") == _staged(tmp_path / "b" / "staging.duckdb")
    return workers, phases


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("format_name", ["gleif-lei", "gleif-rr", "gleif-lei-bic"])
def test_golden_copy_csvs_through_workers_stage_what_the_adapter_stages(tmp_path: Path, format_name: str) -> None:
    """GLEIF's CSVs, built a row at a time by the adapter's own functions in two workers, stage what the adapter
    stages reading the file in one process: records, quarantined rows, fragments merged across chunks."""
    path = {
        "gleif-lei": lambda: write_lei_csv(tmp_path / "20260123-0800-gleif-goldencopy-lei2.csv", 1_000, faults=True),
        "gleif-rr": lambda: GLEIF / "20260123-0800-gleif-goldencopy-rr-first500.csv",
        "gleif-lei-bic": lambda: GLEIF / "lei-bic-20260130T000000-first3000.csv",
    }[format_name]()
    workers, phases = _both_ways(tmp_path, path, format_name)
    rows = sum(1 for _ in iter_csv_rows(path)) - 1
    assert ("read", rows) in phases and ("read", CHUNK) in phases  # it went in chunks, so through the workers
    assert not _workers_alive()
    if format_name == "gleif-lei":
        assert workers.quarantined > 0 and workers.records > 900
        assert set(workers.reasons) == {"invalid LEI", "LEI record without Entity.LegalName"}


@pytest.mark.parametrize("format_name", ["icij", "ch-psc"])
def test_registry_folders_through_workers_stage_what_the_adapter_stages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, format_name: str
) -> None:
    """A folder of an adapter's files (ICIJ's node and edge CSVs; a PSC snapshot's JSON-lines parts) through two
    workers, in chunks of 10 rows: nodes and edges, PSCs and their companies' stubs merged across files and
    chunks, and bad lines quarantined, as the adapter stages them in one process."""
    monkeypatch.setattr(chunks, "CHUNK_ROWS", 10)
    if format_name == "icij":
        folder = Path(__file__).resolve().parents[2] / "data" / "icij" / "panama_papers_2016_format"
    else:
        folder = write_psc_snapshot(tmp_path / "psc", 300, faults=True)
    workers, phases = _both_ways(tmp_path, folder, format_name)
    assert ("read", 10) in phases and phases[-1][0] == "merging"
    assert not _workers_alive()
    records = {record_id for record_id, _, _ in _staged(tmp_path / "a" / "staging.duckdb")["records"]}
    if format_name == "ch-psc":
        assert any(reason.startswith("not valid JSON") for reason in workers.reasons)
        assert len(records) > 150
    else:
        assert len(records) > 70


@pytest.mark.parametrize("format_name", ["ftm", "ftm-entities"])
def test_ftm_exports_through_workers_stage_what_the_adapter_stages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, format_name: str
) -> None:
    """An FtM export (nodes, edges before their nodes, sanctions, wallets; bad lines, entities without an id,
    unsupported schemas, malformed properties) through two workers in chunks of 50 lines, as in one process."""
    monkeypatch.setattr(chunks, "CHUNK_ROWS", 50)
    path = write_ftm_entities(tmp_path / "generated_entities.ftm.json", 120, faults=True)
    workers, phases = _both_ways(tmp_path, path, format_name)
    assert ("read", 50) in phases and not _workers_alive()
    assert {"not valid JSON", "not an FtM entity", "unsupported FtM schema"} <= set(workers.reasons)
    assert workers.records >= 240  # the people and companies, their ownerships and sanctions and wallets merged in


@pytest.mark.parametrize("head", ["bad", "empty"])
def test_a_file_that_is_not_ftm_is_refused_through_workers_as_in_one_process(tmp_path: Path, head: str) -> None:
    path = tmp_path / "entities.ftm.json"
    lines = ["{not json"] * (25 if head == "bad" else 3)
    path.write_text("\n".join(lines) + "\n" + ('{"id": "x", "schema": "Person"}\n' * 30_000 if head == "bad" else ""))
    messages = []
    for workers in (2, 1):
        with pytest.raises(IngestError) as raised:
            run_ingest(tmp_path / f"{workers}.duckdb", path, "ftm", workers=workers)
        messages.append(str(raised.value))
    expected = "the first 20 lines are not JSON" if head == "bad" else "no line is JSON"
    assert messages[0] == messages[1] and expected in messages[0]
    assert not _workers_alive()


def test_a_folder_with_no_psc_line_is_refused_through_workers_as_in_one_process(tmp_path: Path) -> None:
    folder = tmp_path / "not-psc"
    folder.mkdir()
    (folder / "notes.txt").write_text("".join(f"line {n} of a text file\n" for n in range(50_000)), encoding="utf-8")
    for workers in (2, 1):
        with pytest.raises(IngestError, match="no JSON records; not a Companies House PSC snapshot"):
            run_ingest(tmp_path / "staging.duckdb", folder, "ch-psc", workers=workers)
    assert not _workers_alive()


def test_a_golden_copy_without_its_columns_is_refused_before_any_worker_starts(tmp_path: Path) -> None:
    path = tmp_path / "not-gleif.csv"
    path.write_text("id,name\n" + "".join(f"{n},x\n" for n in range(50_000)), encoding="utf-8")
    with pytest.raises(IngestError, match=r"not-gleif.csv:1: missing required column\(s\) 'LEI'"):
        run_ingest(tmp_path / "staging.duckdb", path, "gleif-lei", workers=2)
    assert not _workers_alive()


def test_a_header_after_blank_lines_is_refused_naming_its_line_both_ways(tmp_path: Path) -> None:
    path = tmp_path / "golden.csv"
    path.write_text("\n\nLEI,Name\n" + "".join(f"{n},x\n" for n in range(30)), encoding="utf-8")
    messages = []
    for workers in (2, 1):
        with pytest.raises(IngestError) as raised:
            run_ingest(tmp_path / f"{workers}.duckdb", path, "gleif-lei", workers=workers)
        messages.append(str(raised.value))
    assert messages[0] == messages[1] and "golden.csv:3: missing required column(s) 'Entity.LegalName'" in messages[0]


def test_small_files_are_built_without_starting_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder of small files (fewer rows than a chunk between them) is built in the loading process: starting a
    worker a core costs more than the rows."""
    from ingest import parallel

    started: list[int] = []
    real = parallel._Worker.__init__

    def counting(self: Any) -> None:
        started.append(1)
        real(self)

    monkeypatch.setattr(parallel._Worker, "__init__", counting)
    folder = Path(__file__).resolve().parents[2] / "data" / "icij" / "panama_papers_2016_format"
    summary = run_ingest(tmp_path / "staging.duckdb", folder, "icij", workers=2)
    assert summary.records > 70 and not started
    monkeypatch.setattr(chunks, "CHUNK_ROWS", 10)  # the same folder in chunks of 10 rows goes to the workers
    again = run_ingest(tmp_path / "again.duckdb", folder, "icij", workers=2)
    assert again.records == summary.records and started


def test_a_failure_while_staging_stops_the_workers_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers stop when the ingest fails, not when the failure is garbage-collected."""
    monkeypatch.setattr(chunks, "CHUNK_ROWS", 10)
    folder = write_psc_snapshot(tmp_path / "psc", 300)

    def fail(rows: int) -> None:
        if rows > 100:
            raise RuntimeError("the consumer failed")

    with pytest.raises(RuntimeError, match="the consumer failed") as raised:
        run_ingest(tmp_path / "staging.duckdb", folder, "ch-psc", workers=2, progress=fail)
    assert raised.value is not None and not _workers_alive()  # the exception (and its frames) still held here
