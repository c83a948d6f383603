"""Graph store benchmark: load throughput, query latency, planted-network recovery.

    .venv/bin/python bench/bench_graph.py --size 1000000 --workdir /tmp/sg-bench

Steps (each cached in --workdir, so a rerun skips what is done):
1. generate N customer accounts with planted DPRK-style networks (and ground truth);
2. ingest them with mappings/customers.yaml, plus the bundled OFAC and UN lists;
3. give each record its own entity (``--resolution identity``, the default: this
   measures the loader, not Splink; bench_resolution measures resolution) or run
   the real ``resolve`` (``--resolution full``);
4. start a fresh managed Neo4j, measure raw Bolt writes as the baseline, then
   ``load`` (``--writers N`` concurrent transactions, default the loader's) and report
   nodes+relationships per second, the ratio to the baseline, the CPU each side spent
   per item (Neo4j's and the loader's) and the load averages;
5. time ``network`` (2 hops) and ``exposure`` (4 hops) for planted, random and
   listed entities: p50/p95/p99, against a point lookup ``entity(id)`` as baseline;
6. find shared-infrastructure clusters and score them against the ground truth.

Figures print as a table and go to bench/results/graph-<size>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph import analytics, networks  # noqa: E402
from graph.load import writer as load_writer  # noqa: E402
from graph.loader import run_load  # noqa: E402
from graph.store import GraphStore  # noqa: E402
from ingest import staging  # noqa: E402
from resolution import store as resolution_store  # noqa: E402
from resolution.identity import Assignment  # noqa: E402
from sanctiongraph import neo4j_server as server  # noqa: E402
from sanctiongraph.settings import Secret, Settings  # noqa: E402

SANCTIONGRAPH = [sys.executable, "-m", "sanctiongraph"]


def step(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def prepare_staging(size: int, seed: int, work: Path) -> Path:
    data, home = work / "customers", work / "workspace"
    if not (data / "customers.csv").exists():
        step(f"generating {size:,} customers")
        subprocess.run(
            [*SANCTIONGRAPH, "generate", "customers", "--size", str(size), "--seed", str(seed), "--out", str(data)],
            check=True,
        )
    if not (home / "staging.duckdb").exists() or not (home / ".ingested").exists():
        step("ingesting customers and the bundled lists")
        for args in (
            [str(data / "customers.csv"), "--format", "mapping", "--mapping", str(ROOT / "mappings/customers.yaml")],
            [str(ROOT / "data/ofac/snapshot_2022-01"), "--format", "ofac-csv"],
            [str(ROOT / "data/un/consolidated.xml"), "--format", "un-xml"],
        ):
            started = time.monotonic()
            subprocess.run([*SANCTIONGRAPH, "ingest", *args, "--workspace", str(home)], check=True)
            step(f"  {Path(args[0]).name}: {time.monotonic() - started:.1f} s")
        (home / ".ingested").touch()
    return home


def identity_resolution(home: Path) -> None:
    """Each record its own entity: isolates the loader from Splink."""
    con = staging.open_for_writing(home / "staging.duckdb")
    try:
        if con.execute("SELECT count(*) FROM sg_runs WHERE run_id = 'bench-identity'").fetchall()[0][0]:
            return  # a rerun in the same workdir: the identity run is there already
        ids = [r[0] for r in con.execute("SELECT record_id FROM sg_records WHERE removed_in IS NULL").fetchall()]
        assignment = Assignment(entity_of={rid: f"sg-{uuid.uuid5(uuid.NAMESPACE_URL, rid).hex[:16]}" for rid in ids})
        resolution_store.write_run(
            con, "bench-identity", datetime.now(UTC).replace(tzinfo=None), "identity", assignment, []
        )
    finally:
        con.close()


def start_neo4j(work: Path, heap: str, pagecache: str) -> Settings:
    settings = Settings(home=work / "neo4j-ws", bolt_port=free_port(), neo4j_heap=heap, neo4j_pagecache=pagecache)
    if (settings.home / "neo4j").exists():
        import shutil

        shutil.rmtree(settings.home / "neo4j")
    server.start(settings)
    return replace(settings, neo4j_password=Secret(server.neo4j_auth(settings)[1]))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def baseline_writes(store: GraphStore, count: int, batch: int = 10_000) -> float:
    """Raw Bolt throughput: CREATE of small nodes in the same batch size, items per second."""
    started = time.monotonic()
    for start in range(0, count, batch):
        rows = [{"id": i, "v": f"value-{i}"} for i in range(start, min(count, start + batch))]
        store.execute_raw("UNWIND $rows AS row CREATE (:BenchBaseline {id: row.id, v: row.v})", {"rows": rows})
    seconds = time.monotonic() - started
    store.run_schema("MATCH (n:BenchBaseline) CALL (n) { DELETE n } IN TRANSACTIONS OF 50000 ROWS")
    return count / seconds


def server_cpu_seconds(settings: Settings) -> float:
    """CPU time (user + system) the managed Neo4j has used so far."""
    pid = int((settings.neo4j_home / "neo4j.pid").read_text().strip())
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def graph_counts(store: GraphStore) -> tuple[int, int]:
    row = store.read_raw("MATCH (n) RETURN count(n) AS n")[0]
    rels = store.read_raw("MATCH ()-[r]->() RETURN count(r) AS r")[0]
    return int(row["n"]), int(rels["r"])


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {"p50_ms": at(0.5), "p95_ms": at(0.95), "p99_ms": at(0.99), "n": len(ordered)}


def timed(func: Any, *args: Any, **kwargs: Any) -> float:
    started = time.perf_counter()
    func(*args, **kwargs)
    return time.perf_counter() - started


def sample_entities(home: Path, truth: list[dict[str, Any]], count: int, seed: int) -> dict[str, list[str]]:
    con = staging.connect(home / "staging.duckdb", read_only=True)
    try:
        entity_of = dict(con.execute("SELECT record_id, entity_id FROM sg_record_entities").fetchall())
        listed = [
            r[0]
            for r in con.execute(
                "SELECT e.entity_id FROM sg_record_entities e JOIN sg_records r USING (record_id) "
                "WHERE r.source <> 'customer_accounts' ORDER BY e.entity_id LIMIT ?",
                [count],
            ).fetchall()
        ]
    finally:
        con.close()
    rng = random.Random(seed)
    planted = [
        entity_of[f"customer_accounts:{t['account_id']}"]
        for t in truth
        if t.get("kind") == "account" and t.get("network_id") and f"customer_accounts:{t['account_id']}" in entity_of
    ]
    accounts = [e for r, e in entity_of.items() if r.startswith("customer_accounts:")]
    return {
        "planted": planted[:count],
        "random": rng.sample(accounts, min(count, len(accounts))),
        "listed": listed[:count],
    }


def latency(store: GraphStore, samples: dict[str, list[str]]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    everything = [e for group in samples.values() for e in group]
    for warm in everything[:20]:
        analytics.network(store, f"Entity:{warm}", depth=2)
    results["entity_by_id (baseline)"] = percentiles([timed(store.read, "entity_by_id", {"id": e}) for e in everything])
    for group, ids in samples.items():
        results[f"network depth 2 ({group})"] = percentiles(
            [timed(analytics.network, store, f"Entity:{e}", depth=2) for e in ids]
        )
        results[f"exposure 4 hops ({group})"] = percentiles([timed(analytics.exposure, store, e) for e in ids])
    return results


def cluster_quality(store: GraphStore, home: Path, truth: list[dict[str, Any]]) -> dict[str, Any]:
    started = time.monotonic()
    clusters = networks.infrastructure_clusters(store)
    seconds = time.monotonic() - started
    con = staging.connect(home / "staging.duckdb", read_only=True)
    try:
        entity_of = dict(con.execute("SELECT record_id, entity_id FROM sg_record_entities").fetchall())
    finally:
        con.close()
    network_of: dict[str, str] = {}
    for t in truth:
        rid = f"customer_accounts:{t.get('account_id')}"
        if t.get("kind") == "account" and t.get("network_id") and rid in entity_of:
            network_of[entity_of[rid]] = t["network_id"]
    cluster_of = {e: i for i, c in enumerate(clusters) for e in c.entities}
    members: dict[str, list[str]] = {}
    for entity, network in network_of.items():
        members.setdefault(network, []).append(entity)
    true_pairs = sum(len(m) * (len(m) - 1) // 2 for m in members.values())
    found_pairs = sum(
        1
        for m in members.values()
        for i, a in enumerate(m)
        for b in m[i + 1 :]
        if a in cluster_of and cluster_of.get(a) == cluster_of.get(b)
    )
    touching = {cluster_of[e] for e in network_of if e in cluster_of}
    predicted_pairs = sum(len(clusters[i].entities) * (len(clusters[i].entities) - 1) // 2 for i in touching)
    return {
        "seconds": round(seconds, 1),
        "clusters": len(clusters),
        "planted_networks": len(members),
        "planted_accounts": len(network_of),
        "pair_recall": round(found_pairs / true_pairs, 4) if true_pairs else None,
        "pair_precision": round(found_pairs / predicted_pairs, 4) if predicted_pairs else None,
        "networks_recovered": sum(
            1
            for m in members.values()
            if max(
                (sum(1 for e in m if cluster_of.get(e) == c) for c in {cluster_of.get(e) for e in m} if c is not None),
                default=0,
            )
            >= 0.8 * len(m)
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sanctiongraph-bench"))
    parser.add_argument("--resolution", choices=["identity", "full"], default="identity")
    parser.add_argument("--heap", default="4g")
    parser.add_argument("--pagecache", default="6g")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--writers", type=int, default=None, help="concurrent load transactions (loader default)")
    args = parser.parse_args()
    work = args.workdir / str(args.size)
    work.mkdir(parents=True, exist_ok=True)
    home = prepare_staging(args.size, args.seed, work)
    step(f"resolution: {args.resolution}")
    if args.resolution == "identity":
        identity_resolution(home)
    else:
        subprocess.run([*SANCTIONGRAPH, "resolve", "--workspace", str(home)], check=True)
    settings = start_neo4j(work, args.heap, args.pagecache)
    report: dict[str, Any] = {
        "size": args.size,
        "resolution": args.resolution,
        "heap": args.heap,
        "pagecache": args.pagecache,
        "writers": args.writers if args.writers is not None else load_writer.WRITERS,
        "fresh_batch_size": load_writer.FRESH_BATCH_SIZE,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        with GraphStore(settings, timeout=600) as store:
            step("baseline: raw Bolt CREATE of 500k small nodes")
            report["baseline_items_per_s"] = round(baseline_writes(store, 500_000))
            step("load")
            neo4j_cpu, loader_cpu = server_cpu_seconds(settings), time.process_time()
            summary = run_load(store, home / "staging.duckdb", writers=args.writers)
            neo4j_cpu, loader_cpu = server_cpu_seconds(settings) - neo4j_cpu, time.process_time() - loader_cpu
            nodes, rels = graph_counts(store)
            rate = (nodes + rels) / summary.seconds
            report["load_average_after_load"] = [round(x, 2) for x in os.getloadavg()]
            report["load"] = {
                "seconds": round(summary.seconds, 1),
                "nodes": nodes,
                "relationships": rels,
                "items_per_s": round(rate),
                "ratio_to_baseline": round(rate / report["baseline_items_per_s"], 3),
                "entities": summary.entities,
                "infra_links": summary.infra_links,
                # CPU per item, less sensitive than wall time to what else shares the 2 cores.
                "neo4j_cpu_us_per_item": round(1e6 * neo4j_cpu / (nodes + rels), 1),
                "loader_cpu_us_per_item": round(1e6 * loader_cpu / (nodes + rels), 1),
            }
            step(f"loaded {nodes:,} nodes + {rels:,} relationships in {summary.seconds:.1f} s ({rate:,.0f}/s)")
            truth = [json.loads(line) for line in (work / "customers" / "customers_truth.jsonl").open()]
            step("query latency")
            report["latency"] = latency(store, sample_entities(home, truth, args.samples, args.seed))
            step("shared-infrastructure clusters")
            report["clusters"] = cluster_quality(store, home, truth)
    finally:
        server.stop(settings)
    out = ROOT / "bench" / "results" / f"graph-{args.size}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    for name, figures in report["latency"].items():
        p50, p95, p99 = figures["p50_ms"], figures["p95_ms"], figures["p99_ms"]
        print(f"{name:36s} p50 {p50:8.2f} ms  p95 {p95:8.2f} ms  p99 {p99:8.2f} ms")
    print(f"wrote {out}; median of medians {statistics.median(f['p50_ms'] for f in report['latency'].values()):.2f} ms")


if __name__ == "__main__":
    main()
