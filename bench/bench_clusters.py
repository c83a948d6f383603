"""Networks as results: shared-infrastructure clusters on generated customers with chained rings (issue 23).

    .venv/bin/python bench/bench_clusters.py --size 20000 --workdir /tmp/sg-bench-clusters

1. generate N customers with ``--rings`` (chains of 4-12 accounts, one shared value
   per link, half with a member paying from a listed party's wallet; offices,
   households, VPN super-nodes), ingest them with the bundled OFAC and UN lists,
   give each record its own entity (this measures the graph, not Splink);
2. load into a fresh managed Neo4j (clusters are computed at the end of the load);
3. score against the ground truth: exposed-ring members whose ``exposure`` reaches
   their listed party; unexposed rings recovered whole by ``Entity.cluster`` and
   their purity; background accounts with any exposure; ``screen`` with a ring
   member's e-mail and phone (REVIEW or HIT) against strangers' own values;
4. time the cluster computation (read + compute) against the old whole-graph
   ``networks.infrastructure_clusters`` (Neo4j reads) in the same process, and
   the ``clusters`` worklist page (first 50, with each cluster's exposure) against
   ``entity(id)``; the 1M figure is estimated linearly from this size, and says so.

Figures print as JSON and go to bench/results/clusters-<size>.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_graph import SANCTIONGRAPH, identity_resolution, percentiles, start_neo4j, step  # noqa: E402

from graph import analytics, clusters, networks, queries  # noqa: E402
from graph.applicants import Applicant, Decision  # noqa: E402
from graph.loader import run_load  # noqa: E402
from graph.screening import Screener  # noqa: E402
from graph.store import GraphStore  # noqa: E402
from ingest import staging  # noqa: E402
from sanctiongraph import neo4j_server as server  # noqa: E402

BACKGROUND_ROLES = ("office-staff", "household-member", "vpn-user", "family-member", "company-staff")


def prepare(size: int, seed: int, work: Path) -> Path:
    data, home = work / "customers", work / "workspace"
    if not (data / "customers.csv").exists():
        step(f"generating {size:,} customers with rings")
        command = [*SANCTIONGRAPH, "generate", "customers", "--size", str(size), "--seed", str(seed)]
        subprocess.run([*command, "--out", str(data), "--rings"], check=True)
    if not (home / ".ingested").exists():
        step("ingesting customers and the bundled lists")
        for args in (
            [str(data / "customers.csv"), "--format", "mapping", "--mapping", str(ROOT / "mappings/customers.yaml")],
            [str(ROOT / "data/ofac/snapshot_2022-01"), "--format", "ofac-csv"],
            [str(ROOT / "data/un/consolidated.xml"), "--format", "un-xml"],
        ):
            subprocess.run([*SANCTIONGRAPH, "ingest", *args, "--workspace", str(home)], check=True)
        (home / ".ingested").touch()
    identity_resolution(home)
    return home


def entity_map(home: Path) -> dict[str, str]:
    con = staging.connect(home / "staging.duckdb", read_only=True)
    try:
        return dict(con.execute("SELECT record_id, entity_id FROM sg_record_entities").fetchall())
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sanctiongraph-bench-clusters"))
    parser.add_argument("--background", type=int, default=1_000, help="background accounts sampled")
    parser.add_argument("--strangers", type=int, default=500)
    args = parser.parse_args()
    work = args.workdir / str(args.size)
    work.mkdir(parents=True, exist_ok=True)
    home = prepare(args.size, args.seed, work)
    truth = [json.loads(line) for line in (work / "customers" / "customers_truth.jsonl").open()]
    entity_of = entity_map(home)
    rows = {r["account_id"]: r for r in csv.DictReader((work / "customers" / "customers.csv").open())}

    def account(line: dict[str, Any]) -> str:
        return entity_of[f"customer_accounts:{line['account_id']}"]

    rings = {line["ring_id"]: line for line in truth if line["kind"] == "ring"}
    members: dict[str, list[dict[str, Any]]] = {}
    for line in truth:
        if line["kind"] == "account" and line["role"] == "ring-member":
            members.setdefault(line["group_id"], []).append(line)
    report: dict[str, Any] = {"size": args.size, "rings": len(rings), "load_average": list(os.getloadavg())}
    settings = start_neo4j(work, "2g", "2g")
    try:
        with GraphStore(settings, timeout=600) as store:
            step("load")
            summary = run_load(store, home / "staging.duckdb")
            assert summary.clusters is not None
            report["load_seconds"] = round(summary.seconds, 1)
            report["clusters_at_load"] = {
                "clusters": summary.clusters.clusters,
                "members": summary.clusters.members,
                "exposed": summary.clusters.exposed,
                "seconds": {k: round(v, 3) for k, v in summary.clusters.seconds.items()},
            }
            step("quality")
            report["quality"] = quality(store, rings, members, account, entity_of)
            step("background exposure")
            rng = random.Random(args.seed)
            planted = {line["account_id"] for line in truth if line["kind"] == "account"}
            benign = [line for line in truth if line["kind"] == "account" and line["role"] in BACKGROUND_ROLES]
            plain = [{"account_id": a} for a in rows if a not in planted]
            sample = rng.sample(benign, min(len(benign), args.background // 2))
            sample += rng.sample(plain, args.background - len(sample))
            exposed = sum(1 for line in sample if analytics.exposure(store, account(line)).score > 0)
            report["background"] = {"sampled": len(sample), "any_exposure": exposed, "rate": exposed / len(sample)}
            step("screening")
            report["screening"] = screening(store, rings, members, rows, rng, plain, args.strangers)
            step("timings")
            report["timings"] = timings(store, home, args.size)
    finally:
        server.stop(settings)
    out = ROOT / "bench" / "results" / f"clusters-{args.size}.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


def quality(
    store: GraphStore,
    rings: dict[str, dict[str, Any]],
    members: dict[str, list[dict[str, Any]]],
    account: Any,
    entity_of: dict[str, str],
) -> dict[str, Any]:
    reached = exposed_members = whole = pure = unexposed = found_members = ring_members = 0
    for ring, lines in members.items():
        ids = [account(line) for line in lines]
        target = rings[ring]["exposed_to"]
        if target is not None:
            listed = entity_of[f"{target['source']}:{target['source_key']}"]
            for entity in ids:
                exposed_members += 1
                paths = analytics.exposure(store, entity).paths
                reached += bool(paths and paths[0].nodes[-1].entity_id == listed)
            continue
        unexposed += 1
        found = [networks.entity_cluster(store, e) for e in ids]
        by_id: dict[str, int] = {}
        for cluster in found:
            if cluster is not None:
                by_id[cluster.id] = by_id.get(cluster.id, 0) + 1
        best = max(by_id, key=lambda c: by_id[c], default=None)
        count = by_id.get(best, 0) if best else 0
        size = next(c.size for c in found if c is not None and c.id == best) if best else 0
        ring_members += len(ids)
        found_members += count
        whole += count == len(ids)
        pure += bool(size) and count / size >= 0.9
    return {
        "exposed_ring_members": exposed_members,
        "exposure_reaches_listed_party": reached / max(exposed_members, 1),
        "unexposed_rings": unexposed,
        "recovered_whole": whole / max(unexposed, 1),
        "members_found": found_members / max(ring_members, 1),
        "purity_at_least_0_9": pure / max(unexposed, 1),
    }


def screening(
    store: GraphStore,
    rings: dict[str, dict[str, Any]],
    members: dict[str, list[dict[str, Any]]],
    rows: dict[str, dict[str, str]],
    rng: random.Random,
    plain: list[dict[str, Any]],
    strangers: int,
) -> dict[str, Any]:
    screener = Screener.load()

    def flagged(account_id: str) -> bool:
        row = rows[account_id]
        applicant = Applicant.from_dict(
            {"name": "Jordan Example", "email": row["email"], "phone": row["phone"], "country": row["country"]}
        )
        return screener.screen(store, applicant).decision in (Decision.REVIEW, Decision.HIT)

    ring_lines = [line for ring, lines in members.items() if rings[ring]["exposed_to"] for line in lines]
    hits = sum(1 for line in ring_lines if flagged(line["account_id"]))
    others = rng.sample(plain, strangers)
    false = sum(1 for line in others if flagged(line["account_id"]))
    return {
        "exposed_ring_members": len(ring_lines),
        "review_or_hit": hits / max(len(ring_lines), 1),
        "strangers": len(others),
        "strangers_review_or_hit": false / len(others),
    }


def timings(store: GraphStore, home: Path, size: int) -> dict[str, Any]:
    con = staging.connect(home / "staging.duckdb", read_only=True)
    try:
        started = time.perf_counter()
        values, listed = clusters.read_values(con)
        found, _ = clusters.compute(values, listed)
        ours = time.perf_counter() - started
    finally:
        con.close()
    started = time.perf_counter()
    old = networks.infrastructure_clusters(store)
    baseline = time.perf_counter() - started
    page_times, entity_times = [], []
    top = networks.clusters(store, limit=50)
    for _ in range(100):
        started = time.perf_counter()
        for cluster in networks.clusters(store, exposed_only=True, limit=50):
            networks.cluster_exposure(store, cluster)
        page_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        networks.clusters(store, limit=50)
        entity_times.append(time.perf_counter() - started)
    lookups = []
    for cluster in top[:50]:
        started = time.perf_counter()
        queries.get_entity(store, cluster.id.removeprefix("cl-"))
        lookups.append(time.perf_counter() - started)
    return {
        "compute_seconds": round(ours, 3),
        "clusters": len(found),
        "baseline_infrastructure_clusters_seconds": round(baseline, 3),
        "baseline_clusters": len(old),
        "ratio_to_baseline": round(ours / baseline, 3),
        "estimated_1m_seconds_linear": round(ours * 1_000_000 / size, 1),
        "worklist_page_with_exposure": percentiles(page_times),
        "worklist_page_plain": percentiles(entity_times),
        "baseline_entity_by_id": percentiles(lookups),
    }


if __name__ == "__main__":
    main()
