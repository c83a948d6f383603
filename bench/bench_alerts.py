"""Ongoing screening: alerts for a list update touching ~1% of customers, against a full re-screen (issue 28).

    /work/main/.venv/bin/python bench/bench_alerts.py --size 3000 --workdir /tmp/sg-bench-alerts

1. generate N customers; the *update* is the bundled 2022 OFAC snapshot plus
   new entries of the 2024 SDN file (the entries' own rows, as OFAC added them);
   1% of the customers get accounts holding those entries' digital currency
   addresses, e-mails or names (``ingest.generate.list_update``);
2. ingest the 2022 snapshot and the customers, give each record its own entity
   (this measures screening and the graph, not Splink), load into a fresh managed
   Neo4j (the first load's alerts are the baseline);
3. ingest the update as the next version of the list, load again: the load
   re-screens only the customers the change reaches (``graph.alerts``), timed by
   phase;
4. in the same process, re-screen every customer against the updated lists
   (``alerts.screen_customers`` over all of them): what ongoing screening costs
   without following the change. The ratio is the point; both ran side by side;
5. before that (``--compare N``), N customers spread over the id range screened
   batched (``graph.screen_batch``) and one at a time (``Screener.screen_customer``),
   alternating, after a warm-up pass, two rounds: seconds per customer record both
   ways, same process and graph.

Figures print as JSON and go to bench/results/alerts-<size>.json.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_graph import SANCTIONGRAPH, start_neo4j, step  # noqa: E402

from graph import alerts, screen_batch  # noqa: E402
from graph.alert_reach import Touched, reach  # noqa: E402
from graph.applicants import value_keys  # noqa: E402
from graph.exposure_reach import exposing_values  # noqa: E402
from graph.load.plan import LoadSummary  # noqa: E402
from graph.loader import run_load  # noqa: E402
from graph.name_match import as_screened  # noqa: E402
from graph.screening import Screener  # noqa: E402
from graph.store import GraphStore  # noqa: E402
from ingest import staging  # noqa: E402
from ingest.generate.list_update import list_delta, plant_list_update  # noqa: E402
from ingest.record import Record  # noqa: E402
from ingest.run import run_ingest  # noqa: E402
from resolution import store as resolution_store  # noqa: E402
from resolution.identity import Assignment  # noqa: E402
from sanctiongraph import neo4j_server as server  # noqa: E402

OFAC_2022 = ROOT / "data" / "ofac" / "snapshot_2022-01"
OFAC_2024 = ROOT / "data" / "ofac" / "sdn_2024-05-03"


def stable_identity(path: Path) -> None:
    """Each record its own entity, its ID a hash of the record's: the same in every run, as resolution keeps it."""
    con = staging.open_for_writing(path)
    try:
        ids = sorted(r[0] for r in con.execute("SELECT record_id FROM sg_records").fetchall())
        entity_of = {rid: "sg-" + hashlib.sha256(rid.encode()).hexdigest()[:16] for rid in ids}
        at = datetime.now(UTC).replace(tzinfo=None)
        resolution_store.write_run(con, f"identity-{at.isoformat()}", at, "identity", Assignment(entity_of), [])
    finally:
        con.close()


def update_folder(target: Path, entries: int) -> Path:
    """The 2022 trio plus ``entries`` rows of entries new in 2024 (those with a wallet or e-mail first)."""
    delta = list_delta(OFAC_2022, OFAC_2024)
    chosen: list[str] = []
    for key in [e.source_key for e, _ in delta.new_wallets + delta.new_emails] + [
        e.source_key for e in delta.new_persons
    ]:
        if key not in chosen:
            chosen.append(key)
    old_keys = {line.split(",", 1)[0] for line in (OFAC_2022 / "sdn.csv").read_text(encoding="latin-1").splitlines()}
    picked = [k for k in chosen if k not in old_keys][:entries]
    lines = {
        line.split(",", 1)[0]: line
        for line in (OFAC_2024 / "sdn.csv").read_text(encoding="latin-1").replace("\x1a", "").splitlines()
        if line.strip()
    }
    rows = [lines[k] for k in picked if k in lines]
    target.mkdir(parents=True, exist_ok=True)
    for name in ("add.csv", "alt.csv"):
        shutil.copy(OFAC_2022 / name, target / name)
    base = (OFAC_2022 / "sdn.csv").read_text(encoding="latin-1").rstrip("\n")
    (target / "sdn.csv").write_text(base + "\n" + "\n".join(rows) + "\n", encoding="latin-1")
    return target


