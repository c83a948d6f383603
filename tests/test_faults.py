"""Faults: Neo4j killed during a load or while serving, a read-only or full workspace.

These tests own a Neo4j of their own (they kill it), in a temporary workspace
on a free port, so the session's server is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from starlette.testclient import TestClient

from graph.loader import run_load
from graph.store import GraphStore
from graph_api.app import create_app
from graph_api.auth import dev_key
from sanctiongraph import neo4j_server as server
from sanctiongraph.settings import Secret, Settings
from tests.conftest import Samples, copy_workspace, free_port, wipe

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


@pytest.fixture(scope="module")
def own_neo4j(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    settings = Settings(
        home=tmp_path_factory.mktemp("fault-neo4j"), bolt_port=free_port(), neo4j_heap="1g", neo4j_pagecache="256m"
    )
    server.start(settings)
    yield replace(settings, neo4j_password=Secret(server.neo4j_auth(settings)[1]))
    server.stop(settings)


def graph_shape(store: GraphStore) -> dict[str, int]:
    """Node counts per label, relationship count, and duplicates of any constrained key."""
    shape = {
        row["label"]: row["n"]
        for row in store.read_raw("MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n")
    }
    shape["relationships"] = store.read_raw("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    duplicates = store.read_raw(
        "MATCH (n:Entity|Record|Sanction) WITH labels(n) AS l, coalesce(n.id, n.key) AS k, count(*) AS c "
        "WHERE c > 1 RETURN count(*) AS d"
    )
    shape["duplicates"] = duplicates[0]["d"]
    shape.pop("Load", None)  # bookkeeping: one per run, whether or not the run was interrupted
    return shape


def test_neo4j_killed_during_a_load_then_the_next_load_completes(
    own_neo4j: Settings, resolved_workspace: Path, tmp_path: Path
) -> None:
    home = copy_workspace(resolved_workspace, tmp_path / "ws")
    settings = replace(own_neo4j, home=own_neo4j.home)
    with GraphStore(settings) as store:
        wipe(store)
        run_load(store, home / "staging.duckdb")
        clean = graph_shape(store)
        wipe(store)
    env = dict(
        os.environ,
        NEO4J_URI=server.bolt_uri(settings),
        NEO4J_USER="neo4j",
        NEO4J_PASSWORD=str(settings.neo4j_password),
        SANCTIONGRAPH_HOME=str(home),
    )
    loading = subprocess.Popen(
        [sys.executable, "-m", "sanctiongraph", "load"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with GraphStore(settings) as store:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            written = store.read_raw("MATCH (e:Entity) RETURN count(e) AS n")[0]["n"]
            if written >= 1000:
                break
            time.sleep(0.2)
    server.kill(settings)
    _, stderr = loading.communicate(timeout=120)
    assert loading.returncode != 0
    assert [line for line in stderr.splitlines() if line.startswith("error:")], stderr
    server.start(settings)
    again = subprocess.run(
        [sys.executable, "-m", "sanctiongraph", "load"], env=env, capture_output=True, text=True, timeout=600
    )
    assert again.returncode == 0, again.stderr
    with GraphStore(settings) as store:
        recovered = graph_shape(store)
    assert recovered == clean
    assert recovered["duplicates"] == 0


def test_api_reports_neo4j_down_and_recovers_by_itself(own_neo4j: Settings, tmp_path: Path) -> None:
    settings = replace(own_neo4j, home=tmp_path / "api")
    key = dev_key(settings.home)
    headers = {"Authorization": f"Bearer {key}"}
    query = {"query": '{ search(query: "Korea", first: 1) { edges { node { id } } } }'}
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 200
        assert client.post("/graphql", json=query, headers=headers).status_code == 200
        server.kill(own_neo4j)
        try:
            ready = client.get("/readyz")
            assert ready.status_code == 503
            response = client.post("/graphql", json=query, headers=headers)
            assert response.status_code == 503
            error = response.json()["errors"][0]
            assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
            assert "Traceback" not in response.text and "neo4j.exceptions" not in response.text
        finally:
            server.start(own_neo4j)
        deadline = time.monotonic() + 60
        while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert client.post("/graphql", json=query, headers=headers).status_code == 200


def _staged(home: Path) -> int:
    with duckdb.connect(str(home / "staging.duckdb"), read_only=True) as con:
        return int(con.execute("SELECT count(*) FROM sg_records").fetchone()[0])  # type: ignore[index]


def _cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    return subprocess.run(
        [sys.executable, "-m", "sanctiongraph", *args, "--workspace", str(home)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions; the full-disk test covers this as root")
def test_read_only_workspace_is_a_clear_error(tmp_path: Path, samples: Samples) -> None:
    home = tmp_path / "ws"
    assert _cli("ingest", str(samples.un_xml_2024), "--format", "un-xml", home=home).returncode == 0
    before = _staged(home)
    home.chmod(0o555)
    (home / "staging.duckdb").chmod(0o444)
    try:
        result = _cli("ingest", str(samples.un_xml), "--format", "un-xml", home=home)
    finally:
        home.chmod(0o755)
        (home / "staging.duckdb").chmod(0o644)
    assert result.returncode != 0
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert _staged(home) == before


def test_full_disk_is_a_clear_error_and_staging_survives(tmp_path: Path, samples: Samples) -> None:
    """A workspace on a 3 MB tmpfs: the second, bigger ingest runs out of space."""
    mount = tmp_path / "small"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.decode().strip()})")
    try:
        home = mount / "ws"
        first = _cli("ingest", str(samples.un_xml_2024), "--format", "un-xml", home=home)
        if first.returncode != 0:
            pytest.skip("3 MB did not hold even the first list here")
        before = _staged(home)
        big = tmp_path / "ofac"
        shutil.copytree(samples.ofac_dir, big)
        result = _cli("ingest", str(big), "--format", "ofac-csv", home=home)
        assert result.returncode != 0
        lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        for name in ("staging.duckdb", "staging.duckdb.wal"):
            if (home / name).exists():  # committed data may still be in the write-ahead log
                shutil.copy(home / name, tmp_path / name.replace("staging", "copy"))
        with duckdb.connect(str(tmp_path / "copy.duckdb"), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM sg_records").fetchone()[0] == before  # type: ignore[index]
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)
