"""What bounds a first load over Bolt here: the loader, or Neo4j itself?

    .venv/bin/python bench/bench_load_ceiling.py --size 200000 --workdir /tmp/sg-bench

Uses bench_graph's workspace for ``--size`` (generating and ingesting it when missing)
and loads the same rows into an empty graph three times, each into a new server:

1. ``load``: as shipped; rows are built from staging and recorded in the load state;
2. ``prebuilt``: the same rows built beforehand, in memory, still recorded in the load state;
3. ``replay``: the same prebuilt rows, with no load state: the loader's own Python is down
   to handing batches to the writer threads and packing them for Bolt. No loader that
   sends these queries over Bolt can beat this run; it is the ceiling.

For each it reports nodes+relationships per second, the ratio to ``replay``, and the CPU
spent per item: the loader's, and Neo4j's split by its threads (the Bolt workers that run
and commit the writes, the JIT compiler, garbage collection, index population, the rest).
On 2 cores, 50k items/s leaves 40 us of CPU per item for both processes together.

Figures print as a table and go to bench/results/load-ceiling-<size>.json.
"""

from __future__ import annotations

import argparse
import collections
import gc
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_graph import graph_counts, identity_resolution, prepare_staging, start_neo4j, step  # noqa: E402

from graph import loader  # noqa: E402
from graph.load import plan  # noqa: E402
from graph.load import writer as load_writer  # noqa: E402
from graph.load.rows import (  # noqa: E402
    Parents,
    Row,
    entity_rows,
    linked_values,
    links_state,
    members_state,
    relation_rows,
    stage_links,
)
from graph.load.state import LoadState  # noqa: E402
from graph.store import GraphStore  # noqa: E402
from ingest import staging  # noqa: E402
from sanctiongraph import neo4j_server as server  # noqa: E402
from sanctiongraph.settings import Settings  # noqa: E402

# Neo4j's threads by what they do, matched on their names in /proc (cut to 15 characters there).
THREAD_GROUPS = (
    ("bolt_workers", re.compile(r"BoltWorke")),
    ("jit", re.compile(r"CompilerThre")),
    ("gc", re.compile(r"GC Thread|G1 |VM Thread")),
    ("index_population", re.compile(r"IndexPopu")),
)


# ``load`` runs first, before the prebuilt rows take several GB of memory.
VARIANTS = ("load", "prebuilt", "replay")


@dataclass
class Prebuilt:
    """What a first load hands the writers, built beforehand: rows, then values with their links, then the rest."""

    entities: list[Row] = field(default_factory=list)
    values: list[tuple[tuple[str, str], dict[str, Any]]] = field(default_factory=list)
    parents: list[tuple[Row, tuple[str, str, str], list[str]]] = field(default_factory=list)
    relations: list[Row] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.entities) + len(self.values) + len(self.parents) + len(self.relations)


def prebuilt_rows(home: Path) -> tuple[Prebuilt, float]:
    """Every row of a first load, built from staging into memory, and the CPU seconds it took."""
    step("building every row in memory (for prebuilt and replay)")
    con = staging.connect(home / "staging.duckdb", read_only=True)
    staging.bound_memory(con, plan.READ_MEMORY_LIMIT, keep_order=True)
    started = time.process_time()
    rows = Prebuilt()
    try:
        rows.entities = list(entity_rows(con))
        stage_links(con)
        parents = Parents()
        rows.values = list(linked_values(con, parents))
        rows.parents = list(parents.linked())
        rows.relations = list(relation_rows(con))
    finally:
        con.close()
    gc.freeze()  # millions of live rows would make every full collection of the loads after this scan them
    return rows, time.process_time() - started


def thread_ticks(settings: Settings) -> collections.Counter[str]:
    """CPU clock ticks of the managed Neo4j so far, by thread group (threads that ended are not counted)."""
    pid = int((settings.neo4j_home / "neo4j.pid").read_text().strip())
    groups: collections.Counter[str] = collections.Counter()
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue  # the thread ended
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        group = next((g for g, pattern in THREAD_GROUPS if pattern.search(name)), "other")
        groups[group] += int(fields[11]) + int(fields[12])
    return groups


def first_load_from(rows: Prebuilt, with_state: bool) -> Any:
    """``graph.load.fresh.write_first_load`` with the rows built beforehand, recording the load state or not."""

    def write(con: Any, state: LoadState, writer: Any) -> dict[str, int]:
        counts: collections.Counter[str] = collections.Counter()

        def add(row: Row) -> None:
            writer.add(row.kind, row.group, row.payload)

        def hand_on(batch: list[Row]) -> None:
            if with_state:
                counts.update(state.stage(batch, on_row=add))
                return
            for row in batch:
                counts[row.kind] += 1
                add(row)

        with state.first_load():
            hand_on(rows.entities)
            for links, value in rows.values:
                writer.add_linked_value(links, value)
            if with_state:
                stage_links(con)
                counts.update(state.stage_hashed(links_state(con)))
            for parent, member_links, children in rows.parents:
                writer.add_linked_parent(member_links, {**parent.payload, "children": children})
            if with_state:
                counts.update(state.stage([parent for parent, _, _ in rows.parents]))
                counts.update(state.stage_hashed(members_state([(links, kids) for _, links, kids in rows.parents])))
            hand_on(rows.relations)
        return dict(counts)

    return write


