"""GraphQL fuzzing of the whole schema against the real API served on loopback.

schemathesis reads the committed SDL (graph_api/schema.graphql, which
tests/graph_api checks equals the served schema) and generates queries and
mutations for every root field, with valid and odd argument values. They are
sent, with the admin key, to `sanctiongraph serve` running as its own process
on the UN list sample loaded into the session's Neo4j. Properties:

- no 5xx, except 503 SERVICE_UNAVAILABLE when Neo4j is down;
- every error in a response, whatever its status, has ``extensions.code``;
- no response carries a traceback.

A server pointed at a Neo4j that is not there gets one request per root field:
every answer is then a 4xx, or a 503 with SERVICE_UNAVAILABLE.

Bounded: a fixed number of examples per root field, derandomized (the same
queries every run), no example database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    build_schema,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_non_null_type,
)
from hypothesis import HealthCheck, settings

from graph.loader import run_load
from graph.store import GraphStore
from ingest.run import run_ingest
from resolution.run import run_resolve
from sanctiongraph.settings import Settings
from tests.conftest import Samples, free_port, wipe
from tests.test_e2e import cli_env, wait_for_http

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
SDL = ROOT / "graph_api" / "schema.graphql"
# Per root field (14 of them). SANCTIONGRAPH_FUZZ_EXAMPLES=500 for a deeper run.
EXAMPLES = int(os.environ.get("SANCTIONGRAPH_FUZZ_EXAMPLES", "25"))

schema = schemathesis.graphql.from_path(SDL)


@dataclass(frozen=True)
class Served:
    url: str  # the /graphql endpoint
    headers: dict[str, str]
    log: Path  # the server's output, quoted when a check fails

    def last_error(self) -> str:
        lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        errors = [line for line in lines if '"level": "error"' in line]
        return errors[-1][-3000:] if errors else "(no error in the server log)"


def serve(home: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = (home / "server.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "sanctiongraph", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={
            **env,
            "SANCTIONGRAPH_HOME": str(home),
            "SANCTIONGRAPH_LOG_FORMAT": "json",
            # Fuzzing sends requests as fast as it can: lift the per-key limit, not the point here.
            "SANCTIONGRAPH_RATE_LIMIT": "100000",
            "SANCTIONGRAPH_RATE_BURST": "100000",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    base = f"http://127.0.0.1:{port}"
    wait_for_http(base + "/healthz", process, timeout=120)
    return process, base


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def admin_headers(home: Path) -> dict[str, str]:
    return {"Authorization": f"Bearer {(home / 'dev-api-key').read_text(encoding='utf-8').strip()}"}


@pytest.fixture(scope="module")
def live_api(neo4j_settings: Settings, samples: Samples, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # The UN list alone (877 real entries, with their relations and identifiers): a real graph
    # that loads in seconds; the OFAC sample would multiply the setup time for little more.
    home = tmp_path_factory.mktemp("fuzz")
    run_ingest(home / "staging.duckdb", samples.un_xml, "un-xml")
    run_resolve(home / "staging.duckdb")
    with GraphStore(neo4j_settings) as store:
        wipe(store)
        run_load(store, home / "staging.duckdb")
    process, base = serve(home, cli_env(neo4j_settings, home))
    try:
        yield Served(base + "/graphql", admin_headers(home), home / "server.log")
    finally:
        stop(process)


@pytest.fixture(scope="module")
def api_without_neo4j(neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("fuzz-down")
    env = cli_env(replace(neo4j_settings, home=home), home)
    env["NEO4J_URI"] = f"bolt://127.0.0.1:{free_port()}"  # nothing listens there
    process, base = serve(home, env)
    try:
        yield Served(base + "/graphql", admin_headers(home), home / "server.log")
    finally:
        stop(process)


def check(case: Any, response: Any, served: Served, *, neo4j_down: bool = False) -> None:
    status, text = response.status_code, response.text
    sent = f"request: {case.body}\nstatus {status}: {text[:1500]}\nserver log: "
    assert status < 500 or (status == 503 and neo4j_down), sent + served.last_error()
    assert "Traceback" not in text, sent
    body = response.json()
    errors = body.get("errors") or []
    for error in errors:
        assert (error.get("extensions") or {}).get("code"), f"error without extensions.code: {error}\n{sent}"
    codes = {error["extensions"]["code"] for error in errors}
    if status == 503:
        assert codes == {"SERVICE_UNAVAILABLE"}, sent
    if not neo4j_down:
        assert "SERVICE_UNAVAILABLE" not in codes, sent
        assert "INTERNAL" not in codes, sent + served.last_error()


COMMON = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": list(HealthCheck),
}


@schema.parametrize()
@settings(max_examples=EXAMPLES, **COMMON)
def test_fuzz_the_schema(case: Any, live_api: Served) -> None:
    response = case.call(base_url=live_api.url, headers=live_api.headers, timeout=60)
    check(case, response, live_api)


# One small valid request per root field, built from the SDL (required arguments
# filled with plain values, ``__typename`` selected). With Neo4j down each graph
# request waits for the store's retry budget before its 503, so they are sent
# together rather than fuzzed one after another.
def literal(type_: GraphQLInputType) -> str:
    named = get_nullable_type(type_)
    if isinstance(named, GraphQLList):
        return f"[{literal(named.of_type)}]"
    if isinstance(named, GraphQLInputObjectType):
        # Required fields, and a name (screening needs a name or a value to reach the graph).
        fields = [
            f"{name}: {literal(f.type)}"
            for name, f in named.fields.items()
            if is_non_null_type(f.type) or name == "name"
        ]
        return "{" + ", ".join(fields) + "}"
    if isinstance(named, GraphQLEnumType):
        return next(iter(named.values))
    return {"Int": "1", "Float": "0.5", "Boolean": "true"}.get(getattr(named, "name", ""), '"sg-0"')


def one_request_per_root_field() -> dict[str, str]:
    sdl = build_schema(SDL.read_text(encoding="utf-8"))
    queries = {}
    for keyword, root in (("query", sdl.query_type), ("mutation", sdl.mutation_type)):
        for name, field in root.fields.items() if root else []:
            required = [f"{arg}: {literal(a.type)}" for arg, a in field.args.items() if is_non_null_type(a.type)]
            args = f"({', '.join(required)})" if required else ""
            leaf = is_leaf_type(get_named_type(field.type))
            queries[name] = f"{keyword} {{ {name}{args}{'' if leaf else ' { __typename }'} }}"
    return queries


def test_every_root_field_answers_503_or_a_client_error_when_neo4j_is_down(api_without_neo4j: Served) -> None:
    requests = one_request_per_root_field()
    assert {"screen", "network", "recordJudgement"} <= set(requests)

    def post(query: str) -> httpx.Response:
        return httpx.post(api_without_neo4j.url, json={"query": query}, headers=api_without_neo4j.headers, timeout=180)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        responses = dict(zip(requests, pool.map(post, requests.values()), strict=True))
    for field, response in responses.items():
        check(Sent(requests[field]), response, api_without_neo4j, neo4j_down=True)
    # The fields that must read the graph could not have answered.
    unavailable = {f for f, r in responses.items() if r.status_code == 503}
    assert {"entity", "search", "screen", "network", "exposure", "sources"} <= unavailable, {
        f: r.status_code for f, r in responses.items()
    }


@dataclass(frozen=True)
class Sent:
    body: str


def test_a_screen_that_does_not_select_the_decision_is_answered(live_api: Served) -> None:
    """Found by this fuzzing: the decision counter assumed ``decision`` was selected (HTTP 500)."""
    query = '{ screen(input: {name: "Kim Jong Un"}) { exposureScore matches { name } } }'
    response = httpx.post(live_api.url, json={"query": query}, headers=live_api.headers, timeout=30)
    assert response.status_code == 200 and "errors" not in response.json(), response.text


def test_the_fuzzer_reaches_the_data(live_api: Served) -> None:
    """The fuzzed server holds the demo data (so fuzzing is not only against an empty graph)."""
    query = '{ search(query: "Korea Kwangson Banking", first: 1) { edges { node { id listed } } } }'
    body = httpx.post(live_api.url, json={"query": query}, headers=live_api.headers, timeout=30).json()
    assert body["data"]["search"]["edges"][0]["node"]["listed"] is True


def internal_errors(served: Served, queries: list[str]) -> list[str]:
    internal = []
    for query in queries:
        body = httpx.post(served.url, json={"query": query}, headers=served.headers, timeout=30).json()
        if any(e["extensions"]["code"] == "INTERNAL" for e in body.get("errors") or []):
            internal.append(query)
    return internal


def test_explicit_null_for_a_defaulted_argument_is_a_client_error_or_the_default(live_api: Served) -> None:
    queries = [
        '{ network(entityId: "x", depth: null) { truncated } }',
        '{ network(entityId: "x", first: null) { truncated } }',
        '{ network(entityId: "x", minConfidence: null) { truncated } }',
        '{ paths(fromId: "x", toId: "y", maxHops: null) { score } }',
        '{ exposure(entityId: "x", maxHops: null) { score } }',
        '{ frontCompanies(listedEntityId: "x", first: null) { score } }',
        '{ sharedInfrastructure(value: "Email:x@example.com", first: null) { kind } }',
    ]
    assert not internal_errors(live_api, queries)


def test_a_bad_judgement_is_a_client_error(live_api: Served) -> None:
    queries = [
        'mutation { recordJudgement(input: {recordA: "nope:1", recordB: "nope:2", same: true}) { author } }',
        'mutation { recordJudgement(input: {recordA: "un:KPe.025", recordB: "un:KPe.025", same: true}) { author } }',
    ]
    assert not internal_errors(live_api, queries)
