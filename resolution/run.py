"""``resolve``: staged records to entities with stable IDs and merge evidence.

A full run scores every blocked pair of every family with the trained Splink
models. An incremental run (``--incremental``) scores only pairs that involve a
record added or changed since the last run (Splink's ``predict_within`` on the
new records and ``predict_between`` new and existing) and reuses the stored
evidence for pairs of unchanged records.

Invariant that makes the two agree: the stored evidence holds every scored pair
at or above ``EVIDENCE_THRESHOLD`` (below any merge threshold), features are a
pure function of a record, the model is fixed between runs, and clustering is
deterministic given the links. So an incremental run sees exactly the links a
full run would, and clusters them to the same entities.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from splink import Linker

from ingest import staging
from ingest.formats import FORMATS
from ingest.record import Record
from resolution import store
from resolution.cluster import Link, cluster_records
from resolution.features import Features, build_features, features_table, record_families
from resolution.identity import assign_ids
from resolution.models import (
    FAMILIES,
    MODELS_DIR,
    PREDICT_FLOOR,
    load_meta,
    load_model,
    make_linker,
    model_fingerprint,
)
from resolution.vocabulary import Vocabulary, load_vocabulary
from sanctiongraph.errors import ResolutionError

# Evidence is kept for pairs at or above this probability (merges and near misses);
# it must stay below every merge threshold for incremental runs to be exact.
EVIDENCE_THRESHOLD = 0.1
BACKENDS = ("duckdb", "spark")


@dataclass(slots=True)
class ResolveSummary:
    run_id: str
    records: int
    entities: int
    merged_records: int
    links: int
    created: int
    retired: int
    mode: str = "full"
    scored_records: int = 0  # records whose pairs were scored in this run


Progress = Callable[[str], None]


def _exclusive_sources(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Sources whose entries are distinct parties by construction (sanctions lists)."""
    rows = con.execute("SELECT DISTINCT source, format FROM sg_source_versions").fetchall()
    return {source for source, fmt in rows if fmt in FORMATS and FORMATS[fmt].distinct_entries}


def record_features(record: Record, vocabulary: Vocabulary | None = None) -> list[Features]:
    """The comparison rows of one record: a ``LegalEntity`` may be a person or a company."""
    return [build_features(record, family, vocabulary=vocabulary) for family in record_families(record)]


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
    left, right = sorted((str(row["unique_id_l"]), str(row["unique_id_r"])))
    return store.Evidence(left, right, family, float(row["match_probability"]), float(row["match_weight"]), parts)


def _linker(family: str, rows: list[Features], models_dir: Path, backend: str) -> Linker:
    if backend == "spark":
        from resolution.spark import spark_linker

        linker: Linker = spark_linker(family, rows, load_model(family, models_dir))
        return linker
    return make_linker(features_table(rows), load_model(family, models_dir), family)


def score_family(
    family: str, rows: list[Features], models_dir: Path = MODELS_DIR, backend: str = "duckdb"
) -> Iterator[store.Evidence]:
    """All candidate pairs of one family scored by its trained model."""
    if len(rows) < 2:
        return
    linker = _linker(family, rows, models_dir, backend)
    labels = _levels(linker)
    predictions = linker.inference.predict(threshold_match_probability=PREDICT_FLOOR)
    for row in predictions.as_record_list():
        yield _evidence(family, row, labels)


def score_new(
    family: str, new: list[Features], old: list[Features], models_dir: Path = MODELS_DIR
) -> Iterator[store.Evidence]:
    """Pairs within the new records and between new and existing ones (not old-old)."""
    if not new or len(new) + len(old) < 2:
        return
    linker = make_linker(features_table(new), load_model(family, models_dir), family)
    labels = _levels(linker)
    new_frame = linker._db_api.register(features_table(new), dataset_display_name=f"{family}_new")
    frames = []
    if len(new) > 1:
        frames.append(linker.inference.predict_within(new_frame, threshold_match_probability=PREDICT_FLOOR))
    if old:
        old_frame = linker._db_api.register(features_table(old), dataset_display_name=f"{family}_old")
        frames.append(linker.inference.predict_between(new_frame, old_frame, threshold_match_probability=PREDICT_FLOOR))
    for frame in frames:
        for row in frame.as_record_list():
            yield _evidence(family, row, labels)


def _dedupe(evidence: Iterable[store.Evidence]) -> list[store.Evidence]:
    """One evidence row per pair: a LegalEntity pair scored by two families keeps the stronger."""
    best: dict[tuple[str, str], store.Evidence] = {}
    for item in evidence:
        key = (item.record_l, item.record_r)
        if key not in best or item.match_probability > best[key].match_probability:
            best[key] = item
    return sorted(best.values(), key=lambda e: (e.record_l, e.record_r))


