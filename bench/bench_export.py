"""Exports at a million records: the record -> entity map (CSV, Parquet) and FtM entities (issue 29).

    .venv/bin/python bench/bench_export.py --workspace /tmp/acc --size 1000000

1. copy a resolved workspace (lists plus generated customers, from ``resolve``) and
   grow it to N records by repeating its records, entities and match evidence under
   new keys (the same shapes and sizes as the real ones; repeated records keep their
   own entity so entity sizes stay as resolved);
2. time, in one process: a baseline (DuckDB COPY of the bare record -> entity table
   to CSV), ``export records`` to CSV and to Parquet, and ``export entities`` (FtM),
   with each one's peak resident memory growth;
3. print JSON with rows, seconds, rows per second and the ratio to the baseline.

Figures go to bench/results/export-<size>.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from graph.export import export_entities, export_records  # noqa: E402

GROW_SQL = """
CREATE OR REPLACE TABLE sg_records AS
SELECT r.* REPLACE (r.record_id || '#' || c.i AS record_id, r.source_key || '#' || c.i AS source_key)
FROM (SELECT * FROM sg_records) r, range({copies}) c(i)
ORDER BY c.i, r.record_id
LIMIT {size};
CREATE OR REPLACE TABLE sg_record_entities AS
SELECT e.record_id || '#' || c.i AS record_id, e.entity_id || '#' || c.i AS entity_id, e.run_id
FROM (SELECT * FROM sg_record_entities) e, range({copies}) c(i)
WHERE e.record_id || '#' || c.i IN (SELECT record_id FROM sg_records);
CREATE OR REPLACE TABLE sg_match_evidence AS
SELECT m.* REPLACE (m.record_l || '#' || c.i AS record_l, m.record_r || '#' || c.i AS record_r)
FROM (SELECT * FROM sg_match_evidence) m, range({copies}) c(i);
CREATE OR REPLACE TABLE sg_record_infra AS
SELECT i.* REPLACE (i.record_id || '#' || c.i AS record_id, i.key || '#' || c.i AS key)
FROM (SELECT * FROM sg_record_infra) i, range({copies}) c(i);
"""


def peak_mb() -> float:
    """This process's peak resident memory since the last ``reset_peak`` (Linux ``VmHWM``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def grow(staging_path: Path, size: int) -> int:
    con = duckdb.connect(str(staging_path))
    try:
        row = con.execute("SELECT count(*) FROM sg_records").fetchone()
        have = int(row[0]) if row else 0
        copies = -(-size // have)
        con.execute(GROW_SQL.format(copies=copies, size=size))
        counted = con.execute("SELECT count(*) FROM sg_record_entities").fetchone()
        return int(counted[0]) if counted else 0
    finally:
        con.close()


def timed(name: str, work: Callable[[], int]) -> dict[str, Any]:
    reset_peak()
    before = peak_mb()
    started = time.perf_counter()
    rows = work()
    seconds = time.perf_counter() - started
    figure = {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds)}
    figure["peak_rss_growth_mb"] = round(peak_mb() - before, 1)
    print(f"{name}: {json.dumps(figure)}", file=sys.stderr)
    return figure


def baseline(staging_path: Path, out: Path) -> int:
    con = duckdb.connect(str(staging_path), read_only=True)
    try:
        con.execute(f"COPY sg_record_entities TO '{out}' (FORMAT csv, HEADER true)")
        row = con.execute("SELECT count(*) FROM sg_record_entities").fetchone()
        return int(row[0]) if row else 0
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", type=Path, required=True, help="A resolved workspace (its staging.duckdb)")
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sg-bench-export-") as work:
        staging_path = Path(work) / "staging.duckdb"
        shutil.copy(args.workspace / "staging.duckdb", staging_path)
        records = grow(staging_path, args.size)
        print(f"grown to {records:,} records", file=sys.stderr)
        out = Path(work)
        figures = {
            "records": records,
            "baseline_copy_csv": timed("baseline", lambda: baseline(staging_path, out / "b.csv")),
        }
        figures["records_csv"] = timed("records csv", lambda: export_records(staging_path, out / "r.csv").rows)
        figures["records_parquet"] = timed(
            "records parquet", lambda: export_records(staging_path, out / "r.parquet", "parquet").rows
        )
        figures["entities_ftm"] = timed("entities ftm", lambda: export_entities(staging_path, out / "e.json").rows)
        base = figures["baseline_copy_csv"]["seconds"]
        for name in ("records_csv", "records_parquet", "entities_ftm"):
            figures[name]["ratio_to_baseline"] = round(figures[name]["seconds"] / base, 2)
    print(json.dumps(figures, indent=2))
    result = ROOT / "bench" / "results" / f"export-{args.size}.json"
    result.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