class Timeline:
    """A load's progress steps (rows written by kind, customers screened), each with when it was first and last
    reported, in seconds from the load's start: the gaps between them are the steps that report nothing."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.steps: dict[str, list[float]] = {}

    def __call__(self, step: str, count: int) -> None:
        at = round(time.monotonic() - self.started, 1)
        self.steps.setdefault(step, [at, at, 0])[1:] = [at, count]

    def spans(self) -> dict[str, dict[str, float]]:
        return {step: {"from": a, "to": b, "count": n} for step, (a, b, n) in self.steps.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=28)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sanctiongraph-bench-alerts"))
    parser.add_argument(
        "--skip-full", action="store_true", help="no full re-screen (at 20k customers it alone takes minutes)"
    )
    parser.add_argument(
        "--compare", type=int, default=500, help="customers screened batched and one at a time (0: none)"
    )
    parser.add_argument(
        "--exposing-ab",
        action="store_true",
        help="after the first load, screen its customers with and without exposure_reach, alternating",
    )
    parser.add_argument("--profile", type=Path, help="write cProfile stats of the first and update loads here")
    parser.add_argument("--heap", default="2g", help="Neo4j's heap (default 2g)")
    parser.add_argument("--pagecache", default="2g", help="Neo4j's page cache (default 2g; a 1M graph wants more)")
    args = parser.parse_args()
    work = args.workdir / str(args.size)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    data, home = work / "customers", work / "workspace"
    step(f"generating {args.size:,} customers")
    subprocess.run(
        [*SANCTIONGRAPH, "generate", "customers", "--size", str(args.size), "--seed", str(args.seed)]
        + ["--out", str(data)],
        check=True,
        capture_output=True,
    )
    each = max(1, args.size // 100 // 3)
    update = update_folder(work / "ofac-update", entries=400)
    truth = plant_list_update(data / "customers.csv", OFAC_2022, update, each=each)
    path = home / "staging.duckdb"
    step("ingesting the 2022 list and the customers")
    run_ingest(path, OFAC_2022, "ofac-csv", version="2022-01")
    run_ingest(path, data / "customers.csv", "mapping", mapping=ROOT / "mappings" / "customers.yaml")
    stable_identity(path)
    report: dict[str, Any] = {
        "size": args.size,
        "customers": args.size + len(truth),
        "planted": {k: sum(1 for t in truth if t["kind"] == k) for k in sorted({t["kind"] for t in truth})},
        "load_average_start": list(os.getloadavg()),
    }
    settings = start_neo4j(work, args.heap, args.pagecache)
    report["neo4j"] = {"heap": args.heap, "pagecache": args.pagecache}
    try:
        with GraphStore(settings, timeout=600) as store:
            step("first load (the 2022 baseline)")
            timeline = Timeline()
            first = _profiled(args.profile, "first", lambda: run_load(store, path, progress=timeline))
            assert first.alerts is not None
            report["first_load"] = {
                "seconds": round(first.seconds, 1),
                "alerts": _alerts(first.alerts),
                "steps": timeline.spans(),
            }
            if args.exposing_ab:
                step("the first load's customers screened with and without the values that can expose them")
                report["first_load_exposing_ab"] = _exposing_ab(store)
            step("ingesting the update")
            run_ingest(path, update, "ofac-csv", version="2024-update")
            con = staging.connect(path, read_only=True)
            changes = dict(
                con.execute(
                    "SELECT change, count(*) FROM sg_changes WHERE version = '2024-update' GROUP BY change"
                ).fetchall()
            )
            con.close()
            report["list_changes"] = {str(k): int(v) for k, v in changes.items()}
            stable_identity(path)
            step("incremental load with alerts")
            second = _profiled(args.profile, "update", lambda: run_load(store, path))
            assert second.alerts is not None and second.mode == "incremental"
            report["update_load"] = {"seconds": round(second.seconds, 1), "alerts": _alerts(second.alerts)}
            if args.compare:
                step(f"{args.compare} customers screened batched, then one at a time, same process")
                report["batched_vs_alone"] = _batched_vs_alone(store, args.compare)
            if args.skip_full:
                report["load_average_end"] = list(os.getloadavg())
                return _write(report, args.size)
            step("full re-screen of every customer, same process")
            started = time.monotonic()
            screener = Screener.load()
            ids = _customer_ids(store)
            screened = alerts.screen_customers(store, screener, ids, exposing=exposing_values(store))
            full = time.monotonic() - started
            moved = sum(1 for s in screened.values() if s.reasons)
            report["full_rescreen"] = {
                "customers": len(ids),
                "seconds": round(full, 1),
                "per_customer_ms": round(1000 * full / max(1, len(ids)), 1),
                "customers_with_reasons": moved,
            }
            report["ratio_full_over_alerts"] = round(full / max(second.alerts.seconds, 1e-6), 1)
            report["touched_share"] = round(second.alerts.customers / max(1, len(ids)), 4)
            report["load_average_end"] = list(os.getloadavg())
    finally:
        server.stop(settings)
    _write(report, args.size)


def _exposing_ab(store: GraphStore, rounds: int = 2) -> dict[str, Any]:
    """The customers a first load screens, screened with the exposure search for each (``without``) and with
    it skipped for those whose values cannot expose them (``with``, the read of those values included),
    alternating, after a warm-up pass."""
    screener = Screener.load()
    reached = reach(store, Touched(everything=True), index=lambda: screener.name_index(store)).customers
    ids = sorted(reached)
    alerts.screen_customers(store, screener, ids[:2_000])  # warm-up: the page cache, the feature cache
    seconds: dict[str, list[float]] = {"without": [], "with": []}
    for _ in range(rounds):
        for way in ("without", "with"):
            started = time.monotonic()
            exposing = exposing_values(store) if way == "with" else None
            alerts.screen_customers(store, screener, ids, exposing=exposing)
            seconds[way].append(round(time.monotonic() - started, 2))
    exposing = exposing_values(store)
    assert exposing is not None
    rows = store.read("alert_customer_records", {"ids": ids})
    keys = [value_keys(as_screened(Record.from_dict(json.loads(row["data"])))) for row in rows]
    return {
        "customers": len(ids),
        "records_searched_with": sum(exposing.may_expose(k) for k in keys),
        "exposing_values": len(exposing.values),
        "seconds": seconds,
        "ratio_with_over_without": round(min(seconds["with"]) / min(seconds["without"]), 3),
    }


def _customer_ids(store: GraphStore) -> list[str]:
    ids: list[str] = []
    after = ""
    while rows := store.read("customer_ids_page", {"after": after, "limit": 5_000}):
        ids += [r["id"] for r in rows]
        after = ids[-1]
    return ids


def _batched_vs_alone(store: GraphStore, count: int, rounds: int = 2) -> dict[str, Any]:
    """Seconds per customer record, batched (``screen_batch``) and one at a time (``screen_customer``).

    Customers spread over the id range, a different slice each round, each way on the same records with a
    fresh screener (name index built first, not timed; its kept form hits and record cache empty). A first
    untimed pass of each way on other customers warms Neo4j's pages and plans: a cold first batch costs
    seconds, which at a few hundred customers would decide the ratio. Ways alternate within a round.
    """
    ids = _customer_ids(store)
    step_ = max(1, len(ids) // count)
    report: dict[str, Any] = {"records": 0, "rounds": rounds, "load_average_start": list(os.getloadavg())}
    totals = {"batched": 0.0, "alone": 0.0}
    for round_ in range(rounds + 1):
        rows = store.read("alert_customer_records", {"ids": ids[round_ % step_ :: step_][:count]})
        records = [Record.from_dict(json.loads(row["data"])) for row in rows]
        for way in ("batched", "alone") if round_ % 2 else ("alone", "batched"):
            screener = Screener.load()
            screener.name_index(store)
            started = time.monotonic()
            if way == "batched":
                screen_batch.screen_records(screener, store, records)
            else:
                for record in records:
                    screener.screen_customer(store, record)
            if round_:  # round 0 warms up
                totals[way] += time.monotonic() - started
        report["records"] += len(records) if round_ else 0
    for way, seconds in totals.items():
        per_record = 1000 * seconds / max(1, report["records"])
        report[way] = {"seconds": round(seconds, 2), "per_record_ms": round(per_record, 2)}
    report["ratio_alone_over_batched"] = round(totals["alone"] / max(totals["batched"], 1e-6), 2)
    report["load_average_end"] = list(os.getloadavg())
    return report


def _write(report: dict[str, Any], size: int) -> None:
    out = ROOT / "bench" / "results" / f"alerts-{size}{'' if 'full_rescreen' in report else '-nofull'}.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


def _profiled(path: Path | None, name: str, run: Callable[[], LoadSummary]) -> LoadSummary:
    """The load, under cProfile when ``--profile`` asks (stats to <path>/<name>.prof)."""
    if path is None:
        return run()
    path.mkdir(parents=True, exist_ok=True)
    alerts.SCREEN_THREADS = 1  # cProfile sees one thread: screen in it (where the time goes, not how long)
    profiler = cProfile.Profile()
    try:
        return profiler.runcall(run)
    finally:
        profiler.dump_stats(str(path / f"{name}.prof"))


def _alerts(summary: alerts.AlertSummary) -> dict[str, Any]:
    return {
        "seeds": summary.seeds,
        "customers_rescreened": summary.customers,
        "customers_ruled_out": summary.ruled_out,
        "customers_by_values": summary.by_values,
        "raised": summary.raised,
        "closed": summary.closed,
        "seconds": round(summary.seconds, 2),
        "phases": {k: round(v, 2) for k, v in summary.phases.items()},
    }


if __name__ == "__main__":
    main()
