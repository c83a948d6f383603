"""resolve on the bundled OFAC 2022 + UN samples: stable IDs, incremental = full, judgements honoured."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ingest.run import run_ingest
from resolution.explain import explain
from resolution.judgements import list_judgements, record_judgement
from resolution.run import run_resolve
from resolution.store import current_entity_id
from sanctiongraph.errors import ResolutionError

KKBC_UN, KKBC_OFAC = "un_sc_sanctions:KPe.025", "us_ofac_sdn:11581"


def entities(path: Path) -> dict[str, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return dict(con.execute("SELECT record_id, entity_id FROM sg_record_entities").fetchall())
    finally:
        con.close()


def partition(assignment: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for record, entity in assignment.items():
        groups.setdefault(entity, set()).add(record)
    return {frozenset(g) for g in groups.values()}


@pytest.fixture(scope="module")
def ofac_then_un(tmp_path_factory: pytest.TempPathFactory, samples: object) -> Path:
    """A workspace that resolved OFAC alone, then had the UN list ingested (not yet resolved)."""
    home = tmp_path_factory.mktemp("ofac-then-un")
    staging_path = home / "staging.duckdb"
    run_ingest(staging_path, samples.ofac_dir, "ofac-csv")  # type: ignore[attr-defined]
    run_resolve(staging_path)
    run_ingest(staging_path, samples.un_xml, "un-xml")  # type: ignore[attr-defined]
    return staging_path


def test_incremental_gives_the_same_entities_and_ids_as_a_full_run(ofac_then_un: Path, tmp_path: Path) -> None:
    full, incremental = tmp_path / "full.duckdb", tmp_path / "incremental.duckdb"
    shutil.copy(ofac_then_un, full)
    shutil.copy(ofac_then_un, incremental)
    before = entities(ofac_then_un)
    full_summary = run_resolve(full)
    inc_summary = run_resolve(incremental, incremental=True)
    assert inc_summary.mode == "incremental" and full_summary.mode == "full"
    assert inc_summary.scored_records < full_summary.scored_records  # only the UN records were scored
    assert entities(incremental) == entities(full)
    # Adding records keeps every ID: each OFAC record's entity is still the one it had.
    after = entities(incremental)
    assert all(after[r] == e for r, e in before.items() if r in after)
    assert after[KKBC_UN] == after[KKBC_OFAC]


def test_a_rerun_keeps_every_id(resolved_workspace: Path, tmp_path: Path) -> None:
    path = tmp_path / "staging.duckdb"
    shutil.copy(resolved_workspace / "staging.duckdb", path)
    before = entities(path)
    summary = run_resolve(path, incremental=True)
    assert summary.created == 0 and summary.retired == 0
    assert entities(path) == before


def test_judgements_are_honoured_and_ids_follow_splits_and_merges(resolved_workspace: Path, tmp_path: Path) -> None:
    path = tmp_path / "staging.duckdb"
    shutil.copy(resolved_workspace / "staging.duckdb", path)
    before = entities(path)
    assert before[KKBC_UN] == before[KKBC_OFAC]
    # Not the same: the run splits them, one keeps the ID, the split is recorded.
    record_judgement(path, KKBC_UN, KKBC_OFAC, same=False, note="test: pretend they differ", author="analyst@test")
    run_resolve(path, incremental=True)
    after = entities(path)
    assert after[KKBC_UN] != after[KKBC_OFAC]
    assert before[KKBC_OFAC] in (after[KKBC_UN], after[KKBC_OFAC])
    # Same: two unrelated parties are merged; the retired ID resolves to the successor.
    a, b = "us_ofac_sdn:306", "un_sc_sanctions:KPe.001"
    ids = (after[a], after[b])
    assert ids[0] != ids[1]
    record_judgement(path, a, b, same=True, note="test", author="analyst@test")
    run_resolve(path, incremental=True)
    merged = entities(path)
    assert merged[a] == merged[b]
    assert merged[KKBC_UN] != merged[KKBC_OFAC]  # the earlier judgement still holds
    con = duckdb.connect(str(path), read_only=True)
    try:
        retired = (set(ids) - {merged[a]}).pop()
        assert current_entity_id(con, retired) == merged[a]
        events = {e for (e,) in con.execute("SELECT event FROM sg_entity_events").fetchall()}
        assert {"split", "merged"} <= events
    finally:
        con.close()
    assert [j.same for j in list_judgements(path)] == [False, True]
    shown = explain(path, KKBC_UN, KKBC_OFAC)
    assert shown.same_entity is False and shown.match_probability > 0.5


def test_judging_an_unknown_record_names_it(resolved_workspace: Path, tmp_path: Path) -> None:
    path = tmp_path / "staging.duckdb"
    shutil.copy(resolved_workspace / "staging.duckdb", path)
    with pytest.raises(ResolutionError, match="us_ofac_sdn:nope"):
        record_judgement(path, KKBC_UN, "us_ofac_sdn:nope", same=True)
