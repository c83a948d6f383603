"""Bad input at the command line: one readable error line, a non-zero exit, nothing half-written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import Samples, free_port


def sanctiongraph(*args: str, home: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    environment.update(SANCTIONGRAPH_HOME=str(home), COLUMNS="200", **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "sanctiongraph", *args], env=environment, capture_output=True, text=True, timeout=300
    )


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def staged_rows(home: Path) -> int:
    path = home / "staging.duckdb"
    if not path.exists():
        return 0
    with duckdb.connect(str(path), read_only=True) as con:
        return int(con.execute("SELECT count(*) FROM sg_records").fetchone()[0])  # type: ignore[index]


def test_missing_file(tmp_path: Path) -> None:
    result = sanctiongraph("ingest", str(tmp_path / "nope.xml"), "--format", "un-xml", home=tmp_path)
    assert result.returncode != 0
    assert "nope.xml" in error_line(result)


def test_unknown_format(tmp_path: Path, samples: Samples) -> None:
    result = sanctiongraph("ingest", str(samples.un_xml), "--format", "un-xlsx", home=tmp_path)
    assert result.returncode != 0
    assert "un-xlsx" in error_line(result)
    assert "un-xml" in result.stderr  # the hint lists the formats there are


def test_truncated_xml_leaves_staging_as_it_was(tmp_path: Path, samples: Samples) -> None:
    assert sanctiongraph("ingest", str(samples.ofac_dir), "--format", "ofac-csv", home=tmp_path).returncode == 0
    before = staged_rows(tmp_path)
    broken = tmp_path / "consolidated.xml"
    broken.write_bytes(samples.un_xml.read_bytes()[:300_000])
    result = sanctiongraph("ingest", str(broken), "--format", "un-xml", home=tmp_path)
    assert result.returncode != 0
    line = error_line(result)
    assert "consolidated.xml" in line and "malformed XML" in line
    assert staged_rows(tmp_path) == before


def test_malformed_csv_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ofac"
    folder.mkdir()
    (folder / "sdn.csv").write_text("this,is\nnot,an,ofac,file\n" * 30, encoding="utf-8")
    result = sanctiongraph("ingest", str(folder), "--format", "ofac-csv", home=tmp_path)
    assert result.returncode != 0
    assert "sdn.csv" in error_line(result)
    assert staged_rows(tmp_path) == 0


@pytest.mark.slow
def test_load_with_neo4j_down_names_the_server(tmp_path: Path, resolved_workspace: Path) -> None:
    from tests.conftest import copy_workspace

    home = copy_workspace(resolved_workspace, tmp_path / "ws")
    port = free_port()
    result = sanctiongraph("load", home=home, env={"NEO4J_URI": f"bolt://127.0.0.1:{port}", "NEO4J_PASSWORD": "x" * 10})
    assert result.returncode != 0
    line = error_line(result)
    assert f"127.0.0.1:{port}" in line and "not reachable" in line


@pytest.mark.neo4j
@pytest.mark.slow
def test_batch_screening_prints_the_contract_lines(
    tmp_path: Path, resolved_workspace: Path, neo4j_settings: Any
) -> None:
    """`screen --batch FILE --json`: one line per applicant, exactly the public keys, best match first."""
    from graph.connection import bolt_uri, neo4j_auth
    from graph.loader import run_load
    from graph.store import GraphStore
    from tests.conftest import copy_workspace, wipe

    home = copy_workspace(resolved_workspace, tmp_path / "ws")
    with GraphStore(neo4j_settings) as store:
        wipe(store)
        run_load(store, home / "staging.duckdb")
    batch = tmp_path / "applicants.jsonl"
    lines = [
        {"id": "c-1", "query": {"name": "Korea Kwangson Banking Corporation", "schema": "Organization"}, "note": "x"},
        {"id": 2, "query": {"name": "Margarethe Vandersloot-Quimby", "schema": "Person", "birthDate": "1971-02-03"}},
    ]
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    user, password = neo4j_auth(neo4j_settings)
    env = {"NEO4J_URI": bolt_uri(neo4j_settings), "NEO4J_USER": user, "NEO4J_PASSWORD": password}
    result = sanctiongraph("screen", "--batch", str(batch), "--json", home=home, env=env)
    assert result.returncode == 0, result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in outputs] == ["c-1", 2]
    assert all(set(o) == {"id", "decision", "matches"} for o in outputs)
    hit, clear = outputs
    assert hit["decision"] == "HIT" and clear["decision"] == "CLEAR"
    assert set(hit["matches"][0]) == {"entityId", "name", "probability", "records"}
    assert [m["probability"] for m in hit["matches"]] == sorted(
        (m["probability"] for m in hit["matches"]), reverse=True
    )
    assert {"source": "un_sc_sanctions", "sourceKey": "KPe.025"} in hit["matches"][0]["records"]
    # The same applicants as a CSV: the same lines (an id read from a CSV is text).
    table = tmp_path / "applicants.csv"
    table.write_text(
        "id,name,schema,birth_date\n"
        "c-1,Korea Kwangson Banking Corporation,Organization,\n"
        "2,Margarethe Vandersloot-Quimby,Person,1971-02-03\n",
        encoding="utf-8",
    )
    from_csv = sanctiongraph("screen", "--batch", str(table), "--json", home=home, env=env)
    assert from_csv.returncode == 0, from_csv.stderr
    assert [json.loads(line) for line in from_csv.stdout.splitlines()] == [{**o, "id": str(o["id"])} for o in outputs]
    # One applicant by a value alone (the flags beside --name): JO, Chol Song's passport on the OFAC list.
    by_value = sanctiongraph("screen", "--identifier", "654320502", "--json", home=home, env=env)
    assert by_value.returncode == 0, by_value.stderr
    single = json.loads(by_value.stdout)
    assert single["decision"] == "REVIEW" and "chol song" in single["matches"][0]["name"].lower(), single


def test_bad_batch_line_names_file_and_line(tmp_path: Path) -> None:
    batch = tmp_path / "bad.jsonl"
    batch.write_text('{"id": 1, "query": {"name": "x"}}\nnot json\n', encoding="utf-8")
    result = sanctiongraph(
        "screen",
        "--batch",
        str(batch),
        "--json",
        home=tmp_path,
        env={"NEO4J_URI": f"bolt://127.0.0.1:{free_port()}", "NEO4J_PASSWORD": "x" * 10},
    )
    assert result.returncode != 0
    assert f"{batch}:2" in error_line(result)


def _example_expectations() -> dict[str, str]:
    """Affiliation -> "concern" or "ordinary", as the example file marks it."""
    import csv

    path = Path(__file__).resolve().parent.parent / "data" / "screening" / "authors_example.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    return {row["affiliation"]: row["expect"] for row in rows}


@pytest.mark.neo4j
@pytest.mark.slow
def test_screen_authors_flags_every_affiliation_of_concern_and_no_ordinary_one(
    tmp_path: Path, resolved_workspace: Path, neo4j_settings: Any
) -> None:
    """`screen-authors FILE --json` on the bundled example; a single `screen --json` also gives indicators."""
    from graph.connection import bolt_uri, neo4j_auth
    from graph.loader import run_load
    from graph.store import GraphStore
    from tests.conftest import ROOT, copy_workspace, wipe

    home = copy_workspace(resolved_workspace, tmp_path / "ws")
    with GraphStore(neo4j_settings) as store:
        wipe(store)
        run_load(store, home / "staging.duckdb")
    user, password = neo4j_auth(neo4j_settings)
    env = {"NEO4J_URI": bolt_uri(neo4j_settings), "NEO4J_USER": user, "NEO4J_PASSWORD": password}
    example = ROOT / "data" / "screening" / "authors_example.csv"
    result = sanctiongraph("screen-authors", str(example), "--json", home=home, env=env)
    assert result.returncode == 0, result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    expected = _example_expectations()
    flagged = {a["name"]: a["decision"] != "CLEAR" for o in outputs for a in o["affiliations"]}
    assert set(flagged) == set(expected)
    assert [a for a, kind in expected.items() if kind == "concern" and not flagged[a]] == []
    parts = {a["name"]: a for o in outputs for a in o["affiliations"]}
    wrong = [parts[a] for a, kind in expected.items() if kind == "ordinary" and flagged[a]]
    assert wrong == []
    by_id = {o["id"]: o for o in outputs}
    assert by_id["s01"]["decision"] == "REVIEW", by_id["s01"]
    assert any("Kim Il Sung University" in r for r in by_id["s01"]["reasons"])
    assert by_id["s06"]["decision"] == "CLEAR" and by_id["s06"]["reasons"] == []
    # The .kp mailbox of an author is its own reason.
    assert any("email_kp" in r for r in by_id["s12"]["reasons"])

    single = sanctiongraph("screen", "--name", "Jon Smith", "--phone", "+850 2 381 4410", "--json", home=home, env=env)
    assert single.returncode == 0, single.stderr
    line = json.loads(single.stdout)
    assert line["decision"] == "REVIEW"
    assert [i["name"] for i in line["indicators"]] == ["phone_kp"]
    assert line["indicators"][0]["evidence"] == "+85023814410"


@pytest.mark.parametrize(
    ("verb", "flags"),
    [("entities", ["--format"]), ("records", ["--format", "--source", "--since"]), ("clusters", ["--format"])],
)
def test_export_verbs_and_flags_are_the_contract(tmp_path: Path, verb: str, flags: list[str]) -> None:
    shown = sanctiongraph("export", verb, "--help", home=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert re.search(rf"export {verb} \[OPTIONS\] \W?OUT\b", shown.stdout), shown.stdout
    assert all(flag in shown.stdout for flag in flags)


def test_help_lists_the_commands_in_the_order_of_the_flow(tmp_path: Path) -> None:
    result = sanctiongraph("--help", home=tmp_path)
    assert result.returncode == 0
    order = [result.stdout.find(f" {verb} ") for verb in ("ingest", "resolve", "load", "serve", "demo")]
    assert -1 not in order and order == sorted(order), result.stdout


def test_a_bad_alert_status_is_one_error_line(tmp_path: Path) -> None:
    result = sanctiongraph("alerts", "--status", "BOGUS", home=tmp_path)
    assert result.returncode == 1
    assert "--status 'BOGUS'" in error_line(result) and "OPEN" in error_line(result)
