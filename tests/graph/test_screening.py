"""Screening's name comparison, checked against rapidfuzz's own ratios on the bundled lists."""

from __future__ import annotations

import random
from pathlib import Path

from rapidfuzz import fuzz

from graph.name_match import Candidate, name_similarity
from ingest import staging
from resolution.features import FAMILY_OF_SCHEMA


def _token_sort_similarity(a: Candidate, b: Candidate) -> float:
    """The definition: the best token-sort ratio over both kinds of name, or the best plain
    ratio of two compact name forms (spacing, romanisation and legal forms folded)."""
    pairs = ((a.features.name_keys, b.features.name_keys), (a.names, b.names))
    sorted_tokens = max(
        (fuzz.token_sort_ratio(x, y) / 100.0 for ours, theirs in pairs for x in ours for y in theirs), default=0.0
    )
    forms = max((fuzz.ratio(x, y) / 100.0 for x in a.forms for y in b.forms), default=0.0)
    return max(sorted_tokens, forms)


def test_name_similarity_is_the_best_ratio_of_names_or_name_forms(staged_workspace: Path) -> None:
    con = staging.connect(staged_workspace / "staging.duckdb", read_only=True)
    try:
        candidates: dict[str, list[Candidate]] = {}
        for record in staging.iter_current_records(con):
            family = FAMILY_OF_SCHEMA.get(record.schema)
            if family in ("person", "organization") and record.names:
                candidates.setdefault(family, []).append(Candidate.of(record, family))
    finally:
        con.close()
    rng = random.Random(5)
    checked = 0
    for found in candidates.values():
        for a in rng.sample(found, 200):
            for b in [*rng.sample(found, 30), a]:
                assert name_similarity(a, b) == _token_sort_similarity(a, b)
                checked += 1
    assert checked > 10_000
