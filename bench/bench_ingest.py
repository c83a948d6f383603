"""Ingest throughput: records/s for the OFAC trio, the UN XML and a generated 1M-row customer CSV.

Each ingest runs in its own subprocess into a fresh staging file, so its peak
RSS is its own. Same-process baselines (csv.reader over the same CSV, lxml
iterparse over the same XML) put the figures in proportion: the ratio says how
much slower than merely reading the file ingest is, which travels between
machines better than raw rows/s.

    python bench/bench_ingest.py                 # 1,000,000 customer rows
    python bench/bench_ingest.py --rows 200000   # quicker
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
MAPPING = ROOT / "mappings" / "customers.yaml"

WORKER = """
import json, resource, sys, time
from pathlib import Path
from ingest.run import run_ingest
staging, path, fmt, mapping = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] or None
started = time.perf_counter()
s = run_ingest(Path(staging), Path(path), fmt, mapping=Path(mapping) if mapping else None)
print(json.dumps({"seconds": time.perf_counter() - started, "rows": s.rows_read, "records": s.records,
                  "quarantined": s.quarantined, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""


def ingest(path: Path, fmt: str, mapping: Path | None = None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        out = subprocess.run(
            [sys.executable, "-c", WORKER, str(Path(folder) / "staging.duckdb"), str(path), fmt, str(mapping or "")],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def csv_baseline(path: Path) -> float:
    """Rows/s of csv.reader over the file: the floor any CSV ingest sits on."""
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = sum(1 for _ in csv.reader(handle))
    return rows / (time.perf_counter() - started)


def xml_baseline(path: Path, tags: tuple[str, ...]) -> float:
    """Entries/s of lxml iterparse (with clearing) over the file."""
    started = time.perf_counter()
    count = 0
    for _, element in etree.iterparse(str(path), events=("end",), tag=tags):
        count += 1
        element.clear()
    return count / (time.perf_counter() - started)


def generate(rows: int, out: Path) -> Path:
    table = out / "customers.csv"
    if not table.exists():
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sanctiongraph",
                "generate",
                "customers",
                "--size",
                str(rows),
                "--seed",
                "1",
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        print(f"generated {rows:,} customer rows in {time.perf_counter() - started:.0f} s ({table})")
    return table


def line(name: str, result: dict[str, float], baseline: float | None) -> str:
    rate = result["rows"] / result["seconds"]
    records = result["records"] / result["seconds"]
    ratio = f"{baseline / rate:8.1f}x" if baseline else "       -"
    return (
        f"| {name:<28} | {int(result['rows']):>9,} | {int(result['records']):>9,} | {result['seconds']:>7.1f} | "
        f"{rate:>9,.0f} | {records:>9,.0f} | {int(result['peak_mb']):>6} | {ratio} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="generated customer rows (default 1,000,000)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "sanctiongraph-bench")
    args = parser.parse_args()
    ofac, un = DATA / "ofac" / "snapshot_2022-01", DATA / "un" / "consolidated.xml"
    table = generate(args.rows, args.cache / f"customers-{args.rows}")
    baselines = {
        "ofac": csv_baseline(ofac / "sdn.csv"),
        "un": xml_baseline(un, ("INDIVIDUAL", "ENTITY")),
        "customers": csv_baseline(table),
    }
    print()
    print(
        "| input                        |  rows in  |  records  |   s     |  rows/s   | records/s | RSS MB | vs read |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(line("OFAC SDN CSV trio (2022)", ingest(ofac, "ofac-csv"), baselines["ofac"]))
    print(line("UN consolidated XML (2025)", ingest(un, "un-xml"), baselines["un"]))
    print(line(f"customers CSV ({args.rows:,} rows)", ingest(table, "mapping", MAPPING), baselines["customers"]))
    print()
    print(
        f"baselines (same process, reading only): csv.reader {baselines['customers']:,.0f} rows/s on the customer "
        f"CSV, {baselines['ofac']:,.0f} rows/s on sdn.csv; lxml iterparse {baselines['un']:,.0f} entries/s "
        "on the UN XML"
    )
    print("'vs read' = how many times slower than the baseline reading the same file")


if __name__ == "__main__":
    main()
