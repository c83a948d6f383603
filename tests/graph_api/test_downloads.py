"""The exports as HTTP downloads: analysts (and admins) only, streamed, audited (real Neo4j, real DuckDB)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from graph.loader import run_load
from graph.store import GraphStore
from graph_api.audit import AUDIT_DIR, AUDIT_FILE
from sanctiongraph.settings import Settings
from tests.conftest import copy_workspace, wipe
from tests.graph_api.test_api import Api, make_api

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def api(neo4j_settings: Settings, resolved_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    home = copy_workspace(resolved_workspace, tmp_path_factory.mktemp("downloads"))
    with GraphStore(neo4j_settings) as store:
        wipe(store)
        run_load(store, home / "staging.duckdb")
    with make_api(neo4j_settings, home) as ready:
        yield ready


def get(api: Api, path: str, role: str | None = "analyst") -> tuple[int, bytes, dict[str, str]]:
    headers = {"Authorization": f"Bearer {api.keys[role]}"} if role else {}
    response = api.client.get(path, headers=headers)
    return response.status_code, response.content, dict(response.headers)


def test_only_analysts_and_admins_download(api: Api) -> None:
    assert get(api, "/export/records.csv", role=None)[0] == 401
    for role in ("screening", "investigator"):
        status, body, _ = get(api, "/export/records.csv", role=role)
        assert status == 403 and b"exports need the analyst role" in body
    assert get(api, "/export/records.csv", role="admin")[0] == 200


def test_downloads_the_record_map_entities_and_clusters(api: Api) -> None:
    status, body, headers = get(api, "/export/records.csv?source=us_ofac_sdn")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert "sanctiongraph-records.csv" in headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert rows and {r["source"] for r in rows} == {"us_ofac_sdn"} and all(r["entity_id"] for r in rows)
    status, body, _ = get(api, "/export/records.parquet")
    assert status == 200 and pq.read_table(io.BytesIO(body)).num_rows > len(rows)
    status, body, _ = get(api, "/export/entities.ftm.json")
    entities = [json.loads(line) for line in body.decode("utf-8").splitlines()]
    assert any("KOREA KWANGSON BANKING CORP" in e["properties"].get("name", []) for e in entities)
    status, body, _ = get(api, "/export/clusters.csv")
    assert (
        status == 200
        and body.decode("utf-8").splitlines()[0] == "cluster_id,entity_id,cluster_size,exposure_score,exposed"
    )
    # Every download is in the audit log, with who asked and what.
    lines = (api.settings.home / AUDIT_DIR / AUDIT_FILE).read_text(encoding="utf-8").splitlines()
    operations = [json.loads(line).get("operation") for line in lines]
    assert {"export records.csv", "export entities.ftm.json", "export clusters.csv"} <= set(operations)


def test_a_bad_download_says_what_to_do(api: Api) -> None:
    status, body, _ = get(api, "/export/records.xlsx")
    assert status == 404 and b"records.parquet" in body
    status, body, _ = get(api, "/export/records.csv?since=20990101T000000-000000")
    assert status == 400 and b"no resolution run" in body
