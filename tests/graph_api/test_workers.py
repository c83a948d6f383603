"""``serve --workers 2`` over real HTTP: two API processes on one port and one workspace.

Each request reaches whichever process accepts its connection, so a client
polling a job, or spending its rate limit, must see one service, not two.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from graph.loader import run_load
from graph.store import GraphStore
from graph_api.audit import AUDIT_DIR, AUDIT_FILE, verify_chain
from graph_api.auth import Role, create_key
from sanctiongraph.settings import Settings
from tests.conftest import free_port, stop_server, wipe
from tests.test_e2e import cli_env, wait_for_http

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

FIXTURES = Path(__file__).parent.parent / "graph" / "fixtures"
RATE, BURST = 1, 40  # per principal, for the whole service


@dataclass(frozen=True)
class Service:
    url: str
    home: Path
    keys: dict[str, str]
    process: subprocess.Popen[bytes]

    def post(self, query: str, variables: dict[str, Any] | None = None, role: str = "admin") -> httpx.Response:
        # A new connection each time, as many clients make: the kernel picks the process.
        with httpx.Client(timeout=30) as client:
            return client.post(
                self.url + "/graphql",
                json={"query": query, "variables": variables or {}},
                headers={"Authorization": f"Bearer {self.keys[role]}"},
            )


@pytest.fixture(scope="module")
def service(
    neo4j_settings: Settings, resolved_workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    home = tmp_path_factory.mktemp("workers")
    shutil.copy(resolved_workspace / "staging.duckdb", home / "staging.duckdb")
    with GraphStore(neo4j_settings) as store:
        wipe(store)
        run_load(store, home / "staging.duckdb")
    keys = {role.name.lower(): create_key(home, f"test-{role.name.lower()}", role) for role in Role}
    env = cli_env(neo4j_settings, home) | {
        "SANCTIONGRAPH_RATE_LIMIT": str(RATE),
        "SANCTIONGRAPH_RATE_BURST": str(BURST),
    }
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sanctiongraph", "serve", "--port", str(port), "--workers", "2", "--no-dev-key"],
        env=env,
        stdout=(home / "serve.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/readyz", process)
        yield Service(url, home, keys, process)
    finally:
        stop_server(process)


def _workers(service: Service) -> list[psutil.Process]:
    children = psutil.Process(service.process.pid).children()
    return [c for c in children if "resource_tracker" not in " ".join(c.cmdline())]


def test_two_processes_serve_one_port(service: Service) -> None:
    assert len(_workers(service)) == 2
    for _ in range(10):
        response = service.post(
            '{ screen(input: {name: "Korea Kwangson Banking Corp"}) { decision } }', role="screening"
        )
        assert response.status_code == 200 and "errors" not in response.json(), response.text


def test_a_job_started_on_one_process_is_followed_on_every_one(service: Service) -> None:
    inbox = service.home / "inbox"
    shutil.copy(FIXTURES / "ownership.csv", inbox / "owners.csv")
    shutil.copy(FIXTURES / "ownership.yaml", inbox / "owners.yaml")
    start = (
        'mutation { startIngest(input: {path: "owners.csv", format: "mapping", mapping: "owners.yaml", '
        'source: "worker_owners"}) { id status } }'
    )
    job = service.post(start, role="admin").json()["data"]["startIngest"]
    states = []
    for _ in range(150):
        body = service.post(
            "query($id: ID!) { ingestJob(id: $id) { status rowsRead records error } }", {"id": job["id"]}, "analyst"
        ).json()
        assert "errors" not in body, body
        states.append(body["data"]["ingestJob"])  # never null: whichever process answers knows the job
        if states[-1]["status"] in ("done", "failed"):
            break
        time.sleep(0.25)
    assert states[-1] == {"status": "done", "rowsRead": 7, "records": 12, "error": None}


def test_the_rate_limit_holds_for_the_service_not_per_process(service: Service) -> None:
    def one(_: int) -> str:
        response = service.post('{ screen(input: {name: "Nobody In Particular"}) { decision } }', role="investigator")
        errors = response.json().get("errors") or [{}]
        return str(errors[0].get("extensions", {}).get("code", "OK"))

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:  # in flight together, so both processes take connections
        codes = list(pool.map(one, range(3 * BURST)))
    allowed = codes.count("OK")
    elapsed = time.monotonic() - started
    assert set(codes) <= {"OK", "RATE_LIMITED"}
    # Two processes with the whole budget each would let up to 2 x BURST through.
    assert BURST // 2 <= allowed <= BURST + RATE * elapsed + 2, (allowed, elapsed)


def test_both_processes_write_one_verifiable_audit_chain(service: Service) -> None:
    for _ in range(10):
        service.post("{ sources { name } }", role="admin")
    log = service.home / AUDIT_DIR / AUDIT_FILE
    assert len(log.read_text(encoding="utf-8").splitlines()) >= 10
    assert verify_chain(log)
