"""What resolution decided, exported: FtM entities that load back into the same entities, and the
record → entity map that joins back onto a customer table (real lists, real DuckDB files)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from graph.export import export_entities, export_records
from ingest.run import run_ingest
from ingest.values import clean_text
from resolution.run import run_resolve
from sanctiongraph.errors import ExportError
from tests.conftest import ROOT, copy_workspace

pytestmark = pytest.mark.slow


def compact(number: str) -> str:
    """An identifier as its letters and digits (the adapters clean numbers their own way)."""
    return re.sub(r"[^0-9A-Z]", "", number.upper())


def entity_map(staging_path: Path) -> dict[str, str]:
    con = duckdb.connect(str(staging_path), read_only=True)
    try:
        return dict(con.execute("SELECT record_id, entity_id FROM sg_record_entities").fetchall())
    finally:
        con.close()


def records(staging_path: Path) -> dict[str, dict[str, Any]]:
    con = duckdb.connect(str(staging_path), read_only=True)
    try:
        rows = con.execute("SELECT record_id, data FROM sg_records WHERE removed_in IS NULL").fetchall()
    finally:
        con.close()
    return {rid: json.loads(data) for rid, data in rows}


@pytest.fixture(scope="module")
def exported(resolved_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    home = copy_workspace(resolved_workspace, tmp_path_factory.mktemp("export"))
    out = home / "entities.ftm.json"
    written = export_entities(home / "staging.duckdb", out)
    assert written.rows > 0
    return home / "staging.duckdb", out


def test_ftm_export_loads_back_into_the_same_entities(exported: tuple[Path, Path], tmp_path: Path) -> None:
    staging_a, ftm = exported
    entity_of = entity_map(staging_a)
    members: dict[str, set[str]] = defaultdict(set)
    for record_id, entity_id in entity_of.items():
        members[entity_id].add(record_id)
    current = records(staging_a)
    staging_b = tmp_path / "staging.duckdb"
    run_ingest(staging_b, ftm, "ftm-entities")
    run_resolve(staging_b)
    entity_of_b = entity_map(staging_b)
    # One record per exported entity, keyed by its entity ID, and no two of them merged.
    exported_ids = {e for r, e in entity_of.items() if r in current}
    assert {r.split(":", 1)[1] for r in entity_of_b} == exported_ids
    assert len(set(entity_of_b.values())) == len(exported_ids)
    back = records(staging_b)
    for record_id, data in back.items():
        entity_id = record_id.split(":", 1)[1]
        mine = [current[r] for r in members[entity_id] if r in current]
        names = {clean_text(n["value"]) for r in mine for n in r["names"]}
        assert {n["value"] for n in data["names"]} == names, entity_id
        assert {(s["authority"], s["reference"]) for s in data["sanctions"]} == {
            (s["authority"], s["reference"]) for r in mine for s in r["sanctions"]
        }, entity_id
        assert {compact(i["value"]) for i in data["identifiers"]} >= {
            compact(i["value"]) for r in mine for i in r["identifiers"] if i["kind"] != "other"
        }, entity_id
        assert set(data["countries"]) == {c for r in mine for c in r["countries"]}, entity_id
    # KKBC: listed by the UN and OFAC under two spellings, one entity with both listings.
    kkbc = next(d for d in back.values() if "KOREA KWANGSON BANKING CORP" in {n["value"] for n in d["names"]})
    assert {s["authority"] for s in kkbc["sanctions"]} >= {"US OFAC", "UN Security Council"}


def test_ftm_export_is_ftm(exported: tuple[Path, Path]) -> None:
    staging_a, ftm = exported
    lines = [json.loads(line) for line in ftm.read_text(encoding="utf-8").splitlines()]
    by_id = {item["id"]: item for item in lines}
    assert len(by_id) == len(lines)  # every id once
    for item in lines:
        assert isinstance(item["schema"], str)
        assert all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in item["properties"].values())
    parties = [i for i in lines if "referents" in i]
    # Each value says which source gave it.
    kkbc = next(i for i in parties if "KKBC" in i["properties"].get("abbreviation", []))
    assert kkbc["sources"]["name"]["KOREA KWANGSON BANKING CORP"] == ["us_ofac_sdn"]
    assert sorted(kkbc["datasets"]) == ["un_sc_sanctions", "us_ofac_sdn"]
    assert "sanction" in kkbc["properties"]["topics"]
    # Sanctions and links point at exported parties.
    sanctions = [i for i in lines if i["schema"] == "Sanction"]
    assert sanctions and all(i["properties"]["entity"][0] in by_id for i in sanctions)
    links = [i for i in lines if i["schema"] in ("UnknownLink", "Ownership", "Directorship", "Family")]
    ends = {"UnknownLink": ("subject", "object"), "Ownership": ("owner", "asset")}
    ends |= {"Directorship": ("director", "organization"), "Family": ("person", "relative")}
    assert links
    for link in links:
        left, right = ends[link["schema"]]
        assert link["properties"][left][0] in by_id and link["properties"][right][0] in by_id
    kkbc_links = [
        i for i in links if kkbc["id"] in i["properties"].get("subject", []) + i["properties"].get("object", [])
    ]
    assert kkbc_links, "KKBC's OFAC 'Linked To' relations are exported"
    # The ftm command line's reader would take the wallets as CryptoWallet with a holder.
    wallets = [i for i in lines if i["schema"] == "CryptoWallet"]
    assert wallets and all(w["properties"]["holder"][0] in by_id and w["properties"]["publicKey"] for w in wallets)


def sanctiongraph(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"SANCTIONGRAPH_HOME": str(home), "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "sanctiongraph", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)


@pytest.fixture(scope="module")
def customers(staged_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lists plus 3,000 generated customers, resolved."""
    home = tmp_path_factory.mktemp("export-customers")
    shutil.copy(staged_workspace / "staging.duckdb", home / "staging.duckdb")
    generated = sanctiongraph("generate", "customers", "--size", "3000", "--seed", "4", "--out", str(home), home=home)
    assert generated.returncode == 0, generated.stderr
    mapping = str(ROOT / "mappings" / "customers.yaml")
    ingested = sanctiongraph("ingest", str(home / "customers.csv"), "-f", "mapping", "--mapping", mapping, home=home)
    assert ingested.returncode == 0, ingested.stderr
    run_resolve(home / "staging.duckdb")
    return home


