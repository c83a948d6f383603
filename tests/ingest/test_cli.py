"""The CLI contract of ingest: format names, ``ingest`` summary, ``sources --json``, ``generate customers``.

Run as users run it: the installed ``sanctiongraph`` command in a subprocess,
with a temporary workspace.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ingest.formats import FORMATS
from tests.ingest.conftest import DATA, ROOT

FORMAT_NAMES = {
    "ofac-csv",
    "ofac-xml",
    "un-xml",
    "uk-fcdo",
    "ftm",
    "ftm-entities",
    "gleif-lei",
    "gleif-rr",
    "gleif-lei-bic",
    "ch-psc",
    "icij",
    "mapping",
}


def sanctiongraph(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update(SANCTIONGRAPH_HOME=str(home), COLUMNS="200")
    command = [sys.executable, "-m", "sanctiongraph", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)


def test_format_names_are_the_public_contract(tmp_path: Path) -> None:
    assert set(FORMATS) == FORMAT_NAMES
    result = sanctiongraph("ingest", str(DATA / "un" / "consolidated.xml"), "--format", "un-xlsx", home=tmp_path)
    assert result.returncode == 1
    for name in FORMAT_NAMES:
        assert name in result.stderr


def test_ingest_summary_and_sources_json(tmp_path: Path) -> None:
    result = sanctiongraph("ingest", str(DATA / "ofac" / "snapshot_2022-01"), "--format", "ofac-csv", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "35,078 rows read, 9,043 records staged, 2 rows quarantined" in result.stdout
    assert "quarantined 1: duplicate key" in result.stdout
    folder = DATA / "companies_house" / "psc_fixtures"
    assert sanctiongraph("ingest", str(folder), "--format", "ch-psc", "--source", "psc", home=tmp_path).returncode == 0
    listed = sanctiongraph("sources", "--json", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    sources = json.loads(listed.stdout)
    assert [s["name"] for s in sources] == ["psc", "us_ofac_sdn"]
    for source in sources:
        assert {"name", "format", "versions"} <= set(source)
        for version in source["versions"]:
            assert {"version", "rows_read", "records", "quarantined"} <= set(version)
    ofac = next(s for s in sources if s["name"] == "us_ofac_sdn")
    assert ofac["format"] == "ofac-csv"
    assert (ofac["versions"][0]["rows_read"], ofac["versions"][0]["quarantined"]) == (35_078, 2)


def test_mapping_needs_a_mapping_file(tmp_path: Path) -> None:
    result = sanctiongraph("ingest", str(DATA / "un" / "consolidated.xml"), "--format", "mapping", home=tmp_path)
    assert result.returncode == 1
    assert "needs a mapping file" in result.stderr and "Traceback" not in result.stderr


def test_bad_mapping_is_one_clear_line(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("entities:\n  acct: {schema: CustomerAcount, key: id}\n", encoding="utf-8")
    table = tmp_path / "t.csv"
    table.write_text("id\n1\n", encoding="utf-8")
    result = sanctiongraph("ingest", str(table), "--format", "mapping", "--mapping", str(mapping), home=tmp_path)
    assert result.returncode == 1
    error_line = next(line for line in result.stderr.splitlines() if line.startswith("error:"))
    assert "m.yaml" in error_line and "entities.acct.schema" in error_line


def test_generate_customers_then_ingest_with_its_mapping(tmp_path: Path) -> None:
    out = tmp_path / "customers"
    made = sanctiongraph("generate", "customers", "--size", "3000", "--seed", "5", "--out", str(out), home=tmp_path)
    assert made.returncode == 0, made.stderr
    assert (out / "customers.csv").is_file() and (out / "customers_truth.jsonl").is_file()
    result = sanctiongraph(
        "ingest",
        str(out / "customers.csv"),
        "--format",
        "mapping",
        "--mapping",
        "mappings/customers.yaml",
        home=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "customer_accounts" in result.stdout and "3,000 rows read" in result.stdout
    again = sanctiongraph(
        "ingest",
        str(out / "customers.csv"),
        "--format",
        "mapping",
        "--mapping",
        "mappings/customers.yaml",
        home=tmp_path,
    )
    assert "nothing changed" in again.stdout


def test_ingest_workers_flag(tmp_path: Path) -> None:
    """``--workers N``: a table of several chunks (20,000 rows each) is built by N worker processes."""
    out = tmp_path / "customers"
    made = sanctiongraph("generate", "customers", "--size", "45000", "--seed", "6", "--out", str(out), home=tmp_path)
    assert made.returncode == 0, made.stderr
    table, mapping = str(out / "customers.csv"), "mappings/customers.yaml"
    result = sanctiongraph("ingest", table, "-f", "mapping", "-m", mapping, "--workers", "2", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "45,000 rows read" in result.stdout and "0 rows quarantined" in result.stdout
    refused = sanctiongraph("ingest", table, "-f", "mapping", "-m", mapping, "--workers", "0", home=tmp_path / "b")
    assert refused.returncode == 2 and "--workers" in refused.stderr


def test_quarantine_lists_each_row_an_ingest_did_not_stage(tmp_path: Path) -> None:
    """``sanctiongraph quarantine``: file, row, field, reason and text of each quarantined row (the counts of
    ``ingest`` and ``sources``, one row at a time)."""
    empty = sanctiongraph("quarantine", "--json", home=tmp_path)
    assert empty.returncode == 0 and empty.stdout == "", empty.stderr
    folder = DATA / "ofac" / "snapshot_2022-01"
    assert sanctiongraph("ingest", str(folder), "--format", "ofac-csv", home=tmp_path).returncode == 0
    listed = sanctiongraph("quarantine", "--source", "us_ofac_sdn", "--json", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    lines = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(lines) == 2  # as `ingest` and `sources` count them
    for line in lines:
        assert set(line) == {"source", "version", "file", "row", "field", "reason", "raw", "rows"}
        assert line["source"] == "us_ofac_sdn" and line["version"] == lines[0]["version"]
        assert (folder / line["file"]).is_file() or Path(line["file"]).is_file(), line["file"]
        assert line["row"] > 0 and line["reason"]
    assert any("duplicate key" in line["reason"] for line in lines)
    text = sanctiongraph("quarantine", "--first", "1", home=tmp_path)
    assert text.returncode == 0 and len(text.stdout.splitlines()) == 2, text.stdout
    assert "--first 0" in text.stdout.splitlines()[-1]
    assert sanctiongraph("quarantine", "--source", "nobody", "--json", home=tmp_path).stdout == ""


def test_changes_lists_what_a_new_version_added_and_delisted(tmp_path: Path) -> None:
    """``sanctiongraph changes``: each record a version of a list added, changed or removed, with its name."""
    for path in (DATA / "un" / "consolidated_2024-09-26.xml", DATA / "un" / "consolidated.xml"):
        assert sanctiongraph("ingest", str(path), "--format", "un-xml", home=tmp_path).returncode == 0
    removed = sanctiongraph(
        "changes", "un_sc_sanctions", "--version", "2025-04-19", "--kind", "removed", "--json", home=tmp_path
    )
    assert removed.returncode == 0, removed.stderr
    lines = [json.loads(line) for line in removed.stdout.splitlines()]
    assert len(lines) == 2 and all(line["change"] == "removed" and line["caption"] for line in lines), lines
    assert {"source", "version", "recordId", "change", "caption"} == set(lines[0])
    every = sanctiongraph("changes", "un_sc_sanctions", "--first", "0", "--json", home=tmp_path)
    kinds = [json.loads(line)["change"] for line in every.stdout.splitlines()]
    assert kinds.count("added") > 800 and kinds.count("removed") == 2  # the first version added every entry
    refused = sanctiongraph("changes", "un_sc_sanctions", "--kind", "delisted", home=tmp_path)
    assert refused.returncode != 0 and "added" in refused.stderr
