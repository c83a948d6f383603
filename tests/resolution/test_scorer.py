"""The in-process scorer gives Splink's own match weights, pair for pair."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

from ingest import staging
from resolution.comparisons import jaro_winkler
from resolution.features import Features
from resolution.run import record_features, score_family
from resolution.scorer import Scorer


def _rows(staged_workspace: Path) -> dict[str, list[Features]]:
    con = staging.connect(staged_workspace / "staging.duckdb", read_only=True)
    try:
        rows: dict[str, list[Features]] = {}
        for record in staging.iter_current_records(con):
            for features in record_features(record):
                rows.setdefault(features.family, []).append(features)
    finally:
        con.close()
    return rows


def test_scorer_weights_equal_splink_predict_on_every_scored_pair(staged_workspace: Path) -> None:
    rows = _rows(staged_workspace)
    checked = 0
    for family in ("person", "organization", "vessel"):
        by_id = {f.unique_id: f for f in rows[family]}
        scorer = Scorer.load(family)
        for evidence in score_family(family, rows[family]):
            ours = scorer.score(by_id[evidence.record_l], by_id[evidence.record_r])
            assert abs(ours.match_weight - evidence.match_weight) < 1e-6, (evidence.record_l, evidence.record_r)
            assert [(c["comparison"], c["level"]) for c in ours.comparisons] == [
                (c["comparison"], c["level"]) for c in evidence.comparisons
            ]
            assert math.isclose(ours.match_probability, evidence.match_probability, rel_tol=1e-9, abs_tol=1e-12)
            checked += 1
    assert checked > 1000


def test_jaro_winkler_is_duckdbs_bit_for_bit() -> None:
    words = [
        "kwang hyok",
        "kwanghyok",
        "choe kwang hyok",
        "choi gwang hyeok",
        "codeb",
        "ctde",
        "ghoi",
        "gcooi",
        "korea kwangson banking",
        "korea kwangson banking corp",
        "daedong",
        "taedong",
        "a",
        "ab",
    ]
    con = duckdb.connect()
    for a in words:
        for b in words:
            (expected,) = con.execute("SELECT jaro_winkler_similarity(?, ?)", [a, b]).fetchone()
            assert jaro_winkler(a, b, (expected,)) == expected, (a, b)
