"""Fixture strategy: real services, started once, isolated per test.

- ``samples``: paths of the real list files bundled in ``data/``.
- ``neo4j_settings`` (session): one real Neo4j for the whole run. It is the
  managed server in a temporary workspace on a free port, or, when ``NEO4J_URI``
  is set, that server (the tests then wipe its ``neo4j`` database: point them at a
  throwaway one). It is stopped at the end of the session.
- ``graph_store``: a store on that server whose database is wiped before the test,
  so each test sees only what it wrote.
- ``staged_workspace`` / ``resolved_workspace`` (session): a workspace with the
  bundled OFAC and UN samples ingested (and resolved). Tests copy them rather
  than change them: use ``workspace_copy``.

Neo4j Community has one user database, so isolation is by wiping, and tests that
use the graph do not run in parallel.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from graph.store import GraphStore
from sanctiongraph import neo4j_server as server
from sanctiongraph.settings import Secret, Settings

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


@dataclass(frozen=True)
class Samples:
    ofac_dir: Path = DATA / "ofac" / "snapshot_2022-01"
    un_xml: Path = DATA / "un" / "consolidated.xml"
    un_xml_2024: Path = DATA / "un" / "consolidated_2024-09-26.xml"


@pytest.fixture(scope="session")
def samples() -> Samples:
    return Samples()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def neo4j_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    home = tmp_path_factory.mktemp("neo4j-workspace")
    if os.environ.get("NEO4J_URI"):
        yield Settings.from_env(home=home)
        return
    settings = Settings.from_env(
        {k: v for k, v in os.environ.items() if k.startswith("SANCTIONGRAPH_JAVA")},
        home=home,
        bolt_port=free_port(),
        neo4j_heap="1g",
        neo4j_pagecache="512m",
    )
    server.start(settings)
    # Carry the minted password, so settings copied to another workspace still log in.
    yield replace(settings, neo4j_password=Secret(server.neo4j_auth(settings)[1]))
    server.stop(settings)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop a server the tests started as a user would (Ctrl-C); kill it if it hangs."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def wipe(store: GraphStore) -> None:
    """Delete everything in the test database, in batches (test-only helper)."""
    store.run_schema("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")


@pytest.fixture
def graph_store(neo4j_settings: Settings) -> Iterator[GraphStore]:
    with GraphStore(neo4j_settings) as store:
        wipe(store)
        yield store


@pytest.fixture
def workspace(tmp_path: Path, neo4j_settings: Settings) -> Settings:
    """Settings for a fresh workspace that uses the session's Neo4j."""
    return replace(neo4j_settings, home=tmp_path / "workspace")


@pytest.fixture(scope="session")
def staged_workspace(tmp_path_factory: pytest.TempPathFactory, samples: Samples) -> Path:
    from ingest.run import run_ingest

    home = tmp_path_factory.mktemp("staged")
    run_ingest(home / "staging.duckdb", samples.ofac_dir, "ofac-csv")
    run_ingest(home / "staging.duckdb", samples.un_xml, "un-xml")
    return home


@pytest.fixture(scope="session")
def resolved_workspace(tmp_path_factory: pytest.TempPathFactory, staged_workspace: Path) -> Path:
    from resolution.run import run_resolve

    home = tmp_path_factory.mktemp("resolved")
    shutil.copy(staged_workspace / "staging.duckdb", home / "staging.duckdb")
    run_resolve(home / "staging.duckdb")
    return home


def copy_workspace(source: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "staging.duckdb", target / "staging.duckdb")
    return target
