"""Resolution's view of its state in staging: evidence, features, judgements and runs as its own types.

The tables and their SQL belong to staging (``ingest.staging.resolved``); this
module turns them into resolution's types and back. A run is written in one
transaction, so a crash leaves the previous run in place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from ingest.staging import resolved
from resolution.features import FEATURE_SCHEMA
from resolution.identity import Assignment


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why two records were (or were not) merged: Splink's score and its parts."""

    record_l: str
    record_r: str
    family: str
    match_probability: float
    match_weight: float
    comparisons: list[dict[str, Any]]  # [{"comparison", "level", "label", "weight"}]


@dataclass(frozen=True, slots=True)
class StoredFeatures:
    """The comparison rows of the last run (``FEATURE_SCHEMA``) and the content hash of each record."""

    rows: pa.Table
    hashes: dict[str, str]  # record_id -> content_hash


def load_features(con: duckdb.DuckDBPyConnection) -> StoredFeatures:
    """The last run's feature rows; empty when there is none or its columns are outdated.

    Staging's feature table is rewritten whole by every run, so a feature column added
    in a later version just makes the next incremental run a full one.
    """
    empty = StoredFeatures(FEATURE_SCHEMA.empty_table(), {})
    table = resolved.features_table(con)
    if table is None or table.column_names != [*FEATURE_SCHEMA.names, "content_hash"]:
        return empty
    hashes = dict(zip(table["unique_id"].to_pylist(), table["content_hash"].to_pylist(), strict=True))
    return StoredFeatures(table.select(FEATURE_SCHEMA.names).cast(FEATURE_SCHEMA), hashes)


def _evidence(row: resolved.EvidenceRow) -> Evidence:
    left, right, family, probability, weight, comparisons = row
    return Evidence(left, right, family, probability, weight, json.loads(comparisons))


def load_evidence(con: duckdb.DuckDBPyConnection) -> list[Evidence]:
    return [_evidence(row) for row in resolved.evidence_rows(con)]


def load_evidence_pair(con: duckdb.DuckDBPyConnection, left: str, right: str) -> Evidence | None:
    """The stored evidence of one pair (ids in sorted order), if the last run kept any."""
    row = resolved.evidence_pair(con, left, right)
    return None if row is None else _evidence(row)


def load_purged(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, list[str]]]:
    """The blocking values the last run did not block on, per family and column (see ``resolution.blocking``)."""
    from resolution.blocking import purge_columns
    from resolution.models import FAMILIES

    found: dict[str, dict[str, list[str]]] = {f: {c: [] for c in purge_columns(f)} for f in FAMILIES}
    for family, column, value in resolved.purged_values(con):
        found.setdefault(family, {}).setdefault(column, []).append(value)
    return found


def previous_assignment(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return resolved.entity_of_records(con)


def issued_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return resolved.issued_ids(con)


def judgements(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Active analyst judgements as (same, not_same) pairs; the latest per pair wins."""
    rows = resolved.latest_judgements(con)
    same = [(a, b) for a, b, j, *_ in rows if j == "same"]
    not_same = [(a, b) for a, b, j, *_ in rows if j == "not_same"]
    return same, not_same


def write_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    started_at: datetime,
    mode: str,
    assignment: Assignment,
    evidence: Iterable[Evidence],
    features: tuple[pa.Table, dict[str, str]] | None = None,
    purged: dict[str, dict[str, list[str]]] | None = None,
) -> None:
    """Replace the current assignment, evidence and feature rows with this run's, atomically."""
    rows = list(evidence)
    resolved.write_run(
        con,
        resolved.RunWrite(
            run_id=run_id,
            started_at=started_at,
            finished_at=datetime.now(UTC).replace(tzinfo=None),
            mode=mode,
            entities=pa.table(
                {
                    "record_id": pa.array(list(assignment.entity_of), pa.string()),
                    "entity_id": pa.array(list(assignment.entity_of.values()), pa.string()),
                }
            ),
            matches=_matches(rows),
            created=[e.entity_id for e in assignment.events if e.event == "created"],
            retired=dict(assignment.retired),
            events=_events(assignment),
            features=None if features is None else _with_hashes(*features),
            purged=None if purged is None else _purged(purged),
        ),
    )


def _matches(rows: list[Evidence]) -> pa.Table:
    return pa.table(
        {
            "record_l": pa.array([e.record_l for e in rows], pa.string()),
            "record_r": pa.array([e.record_r for e in rows], pa.string()),
            "family": pa.array([e.family for e in rows], pa.string()),
            "match_probability": pa.array([e.match_probability for e in rows], pa.float64()),
            "match_weight": pa.array([e.match_weight for e in rows], pa.float64()),
            "comparisons": pa.array([json.dumps(e.comparisons) for e in rows], pa.string()),
        }
    )


def _events(assignment: Assignment) -> pa.Table:
    events = assignment.events
    return pa.table(
        {
            "entity_id": pa.array([e.entity_id for e in events], pa.string()),
            "event": pa.array([e.event for e in events], pa.string()),
            "other_id": pa.array([e.other_id for e in events], pa.string()),
        }
    )


def _with_hashes(table: pa.Table, hashes: dict[str, str]) -> pa.Table:
    ids = table["unique_id"].to_pylist()
    return table.append_column("content_hash", pa.array([hashes.get(i, "") for i in ids], pa.string()))


def _purged(purged: dict[str, dict[str, list[str]]]) -> pa.Table:
    rows = [
        (family, column, value)
        for family, columns in purged.items()
        for column, values in columns.items()
        for value in values
    ]
    return pa.table(
        {
            "family": pa.array([r[0] for r in rows], pa.string()),
            "blocking_column": pa.array([r[1] for r in rows], pa.string()),
            "value": pa.array([r[2] for r in rows], pa.string()),
        }
    )


def current_entity_id(con: duckdb.DuckDBPyConnection, entity_id: str) -> str | None:
    """Follow retired IDs to their successor; ``None`` when the ID was never issued."""
    return resolved.current_entity_id(con, entity_id)
