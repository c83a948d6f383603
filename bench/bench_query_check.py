"""How long the API's query check takes for nested fragments, against a simple query.

    .venv/bin/python bench/bench_query_check.py

Runs the same steps as a ``/graphql`` request before execution (parse, validate,
coerce variables, measure depth, cost and applicants, check the limits:
``graph_api.app._prepare``) on ``fragment Fi on Query { ...Fi+1 ...Fi+1 }``
nested 14 to 30 levels, and on a one-field query. The old check expanded every
path: four times more per two levels, 2.35 s at 18 levels. Issue 24 asks that
depth 24 is answered ``LIMIT_EXCEEDED`` in under 50 ms; the ratio to the simple
query is the figure to compare across machines. No Neo4j is needed.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph_api.app import _parse_and_validate, _prepare  # noqa: E402
from graph_api.auth import Principal, Role  # noqa: E402
from sanctiongraph.errors import ApiError  # noqa: E402
from sanctiongraph.settings import Settings  # noqa: E402

ROUNDS = 30


def nested_fragments(levels: int) -> str:
    parts = ["query { ...F0 }"]
    parts += [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    parts.append(f"fragment F{levels} on Query {{ __typename }}")
    return "\n".join(parts)


def timed(state: SimpleNamespace, query: str) -> tuple[float, str]:
    """Median milliseconds of the check over ``ROUNDS`` runs, without the parse cache, and its outcome."""
    principal = Principal("bench", Role.SCREENING)
    times, outcome = [], "OK"
    for _ in range(ROUNDS):
        _parse_and_validate.cache_clear()  # every request a new text, as an attacker would send
        started = time.perf_counter()
        try:
            _prepare(state, principal, {"query": query})  # type: ignore[arg-type]
            outcome = "OK"
        except ApiError as error:
            outcome = error.code
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), outcome


def main() -> None:
    state = SimpleNamespace(settings=Settings())
    simple_ms, simple = timed(state, "{ __typename }")
    print(f"simple query {{ __typename }}: {simple_ms:.2f} ms ({simple})")
    for levels in (14, 18, 24, 30):
        query = nested_fragments(levels)
        ms, outcome = timed(state, query)
        print(
            f"nested fragments, depth {levels} ({len(query)} bytes): {ms:.2f} ms ({outcome}),"
            f" {ms / simple_ms:.1f}x the simple query"
        )


if __name__ == "__main__":
    main()
