"""A short, empty or foreign file never delists a source's parties unasked (issue 24, finding 1).

A snapshot source marks what a new version lacks as removed, and the next resolve
and load would screen those parties CLEAR. So a new version that is empty,
removes more than 10% of the current records or comes in another format is
refused, staging unchanged, unless ``--allow-mass-removal`` says so.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest import staging
from ingest.run import run_ingest
from sanctiongraph.errors import MassRemovalError
from tests.ingest.conftest import DATA, shared_file
from tests.ingest.test_cli import sanctiongraph
from tests.ingest.test_staging import snapshot

OFAC = DATA / "ofac" / "snapshot_2022-01"


@pytest.fixture
def ofac_staged(tmp_path: Path) -> Path:
    path = tmp_path / "staging.duckdb"
    run_ingest(path, OFAC, "ofac-csv")
    return path


def _ofac_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "ofac-new"
    shutil.copytree(OFAC, folder)
    return folder


def test_an_empty_sdn_csv_is_refused_and_staging_is_unchanged(ofac_staged: Path, tmp_path: Path) -> None:
    before = snapshot(ofac_staged)
    folder = _ofac_copy(tmp_path)
    (folder / "sdn.csv").write_bytes(b"")
    with pytest.raises(MassRemovalError) as caught:
        run_ingest(ofac_staged, folder, "ofac-csv")
    message = str(caught.value)
    assert "\n" not in message and str(folder) in message and "--allow-mass-removal" in message
    assert "us_ofac_sdn" in message
    assert snapshot(ofac_staged) == before


def test_a_csv_cut_at_a_row_boundary_is_refused_unless_allowed(ofac_staged: Path, tmp_path: Path) -> None:
    before = snapshot(ofac_staged)
    folder = _ofac_copy(tmp_path)
    lines = (folder / "sdn.csv").read_bytes().splitlines(keepends=True)
    (folder / "sdn.csv").write_bytes(b"".join(lines[: len(lines) * 3 // 4]))  # a whole number of rows
    with pytest.raises(MassRemovalError, match=r"would remove [\d,]+ of 9,04\d current records \(more than 10%\)"):
        run_ingest(ofac_staged, folder, "ofac-csv")
    assert snapshot(ofac_staged) == before
    allowed = run_ingest(ofac_staged, folder, "ofac-csv", allow_mass_removal=True)
    assert allowed.removed > 2000


def test_a_small_real_change_passes(tmp_path: Path, samples) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "staging.duckdb"
    run_ingest(path, samples.un_xml_2024, "un-xml")
    newer = run_ingest(path, samples.un_xml, "un-xml")
    assert newer.removed == 2


def test_another_lists_file_under_this_sources_name_is_refused(ofac_staged: Path, samples) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(ofac_staged)
    with pytest.raises(MassRemovalError, match=r"it is un-xml but us_ofac_sdn is ofac-csv"):
        run_ingest(ofac_staged, samples.un_xml, "un-xml", source="us_ofac_sdn")
    assert snapshot(ofac_staged) == before


def test_cli_refuses_in_one_line_and_the_flag_lets_it_through(tmp_path: Path) -> None:
    assert sanctiongraph("ingest", str(OFAC), "--format", "ofac-csv", home=tmp_path).returncode == 0
    folder = _ofac_copy(tmp_path)
    (folder / "sdn.csv").write_bytes(b"")
    refused = sanctiongraph("ingest", str(folder), "--format", "ofac-csv", home=tmp_path)
    assert refused.returncode == 1
    errors = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("error:"), refused.stderr
    assert "sdn" in errors[0] or str(folder) in errors[0]
    assert "--allow-mass-removal" in errors[0]
    allowed = sanctiongraph("ingest", str(folder), "--format", "ofac-csv", "--allow-mass-removal", home=tmp_path)
    assert allowed.returncode == 0, allowed.stderr
    assert "removed" in allowed.stdout


def test_unrelated_ftm_files_become_separate_sources(tmp_path: Path) -> None:
    path = tmp_path / "staging.duckdb"
    names = ("yente_zala_entities", "yente_parteispenden_entities", "yente_t1_entities")
    summaries = [run_ingest(path, shared_file(f"opensanctions/{name}.ftm.json"), "ftm") for name in names]
    assert len({s.source for s in summaries}) == 3
    assert all(s.removed == 0 for s in summaries)
    assert "eu_fsf" in summaries[2].source  # the dataset its entities name
    assert summaries[0].source == "yente_zala_entities"  # no dataset shared by all: the file's name
    con = staging.connect(path, read_only=True)
    try:
        for summary in summaries:
            current = list(staging.iter_current_records(con, [summary.source]))
            assert len(current) == summary.records > 0
    finally:
        con.close()


def test_a_judgement_during_an_ingest_in_the_same_process_leaves_the_ingest_alone(tmp_path: Path, samples) -> None:  # type: ignore[no-untyped-def]
    """An API worker runs ingest jobs and judgements: the judgement's connection dropped the job's work tables."""
    from resolution.judgements import list_judgements, record_judgement

    path = tmp_path / "staging.duckdb"
    run_ingest(path, samples.un_xml, "un-xml")
    con = staging.connect(path, read_only=True)
    try:
        first, second = (r.record_id for r in list(staging.iter_current_records(con, ["un_sc_sanctions"]))[:2])
    finally:
        con.close()
    judged: list[bool] = []

    def judge_midway(rows: int) -> None:
        if rows > 15_000 and not judged:  # past the first work-table batches of the OFAC file
            record_judgement(path, first, second, False, "different parties", "analyst")
            judged.append(True)

    summary = run_ingest(path, OFAC, "ofac-csv", progress=judge_midway)
    assert judged and summary.records == 9043
    assert [(j.record_a, j.record_b) for j in list_judgements(path)] == [tuple(sorted((first, second)))]
