"""What DPRK indicators cost screening: ``screen`` with and without them, side by side in one process.

    .venv/bin/python bench/bench_screen_indicators.py            # the demo graph of bench_screening's workdir
    .venv/bin/python bench/bench_screen_indicators.py --reload   # resolve and load it again first

Applicants are the demo's customer accounts as an onboarding form sends them
(``bench_screen_values.applicants``), each with an affiliation line added so the
institution matcher runs too. Each is screened twice per round, alternating: once
as the API does it, once with the indicators switched off
(``graph.screening.applicant_indicators`` returning nothing). Prints p50/p95 of
each and their ratio; the ratio is the figure to compare (this machine's speed
drifts), and the target is at most 1.10.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_screen_values import applicants, side_by_side  # noqa: E402
from bench_screening import prepare  # noqa: E402

from graph import screening  # noqa: E402
from graph.screening import Screener  # noqa: E402
from graph.store import GraphStore  # noqa: E402

AFFILIATIONS = ["Department of Physics, Seoul National University, Seoul", "Tsinghua University, Beijing", ""]


def no_indicators(*args: Any, **kwargs: Any) -> list[Any]:
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sg-bench-screening"))
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--applicants", type=int, default=500)
    args = parser.parse_args()
    settings = prepare(args.workdir, args.reload)
    on_ = screening.applicant_indicators
    with GraphStore(settings) as store:
        screener = Screener.load()
        screener.warm(store)
        people = [
            replace(a, affiliations=[AFFILIATIONS[i % 3]] if AFFILIATIONS[i % 3] else [])
            for i, a in enumerate(applicants(store, args.applicants))
        ]
        for applicant in people[:50]:  # warm both paths (caches, the institutions index) before timing
            screener.screen(store, applicant)
        side_by_side(
            store,
            screener,
            people,
            "indicators",
            lambda on: setattr(screening, "applicant_indicators", on_ if on else no_indicators),
        )


if __name__ == "__main__":
    main()
