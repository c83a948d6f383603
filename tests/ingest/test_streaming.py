"""Big files: memory stays flat with file size, and a kill mid-file leaves staging as it was.

Both run real ``sanctiongraph`` work in subprocesses (so each peak RSS is one
ingest's own, and a SIGKILL is a real kill). They take a few minutes on a
2-core machine, hence ``slow``; no assertion is about time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ingest import staging
from ingest.run import run_ingest
from ingest.staging import LOAD_MEMORY_LIMIT
from tests.ingest.conftest import ROOT

pytestmark = pytest.mark.slow

MAPPING = ROOT / "mappings" / "customers.yaml"
KILL_SIZE = 40_000  # rows of the file killed mid-load
CONTRACT_TABLES = ("sg_records", "sg_source_versions", "sg_changes", "sg_quarantine", "sg_record_infra")

INGEST_AND_REPORT = """
import resource, sys
from pathlib import Path
from ingest.run import run_ingest
from ingest.staging import LOAD_MEMORY_LIMIT
summary = run_ingest(Path(sys.argv[1]), Path(sys.argv[2]), "mapping", mapping=Path(sys.argv[3]),
                     progress=lambda n: print(n, flush=True) if n % 5000 == 0 else None)
print("rows_read", summary.rows_read, flush=True)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over an exec, so this process would report the test runner's size
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print("peak_mb", int(hwm.split()[1]) // 1024, flush=True)
# the largest worker's peak (an upper bound: a worker's ru_maxrss starts at this process's size when it started)
print("worker_peak_mb", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, flush=True)
"""


def generate(out: Path, size: int) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "sanctiongraph",
            "generate",
            "customers",
            "--size",
            str(size),
            "--seed",
            "11",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        timeout=900,
        cwd=ROOT,
    )
    return out / "customers.csv"


def ingest_process(staging_path: Path, table: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", INGEST_AND_REPORT, str(staging_path), str(table), str(MAPPING)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")},
    )


def peak_rss(tmp_path: Path, size: int) -> tuple[int, int]:
    """Peak RSS of the loading process and of its largest worker process, in MB."""
    table = generate(tmp_path / f"gen{size}", size)
    process = ingest_process(tmp_path / f"staging{size}.duckdb", table)
    out, err = process.communicate(timeout=1800)
    assert process.returncode == 0, err
    lines = dict(line.split() for line in out.splitlines() if line.startswith(("rows_read", "peak_mb", "worker_")))
    assert int(lines["rows_read"]) == size
    return int(lines["peak_mb"]), int(lines["worker_peak_mb"])


def test_memory_stays_flat_with_file_size(tmp_path: Path) -> None:
    (small, small_worker), (large, large_worker) = peak_rss(tmp_path, 25_000), peak_rss(tmp_path, 200_000)
    print(f"peak RSS: 25k rows {small} MB + {small_worker} MB a worker, 200k rows {large} + {large_worker} MB")
    # Eight times the rows. Python's part is flat; DuckDB holds more of the load's work tables, up to the
    # limit set for a load, and spills the rest to the workspace's temp folder: growth is bounded by the cap.
    limit_mb = int(LOAD_MEMORY_LIMIT.removesuffix("MB"))
    assert large - small < limit_mb, (small, large)
    # Both files are several chunks, so workers built them (``ingest.parallel``); each holds a chunk or two.
    assert 0 < small_worker and large_worker < small_worker * 1.5, (small_worker, large_worker)
    assert large + 2 * large_worker < 2_048, (large, large_worker)


def snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in CONTRACT_TABLES}
    finally:
        con.close()


def test_kill_mid_file_leaves_staging_as_before_and_a_rerun_loads_once(tmp_path: Path, samples) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "staging.duckdb"
    run_ingest(path, samples.un_xml_2024, "un-xml")  # something staged before
    before = snapshot(path)
    table = generate(tmp_path / "gen", KILL_SIZE)
    process = ingest_process(path, table)
    assert process.stdout is not None
    deadline = time.monotonic() + 600
    for line in process.stdout:  # wait until the load is well under way
        if line.strip().isdigit() and int(line) >= KILL_SIZE // 2:
            break
        assert time.monotonic() < deadline
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert snapshot(path) == before

    summary = run_ingest(path, table, "mapping", mapping=MAPPING)
    assert summary.rows_read == KILL_SIZE and not summary.already_ingested
    again = run_ingest(path, table, "mapping", mapping=MAPPING)
    assert again.already_ingested
    con = staging.connect(path, read_only=True)
    try:
        versions = [v for v in staging.list_versions(con) if v.source == "customer_accounts"]
        assert len(versions) == 1 and versions[0].rows_read == KILL_SIZE
        tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert not {t for t in tables if t.startswith("sg_load_")}  # the killed load's work tables are gone
    finally:
        con.close()
