"""``resolve``: staged records to entities with stable IDs and merge evidence."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from splink import Linker

from ingest import staging
from ingest.formats import FORMATS
from resolution import store
from resolution.cluster import Link, cluster_records
from resolution.features import Features, build_features, features_table
from resolution.identity import assign_ids
from resolution.models import FAMILIES, MODELS_DIR, PREDICT_FLOOR, load_linker
from sanctiongraph.errors import ResolutionError

# Pairs at or above this probability are merged into one entity.
MATCH_THRESHOLD = 0.9
# Evidence is kept for pairs at or above this probability (merges and near misses).
EVIDENCE_THRESHOLD = 0.3


@dataclass(slots=True)
class ResolveSummary:
    run_id: str
    records: int
    entities: int
    merged_records: int
    links: int
    created: int
    retired: int


Progress = Callable[[str], None]


def _exclusive_sources(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Sources whose entries are distinct parties by construction (sanctions lists)."""
    rows = con.execute("SELECT DISTINCT source, format FROM sg_source_versions").fetchall()
    return {source for source, fmt in rows if fmt in FORMATS and FORMATS[fmt].distinct_entries}


def _levels(linker: Linker) -> dict[str, dict[int, str]]:
    """Comparison name -> gamma value -> the level's label, for readable evidence."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in linker._settings_obj.comparisons:
        labels[comparison.output_column_name] = {
            level.comparison_vector_value: level.label_for_charts for level in comparison.comparison_levels
        }
    return labels


def _evidence(family: str, row: dict[str, Any], labels: dict[str, dict[int, str]]) -> store.Evidence:
    parts = [
        {"comparison": name, "level": int(row[f"gamma_{name}"]), "label": levels.get(int(row[f"gamma_{name}"]), ""),
         "weight": float(row.get(f"mw_{name}") or 0.0)}
        for name, levels in labels.items()
    ]
    return store.Evidence(
        str(row["unique_id_l"]), str(row["unique_id_r"]), family,
        float(row["match_probability"]), float(row["match_weight"]), parts,
    )


def score_family(family: str, rows: list[Features], models_dir: Path = MODELS_DIR) -> Iterator[store.Evidence]:
    """All candidate pairs of one family scored by its trained model."""
    if len(rows) < 2:
        return
    linker = load_linker(family, features_table(rows), models_dir)
    labels = _levels(linker)
    predictions = linker.inference.predict(threshold_match_probability=PREDICT_FLOOR)
    for row in predictions.as_record_list():
        yield _evidence(family, row, labels)


def run_resolve(
    staging_path: Path, *, models_dir: Path = MODELS_DIR, threshold: float = MATCH_THRESHOLD,
    progress: Progress | None = None,
) -> ResolveSummary:
    """Resolve every current staged record; one transaction writes the result."""
    say = progress or (lambda _: None)
    started = datetime.now(UTC).replace(tzinfo=None)
    run_id = started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    con = staging.connect(staging_path)
    try:
        store.ensure_schema(con)
        say("building features")
        by_family: dict[str, list[Features]] = {}
        for record in staging.iter_current_records(con):
            features = build_features(record)
            by_family.setdefault(features.family, []).append(features)
        if not by_family:
            raise ResolutionError(f"{staging_path}: nothing staged to resolve", hint="run `sanctiongraph ingest` first")
        evidence: list[store.Evidence] = []
        for family in FAMILIES:
            say(f"scoring {family} ({len(by_family.get(family, []))} records)")
            evidence.extend(score_family(family, by_family.get(family, []), models_dir))
        say("clustering")
        exclusive = _exclusive_sources(con)
        same, not_same = store.judgements(con)
        source_of = {f.unique_id: f.source_dataset for rows in by_family.values() for f in rows}
        record_ids = list(source_of)
        clusters = cluster_records(
            record_ids,
            (Link(e.record_l, e.record_r, e.match_probability) for e in evidence),
            threshold=threshold,
            group_of=lambda rid: source_of[rid] if source_of[rid] in exclusive else None,
            same=same,
            not_same=not_same,
        )
        assignment = assign_ids(clusters, store.previous_assignment(con), store.issued_ids(con))
        kept = [e for e in evidence if e.match_probability >= EVIDENCE_THRESHOLD]
        store.write_run(con, run_id, started, "full", assignment, kept)
    finally:
        con.close()
    merged = sum(len(c) for c in clusters if len(c) > 1)
    return ResolveSummary(
        run_id, len(record_ids), len(clusters), merged,
        sum(1 for e in evidence if e.match_probability >= threshold),
        sum(1 for e in assignment.events if e.event == "created"), len(assignment.retired),
    )
