"""Screening of respelled DPRK names, and of unlisted Korean names, on the demo graph.

    .venv/bin/python bench/bench_screening.py                    # held-out half, prints a table
    .venv/bin/python bench/bench_screening.py --split tune       # the half to tune on
    .venv/bin/python bench/bench_screening.py --reload           # re-resolve and reload the graph first

1. A managed Neo4j in --workdir (started when it is not running) holding the demo
   graph: the bundled lists, registries and generated customers, ingested,
   resolved and loaded as ``sanctiongraph demo`` does (once per workdir;
   ``--reload`` resolves and loads again, after a change to the models or keys).
2. The queries of ``bench/dprk_variants.py`` (generated from the workdir's staging
   with the fixed seed): variants of listed DPRK names by kind, and unlisted
   Korean persons, companies and common names.
3. Each query is screened one at a time in this process, as the API does it
   (``Screener.screen`` after the cache warm-up), and timed.

Figures, per variant kind (positives):
- candidates: the right entity is among the candidates retrieval hands to scoring
  (recall of retrieval alone, before any score);
- found: the decision is HIT or REVIEW and the right entity is a listed match at
  REVIEW probability or above;
- HIT: the decision is HIT on the right entity.
Negatives: share with a HIT, and with HIT or REVIEW, as sent (people with their
public birth date) and by name alone.
Latency: p50/p95/max of ``screen`` over every query, one at a time (no HTTP).

Writes bench/results/screening-<split>-<timestamp>.json with every query's outcome.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import dprk_variants  # noqa: E402

from graph.applicants import REVIEW_PROBABILITY, Applicant, Decision  # noqa: E402
from graph.screening import Screener  # noqa: E402
from graph.store import GraphStore  # noqa: E402
from sanctiongraph import neo4j_server as server  # noqa: E402
from sanctiongraph.settings import Secret, Settings  # noqa: E402

RESULTS = ROOT / "bench" / "results"
KIND_ORDER = (
    "exact",
    "case_punct",
    "order",
    "spacing",
    "typo1",
    "typo2",
    "romanisation",
    "legal_form",
    "dropped_prefix",
    "hangul",
)


def settings_for(workdir: Path) -> Settings:
    port_file = workdir / "bench-bolt-port"
    if port_file.exists():
        port = int(port_file.read_text())
    else:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        workdir.mkdir(parents=True, exist_ok=True)
        port_file.write_text(str(port))
    return Settings.from_env({}, home=workdir, bolt_port=port, neo4j_heap="1g", neo4j_pagecache="512m")


def prepare(workdir: Path, reload: bool) -> Settings:
    """Neo4j up, the demo data in it (ingested once; resolved and loaded once, or again on --reload)."""
    from graph.loader import run_load
    from ingest.run import run_ingest
    from resolution.run import run_resolve
    from sanctiongraph.cli.demo import demo_sources

    settings = settings_for(workdir)
    server.start(settings)
    settings = replace(settings, neo4j_password=Secret(server.neo4j_auth(settings)[1]))
    ingested, loaded = workdir / "bench-ingested", workdir / "bench-loaded"
    if not ingested.exists():
        for source in demo_sources(workdir):
            run_ingest(settings.staging_path, source.path, source.format, mapping=source.mapping)
        ingested.touch()
    if reload or not loaded.exists():
        started = time.monotonic()
        resolved = run_resolve(settings.staging_path)
        with GraphStore(settings) as store:
            run_load(store, settings.staging_path)
        print(f"resolved and loaded {resolved.entities:,} entities in {time.monotonic() - started:.0f} s")
        loaded.touch()
    return settings


def candidate_ids(screener: Screener, store: GraphStore, applicant: Applicant) -> set[str]:
    """The entities retrieval hands to scoring for this applicant (no score applied)."""
    found = screener.candidate_entities(store, applicant)
    return set(found)


def answer_entities(store: GraphStore, record_ids: list[str]) -> dict[str, str]:
    rows = store.read_raw(
        "UNWIND $ids AS rid MATCH (r:Record {id: rid})-[:RESOLVES_TO]->(e:Entity) RETURN r.id AS id, e.id AS entity",
        {"ids": record_ids},
    )
    return {row["id"]: row["entity"] for row in rows}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = prepare(args.workdir, args.reload)
    variants = args.workdir / "dprk_variants.jsonl"
    queries = dprk_variants.generate(settings.staging_path)
    with variants.open("w", encoding="utf-8") as handle:
        for query in queries:
            handle.write(json.dumps(asdict(query), ensure_ascii=False) + "\n")
    chosen = [q for q in queries if args.split == "all" or q.split == args.split]
    screener = Screener.load()
    outcomes: list[dict[str, Any]] = []
    with GraphStore(settings) as store:
        started = time.monotonic()
        screener.warm(store)
        warm_seconds = time.monotonic() - started
        entity_of = answer_entities(store, sorted({rid for q in chosen for rid in q.answers}))
        seconds: list[float] = []
        for query in chosen:
            applicant = Applicant(name=query.name, schema=query.schema, birth_date=query.birth_date)
            began = time.perf_counter()
            result = screener.screen(store, applicant)
            seconds.append(time.perf_counter() - began)
            right = {entity_of[r] for r in query.answers if r in entity_of}
            listed = [m for m in result.matches if m.listed and m.probability >= REVIEW_PROBABILITY]
            outcome: dict[str, Any] = {
                "id": query.id,
                "kind": query.kind,
                "group": query.group,
                "name": query.name,
                "base": query.base,
                "decision": str(result.decision),
                "best": [(m.name, round(m.probability, 3)) for m in result.matches[:3]],
            }
            if query.kind == "negative":
                bare = screener.screen(store, Applicant(name=query.name, schema=query.schema))
                outcome["decision_name_only"] = str(bare.decision)
            else:
                outcome["candidate"] = bool(right & candidate_ids(screener, store, applicant))
                outcome["found"] = result.decision is not Decision.CLEAR and any(m.entity_id in right for m in listed)
                outcome["hit"] = result.decision is Decision.HIT and any(
                    m.entity_id in right and m.probability >= 0.9 for m in listed
                )
                outcome["wrong_hit"] = result.decision is Decision.HIT and not outcome["hit"]
            outcomes.append(outcome)
    return summarise(outcomes, seconds, warm_seconds, args)


def summarise(
    outcomes: list[dict[str, Any]], seconds: list[float], warm: float, args: argparse.Namespace
) -> dict[str, Any]:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome["kind"]].append(outcome)
    kinds: dict[str, Any] = {}
    for kind in [*KIND_ORDER, *sorted(set(by_kind) - set(KIND_ORDER))]:
        rows = by_kind.get(kind)
        if not rows or kind == "negative":
            continue
        kinds[kind] = {
            "n": len(rows),
            "candidates": sum(r["candidate"] for r in rows) / len(rows),
            "found": sum(r["found"] for r in rows) / len(rows),
            "found_count": sum(r["found"] for r in rows),
            "hit": sum(r["hit"] for r in rows) / len(rows),
            "wrong_hit": sum(r["wrong_hit"] for r in rows),
        }
    positives = [o for o in outcomes if o["kind"] != "negative"]
    typos = [o for o in positives if o["kind"] in ("typo1", "typo2")]
    negatives = [o for o in outcomes if o["kind"] == "negative"]
    groups: dict[str, Any] = {}
    for group in sorted({o["group"] for o in negatives}) + ["all"]:
        rows = [o for o in negatives if group in ("all", o["group"])]
        groups[group] = {
            "n": len(rows),
            "hit": sum(o["decision"] == "HIT" for o in rows) / len(rows),
            "review_or_hit": sum(o["decision"] != "CLEAR" for o in rows) / len(rows),
            "hit_name_only": sum(o["decision_name_only"] == "HIT" for o in rows) / len(rows),
            "review_or_hit_name_only": sum(o["decision_name_only"] != "CLEAR" for o in rows) / len(rows),
        }
    report = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "split": args.split,
        "positives": {
            "n": len(positives),
            "candidates": sum(o["candidate"] for o in positives) / len(positives),
            "found": sum(o["found"] for o in positives) / len(positives),
            "typo_found": sum(o["found"] for o in typos) / max(1, len(typos)),
            "wrong_hit": sum(o["wrong_hit"] for o in positives),
        },
        "kinds": kinds,
        "negatives": groups,
        "latency_ms": {
            "n": len(seconds),
            "p50": statistics.median(seconds) * 1000,
            "p95": percentile(seconds, 0.95) * 1000,
            "max": max(seconds) * 1000,
            "warm_s": warm,
        },
        "outcomes": outcomes,
    }
    return report


def show(report: dict[str, Any]) -> None:
    print(f"split {report['split']}  ({report['at']})")
    print(f"{'kind':15} {'n':>5} {'candidates':>11} {'found':>7} {'HIT':>6} {'wrong HIT':>10}")
    for kind, row in report["kinds"].items():
        print(
            f"{kind:15} {row['n']:5} {row['candidates']:11.1%} {row['found']:7.1%} "
            f"{row['hit']:6.1%} {row['wrong_hit']:10}"
        )
    p = report["positives"]
    print(
        f"{'all positives':15} {p['n']:5} {p['candidates']:11.1%} {p['found']:7.1%}   typos found {p['typo_found']:.1%}"
    )
    print(f"{'negatives':15} {'n':>5} {'HIT':>7} {'REV/HIT':>8} {'HIT name only':>14} {'REV/HIT name only':>18}")
    for group, row in report["negatives"].items():
        print(
            f"{group:15} {row['n']:5} {row['hit']:7.1%} {row['review_or_hit']:8.1%} "
            f"{row['hit_name_only']:14.1%} {row['review_or_hit_name_only']:18.1%}"
        )
    lat = report["latency_ms"]
    print(
        f"screen one at a time: n {lat['n']}, p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms, "
        f"max {lat['max']:.1f} ms; warm-up {lat['warm_s']:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sg-bench-screening"))
    parser.add_argument("--split", choices=("heldout", "tune", "all"), default="heldout")
    parser.add_argument("--reload", action="store_true", help="resolve and load again (after a model or key change)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--misses", type=int, default=0, help="print this many misses and negatives flagged")
    args = parser.parse_args()
    report = run(args)
    show(report)
    if args.misses:
        missed = [o for o in report["outcomes"] if o["kind"] != "negative" and not o["found"]]
        flagged = [o for o in report["outcomes"] if o["kind"] == "negative" and o["decision"] != "CLEAR"]
        for o in missed[: args.misses]:
            print(
                "MISS", o["kind"], repr(o["base"]), "->", repr(o["name"]), "cand" if o["candidate"] else "-", o["best"]
            )
        for o in flagged[: args.misses]:
            print("FLAG", o["decision"], repr(o["name"]), o["best"])
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M")
    out = args.out or RESULTS / f"screening-{args.split}-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
