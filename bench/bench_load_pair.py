"""Did a change make a first load cheaper? The baseline and the working tree, loading side by side.

    .venv/bin/python bench/bench_load_pair.py --size 200000 --baseline HEAD --rounds 2

This machine's speed drifts by 2x within an hour (the same 200k load took 111 s and
222 s on one afternoon), so loads timed one after the other do not compare. Here a
baseline revision (checked out in a git worktree under ``--workdir``) and the working
tree each load the same staging into a Neo4j of their own, at the same time: both see
the same machine, and the ratio of their CPU per node or relationship is what
compares. The Neo4j CPU is the server's whole process; the loader's includes its
DuckDB and writer threads. Wall time is reported too, but two loads sharing two cores
hide what a change does to overlap (a query started earlier, a wait removed): for
that, time the phases of one load alone.

Uses bench_graph's workspace for ``--size`` (generating and ingesting it when
missing). Disk: two copies of staging, and two graphs while a round runs (about
4 GB each at 200k, with their transaction logs; removed after the round).
Prints each round and the geometric mean of the ratios (working tree / baseline;
below 1 is cheaper), and writes bench/results/load-pair-<size>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MEASURES = ("neo4j_cpu_us_per_item", "loader_cpu_us_per_item", "cpu_us_per_item", "seconds")


def side(tree: Path, workspace: Path, neo4j_home: Path, heap: str, pagecache: str) -> None:
    """One load, in a child process whose imports come from ``tree``; prints its figures as JSON."""
    sys.path.insert(0, str(tree))
    import importlib

    from graph import loader
    from graph.store import GraphStore
    from sanctiongraph.settings import Secret, Settings

    # The Neo4j manager moved from graph.server to sanctiongraph.neo4j_server; a baseline may predate that.
    try:
        server = importlib.import_module("sanctiongraph.neo4j_server")
    except ImportError:
        server = importlib.import_module("graph.server")

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(home=neo4j_home, bolt_port=port, neo4j_heap=heap, neo4j_pagecache=pagecache)
    server.start(settings)
    settings = replace(settings, neo4j_password=Secret(server.neo4j_auth(settings)[1]))
    pid = int((settings.neo4j_home / "neo4j.pid").read_text().strip())
    try:
        with GraphStore(settings, timeout=600) as store:
            neo4j_before, loader_before = process_cpu(pid), time.process_time()
            summary = loader.run_load(store, workspace / "staging.duckdb", state_path=neo4j_home / "state.duckdb")
            neo4j_cpu, loader_cpu = process_cpu(pid) - neo4j_before, time.process_time() - loader_before
            nodes = store.read_raw("MATCH (n) RETURN count(n) AS n")[0]["n"]
            rels = store.read_raw("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    finally:
        server.stop(settings)
    items = nodes + rels
    print(
        json.dumps(
            {
                "mode": summary.mode,
                "items": items,
                "seconds": round(summary.seconds, 1),
                "neo4j_cpu_us_per_item": round(1e6 * neo4j_cpu / items, 2),
                "loader_cpu_us_per_item": round(1e6 * loader_cpu / items, 2),
                "cpu_us_per_item": round(1e6 * (neo4j_cpu + loader_cpu) / items, 2),
            }
        ),
        flush=True,
    )


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def baseline_tree(revision: str, workdir: Path) -> tuple[Path, str]:
    """A worktree of ``revision`` (made once per commit and kept: a later run reuses it)."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{revision}^{{commit}}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    tree = workdir / f"baseline-{commit[:12]}"
    if not tree.exists():
        workdir.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit], check=True)
    return tree, commit


def run_round(trees: dict[str, Path], homes: dict[str, Path], args: argparse.Namespace) -> dict[str, Any]:
    """Both loads at once, each with its own copy of staging (DuckDB spills into the staging's folder)."""
    children = {}
    for name, tree in trees.items():
        neo4j_home = homes[name] / "neo4j-ws"
        shutil.rmtree(neo4j_home, ignore_errors=True)
        neo4j_home.mkdir(parents=True)
        command = [sys.executable, __file__, "--side", str(tree), str(homes[name]), str(neo4j_home)]
        command += ["--heap", args.heap, "--pagecache", args.pagecache]
        children[name] = subprocess.Popen(command, cwd=tree, stdout=subprocess.PIPE, text=True)
    results = {}
    for name, child in children.items():
        out, _ = child.communicate()
        shutil.rmtree(homes[name] / "neo4j-ws", ignore_errors=True)  # a 200k graph and its logs take 4 GB
        if child.returncode != 0:
            raise SystemExit(f"the {name} load failed (exit {child.returncode}); its error is above")
        results[name] = json.loads(out.strip().splitlines()[-1])
        if results[name]["mode"] != "fresh":
            raise SystemExit(f"the {name} load was {results[name]['mode']}, not a first load into an empty graph")
    sizes = results["baseline"]["items"], results["candidate"]["items"]
    if sizes[0] != sizes[1]:
        print(f"note: the two graphs differ in size: {sizes[0]:,} (baseline) and {sizes[1]:,} items")
    results["ratio"] = {m: round(results["candidate"][m] / results["baseline"][m], 3) for m in MEASURES}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--side", nargs=3, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline", default="HEAD", help="git revision to compare the working tree with")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sanctiongraph-bench"))
    parser.add_argument("--heap", default="3g", help="each of the two servers'")
    parser.add_argument("--pagecache", default="3g", help="each of the two servers'")
    args = parser.parse_args()
    if args.side:
        side(*args.side, args.heap, args.pagecache)
        return
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_graph import identity_resolution, prepare_staging, step

    work = args.workdir / str(args.size)
    work.mkdir(parents=True, exist_ok=True)
    staging_home = prepare_staging(args.size, args.seed, work)
    identity_resolution(staging_home)
    tree, commit = baseline_tree(args.baseline, args.workdir)
    trees = {"baseline": tree, "candidate": ROOT}
    homes = {}
    for name in trees:
        homes[name] = work / f"pair-{name}" / "workspace"
        homes[name].mkdir(parents=True, exist_ok=True)
        shutil.copy(staging_home / "staging.duckdb", homes[name] / "staging.duckdb")
    report: dict[str, Any] = {"size": args.size, "baseline": commit, "heap": args.heap, "pagecache": args.pagecache}
    report["rounds"] = []
    for number in range(1, args.rounds + 1):
        step(f"round {number} of {args.rounds}: {commit[:12]} and the working tree, side by side")
        result = run_round(trees, homes, args)
        report["rounds"].append(result)
        step(f"round {number}: working tree / baseline {result['ratio']}")
    report["geometric_mean_ratio"] = {
        m: round(math.exp(sum(math.log(r["ratio"][m]) for r in report["rounds"]) / len(report["rounds"])), 3)
        for m in MEASURES
    }
    out = ROOT / "bench" / "results" / f"load-pair-{args.size}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'round':>5s} " + " ".join(f"{m:>24s}" for m in MEASURES))
    for number, r in enumerate(report["rounds"], 1):
        print(f"{number:5d} " + " ".join(f"{r['ratio'][m]:24.3f}" for m in MEASURES))
    print(f"{'mean':>5s} " + " ".join(f"{report['geometric_mean_ratio'][m]:24.3f}" for m in MEASURES))
    print(f"wrote {out} (ratios are working tree / baseline {commit[:12]}; below 1 is cheaper)")


if __name__ == "__main__":
    main()
