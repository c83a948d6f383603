"""The graph's view of staging: shared infrastructure and relations, as SQL over DuckDB.

Both are computed set-wise in DuckDB rather than record by record in Python:
the degree of every infrastructure value (how many entities use it) needs the
whole data set anyway, and a relation's target has to be found among all
records of its source (by key, or by name for OFAC's "Linked To:").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from graph.model import INFRA

BATCH_SIZE = 5_000

# One row per (entity, infrastructure value) with the records that use it and the value's degree: the
# number of distinct entities that use it. The values and their keys were derived once per record at
# ingest (``ingest.infra``); deriving them here, from every record's JSON, was three quarters of this query.
# A load reads it twice (the links in value order, ``INFRA_SQL``; a first load's state, ``LINKS_STATE_SQL``),
# so it is computed once into a temporary table (``stage_links``).
#
# Each row carries the hashes the load state compares (``graph.load.state``), computed here so that a first
# load can stage them set-wise: ``value_hash`` covers what a value's node is derived from (its key, its
# spelling, its degree and ``$rules``, the rules that turn a degree into a weight), ``link_hash`` what a link
# is (its entity, its value and its records). A value's spelling is the one of its first entity.
LINKS_SQL = """
CREATE OR REPLACE TEMP TABLE sg_load_links AS
WITH infra_kinds AS (SELECT unnest($kinds) AS kind, unnest($labels) AS label, unnest($rels) AS rel),
per_entity AS (
    SELECT i.kind, i.key, e.entity_id, min(i.value) AS value, list_sort(list(i.record_id)) AS records
    FROM sg_record_entities e JOIN sg_record_infra i USING (record_id)
    GROUP BY i.kind, i.key, e.entity_id
),
links AS (
    SELECT p.kind, k.label, k.rel, p.key, p.entity_id, p.records,
           -- As written only where it is not already the key (an address, an identifier): one string, not two.
           nullif(arg_min(p.value, p.entity_id) OVER (PARTITION BY p.kind, p.key), p.key) AS value,
           count(*) OVER (PARTITION BY p.kind, p.key) AS degree
    FROM per_entity p JOIN infra_kinds k USING (kind)
)
SELECT *, hash(key, value, degree, $rules) AS value_hash, hash(entity_id, key, records) AS link_hash FROM links
"""

# The links in order of value, each value's first. A link's records come as one string where there is one
# record (nearly always): fetching lists into Python cost about three times as much as strings.
INFRA_SQL = """
SELECT label, rel, kind, key, value, degree, entity_id,
       CASE WHEN len(records) = 1 THEN records[1] ELSE '' END AS record, CASE WHEN len(records) > 1 THEN records END,
       value_hash, link_hash
