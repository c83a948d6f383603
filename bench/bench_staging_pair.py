"""Did a change to how staging is read and written cost anything? Two trees, the same work, alternately.

    .venv/bin/python bench/bench_staging_pair.py --size 20000 --baseline b94e4a2 --rounds 2

Every step here reads or writes the staging file through the code the graph layer,
resolution and the exports use, without Neo4j: a full resolution run (reads the
records' feature inputs and identifiers, writes the run in one transaction), the
load's rows (records with their entity and evidence, links to shared values with
their hashes, relations, the small tables), the networks' shared values and the
similar-address pairs, and both exports. A baseline revision (a git worktree under
``--workdir``) and the working tree run the same steps on copies of the same
staging, one after the other, and the rounds alternate which goes first: each step's
CPU seconds as a ratio (working tree / baseline) is what compares, within one run.

Uses bench_graph's workspace for ``--size`` (generating and ingesting it when missing).
Writes bench/results/staging-pair-<size>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("resolve", "load_rows", "small_rows", "networks", "similar_addresses", "export_records", "export_ftm")


def timed(steps: dict[str, float], name: str, work: Callable[[], object]) -> None:
    started = time.process_time()
    work()
    steps[name] = round(time.process_time() - started, 3)


def side(tree: Path, workspace: Path) -> None:
    """The steps in a child process whose imports come from ``tree``; prints CPU seconds per step as JSON."""
    sys.path.insert(0, str(tree))
    from graph import clusters, export, similar_addresses
    from graph.load import plan, rows
    from ingest import staging
    from resolution.run import run_resolve

    path = workspace / "staging.duckdb"
    steps: dict[str, float] = {}
    timed(steps, "resolve", lambda: run_resolve(path))

    def read(work: Callable[[Any], object]) -> Callable[[], object]:
        def run() -> object:
            con = staging.connect(path, read_only=True)
            staging.bound_memory(con, plan.READ_MEMORY_LIMIT, keep_order=True)
            try:
                return work(con)
            finally:
                con.close()

        return run

    timed(steps, "load_rows", read(lambda con: sum(1 for _ in rows.all_rows(con))))
    timed(steps, "small_rows", read(plan.small_rows))
    timed(steps, "networks", read(lambda con: clusters.compute(*clusters.read_values(con))))
    timed(steps, "similar_addresses", read(lambda con: sum(1 for _ in similar_addresses.similar_pairs(con))))
    timed(steps, "export_records", lambda: export.export_records(path, workspace / "records.parquet", "parquet"))
    timed(steps, "export_ftm", lambda: sum(1 for _ in export.iter_ftm(path)))
    print(json.dumps(steps))


def run_side(tree: Path, staging_file: Path, home: Path) -> dict[str, float]:
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    shutil.copy(staging_file, home / "staging.duckdb")
    command = [sys.executable, str(Path(__file__).resolve()), "--side", str(tree), str(home)]
    done = subprocess.run(command, cwd=tree, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the run in {tree} failed (exit {done.returncode}); its error is above")
    return {k: float(v) for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--side", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline", default="HEAD", help="git revision to compare the working tree with")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sanctiongraph-bench"))
    args = parser.parse_args()
    if args.side:
        side(*args.side)
        return
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_graph import prepare_staging, step
    from bench_load_pair import baseline_tree

    work = args.workdir / str(args.size)
    work.mkdir(parents=True, exist_ok=True)
    staging_file = prepare_staging(args.size, args.seed, work) / "staging.duckdb"
    tree, commit = baseline_tree(args.baseline, args.workdir)
    trees = {"baseline": tree, "candidate": ROOT}
    report: dict[str, Any] = {"size": args.size, "baseline": commit, "rounds": []}
    for number in range(1, args.rounds + 1):
        order = list(trees) if number % 2 else list(reversed(trees))
        step(f"round {number} of {args.rounds}: {' then '.join(order)}")
        result = {name: run_side(trees[name], staging_file, work / f"staging-pair-{name}") for name in order}
        result["ratio"] = {s: round(result["candidate"][s] / max(result["baseline"][s], 1e-3), 3) for s in STEPS}
        report["rounds"].append(result)
        step(f"round {number}: working tree / baseline {result['ratio']}")
    report["geometric_mean_ratio"] = {
        s: round(math.exp(sum(math.log(max(r["ratio"][s], 1e-3)) for r in report["rounds"]) / args.rounds), 3)
        for s in STEPS
    }
    out = ROOT / "bench" / "results" / f"staging-pair-{args.size}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'step':>18s} {'baseline s':>11s} {'tree s':>8s} {'ratio':>6s}")
    for s in STEPS:
        base = sum(r["baseline"][s] for r in report["rounds"]) / args.rounds
        cand = sum(r["candidate"][s] for r in report["rounds"]) / args.rounds
        print(f"{s:>18s} {base:11.2f} {cand:8.2f} {report['geometric_mean_ratio'][s]:6.3f}")
    print(f"wrote {out} (CPU seconds, mean of rounds; ratio: geometric mean, working tree / baseline {commit[:12]})")


if __name__ == "__main__":
    main()
