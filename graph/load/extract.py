"""The graph's view of staging's resolved entities: shared infrastructure and relations.

Staging computes both set-wise (``ingest.staging.entities``); this module names
them in the graph's terms (labels and relationship types of ``graph.model``)
and hands them over a batch at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from graph.model import INFRA
from ingest.staging import entities

BATCH_SIZE = 5_000


@dataclass(slots=True)  # not frozen: built once per link, and frozen fields cost a call each
class InfraRow:
    label: str
    rel: str
    kind: str
    key: str
    value: str | None  # as written, when it differs from the key
    entity_id: str
    records: list[str]
    degree: int
    value_hash: int
    link_hash: int


def stage_links(con: duckdb.DuckDBPyConnection, rules: int) -> None:
    """Compute this run's (entity, shared value) links once, for the queries below.

    ``rules``: a fingerprint of what turns a value's degree into its node's
    properties, part of each value's hash (a change to them rewrites the values).
    """
    entities.stage_links(con, {str(kind): (str(label), str(rel)) for kind, (label, rel) in INFRA.items()}, rules)


# label, rel, kind, key, value, degree, entity_id, the one record or "", the records where several, and hashes.
LinkTuple = tuple[str, str, str, str, str | None, int, str, str, list[str] | None, int, int]


def link_batches(con: duckdb.DuckDBPyConnection) -> Iterator[list[LinkTuple]]:
    """The links staged by ``stage_links`` in value order, a batch at a time."""
    yield from entities.batches(entities.links_in_order(con), BATCH_SIZE)


def iter_infra(con: duckdb.DuckDBPyConnection) -> Iterator[InfraRow]:
    """Every (entity, shared value) link staged by ``stage_links``, ordered by kind and value."""
    for rows in link_batches(con):
        for label, rel, kind, key, value, degree, entity_id, record, records, value_hash, link_hash in rows:
            yield InfraRow(label, rel, kind, key, value, entity_id, records or [record], degree, value_hash, link_hash)


def links_state(con: duckdb.DuckDBPyConnection, separator: str) -> pa.RecordBatchReader:
    """The load state's rows (kind, key, grp, ref, hash) for the values and links staged by ``stage_links``."""
    return entities.links_state(con, separator)


def iter_relations(con: duckdb.DuckDBPyConnection) -> Iterator[dict[str, Any]]:
    """Relations between entities, aggregated over the records that state them."""
    cursor = entities.relations(con)
    columns = [d[0] for d in cursor.description or []]
    for rows in entities.batches(cursor, BATCH_SIZE):
        for row in rows:
            yield dict(zip(columns, row, strict=True))