def _load_current(con: duckdb.DuckDBPyConnection, model: str) -> tuple[list[Record], dict[str, str]]:
    """Current records and, per record, its content hash tied to the model that scores it.

    A retrained model changes every hash, so an incremental run after ``train``
    rescores everything instead of reusing features and evidence of the old model.
    """
    records = list(staging.iter_current_records(con))
    rows = con.execute("SELECT record_id, content_hash FROM sg_records WHERE removed_in IS NULL").fetchall()
    return records, {rid: f"{h}:{model}" for rid, h in rows}


def _group(rows: Iterable[Features]) -> dict[str, list[Features]]:
    grouped: dict[str, list[Features]] = {}
    for row in rows:
        grouped.setdefault(row.family, []).append(row)
    return grouped


def run_resolve(
    staging_path: Path, *, models_dir: Path = MODELS_DIR, threshold: float | None = None,
    incremental: bool = False, backend: str = "duckdb", progress: Progress | None = None,
) -> ResolveSummary:
    """Resolve every current staged record; one transaction writes the result.

    Args:
        staging_path: the workspace's staging DuckDB file (resolution tables live there too).
        models_dir: where the trained model JSON files are.
        threshold: merge pairs at or above this probability (default: the models' shipped one).
        incremental: score only pairs involving records added or changed since the last run.
        backend: ``duckdb`` (embedded) or ``spark`` (pyspark; see ``resolution.spark``).
    """
    if backend not in BACKENDS:
        raise ResolutionError(f"unknown backend {backend!r}", hint=f"use one of: {', '.join(BACKENDS)}")
    say = progress or (lambda _: None)
    merge_at = threshold if threshold is not None else min(load_meta(models_dir).threshold(f) for f in FAMILIES)
    started = datetime.now(UTC).replace(tzinfo=None)
    run_id = started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    con = staging.connect(staging_path)
    try:
        store.ensure_schema(con)
        say("reading records")
        records, hashes = _load_current(con, model_fingerprint(models_dir))
        if not records:
            raise ResolutionError(f"{staging_path}: nothing staged to resolve", hint="run `sanctiongraph ingest` first")
        previous = store.load_features(con) if incremental else None
        mode = "incremental" if previous is not None and previous.hashes else "full"
        if mode == "incremental" and previous is not None:
            evidence, features, scored = _incremental(records, hashes, previous, con, models_dir, say)
        else:
            evidence, features, scored = _full(records, models_dir, backend, say)
        say("clustering")
        exclusive = _exclusive_sources(con)
        same, not_same = store.judgements(con)
        source_of = {r.record_id: r.source for r in records}
        clusters = cluster_records(
            list(source_of),
            (Link(e.record_l, e.record_r, e.match_probability) for e in evidence),
            threshold=merge_at,
            group_of=lambda rid: source_of[rid] if source_of[rid] in exclusive else None,
            same=same,
            not_same=not_same,
        )
        assignment = assign_ids(clusters, store.previous_assignment(con), store.issued_ids(con))
        kept = [e for e in evidence if e.match_probability >= EVIDENCE_THRESHOLD]
        store.write_run(con, run_id, started, mode, assignment, kept, features=(features, hashes))
    finally:
        con.close()
    return ResolveSummary(
        run_id, len(source_of), len(clusters), sum(len(c) for c in clusters if len(c) > 1),
        sum(1 for e in evidence if e.match_probability >= merge_at),
        sum(1 for e in assignment.events if e.event == "created"), len(assignment.retired), mode, scored,
    )


def _full(
    records: list[Record], models_dir: Path, backend: str, say: Progress
) -> tuple[list[store.Evidence], list[Features], int]:
    say("building features")
    vocabulary = load_vocabulary(models_dir)
    features = [f for record in records for f in record_features(record, vocabulary)]
    by_family = _group(features)
    evidence: list[store.Evidence] = []
    for family in FAMILIES:
        rows = by_family.get(family, [])
        say(f"scoring {family} ({len(rows)} records)")
        evidence.extend(score_family(family, rows, models_dir, backend))
    return _dedupe(evidence), features, len(records)


def _incremental(
    records: list[Record], hashes: dict[str, str], previous: store.StoredFeatures,
    con: duckdb.DuckDBPyConnection, models_dir: Path, say: Progress,
) -> tuple[list[store.Evidence], list[Features], int]:
    """New evidence for added or changed records plus stored evidence among the rest."""
    unchanged = {rid for rid, h in hashes.items() if previous.hashes.get(rid) == h}
    fresh = [r for r in records if r.record_id not in unchanged]
    say(f"building features for {len(fresh)} new or changed records")
    vocabulary = load_vocabulary(models_dir)
    new_rows = [f for record in fresh for f in record_features(record, vocabulary)]
    old_rows = [f for f in previous.rows if f.unique_id in unchanged]
    new_by_family, old_by_family = _group(new_rows), _group(old_rows)
    evidence = [e for e in store.load_evidence(con) if e.record_l in unchanged and e.record_r in unchanged]
    for family in FAMILIES:
        say(f"scoring {family} ({len(new_by_family.get(family, []))} new records)")
        evidence.extend(score_new(family, new_by_family.get(family, []), old_by_family.get(family, []), models_dir))
    return _dedupe(evidence), old_rows + new_rows, len(fresh)
