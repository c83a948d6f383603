"""Bad input at the command line: one readable error line, a non-zero exit, nothing half-written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