def test_record_map_joins_back_onto_the_customer_table(customers: Path) -> None:
    out = customers / "records.csv"
    done = sanctiongraph("export", "records", "--format", "csv", str(out), home=customers)
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}" in done.stdout
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["source", "source_key", "entity_id", "match_probability", "run_id", "listed", "record_id"]
    assert len(rows) == len(entity_map(customers / "staging.duckdb"))
    listed = {r["source"] for r in rows if r["listed"] == "true"}
    assert listed == {"us_ofac_sdn", "un_sc_sanctions"}
    # The documented one-liner: every customer row gets its entity, the planted second accounts share it.
    joined = duckdb.sql(
        f"SELECT c.account_id, m.entity_id FROM read_csv('{customers / 'customers.csv'}') c "
        f"JOIN read_csv('{out}') m ON m.source = 'customer_accounts' AND m.source_key = c.account_id"
    ).fetchall()
    entity_of = dict(joined)
    with (customers / "customers.csv").open(encoding="utf-8") as handle:
        assert len(joined) == len(entity_of) == sum(1 for _ in csv.DictReader(handle))
    truth = [json.loads(line) for line in (customers / "customers_truth.jsonl").open(encoding="utf-8")]
    person_of = {t["account_id"]: t["person_id"] for t in truth if t.get("role") == "duplicate-account"}
    pairs: dict[str, set[str]] = defaultdict(set)
    for account, person in person_of.items():
        pairs[person].add(entity_of[account])
    assert pairs and sum(1 for found in pairs.values() if len(found) == 1) / len(pairs) >= 0.8
    merged = [r for r in rows if r["match_probability"]]
    assert merged and all(0.0 < float(r["match_probability"]) <= 1.0 for r in merged)


def test_record_map_as_parquet_for_one_source_and_since_a_run(customers: Path, tmp_path: Path) -> None:
    staging_path = customers / "staging.duckdb"
    every = export_records(staging_path, tmp_path / "all.parquet", "parquet")
    only = export_records(staging_path, tmp_path / "accounts.parquet", "parquet", source="customer_accounts")
    table = pq.read_table(only.path)
    assert only.rows == table.num_rows < every.rows
    assert set(table.column("source").to_pylist()) == {"customer_accounts"}
    con = duckdb.connect(str(staging_path), read_only=True)
    first_run = con.execute("SELECT run_id FROM sg_runs ORDER BY started_at DESC LIMIT 1").fetchone()
    con.close()
    assert first_run is not None
    # Nothing changed since the last run: nothing to export; then one list entry changes.
    assert export_records(staging_path, tmp_path / "none.csv", since=first_run[0]).rows == 0
    work = copy_workspace(customers, tmp_path / "next")
    changed = tmp_path / "un.xml"
    text = (ROOT / "data" / "un" / "consolidated.xml").read_text(encoding="utf-8")
    changed.write_text(text.replace("KOREA KWANGSON BANKING CORPORATION", "KOREA KWANGSON BANKING CORP."), "utf-8")
    run_ingest(work / "staging.duckdb", changed, "un-xml")
    run_resolve(work / "staging.duckdb", incremental=True)
    since = export_records(work / "staging.duckdb", tmp_path / "since.csv", since=first_run[0])
    with since.path.open(encoding="utf-8") as handle:
        keys = {r["record_id"] for r in csv.DictReader(handle)}
    assert "un_sc_sanctions:KPe.025" in keys and len(keys) < every.rows / 100


def test_exports_refuse_an_unknown_run_and_an_unresolved_workspace(customers: Path, tmp_path: Path) -> None:
    refused = sanctiongraph(
        "export", "records", str(tmp_path / "x.csv"), "--since", "20990101T000000-000000", home=customers
    )
    assert refused.returncode == 1 and "no resolution run '20990101T000000-000000'" in refused.stderr
    empty = tmp_path / "empty" / "staging.duckdb"
    run_ingest(empty, ROOT / "data" / "un" / "consolidated.xml", "un-xml")
    with pytest.raises(ExportError, match="nothing is resolved yet"):
        export_records(empty, tmp_path / "y.csv")
    with pytest.raises(ExportError, match="unknown export format 'xlsx'"):
        export_records(customers / "staging.duckdb", tmp_path / "z.xlsx", "xlsx")
