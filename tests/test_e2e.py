"""The whole flow through the CLI, as a user runs it, against the session's real Neo4j.

`sanctiongraph demo` ingests the bundled OFAC and UN samples, resolves, loads and
serves; the GraphQL contract query from the README is then asked over HTTP.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph.connection import bolt_uri, neo4j_auth
from sanctiongraph.settings import Settings
from tests.conftest import free_port, stop_server, wipe

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

CONTRACT_QUERY = """
{ search(query: "Korea Kwangson Banking", first: 5) {
    edges { node { id name schema
      records(first: 20) { edges { node { source sourceKey } } } } } } }
"""


def cli_env(settings: Settings, home: Path) -> dict[str, str]:
    """Point the CLI at the session's Neo4j (so nothing else is started) and at ``home``."""
    user, password = neo4j_auth(settings)
    env = dict(os.environ)
    env.update(NEO4J_URI=bolt_uri(settings), NEO4J_USER=user, NEO4J_PASSWORD=password, SANCTIONGRAPH_HOME=str(home))
    return env


def wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise AssertionError(f"server exited with {process.returncode}: {output}")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout} s")


@dataclass(frozen=True)
class Demo:
    url: str
    key: str

    def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        return httpx.post(
            self.url + "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.key}"},
            timeout=30,
        )


@pytest.fixture(scope="module")
def demo_server(neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    tmp_path = tmp_path_factory.mktemp("e2e")
    from graph.store import GraphStore

    with GraphStore(neo4j_settings) as store:
        wipe(store)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sanctiongraph", "demo", "--port", str(port)],
        env=cli_env(neo4j_settings, tmp_path / "demo"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(base + "/healthz", process)
        yield Demo(base, (tmp_path / "demo" / "dev-api-key").read_text().strip())
    finally:
        stop_server(process)


def record_keys(entity: dict[str, Any]) -> set[tuple[str, str]]:
    return {(edge["node"]["source"], edge["node"]["sourceKey"]) for edge in entity["records"]["edges"]}


def test_demo_serves_the_kwangson_merge_over_http(demo_server: Demo) -> None:
    response = demo_server.post(CONTRACT_QUERY)
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    entities = [edge["node"] for edge in body["data"]["search"]["edges"]]
    merged = [
        e
        for e in entities
        if any("ofac" in source and key == "11581" for source, key in record_keys(e))
        and any(key == "KPe.025" for _, key in record_keys(e))
    ]
    assert len(merged) == 1, entities
    assert merged[0]["name"].upper().startswith("KOREA KWANGSON BANKING")


def test_graphiql_is_offered_to_browsers(demo_server: Demo) -> None:
    response = httpx.get(demo_server.url + "/graphql", headers={"accept": "text/html"}, timeout=10)
    assert response.status_code == 200 and "graphiql" in response.text.lower()


def test_requests_without_a_key_get_nothing(demo_server: Demo) -> None:
    response = httpx.post(demo_server.url + "/graphql", json={"query": CONTRACT_QUERY}, timeout=30)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_entity_by_id_round_trips(demo_server: Demo) -> None:
    search = demo_server.post(CONTRACT_QUERY).json()
    entity_id = search["data"]["search"]["edges"][0]["node"]["id"]
    query = "query($id: ID!) { entity(id: $id) { id name listed sanctions { authority program reference } } }"
    body = demo_server.post(query, {"id": entity_id}).json()
    entity = body["data"]["entity"]
    assert entity["id"] == entity_id and entity["listed"]
    assert {"UN Security Council", "US OFAC"} <= {s["authority"] for s in entity["sanctions"]}


def test_the_demo_screens_a_bare_wallet_a_listed_party_holds_with_its_currency(demo_server: Demo) -> None:
    """The demo's third example: OFAC lists the wallet as ``XBT 1DT3…``; screened bare, it finds that party."""
    from sanctiongraph.cli.demo import DEMO_QUERIES

    body = demo_server.post(DEMO_QUERIES[2]).json()
    result = body["data"]["screen"]
    assert result["decision"] == "REVIEW"
    listed = [hit for hit in result["exposure"] if hit["entity"]["listed"]]
    assert listed and listed[0]["kind"] == "Wallet" and "LIFSHITS" in listed[0]["entity"]["name"].upper(), result
