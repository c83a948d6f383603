"""SIGKILL the loader at random points of a fresh load, an incremental load and a sweep; count mismatches.

    .venv/bin/python bench/bench_loader_kill.py [--trials 20] [--seed 24]

Starts a Neo4j of its own on a free port (as the tests do), makes two resolved
workspaces (UN list 2024, then 2025 as a new version), and for each kind of
load (``tests/test_loader_kill.py`` says what each starts from) measures an
uninterrupted load, then runs ``--trials`` trials: start ``sanctiongraph load``,
SIGKILL it at a uniformly random moment of its run, run it again to the end,
and compare every node and relationship with their properties to the clean
load's. Prints per mode: trials, how many were killed mid-run (the rest had
finished), mismatches. Every mismatch is a bug.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sanctiongraph import neo4j_server as server  # noqa: E402
from sanctiongraph.settings import Secret, Settings  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.test_loader_kill import MODES, clean, killed_then_rerun, make_workspaces  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20, help="trials per kind of load")
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--modes", default=",".join(MODES))
    args = parser.parse_args()
    chance = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="sg-kill-") as folder:
        root = Path(folder)
        settings = Settings(home=root / "neo4j", bolt_port=free_port(), neo4j_heap="1g", neo4j_pagecache="256m")
        server.start(settings)
        try:
            settings = replace(settings, neo4j_password=Secret(server.neo4j_auth(settings)[1]))
            spaces = make_workspaces(root / "spaces")
            total = mismatched = 0
            for mode in args.modes.split(","):
                expected, seconds = clean(mode, settings, spaces, root / "home")
                killed = mismatches = 0
                for _ in range(args.trials):
                    got, died = killed_then_rerun(mode, settings, spaces, root / "home", chance.uniform(0.3, seconds))
                    killed += died
                    mismatches += got != expected
                total += args.trials
                mismatched += mismatches
                print(
                    f"{mode}: clean load {seconds:.1f} s ({expected}); {args.trials} trials,"
                    f" {killed} killed mid-run, mismatches: {mismatches}",
                    flush=True,
                )
            print(f"all: {total} trials, mismatches: {mismatched}")
        finally:
            server.stop(settings)


if __name__ == "__main__":
    main()