FROM sg_load_links ORDER BY kind, key, entity_id
"""

# The load state's rows for values and links, as ``graph.load.rows`` keys and groups them.
LINKS_STATE_SQL = """
SELECT 'value' AS kind, label || ':' || key AS key, label AS grp, NULL::VARCHAR AS ref, any_value(value_hash) AS hash
FROM sg_load_links GROUP BY label, key
UNION ALL
SELECT 'link', label || $separator || entity_id || $separator || key, label || '|' || rel, NULL, link_hash
FROM sg_load_links
"""

# Relations resolved to entity pairs: a target named by key is that record of the
# same source; a target named by name is the record of the same source that has
# that name (primary or alias), when exactly one has it.
RELATIONS_SQL = """
WITH current AS MATERIALIZED (
    SELECT e.entity_id, r.record_id, r.source,
           from_json(r.data, '{"relations": [{"kind": "VARCHAR", "target_key": "VARCHAR", "target_name": "VARCHAR",
                                              "share": "VARCHAR", "role": "VARCHAR", "start_date": "VARCHAR",
                                              "end_date": "VARCHAR"}]}').relations AS relations
    FROM sg_record_entities e JOIN sg_records r USING (record_id)
    WHERE json_array_length(r.data, '$.relations') > 0
),
relations AS (
    SELECT c.entity_id, c.record_id, c.source, x.kind, x.target_key, x.target_name,
           TRY_CAST(x.share AS DOUBLE) AS share, x.role, x.start_date, x.end_date
    FROM current c, unnest(c.relations) AS t(x)
),
-- Names matter only in the sources whose relations name their target.
named_sources AS (SELECT DISTINCT source FROM relations WHERE target_key IS NULL),
-- Their records are picked before any JSON is parsed: with the parse beside the join, DuckDB parses the
-- names of every record.
named_records AS MATERIALIZED (
    SELECT e.entity_id, r.source, from_json(r.data, '{"names": [{"value": "VARCHAR"}]}').names AS names
    FROM sg_records r JOIN sg_record_entities e USING (record_id)
    WHERE r.source IN (SELECT source FROM named_sources)
),
names AS (
    SELECT source, trim(regexp_replace(lower(n.value), '[^[:alnum:]]+', ' ', 'g')) AS name, entity_id
    FROM named_records, unnest(names) AS t(n)
),
unique_names AS (
    SELECT source, name, any_value(entity_id) AS entity_id
    FROM names GROUP BY source, name HAVING count(DISTINCT entity_id) = 1
),
resolved AS (
    SELECT rel.*, coalesce(by_key.entity_id, by_name.entity_id) AS target_entity
    FROM relations rel
    LEFT JOIN sg_record_entities by_key ON by_key.record_id = rel.source || ':' || rel.target_key
    LEFT JOIN unique_names by_name
        ON rel.target_key IS NULL AND by_name.source = rel.source
       AND by_name.name = trim(regexp_replace(lower(rel.target_name), '[^[:alnum:]]+', ' ', 'g'))
)
SELECT entity_id AS from_id, target_entity AS to_id, kind,
       list_sort(list_distinct(list(record_id))) AS records,
       max(share) AS share, any_value(role) AS role, min(start_date) AS start_date, max(end_date) AS end_date
FROM resolved
WHERE target_entity IS NOT NULL AND target_entity <> entity_id
GROUP BY entity_id, target_entity, kind
ORDER BY kind, from_id, to_id
"""

UNRESOLVED_RELATIONS_SQL = """
SELECT count(*) FROM sg_record_entities e JOIN sg_records r USING (record_id),
       unnest(json_extract(r.data, '$.relations[*]')) AS t(x)
"""


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
    kinds = list(INFRA)
    con.execute(
        LINKS_SQL,
        {
            "kinds": [str(kind) for kind in kinds],
            "labels": [str(INFRA[kind][0]) for kind in kinds],
            "rels": [str(INFRA[kind][1]) for kind in kinds],
            "rules": rules,
        },
    )


# label, rel, kind, key, value, degree, entity_id, the one record or "", the records where several, and hashes.
LinkTuple = tuple[str, str, str, str, str | None, int, str, str, list[str] | None, int, int]


def link_batches(con: duckdb.DuckDBPyConnection) -> Iterator[list[LinkTuple]]:
    """The links staged by ``stage_links`` as they come from ``INFRA_SQL``, a batch at a time."""
    cursor = con.execute(INFRA_SQL)
    while rows := cursor.fetchmany(BATCH_SIZE):
        yield rows


def iter_infra(con: duckdb.DuckDBPyConnection) -> Iterator[InfraRow]:
    """Every (entity, shared value) link staged by ``stage_links``, ordered by kind and value."""
    for rows in link_batches(con):
        for label, rel, kind, key, value, degree, entity_id, record, records, value_hash, link_hash in rows:
            yield InfraRow(label, rel, kind, key, value, entity_id, records or [record], degree, value_hash, link_hash)


def links_state(con: duckdb.DuckDBPyConnection, separator: str) -> pa.RecordBatchReader:
    """The load state's rows (kind, key, grp, ref, hash) for the values and links staged by ``stage_links``."""
    return con.sql(LINKS_STATE_SQL, params={"separator": separator}).to_arrow_reader(100_000)


def iter_relations(con: duckdb.DuckDBPyConnection) -> Iterator[dict[str, Any]]:
    """Relations between entities, aggregated over the records that state them."""
    cursor = con.execute(RELATIONS_SQL)
    columns = [d[0] for d in cursor.description or []]
    while rows := cursor.fetchmany(BATCH_SIZE):
        for row in rows:
            yield dict(zip(columns, row, strict=True))
