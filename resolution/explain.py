"""``explain``: why two records were (or were not) merged.

The stored evidence of the last run is shown when there is some; otherwise the
pair is scored now with the shipped model (``Scorer``, identical to Splink's
predict), so any two staged records of comparable families can be explained.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ingest import staging
from ingest.staging import resolved
from resolution import store
from resolution.features import build_features
from resolution.models import MODELS_DIR, blocked, load_meta
from resolution.pairs import pair_family
from resolution.scorer import Scorer
from resolution.vocabulary import load_vocabulary
from sanctiongraph.errors import ResolutionError


@dataclass(frozen=True, slots=True)
class Explanation:
    record_a: str
    record_b: str
    family: str
    match_probability: float
    match_weight: float
    comparisons: list[dict[str, Any]]
    stored: bool  # True: the evidence of the last run; False: computed now
    blocked: bool  # whether resolve compares the pair at all
    threshold: float
    same_entity: bool | None  # whether the last run put both in one entity (None: never resolved)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def explain(staging_path: Path, record_a: str, record_b: str, *, models_dir: Path = MODELS_DIR) -> Explanation:
    """The evidence behind the pair (``record_a``, ``record_b``)."""
    left, right = sorted((record_a, record_b))
    con = staging.connect(staging_path, read_only=True)
    try:
        records = {rid: staging.get_record(con, rid) for rid in (left, right)}
        stored = _stored(con, left, right)
        entities = _entities(con, left, right)
    finally:
        con.close()
    for rid, record in records.items():
        if record is None:
            raise ResolutionError(f"record {rid!r} is not staged", hint="give record ids as source:key")
    a, b = records[left], records[right]
    assert a is not None and b is not None
    family = pair_family(a, b)
    if family is None:
        raise ResolutionError(
            f"{left} ({a.schema}) and {right} ({b.schema}) are never compared",
            hint="resolve only compares records of one family (people, organisations, vessels)",
        )
    vocabulary = load_vocabulary(models_dir)
    fa, fb = (build_features(r, family, vocabulary=vocabulary) for r in (a, b))
    threshold = load_meta(models_dir).threshold(family)
    same = None if entities is None else entities[0] == entities[1]
    if stored is not None:
        return Explanation(
            left,
            right,
            stored.family,
            stored.match_probability,
            stored.match_weight,
            stored.comparisons,
            True,
            True,
            threshold,
            same,
        )
    scored = Scorer.load(family, models_dir).score(fa, fb)
    return Explanation(
        left,
        right,
        family,
        scored.match_probability,
        scored.match_weight,
        scored.comparisons,
        False,
        blocked(family, fa, fb),
        threshold,
        same,
    )


def _stored(con: duckdb.DuckDBPyConnection, left: str, right: str) -> store.Evidence | None:
    return store.load_evidence_pair(con, left, right)


def _entities(con: duckdb.DuckDBPyConnection, left: str, right: str) -> tuple[str | None, str | None] | None:
    rows = resolved.entity_of_records(con, [left, right])
    return (rows.get(left), rows.get(right)) if rows else None
