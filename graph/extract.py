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

from graph.model import INFRA, Label, Rel

BATCH_SIZE = 5_000

# One row per (entity, infrastructure value) with the records that use it and the value's degree: the
# number of distinct entities that use it. The values and their keys were derived once per record at
# ingest (``ingest.infra``); deriving them here, from every record's JSON, was three quarters of this query.
INFRA_SQL = """
WITH per_entity AS (
    SELECT i.kind, i.key, e.entity_id, min(i.value) AS value, list_sort(list(i.record_id)) AS records
    FROM sg_record_entities e JOIN sg_record_infra i USING (record_id)
    GROUP BY i.kind, i.key, e.entity_id
)
SELECT kind, key,
       -- As written only where it is not already the key (an address, an identifier): one string, not two.
       nullif(value, key) AS value,
       entity_id, records, count(*) OVER (PARTITION BY kind, key) AS degree
FROM per_entity
ORDER BY kind, key, entity_id
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
-- Their records are picked before any JSON is parsed: with the parse beside the join, DuckDB parsed the
-- names of every record, and the query took three times the CPU (4.6-5.3 s against 1.4-1.6 at 200k customers).
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
    label: Label
    rel: Rel
    kind: str
    key: str
    value: str | None  # as written, when it differs from the key
    entity_id: str
    records: list[str]
    degree: int


def iter_infra(con: duckdb.DuckDBPyConnection) -> Iterator[InfraRow]:
    """Every (entity, shared value) link, ordered by kind and value."""
    cursor = con.execute(INFRA_SQL)
    while rows := cursor.fetchmany(BATCH_SIZE):
        for kind, key, value, entity_id, records, degree in rows:
            if kind not in INFRA:
                continue
            label, rel = INFRA[kind]
            yield InfraRow(label, rel, kind, key, value, entity_id, list(records), int(degree))


def iter_relations(con: duckdb.DuckDBPyConnection) -> Iterator[dict[str, Any]]:
    """Relations between entities, aggregated over the records that state them."""
    cursor = con.execute(RELATIONS_SQL)
    columns = [d[0] for d in cursor.description or []]
    while rows := cursor.fetchmany(BATCH_SIZE):
        for row in rows:
            yield dict(zip(columns, row, strict=True))
