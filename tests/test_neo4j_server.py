"""The managed Neo4j, for real: a JVM on a free loopback port in a temporary workspace.

One server is shared by the module; the tests that stop or kill it come last and
start it again. Nothing here touches a server someone runs on 7687.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import neo4j
import pytest
from neo4j import GraphDatabase

from sanctiongraph import neo4j_server as server
from sanctiongraph.errors import GraphStoreError
from sanctiongraph.settings import Secret, Settings

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _settings(home: Path, port: int | None = None) -> Settings:
    java_home = os.environ.get("SANCTIONGRAPH_JAVA_HOME")
    return Settings(
        home=home,
        bolt_port=port or _free_port(),
        neo4j_heap="512m",
        neo4j_pagecache="128m",
        java_home=Path(java_home) if java_home else None,
    )


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A started managed server, stopped when the module is done."""
    settings = _settings(tmp_path_factory.mktemp("workspace"))
    server.start(settings)
    yield settings
    server.stop(settings)


def _driver(settings: Settings, auth: tuple[str, str] | None = None) -> neo4j.Driver:
    # No retries: a killed server must fail the write at once, not 30 s later.
    return GraphDatabase.driver(
        server.bolt_uri(settings), auth=auth or server.neo4j_auth(settings), max_transaction_retry_time=0
    )


def _count(settings: Settings, label: str) -> int:
    with _driver(settings) as driver:
        records, _, _ = driver.execute_query(f"MATCH (n:{label}) RETURN count(n) AS n")
        return int(records[0]["n"])


def test_pom_pins_the_same_version() -> None:
    pom = (server.SERVER_DIR / "pom.xml").read_text()
    assert re.search(r"<neo4j.version>(.+?)</neo4j.version>", pom)[1] == server.NEO4J_VERSION  # type: ignore[index]


def test_start_answers_bolt_with_the_minted_password(settings: Settings) -> None:
    password_file = settings.neo4j_home / "password"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert server.neo4j_auth(settings) == ("neo4j", password_file.read_text().strip())
    with _driver(settings) as driver:
        records, _, _ = driver.execute_query("CREATE (n:Probe {name: $name}) RETURN n.name AS name", name="round")
        assert records[0]["name"] == "round"


def test_wrong_password_is_refused(settings: Settings) -> None:
    with _driver(settings, auth=("neo4j", "not-the-password")) as driver, pytest.raises(neo4j.exceptions.AuthError):
        driver.verify_connectivity()
    wrong = replace(settings, neo4j_password=Secret("not-the-password"))
    with pytest.raises(GraphStoreError, match="refused the password"):
        server.wait_for_bolt(wrong, timeout=5)


def test_status_reports_the_running_server(settings: Settings) -> None:
    found = server.status(settings)
    assert found.running and found.managed
    assert found.version == server.NEO4J_VERSION
    assert found.bolt_uri == f"bolt://127.0.0.1:{settings.bolt_port}"
    assert found.pid == int((settings.neo4j_home / "neo4j.pid").read_text())


def test_start_again_is_idempotent(settings: Settings) -> None:
    before = server.status(settings)
    assert server.start(settings).pid == before.pid


def test_fulltext_index_and_shortest_path_work(settings: Settings) -> None:
    with _driver(settings) as driver:
        driver.execute_query("UNWIND range(1, 5) AS i CREATE (:Hop {i: i, name: 'Hop ' + i})")
        driver.execute_query("MATCH (a:Hop), (b:Hop) WHERE b.i = a.i + 1 CREATE (a)-[:NEXT]->(b)")
        driver.execute_query("CREATE FULLTEXT INDEX hopNames IF NOT EXISTS FOR (n:Hop) ON EACH [n.name]")
        driver.execute_query("CALL db.awaitIndexes(60)")
        hits, _, _ = driver.execute_query(
            "CALL db.index.fulltext.queryNodes('hopNames', 'hop') YIELD node RETURN count(node) AS n"
        )
        path, _, _ = driver.execute_query(
            "MATCH p = SHORTEST 1 (:Hop {i: 1})-[:NEXT]-+(:Hop {i: 5}) RETURN length(p) AS hops"
        )
    assert hits[0]["n"] == 5
    assert path[0]["hops"] == 4


def test_stale_pid_file_is_ignored(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    settings.neo4j_home.mkdir(parents=True)
    pid_file = settings.neo4j_home / "neo4j.pid"
    pid_file.write_text(f"{os.getpid()}\n")  # alive, but pytest is not our launcher
    assert not server.status(settings).running
    assert not pid_file.exists()
    server.stop(settings)  # and stopping nothing is fine


def test_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(GraphStoreError, match=f"port {port} .* taken"):
            server.start(_settings(tmp_path, port))


def test_a_wrong_java_home_is_named(tmp_path: Path) -> None:
    settings = replace(_settings(tmp_path), java_home=tmp_path / "no-jdk")
    with pytest.raises(GraphStoreError, match="no-jdk is not a JDK >= 21"):
        server.start(settings)


def test_external_uri_starts_nothing(settings: Settings, tmp_path: Path) -> None:
    external = replace(
        _settings(tmp_path / "elsewhere"),
        neo4j_uri=server.bolt_uri(settings),
        neo4j_password=Secret(server.neo4j_auth(settings)[1]),
    )
    found = server.start(external)
    assert found.running and not found.managed and found.pid is None
    assert server.stop(external).running  # stop leaves someone else's server alone
    assert not external.neo4j_home.exists()
    gone = replace(external, neo4j_uri=f"bolt://127.0.0.1:{_free_port()}")
    assert not server.status(gone).running


def test_stop_and_restart_keeps_the_data(settings: Settings) -> None:
    with _driver(settings) as driver:
        driver.execute_query("CREATE (:Durable {at: 'stop'})")
    stopped = server.stop(settings)
    assert not stopped.running and stopped.pid is None
    assert not (settings.neo4j_home / "neo4j.pid").exists()
    assert not server.stop(settings).running  # idempotent
    server.start(settings)
    assert _count(settings, "Durable") == 1


def test_kill_during_writes_keeps_every_committed_transaction(settings: Settings) -> None:
    acknowledged: list[int] = []
    errors: list[Exception] = []

    def write_small_transactions() -> None:
        with _driver(settings) as driver:
            for i in range(100_000):
                try:
                    driver.execute_query("CREATE (:Committed {i: $i})", i=i)
                except Exception as error:  # the kill ends the loop
                    errors.append(error)
                    return
                acknowledged.append(i)

    with _driver(settings) as driver:
        session = driver.session()
        open_tx = session.begin_transaction()  # written but never committed
        open_tx.run("UNWIND range(1, 10000) AS i CREATE (:Uncommitted {i: i})").consume()
        writer = threading.Thread(target=write_small_transactions)
        writer.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 50 and not errors and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(acknowledged) >= 50, errors
        server.kill(settings)
        writer.join(timeout=60)
        for dead in (open_tx, session):
            with contextlib.suppress(Exception):
                dead.close()
    assert errors, "the kill should have cut the writer off"
    assert not server.status(settings).running

    server.start(settings)
    assert _count(settings, "Committed") >= len(acknowledged)  # + at most one not yet acknowledged
    assert _count(settings, "Uncommitted") == 0
