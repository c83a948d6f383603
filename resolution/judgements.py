"""Analyst judgements: two records are, or are not, the same party.

A judgement is an audit-trail row in staging (who, when, why; ``ingest.staging.resolved``); the
latest active one per pair wins, and every later ``resolve`` honours it: a
"same" pair is joined before any scored link, a "not same" pair is never joined,
not even through other records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingest import staging
from ingest.staging import resolved
from sanctiongraph.errors import ResolutionError

SAME, NOT_SAME = "same", "not_same"


@dataclass(frozen=True, slots=True)
class Judgement:
    record_a: str
    record_b: str
    same: bool
    note: str | None
    author: str | None
    created_at: datetime


def _require_record(con: duckdb.DuckDBPyConnection, record_id: str) -> None:
    if not staging.record_exists(con, record_id):
        raise ResolutionError(
            f"record {record_id!r} is not staged",
            hint="use a record id as `sanctiongraph sources`/the API show it (source:key)",
        )


def record_judgement(
    staging_path: Path,
    record_a: str,
    record_b: str,
    same: bool,
    note: str | None = None,
    author: str | None = None,
) -> Judgement:
    """Record that ``record_a`` and ``record_b`` are (``same``) or are not the same party.

    Raises:
        ResolutionError: a record is not staged, or the two ids are one record.
    """
    if record_a == record_b:
        raise ResolutionError(f"{record_a}: a record is always the same party as itself")
    left, right = sorted((record_a, record_b))
    now = datetime.now(UTC).replace(tzinfo=None)
    con = staging.open_for_writing(staging_path)
    try:
        for record_id in (left, right):
            _require_record(con, record_id)
        resolved.add_judgement(con, left, right, SAME if same else NOT_SAME, note, author, now)
    finally:
        con.close()
    return Judgement(left, right, same, note, author, now)


def list_judgements(staging_path: Path) -> list[Judgement]:
    """Every active judgement, oldest first."""
    con = staging.connect(staging_path, read_only=True)
    try:
        rows = resolved.judgement_rows(con)
    finally:
        con.close()
    return [Judgement(a, b, j == SAME, n, w, t) for a, b, j, n, w, t in rows]
