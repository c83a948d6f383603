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

import gc
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from splink import Linker
from splink.internals.duckdb.dataframe import DuckDBDataFrame
from splink.internals.splink_dataframe import SplinkDataFrame

from ingest import staging
from ingest.formats import FORMATS
from ingest.record import Record
from ingest.staging import resolved
from resolution import store
from resolution.blocking import purged_values, with_blocking_columns
from resolution.bulk import features_of, read_records
from resolution.cluster import Link, UniqueIds, cluster_records
from resolution.features import Features, build_features, features_table, record_families, unique_tag
from resolution.identifiers import UNIQUE_KINDS, digits_key, normalize_identifier
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
EVIDENCE_THRESHOLD = PREDICT_FLOOR
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
    return {source for source, fmt in staging.source_formats(con) if fmt in FORMATS and FORMATS[fmt].distinct_entries}


def unique_identifiers(con: duckdb.DuckDBPyConnection, record_ids: Iterable[str] | None = None) -> dict[str, UniqueIds]:
    """Per current record, its identifiers of one-per-party kinds by ``unique_tag`` (value and digits key).

    Clustering refuses an entity two different values of one tag; ``blocked`` and
    the identifier comparison read the same tags from the features. ``record_ids``
    limits the records (clustering asks only for those a link or judgement names).
    """
    records = staging.current_records_as(con, IDENTIFIERS_TYPE, None if record_ids is None else sorted(record_ids))
    with resolved.registered(con, "identifier_records", records):
        rows = con.execute(_UNIQUE_IDS_SQL, [sorted(UNIQUE_KINDS)]).fetchall()
    found: dict[str, dict[str, set[str]]] = {}
    for record_id, kind, value, country in rows:
        norm = normalize_identifier(kind, value)
        tag = unique_tag(kind, norm, country) if norm else None
        if tag is not None and norm:
            found.setdefault(record_id, {}).setdefault(tag, set()).update(v for v in (norm, digits_key(norm)) if v)
    return {rid: {tag: frozenset(v) for tag, v in tags.items()} for rid, tags in found.items()}


IDENTIFIERS_TYPE = '{"identifiers": [{"kind": "VARCHAR", "value": "VARCHAR", "country": "VARCHAR"}]}'
# Each identifier of the records ``staging.current_records_as`` parsed with ``IDENTIFIERS_TYPE``, of kinds $1.
_UNIQUE_IDS_SQL = """
    SELECT record_id, i.kind, i.value, i.country
    FROM (SELECT record_id, unnest(d.identifiers) AS i FROM identifier_records)
    WHERE list_contains($1, i.kind) AND i.value IS NOT NULL
"""


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


def _evidence(
    family: str, columns: dict[str, list[Any]], count: int, labels: dict[str, dict[int, str]]
) -> Iterator[store.Evidence]:
    """Evidence of ``count`` scored pairs given as prediction columns (name -> values)."""
    ids_l, ids_r = columns["unique_id_l"], columns["unique_id_r"]
    probabilities, weights = columns["match_probability"], columns["match_weight"]
    parts_of = [(name, levels, columns[f"gamma_{name}"], columns.get(f"mw_{name}")) for name, levels in labels.items()]
    for i in range(count):
        parts = [
            {
                "comparison": name,
                "level": int(gammas[i]),
                "label": levels.get(int(gammas[i]), ""),
                "weight": float((None if mws is None else mws[i]) or 0.0),
            }
            for name, levels, gammas, mws in parts_of
        ]
        left, right = sorted((str(ids_l[i]), str(ids_r[i])))
        yield store.Evidence(left, right, family, float(probabilities[i]), float(weights[i]), parts)


def _prediction_columns(labels: dict[str, dict[int, str]]) -> list[str]:
    """The prediction columns evidence is made of (not the compared values Splink retains beside them)."""
    return [
        "unique_id_l",
        "unique_id_r",
        "match_probability",
        "match_weight",
        *(f"{prefix}_{name}" for name in labels for prefix in ("gamma", "mw")),
    ]


def _evidence_of(
    family: str, predictions: SplinkDataFrame, labels: dict[str, dict[int, str]]
) -> Iterator[store.Evidence]:
    """Evidence rows of Splink's predictions, read column by column when the backend is DuckDB.

    ``as_record_list`` fetches every retained column (the compared lists of both
    records too) as one dict per pair; reading only the columns evidence needs,
    through Arrow, makes the same rows for a fraction of the cost.
    """
    if not isinstance(predictions, DuckDBDataFrame):
        rows = predictions.as_record_list()
        if not rows:
            return
        names = {name for row in rows[:1] for name in row}
        columns = {name: [row[name] for row in rows] for name in _prediction_columns(labels) if name in names}
        yield from _evidence(family, columns, len(rows), labels)
        return
    run = predictions.db_api._execute_sql_against_backend
    present = set(run(f"SELECT * FROM {predictions.physical_name} LIMIT 0").columns)
    wanted = [name for name in _prediction_columns(labels) if name in present]
    table = run(f"SELECT {', '.join(_quoted(c) for c in wanted)} FROM {predictions.physical_name}").to_arrow_table()
    yield from _evidence(family, {name: table[name].to_pylist() for name in wanted}, table.num_rows, labels)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table(rows: list[Features] | pa.Table) -> pa.Table:
    return rows if isinstance(rows, pa.Table) else features_table(rows)