@contextmanager
def variant(name: str, rows: Prebuilt) -> Iterator[None]:
    """Run the loader as shipped, or with prebuilt rows, or with prebuilt rows and no load state."""
    if name == "load":
        yield
        return
    with mock.patch.object(loader, "write_first_load", first_load_from(rows, with_state=name == "prebuilt")):
        yield


def run(name: str, work: Path, home: Path, rows: Prebuilt, args: argparse.Namespace) -> dict[str, Any]:
    settings = start_neo4j(work, args.heap, args.pagecache)
    state_path = work / f"ceiling-state-{name}.duckdb"
    state_path.unlink(missing_ok=True)
    try:
        with GraphStore(settings, timeout=600) as store:
            step(f"{name}: load into an empty graph")
            before, loader_cpu = thread_ticks(settings), time.process_time()
            with variant(name, rows):
                summary = loader.run_load(store, home / "staging.duckdb", state_path=state_path, writers=args.writers)
            neo4j = thread_ticks(settings)
            neo4j.subtract(before)
            loader_cpu = time.process_time() - loader_cpu
            nodes, rels = graph_counts(store)
    finally:
        server.stop(settings)
        state_path.unlink(missing_ok=True)
    if summary.mode != "fresh":
        raise SystemExit(f"{name}: the load was {summary.mode}, not fresh; is {work / 'neo4j-ws'} shared?")
    items = nodes + rels
    ticks = os.sysconf("SC_CLK_TCK")
    per_item = {group: round(1e6 * count / ticks / items, 1) for group, count in sorted(neo4j.items())}
    result = {
        "seconds": round(summary.seconds, 1),
        "nodes": nodes,
        "relationships": rels,
        "items_per_s": round(items / summary.seconds),
        "neo4j_cpu_us_per_item": round(sum(per_item.values()), 1),
        "neo4j_cpu_us_per_item_by_thread": per_item,
        "loader_cpu_us_per_item": round(1e6 * loader_cpu / items, 1),
    }
    step(f"{name}: {items:,} items in {summary.seconds:.1f} s ({result['items_per_s']:,}/s)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sanctiongraph-bench"))
    parser.add_argument("--heap", default="4g")
    parser.add_argument("--pagecache", default="6g")
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help="which runs, comma-separated (default all); `load` alone needs no memory for prebuilt rows, e.g. at 1M",
    )
    parser.add_argument(
        "--writers",
        type=int,
        default=load_writer.WRITERS,
        help=f"concurrent write transactions (default {load_writer.WRITERS}, as shipped)",
    )
    args = parser.parse_args()
    names = [name for name in VARIANTS if name in args.variants.split(",")]
    if not names:
        parser.error(f"--variants: choose from {', '.join(VARIANTS)}")
    work = args.workdir / str(args.size)
    work.mkdir(parents=True, exist_ok=True)
    home = prepare_staging(args.size, args.seed, work)
    identity_resolution(home)
    rows = Prebuilt()
    report: dict[str, Any] = {
        "size": args.size,
        "heap": args.heap,
        "pagecache": args.pagecache,
        "writers": args.writers,
        "fresh_batch_size": load_writer.FRESH_BATCH_SIZE,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    for name in names:
        if name != "load" and not rows:
            rows, build_cpu = prebuilt_rows(home)
            report["rows"], report["row_building_cpu_s"] = len(rows), round(build_cpu, 1)
        report[name] = run(name, work, home, rows, args)
    if "replay" in report:
        for name in names:
            report[name]["ratio_to_replay"] = round(report[name]["items_per_s"] / report["replay"]["items_per_s"], 3)
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    out = ROOT / "bench" / "results" / f"load-ceiling-{args.size}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(f"{'':10s} {'items/s':>9s} {'ratio':>6s} {'neo4j us/item':>14s} {'loader us/item':>15s}")
    for name in names:
        r = report[name]
        ratio = r.get("ratio_to_replay", float("nan"))
        print(
            f"{name:10s} {r['items_per_s']:9,d} {ratio:6.3f} {r['neo4j_cpu_us_per_item']:14.1f}"
            f" {r['loader_cpu_us_per_item']:15.1f}   neo4j by thread: {r['neo4j_cpu_us_per_item_by_thread']}"
        )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
