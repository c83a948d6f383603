"""What screening by shared values costs, with and without the near-identical address lookup.

    .venv/bin/python bench/bench_screen_values.py            # the demo graph of bench_screening's workdir
    .venv/bin/python bench/bench_screen_values.py --reload   # resolve and load it again first

Applicants are the demo's customer accounts as an onboarding form would send
them: name, country, e-mail, phone, address and, where the account has one, a
wallet. Each is screened one at a time in this process (``Screener.screen``),
twice per round: once as the API does it, once with the near-identical address
lookup switched off (``graph.screening._near_addresses`` returning nothing),
alternating, so both see the same machine. Prints p50/p95 of each and their
ratio; the ratio is the figure to compare (this machine's speed drifts).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_screening import percentile, prepare  # noqa: E402

from graph import screening  # noqa: E402
from graph.applicants import Applicant, Decision  # noqa: E402
from graph.screening import Screener  # noqa: E402
from graph.store import GraphStore  # noqa: E402


def applicants(store: GraphStore, limit: int) -> list[Applicant]:
    rows = store.read_raw(
        "MATCH (r:Record) WHERE r.id STARTS WITH 'customer_accounts:ACC' RETURN r.data AS data ORDER BY r.id LIMIT $n",
        {"n": limit},
    )
    found = []
    for row in rows:
        data: dict[str, Any] = orjson.loads(row["data"])
        infra = {item["kind"]: item["value"] for item in data.get("infra", [])}
        address = (data.get("addresses") or [{}])[0].get("full")
        found.append(
            Applicant(
                name=data["names"][0]["value"] if data.get("names") else None,
                country=(data.get("countries") or [None])[0],
                email=infra.get("email"),
                phone=infra.get("phone"),
                wallet=infra.get("wallet"),
                address=address,
            )
        )
    return found


def no_near_addresses(store: Any, keys: Any) -> list[Any]:
    return []


def side_by_side(
    store: GraphStore, screener: Screener, people: list[Applicant], what: str, switch: Callable[[bool], None]
) -> None:
    """Screen each applicant with ``what`` switched on and off in turn; print p50/p95 of each and the p95 ratio."""
    timings: dict[str, list[float]] = {"with": [], "without": []}
    raised = {"with": 0, "without": 0}
    for applicant in people:
        for mode in ("with", "without"):
            switch(mode == "with")
            started = time.perf_counter()
            result = screener.screen(store, applicant)
            timings[mode].append((time.perf_counter() - started) * 1000)
            raised[mode] += result.decision != Decision.CLEAR
    switch(True)
    for mode, values in timings.items():
        print(
            f"{mode:>8} {what}: {len(values)} screens, p50 {percentile(values, 0.5):.1f} ms,"
            f" p95 {percentile(values, 0.95):.1f} ms, not CLEAR {raised[mode]}"
        )
    ratio = percentile(timings["with"], 0.95) / max(percentile(timings["without"], 0.95), 1e-9)
    print(f"p95 ratio with / without: {ratio:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sg-bench-screening"))
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--applicants", type=int, default=500)
    args = parser.parse_args()
    settings = prepare(args.workdir, args.reload)
    near = screening._near_addresses
    with GraphStore(settings) as store:
        screener = Screener.load()
        screener.cache.warm(store)
        people = applicants(store, args.applicants)
        side_by_side(
            store,
            screener,
            people,
            "near-address lookup",
            lambda on: setattr(screening, "_near_addresses", near if on else no_near_addresses),
        )


if __name__ == "__main__":
    main()