Purged = dict[str, list[str]]  # blocking column -> values too common to block on


def _linker(family: str, rows: list[Features] | pa.Table, models_dir: Path, backend: str, purged: Purged) -> Linker:
    table = with_blocking_columns(_table(rows), family, purged)
    if backend == "spark":
        from resolution.spark import spark_linker

        linker: Linker = spark_linker(family, table, load_model(family, models_dir))
        return linker
    return make_linker(table, load_model(family, models_dir), family)


def score_family(
    family: str,
    rows: list[Features] | pa.Table,
    models_dir: Path = MODELS_DIR,
    backend: str = "duckdb",
    purged: Purged | None = None,
) -> Iterator[store.Evidence]:
    """All candidate pairs of one family scored by its trained model (purging by ``rows`` by default)."""
    if len(rows) < 2:
        return
    table = _table(rows)
    linker = _linker(family, table, models_dir, backend, purged or purged_values([table], family))
    labels = _levels(linker)
    predictions = linker.inference.predict(threshold_match_probability=PREDICT_FLOOR)
    yield from _evidence_of(family, predictions, labels)


def score_new(
    family: str,
    new: list[Features] | pa.Table,
    old: list[Features] | pa.Table,
    models_dir: Path = MODELS_DIR,
    purged: Purged | None = None,
) -> Iterator[store.Evidence]:
    """Pairs within the new records and between new and existing ones (not old-old).

    ``purged`` must be the purging of all records, old and new, as a full run computes it.
    """
    if not len(new) or len(new) + len(old) < 2:
        return
    new_table, old_table = _table(new), _table(old)
    purged = purged if purged is not None else purged_values([new_table, old_table], family)
    new_table = with_blocking_columns(new_table, family, purged)
    linker = make_linker(new_table, load_model(family, models_dir), family)
    labels = _levels(linker)
    new_frame = linker._db_api.register(new_table, dataset_display_name=f"{family}_new")
    frames = []
    if len(new) > 1:
        frames.append(linker.inference.predict_within(new_frame, threshold_match_probability=PREDICT_FLOOR))
    if len(old):
        old_frame = linker._db_api.register(
            with_blocking_columns(old_table, family, purged), dataset_display_name=f"{family}_old"
        )
        frames.append(linker.inference.predict_between(new_frame, old_frame, threshold_match_probability=PREDICT_FLOOR))
    for frame in frames:
        yield from _evidence_of(family, frame, labels)


# What alone does not make a list entry of another record: a customer's director "Miguel Morales"
# born in 1973 is not OFAC's "TREVINO MORALES, Miguel" (four birth dates, one in 1973).
NAME_ONLY = frozenset({"names", "countries", "gender"})
WEAK_LEVELS = frozenset({"same year", "same city"})


def corroborated(evidence: store.Evidence) -> bool:
    """Some comparison besides names speaks for the match: a full date, a number, an address, a contact.

    A link between a sanctions-list entry and a record from elsewhere (customers,
    registries) needs it: list names are common enough, and fronts imitate them
    often enough, that a name (with a country or a birth year) would merge
    ordinary customers into listed parties, and their companies would inherit
    the listing in the graph. Screening still finds such records as candidates;
    they only do not share the listed party's entity.
    """
    return any(
        part["weight"] > 0 and part["comparison"] not in NAME_ONLY and part["label"] not in WEAK_LEVELS
        for part in evidence.comparisons
    )


def _dedupe(evidence: Iterable[store.Evidence]) -> list[store.Evidence]:
    """One evidence row per pair: a LegalEntity pair scored by two families keeps the stronger."""
    best: dict[tuple[str, str], store.Evidence] = {}
    for item in evidence:
        key = (item.record_l, item.record_r)
        if key not in best or item.match_probability > best[key].match_probability:
            best[key] = item
    return sorted(best.values(), key=lambda e: (e.record_l, e.record_r))


def _load_current(con: duckdb.DuckDBPyConnection, model: str) -> tuple[dict[str, str], dict[str, str]]:
    """Current record ids with their source and, per record, its content hash tied to the scoring model.

    A retrained model changes every hash, so an incremental run after ``train``
    rescores everything instead of reusing features and evidence of the old model.
    """
    rows = staging.current_hashes(con)
    return {rid: source for rid, source, _ in rows}, {rid: f"{h}:{model}" for rid, _, h in rows}


def _by_family(table: pa.Table) -> dict[str, pa.Table]:
    families = table["family"]
    return {f: table.filter(pc.equal(families, f)) for f in FAMILIES}


