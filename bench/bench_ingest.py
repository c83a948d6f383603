"""Ingest throughput: records/s for the OFAC trio, the UN XML, a generated customer CSV and a GLEIF LEI CSV.

Each ingest runs in its own subprocess into a fresh staging file, so its peak
RSS is its own. Same-process baselines (csv.reader over the same CSV, lxml
iterparse over the same XML) put the figures in proportion: the ratio says how
much slower than merely reading the file ingest is, which travels between
machines better than raw rows/s.

    python bench/bench_ingest.py                 # 1,000,000 customer rows
    python bench/bench_ingest.py --rows 200000   # quicker
    python bench/bench_ingest.py --rows 200000 --customers-only --ways parallel,setwise
    python bench/bench_ingest.py --rows 200000 --customers-only --baseline 79b7386   # before/after, one run
    python bench/bench_ingest.py --rows 0 --customers-only --golden-copy 500000 --psc 500000 --ftm 100000

The customer CSV goes the default way, ``parallel``: chunks built by worker
processes, one per core (``ingest.parallel``). ``setwise`` is the same set-wise
path in one process (``ingest.mapping_setwise``), ``rowwise`` the row-by-row
reference. Every figure has its CPU seconds (the workers' included) beside the
wall seconds, and two ratios to csv.reader reading the file in the same run: CPU
seconds (on a shared machine wall time measures the neighbours too) and wall
seconds (what the user waits, which workers cut and CPU does not show).
With ``--baseline REV`` the first of ``--ways`` runs first with that commit's code
(checked out once in a git worktree under ``--cache``) on the same file, in the same run;
``--together`` runs the two at once instead, so that on a shared machine the
neighbours' load inflates both CPU figures alike.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
MAPPING = ROOT / "mappings" / "customers.yaml"

WORKER = """
import inspect, json, resource, sys, time
from pathlib import Path
from ingest.mapping import Mapping
from ingest.run import run_ingest
staging, path, fmt, mapping, way = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] or None, sys.argv[5]
options = {}
if "workers" in inspect.signature(run_ingest).parameters:  # a baseline commit from before the workers
    options["workers"] = None if way == "parallel" else 1
if way == "rowwise":  # the reference path, for the comparison
    Mapping.iter_records = Mapping.iter_records_rowwise
