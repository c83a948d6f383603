"""The loader killed with SIGKILL at a random moment, then run again, leaves the graph a clean load leaves.

Three kinds of load, each from its own starting graph (``START``):

- ``fresh``: an empty graph, the whole workspace written;
- ``incremental``: the graph of an earlier run (UN list of 2024-09-26) with its
  load state, then a run with the 2025 list: only what changed is written;
- ``sweep``: the same earlier graph but its load state gone (another machine, a
  restored backup), so the loader writes everything and sweeps what is stale.

Each trial starts ``sanctiongraph load`` as a user would, kills it at a random
point of its run, runs it again to the end, and compares every node and
relationship, with their properties, to those of an uninterrupted load
(``graph_content``; ``loadId`` and time stamps left out: they name the run).
``bench/bench_loader_kill.py`` runs many trials; this test a few.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
import pytest

from graph.load.state import STATE_FILE
from graph.store import GraphStore
from sanctiongraph import neo4j_server as server
from sanctiongraph.settings import Secret, Settings
from tests.conftest import DATA, free_port, wipe

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

UN_2024 = DATA / "un" / "consolidated_2024-09-26.xml"
UN_2025 = DATA / "un" / "consolidated.xml"
MODES = ("fresh", "incremental", "sweep")
# Properties that name the run that wrote them, not the data: left out of the comparison.
VOLATILE = frozenset({"loadId", "completedAt", "startedAt", "loadedAt", "updatedAt"})


@dataclass(frozen=True)
class Workspaces:
    earlier: Path  # staging of the 2024 list, resolved
    later: Path  # the same with the 2025 list as a new version, resolved again


def make_workspaces(root: Path) -> Workspaces:
    """Two resolved workspaces: the earlier run and the later one the loads under test write."""
    from ingest.run import run_ingest
    from resolution.run import run_resolve

    earlier, later = root / "earlier", root / "later"
    earlier.mkdir(parents=True)
    run_ingest(earlier / "staging.duckdb", UN_2024, "un-xml")
    run_resolve(earlier / "staging.duckdb")
    later.mkdir()
    shutil.copy(earlier / "staging.duckdb", later / "staging.duckdb")
    run_ingest(later / "staging.duckdb", UN_2025, "un-xml")
    run_resolve(later / "staging.duckdb")
    return Workspaces(earlier, later)


def graph_content(store: GraphStore) -> str:
    """A digest of every node and relationship with their properties, the load bookkeeping left out."""
    nodes = store.read_raw("MATCH (n) WHERE NOT n:Load RETURN labels(n) AS labels, properties(n) AS props")
    rels = store.read_raw(
        "MATCH (a)-[r]->(b) WHERE NOT a:Load AND NOT b:Load "
        "RETURN type(r) AS type, properties(r) AS props, labels(a) AS la, coalesce(a.id, a.key) AS a, "
        "labels(b) AS lb, coalesce(b.id, b.key) AS b"
    )
    lines = sorted(_line(row) for row in nodes) + sorted(_line(row) for row in rels)
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line + b"\n")
    return f"{len(nodes)} nodes, {len(rels)} relationships, {digest.hexdigest()[:16]}"


def _line(row: dict[str, Any]) -> bytes:
    props = {k: _plain(v) for k, v in (row.get("props") or {}).items() if k not in VOLATILE}
    return orjson.dumps(
        {**{k: _plain(v) for k, v in row.items() if k != "props"}, "props": props}, option=orjson.OPT_SORT_KEYS
    )


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return sorted((_plain(v) for v in value), key=repr)
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, int | str | bool) or value is None:
        return value
    return str(value)


def _env(settings: Settings, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "SANCTIONGRAPH_"))}
    env.update(
        NEO4J_URI=server.bolt_uri(settings) if settings.neo4j_uri is None else settings.neo4j_uri,
        NEO4J_USER=settings.neo4j_user,
        NEO4J_PASSWORD=str(settings.neo4j_password),
        SANCTIONGRAPH_HOME=str(home),
        SANCTIONGRAPH_LOG_FORMAT="text",
    )
    return env


def load(settings: Settings, home: Path) -> float:
    """``sanctiongraph load`` to the end, as a user runs it; returns its seconds."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "sanctiongraph", "load"],
        env=_env(settings, home),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    return time.monotonic() - started


def start(mode: str, settings: Settings, spaces: Workspaces, home: Path) -> None:
    """Bring the graph and ``home`` (a copy of the later workspace) to the mode's starting point."""
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    with GraphStore(settings) as store:
        wipe(store)
    if mode == "fresh":
        shutil.copy(spaces.later / "staging.duckdb", home / "staging.duckdb")
        return
    shutil.copy(spaces.earlier / "staging.duckdb", home / "staging.duckdb")
    load(settings, home)
    shutil.copy(spaces.later / "staging.duckdb", home / "staging.duckdb")
    if mode == "sweep":
        (home / STATE_FILE).unlink(missing_ok=True)


def clean(mode: str, settings: Settings, spaces: Workspaces, home: Path) -> tuple[str, float]:
    """The content an uninterrupted load of ``mode`` leaves, and how long the load took."""
    start(mode, settings, spaces, home)
    seconds = load(settings, home)
    with GraphStore(settings) as store:
        return graph_content(store), seconds


def killed_then_rerun(mode: str, settings: Settings, spaces: Workspaces, home: Path, after: float) -> tuple[str, bool]:
    """Start ``mode``'s load, SIGKILL it ``after`` seconds in, run it again; the content and whether it died."""
    start(mode, settings, spaces, home)
    process = subprocess.Popen(
        [sys.executable, "-m", "sanctiongraph", "load"],
        env=_env(settings, home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(after)
    killed = process.poll() is None
    if killed:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    load(settings, home)
    with GraphStore(settings) as store:
        return graph_content(store), killed


@pytest.fixture(scope="module")
def own_neo4j(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A Neo4j of this module's own: the loads wipe it over and over."""
    settings = Settings(
        home=tmp_path_factory.mktemp("kill-neo4j"), bolt_port=free_port(), neo4j_heap="1g", neo4j_pagecache="256m"
    )
    server.start(settings)
    yield replace(settings, neo4j_password=Secret(server.neo4j_auth(settings)[1]))
    server.stop(settings)


@pytest.fixture(scope="module")
def spaces(tmp_path_factory: pytest.TempPathFactory) -> Workspaces:
    return make_workspaces(tmp_path_factory.mktemp("kill-spaces"))


@pytest.mark.parametrize("mode", MODES)
def test_a_killed_load_rerun_equals_a_clean_load(
    mode: str, own_neo4j: Settings, spaces: Workspaces, tmp_path: Path
) -> None:
    expected, seconds = clean(mode, own_neo4j, spaces, tmp_path / "home")
    chance = random.Random(24)
    for _ in range(2):
        got, _killed = killed_then_rerun(mode, own_neo4j, spaces, tmp_path / "home", chance.uniform(0.5, seconds))
        assert got == expected