def run_resolve(
    staging_path: Path,
    *,
    models_dir: Path = MODELS_DIR,
    threshold: float | None = None,
    incremental: bool = False,
    backend: str = "duckdb",
    progress: Progress | None = None,
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
    con = staging.open_for_writing(staging_path)
    collecting = gc.isenabled()
    # A run holds millions of long-lived objects (record ids, evidence, clusters) and makes
    # next to no reference cycles; the cyclic collector would walk all of them again every
    # few hundred thousand allocations (a third of the clustering and ID time at 1.3M records).
    gc.disable()
    try:
        say("reading records")
        source_of, hashes = _load_current(con, model_fingerprint(models_dir))
        if not source_of:
            raise ResolutionError(f"{staging_path}: nothing staged to resolve", hint="run `sanctiongraph ingest` first")
        previous = store.load_features(con) if incremental else None
        vocabulary = load_vocabulary(models_dir)
        result = None
        if previous is not None and previous.hashes:
            result = _incremental(con, hashes, previous, models_dir, vocabulary, say)
        mode = "full" if result is None else "incremental"
        if result is None:
            result = _full(con, None, models_dir, backend, vocabulary, say)
        evidence, features, scored, purged = result
        say("clustering")
        exclusive = _exclusive_sources(con)
        same, not_same = store.judgements(con)
        listed = {rid for rid, source in source_of.items() if source in exclusive}
        links = [
            Link(e.record_l, e.record_r, e.match_probability)
            for e in evidence
            # below the threshold clustering drops the link anyway: no need to look at it
            if e.match_probability >= merge_at and ((e.record_l in listed) == (e.record_r in listed) or corroborated(e))
        ]
        # Only records a link or judgement names ever join another (the rest stay single).
        named = {rid for link in links for rid in (link.left, link.right)}
        ids = unique_identifiers(con, named.union(*same, *not_same))
        clusters = cluster_records(
            list(source_of),
            links,
            threshold=merge_at,
            group_of=lambda rid: source_of[rid] if source_of[rid] in exclusive else None,
            same=same,
            not_same=not_same,
            ids_of=lambda rid: ids.get(rid, {}),
        )
        say("assigning IDs")
        assignment = assign_ids(clusters, store.previous_assignment(con), store.issued_ids(con))
        kept = [e for e in evidence if e.match_probability >= EVIDENCE_THRESHOLD]
        say("writing the run")
        store.write_run(con, run_id, started, mode, assignment, kept, features=(features, hashes), purged=purged)
    finally:
        con.close()
        if collecting:
            gc.enable()
    return ResolveSummary(
        run_id,
        len(source_of),
        len(clusters),
        sum(len(c) for c in clusters if len(c) > 1),
        sum(1 for e in evidence if e.match_probability >= merge_at),
        sum(1 for e in assignment.events if e.event == "created"),
        len(assignment.retired),
        mode,
        scored,
    )


Scored = tuple[list[store.Evidence], pa.Table, int, dict[str, Purged]]


def _full(
    con: duckdb.DuckDBPyConnection,
    record_ids: list[str] | None,
    models_dir: Path,
    backend: str,
    vocabulary: Vocabulary,
    say: Progress,
) -> Scored:
    """Every blocked pair of every family scored; ``record_ids`` limits the records (all when ``None``)."""
    say("building features")
    features = features_of(read_records(con, record_ids), vocabulary)
    evidence: list[store.Evidence] = []
    purged: dict[str, Purged] = {}
    for family, rows in _by_family(features).items():
        say(f"scoring {family} ({len(rows):,} records)")
        purged[family] = purged_values([rows], family)
        evidence.extend(score_family(family, rows, models_dir, backend, purged[family]))
    return _dedupe(evidence), features, len(set(features["unique_id"].to_pylist())), purged


def _incremental(
    con: duckdb.DuckDBPyConnection,
    hashes: dict[str, str],
    previous: store.StoredFeatures,
    models_dir: Path,
    vocabulary: Vocabulary,
    say: Progress,
) -> Scored | None:
    """New evidence for added or changed records plus stored evidence among the rest.

    ``None`` when the values too common to block on changed since the last run:
    the stored evidence then no longer holds every pair a full run would score,
    and the caller runs a full one.
    """
    unchanged = {rid for rid, h in hashes.items() if previous.hashes.get(rid) == h}
    fresh = [rid for rid in hashes if rid not in unchanged]
    say(f"building features for {len(fresh):,} new or changed records")
    new_rows = features_of(read_records(con, fresh), vocabulary) if fresh else previous.rows.slice(0, 0)
    old_rows = previous.rows.filter(pc.is_in(previous.rows["unique_id"], pa.array(sorted(unchanged), pa.string())))
    new_by_family, old_by_family = _by_family(new_rows), _by_family(old_rows)
    purged = {f: purged_values([new_by_family[f], old_by_family[f]], f) for f in FAMILIES}
    if purged != store.load_purged(con):
        say("values too common to block on changed: running in full")
        return None
    evidence = [e for e in store.load_evidence(con) if e.record_l in unchanged and e.record_r in unchanged]
    for family in FAMILIES:
        say(f"scoring {family} ({len(new_by_family[family]):,} new records)")
        evidence.extend(score_new(family, new_by_family[family], old_by_family[family], models_dir, purged[family]))
    return _dedupe(evidence), pa.concat_tables([old_rows, new_rows]), len(fresh), purged