started = time.perf_counter()
s = run_ingest(Path(staging), Path(path), fmt, mapping=Path(mapping) if mapping else None, **options)
usage = resource.getrusage(resource.RUSAGE_SELF)
workers = resource.getrusage(resource.RUSAGE_CHILDREN)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over an exec (this process would report the bench's size)
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": time.perf_counter() - started, "cpu": usage.ru_utime + usage.ru_stime
                  + workers.ru_utime + workers.ru_stime, "workers_cpu": workers.ru_utime + workers.ru_stime,
                  "rows": s.rows_read, "records": s.records, "quarantined": s.quarantined,
                  "peak_mb": int(hwm.split()[1]) // 1024,
                  "worker_peak_mb": workers.ru_maxrss // 1024}))
"""


def ingest(
    path: Path, fmt: str, mapping: Path | None = None, way: str = "setwise", tree: Path = ROOT
) -> dict[str, float]:
    """One ingest in its own process into a fresh staging file: wall and CPU seconds, rows, peak RSS.

    ``tree``: the checkout whose code runs (a baseline commit's worktree), first on the import path.
    """
    with tempfile.TemporaryDirectory() as folder:
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                WORKER,
                str(Path(folder) / "staging.duckdb"),
                str(path),
                fmt,
                str(mapping or ""),
                way,
            ],
            check=True,
            capture_output=True,
            text=True,
            cwd=tree,
            env={**os.environ, "PYTHONPATH": str(tree)},
        ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def csv_baseline(path: Path) -> float:
    """Rows per CPU-second of csv.reader over the file: the floor any CSV ingest sits on."""
    started = time.process_time()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = sum(1 for _ in csv.reader(handle))
    return rows / (time.process_time() - started)


def json_baseline(folder: Path) -> float:
    """Lines per CPU-second of orjson parsing every line of the folder's files: the floor of a JSON-lines ingest."""
    started = time.process_time()
    lines = 0
    for path in sorted(folder.iterdir()):
        with path.open("rb") as handle:
            for text in handle:
                orjson.loads(text)
                lines += 1
    return lines / (time.process_time() - started)


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


def baseline_tree(revision: str, cache: Path) -> tuple[Path, str]:
    """A worktree of ``revision`` under ``cache`` (made once per commit, reused by later runs)."""
    from bench_load_pair import baseline_tree as worktree

    return worktree(revision, cache)


def line(name: str, result: dict[str, float], baseline: float | None) -> str:
    """A table row: 'CPU vs read' compares CPU seconds (workers' included) with csv.reader's, 'wall vs read'
    the wall seconds (what a user waits; inflated when the machine is shared)."""
    rate = result["rows"] / result["seconds"]
    records = result["records"] / result["seconds"]
    cpu = f"{baseline * result['cpu'] / result['rows']:8.1f}x" if baseline else "       -"
    wall = f"{baseline * result['seconds'] / result['rows']:8.1f}x" if baseline else "       -"
    memory = f"{int(result['peak_mb'])}"
    if result.get("worker_peak_mb"):
        memory += f" + {int(result['worker_peak_mb'])}/worker"
    return (
        f"| {name:<34} | {int(result['rows']):>9,} | {int(result['records']):>9,} | {result['seconds']:>7.1f} | "
        f"{result['cpu']:>7.1f} | {rate:>9,.0f} | {records:>9,.0f} | {memory:>6} | {cpu} | {wall} |"
    )


HEAD = (
    "| input                              |  rows in  |  records  | wall s  |  CPU s  |  rows/s   | records/s |"
    " RSS MB | CPU vs read | wall vs read |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="generated customer rows (default 1,000,000)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "sanctiongraph-bench")
    parser.add_argument(
        "--ways",
        default="parallel",
        help="mapping paths to run on the customer CSV, comma-separated: parallel (the default path: worker"
        " processes, one per core), setwise (one process), rowwise (the reference)",
    )
    parser.add_argument("--customers-only", action="store_true", help="leave out the OFAC and UN ingests")
    parser.add_argument("--baseline", help="a commit whose code runs the first way first (before/after)")
    parser.add_argument(
        "--together",
        action="store_true",
        help="with --baseline: run before and after at the same time, so a crowded machine slows both alike",
    )
    parser.add_argument(
        "--golden-copy",
        type=int,
        default=0,
        help="also ingest a golden-copy-style GLEIF LEI CSV of N rows (gleif-lei) with workers and in one process",
    )
    parser.add_argument(
        "--psc",
        type=int,
        default=0,
        help="also ingest a PSC-style snapshot of N JSON lines in two parts (ch-psc) with workers and in one process",
    )
    parser.add_argument(
        "--ftm",
        type=int,
        default=0,
        help="also ingest an FtM export of N groups of 5 entities (ftm) with workers and in one process",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    ofac, un = DATA / "ofac" / "snapshot_2022-01", DATA / "un" / "consolidated.xml"
    results: dict[str, dict[str, float]] = {}
    baselines: dict[str, float] = {}
    registries = [
        (name, size, fmt, _registry_file(name, size, args.cache), label)
        for name, size, fmt, label in (
            ("golden-copy", args.golden_copy, "gleif-lei", "GLEIF LEI golden-copy CSV"),
            ("psc", args.psc, "ch-psc", "PSC snapshot JSON lines"),
            ("ftm", args.ftm, "ftm", "FtM export, groups of 5 entities"),
        )
        if size
    ]
    if registries:
        print(HEAD)
    for name, size, fmt, path, label in registries:
        baselines[name] = (
            csv_baseline(path) if fmt == "gleif-lei" else json_baseline(path if path.is_dir() else path.parent)
        )
        for way, how in (("parallel", "workers"), ("setwise", "one process")):
            results[f"{name}-{way}"] = ingest(path, fmt, way=way)
            print(line(f"{label} ({size:,}), {how}", results[f"{name}-{way}"], baselines[name]))
    if not args.rows:
        _write_json(args, baselines, results)
        return
    table = generate(args.rows, args.cache / f"customers-{args.rows}")
    baselines["customers"] = csv_baseline(table)
    if not args.customers_only:
        baselines["ofac"] = csv_baseline(ofac / "sdn.csv")
        baselines["un"] = xml_baseline(un, ("INDIVIDUAL", "ENTITY"))
        results["ofac"] = ingest(ofac, "ofac-csv")
        results["un"] = ingest(un, "un-xml")
    ways = args.ways.split(",")
    if args.baseline:
        tree, commit = baseline_tree(args.baseline, args.cache)
        before = f"{ways[0]}@{commit[:7]}"  # the first way, the commit's code
        with ThreadPoolExecutor(2 if args.together else 1) as pool:  # --together: both ingests at once
            ran = [pool.submit(ingest, table, "mapping", tree / "mappings" / "customers.yaml", ways[0], tree=tree)]
            ran += [pool.submit(ingest, table, "mapping", MAPPING, way) for way in ways]
            for name, future in zip([before, *ways], ran, strict=True):
                results[f"customers-{name}"] = future.result()
        ways = [before, *ways]
    else:
        for way in ways:
            results[f"customers-{way}"] = ingest(table, "mapping", MAPPING, way)
    baselines["customers"] = (baselines["customers"] + csv_baseline(table)) / 2  # before and after, same run
    print()
    print(HEAD)
    if not args.customers_only:
        print(line("OFAC SDN CSV trio (2022)", results["ofac"], baselines["ofac"]))
        print(line("UN consolidated XML (2025)", results["un"], None))
    for way in ways:
        name = f"customers CSV ({args.rows:,}), {way}"
        print(line(name, results[f"customers-{way}"], baselines["customers"]))
    print()
    print(
        f"baseline (same run, reading only): csv.reader {baselines['customers']:,.0f} rows per CPU-second on the "
        "customer CSV; 'vs read' = ingest CPU seconds per row over csv.reader's (CPU, not wall: the machine may be"
        " shared)"
    )
    _write_json(args, baselines, results)


# Where each registry file is made (by ``ingest.generate.registries``' writer of that name), relative to the cache;
# the FtM export sits in a folder of its own, since the JSON-lines baseline reads a folder.
REGISTRY_FILES = {
    "golden-copy": ("gleif-{size}/20260101-0000-gleif-goldencopy-lei2-golden-copy.csv", "write_lei_csv"),
    "psc": ("psc-{size}", "write_psc_snapshot"),
    "ftm": ("ftm-{size}/generated_entities.ftm.json", "write_ftm_entities"),
}


def _registry_file(name: str, size: int, cache: Path) -> Path:
    """The registry file ``name`` of ``size`` rows, statements or groups, made once (a ``.part`` renamed when done)."""
    where, writer = REGISTRY_FILES[name]
    path = cache / where.format(size=size)
    if not path.exists():
        sys.path.insert(0, str(ROOT))
        from ingest.generate import registries

        path.parent.mkdir(parents=True, exist_ok=True)
        getattr(registries, writer)(path.with_suffix(".part"), size).rename(path)
    return path


def _write_json(args: argparse.Namespace, baselines: dict[str, float], results: dict[str, dict[str, float]]) -> None:
    if args.json is not None:
        args.json.write_text(json.dumps({"rows": args.rows, "baselines": baselines, "results": results}, indent=2))


if __name__ == "__main__":
    main()
