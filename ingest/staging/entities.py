"""Resolved entities as staging holds them, read set-wise for the graph layer and its exports.

A resolution run maps every record to an entity (``sg_record_entities``); these
reads join that map with the records, their shared values and their relations,
in DuckDB, so the graph layer never spells a staging table. They are computed
set-wise rather than record by record in Python: the degree of every shared
value (how many entities use it) needs the whole data set anyway, and a
relation's target has to be found among all records of its source (by key, or
by name for OFAC's "Linked To:").

Each read returns a cursor or an Arrow reader to fetch in batches, so memory
stays flat at any size.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

# --- the load: entities with their records, shared values and relations ---------------------------

# Records of the current run with their entity and the best evidence linking them
# to another record of the same entity.
RECORDS_SQL = """
WITH evidence AS (
    SELECT record_l AS record_id, record_r AS partner, match_probability, match_weight, comparisons
    FROM sg_match_evidence
    UNION ALL
    SELECT record_r, record_l, match_probability, match_weight, comparisons FROM sg_match_evidence
),
best AS (
    SELECT ev.record_id, arg_max(ev.partner, ev.match_probability) AS partner,
           max(ev.match_probability) AS match_probability,
           arg_max(ev.match_weight, ev.match_probability) AS match_weight,
           arg_max(ev.comparisons, ev.match_probability) AS comparisons
    FROM evidence ev
    JOIN sg_record_entities a ON a.record_id = ev.record_id
    JOIN sg_record_entities b ON b.record_id = ev.partner AND b.entity_id = a.entity_id
    GROUP BY ev.record_id
)
SELECT e.entity_id, r.data, best.partner, best.match_probability, best.match_weight, best.comparisons
FROM sg_record_entities e
JOIN sg_records r USING (record_id)
LEFT JOIN best USING (record_id)
ORDER BY e.entity_id, e.record_id
"""


# One row per (entity, shared value) with the records that use it and the value's degree: the number of
# distinct entities that use it. The values and their keys were derived once per record at ingest
# (``staging.shared_values``). A load reads it twice (the links in value order, ``LINKS_IN_ORDER_SQL``; a
# first load's state, ``LINKS_STATE_SQL``), so it is computed once into a temporary table (``stage_links``).
#
# Each row carries the hashes the graph's load state compares, computed here so that a first load can
# stage them set-wise: ``value_hash`` covers what a value's node is derived from (its key, its spelling,
# its degree and ``$rules``, the graph's rules that turn a degree into a weight), ``link_hash`` what a link
# is (its entity, its value and its records). A value's spelling is the one of its first entity.
LINKS_SQL = """
CREATE OR REPLACE TEMP TABLE entity_links AS
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
LINKS_IN_ORDER_SQL = """
SELECT label, rel, kind, key, value, degree, entity_id,
       CASE WHEN len(records) = 1 THEN records[1] ELSE '' END AS record, CASE WHEN len(records) > 1 THEN records END,
       value_hash, link_hash
FROM entity_links ORDER BY kind, key, entity_id
"""

# The load state's rows (kind, key, grp, ref, hash) for values and links, keyed and grouped as the graph's
# load rows are.
LINKS_STATE_SQL = """
SELECT 'value' AS kind, label || ':' || key AS key, label AS grp, NULL::VARCHAR AS ref, any_value(value_hash) AS hash
FROM entity_links GROUP BY label, key
UNION ALL
SELECT 'link', label || $separator || entity_id || $separator || key, label || '|' || rel, NULL, link_hash
FROM entity_links
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

SOURCES_SQL = """
SELECT source, any_value(format),
       list({'version': version, 'rowsRead': rows_read, 'records': records, 'quarantined': quarantined,
             'added': added, 'changed': changed, 'removed': removed,
             'ingestedAt': strftime(ingested_at, '%Y-%m-%dT%H:%M:%S')}
            ORDER BY ingested_at)
FROM sg_source_versions GROUP BY source ORDER BY source
"""

# Records a newer version of their list no longer has (delisted), with how many listings they had.
REMOVED_SQL = """
SELECT record_id, removed_in, coalesce(json_array_length(json_extract(data, '$.sanctions')), 0)
FROM sg_records WHERE removed_in IS NOT NULL ORDER BY record_id
"""


def entity_records(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """(entity_id, record JSON, partner, probability, weight, comparisons), entity by entity."""
    return con.execute(RECORDS_SQL)


def stage_links(con: duckdb.DuckDBPyConnection, kinds: Mapping[str, tuple[str, str]], rules: int) -> None:
    """Compute this run's (entity, shared value) links once, for the reads below.

    ``kinds``: each shared value kind the graph draws, with its node label and
    relationship type. ``rules``: a fingerprint of what turns a value's degree
    into its node's properties, part of each value's hash.
    """
    names = list(kinds)
    params = {
        "kinds": names,
        "labels": [kinds[k][0] for k in names],
        "rels": [kinds[k][1] for k in names],
        "rules": rules,
    }
    con.execute(LINKS_SQL, params)


def links_in_order(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The links ``stage_links`` computed: label, rel, kind, key, value, degree, entity, record(s), hashes."""
    return con.execute(LINKS_IN_ORDER_SQL)


def links_state(con: duckdb.DuckDBPyConnection, separator: str) -> pa.RecordBatchReader:
    """The load state's rows (kind, key, grp, ref, hash) for the links ``stage_links`` computed."""
    return con.sql(LINKS_STATE_SQL, params={"separator": separator}).to_arrow_reader(100_000)


def relations(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """(from_id, to_id, kind, records, share, role, start_date, end_date) between entities."""
    return con.execute(RELATIONS_SQL)


def source_versions(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """Each source, its format and its versions (oldest first) with their counts."""
    return con.execute(SOURCES_SQL).fetchall()


def delisted_records(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(record ID, the version that removed it, how many listings it had) of every delisted record."""
    return con.execute(REMOVED_SQL).fetchall()


# --- networks: values shared between entities -------------------------------------------------------

# Each shared value of the current run (kind, key, degree) with its entities.
VALUES_SQL = """
WITH per_entity AS (
    SELECT DISTINCT i.kind, i.key, e.entity_id FROM sg_record_entities e JOIN sg_record_infra i USING (record_id)
),
shared AS (
    SELECT kind, key, count(*) AS degree FROM per_entity GROUP BY kind, key
    HAVING count(*) BETWEEN 2 AND $superNode
)
SELECT p.kind, p.key, s.degree, list(p.entity_id ORDER BY p.entity_id)
FROM per_entity p JOIN shared s USING (kind, key)
GROUP BY p.kind, p.key, s.degree
"""

# Entities with a record on a list now.
LISTED_SQL = """
SELECT DISTINCT e.entity_id FROM sg_record_entities e JOIN sg_records r USING (record_id)
WHERE r.removed_in IS NULL AND coalesce(json_array_length(r.data, '$.sanctions'), 0) > 0
"""


def shared_values(con: duckdb.DuckDBPyConnection, max_degree: int) -> duckdb.DuckDBPyConnection:
    """(kind, key, degree, entity IDs) of each value 2 to ``max_degree`` entities use."""
    return con.execute(VALUES_SQL, {"superNode": max_degree})


def listed_entities(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {str(row[0]) for row in con.execute(LISTED_SQL).fetchall()}


# Pairs of keys of one kind (addresses) of resolved entities that share at least $minShared rare words or numbers.
CANDIDATES_SQL = """
WITH addresses AS (
    SELECT DISTINCT i.key FROM sg_record_infra i JOIN sg_record_entities e USING (record_id) WHERE i.kind = $kind
),
tokens AS (SELECT key, unnest(string_split(key, ' ')) AS token FROM addresses),
rare AS (
    SELECT key, token FROM tokens
    WHERE length(token) >= $minChars
    QUALIFY count(*) OVER (PARTITION BY token) BETWEEN 2 AND $maxFrequency
)
SELECT a.key AS a, b.key AS b
FROM rare a JOIN rare b ON a.token = b.token AND a.key < b.key
GROUP BY a.key, b.key
HAVING count(*) >= $minShared
ORDER BY a, b
"""


def address_pairs(
    con: duckdb.DuckDBPyConnection, kind: str, min_chars: int, max_frequency: int, min_shared: int
) -> duckdb.DuckDBPyConnection:
    """(a, b) pairs of keys of ``kind`` that share ``min_shared`` rare words.

    A word is rare when it has ``min_chars`` or more and at most ``max_frequency`` keys have it.
    """
    params = {"kind": kind, "minChars": min_chars, "maxFrequency": max_frequency, "minShared": min_shared}
    return con.execute(CANDIDATES_SQL, params)


# --- exports -------------------------------------------------------------------------------------

# The record -> entity map, with the strongest link that put each record in its entity (none for a record
# alone); ``$since`` keeps records whose entity or record changed after that run.
RECORD_MAP_SQL = """
WITH linked AS (
    SELECT m.record_l AS record_id, m.match_probability FROM sg_match_evidence m
    JOIN sg_record_entities a ON a.record_id = m.record_l
    JOIN sg_record_entities b ON b.record_id = m.record_r
    WHERE a.entity_id = b.entity_id
    UNION ALL
    SELECT m.record_r, m.match_probability FROM sg_match_evidence m
    JOIN sg_record_entities a ON a.record_id = m.record_l
    JOIN sg_record_entities b ON b.record_id = m.record_r
    WHERE a.entity_id = b.entity_id
), best AS (
    SELECT record_id, max(match_probability) AS match_probability FROM linked GROUP BY record_id
)
SELECT r.source, r.source_key, e.entity_id, b.match_probability, e.run_id,
       (r.removed_in IS NULL AND coalesce(json_array_length(r.data, '$.sanctions'), 0) > 0) AS listed,
       r.record_id
FROM sg_record_entities e
JOIN sg_records r USING (record_id)
LEFT JOIN best b USING (record_id)
WHERE ($source IS NULL OR r.source = $source)
  AND ($since IS NULL
       OR e.entity_id IN (
           SELECT v.entity_id FROM sg_entity_events v JOIN sg_runs n USING (run_id) WHERE n.started_at > $since_at)
       OR record_id IN (
           SELECT c.record_id FROM sg_changes c JOIN sg_source_versions s USING (source, version)
           WHERE s.ingested_at > $since_at))
ORDER BY r.source, r.source_key
"""

# One share of the entities (by a hash of their ID) with their current records, entity by entity.
# A share at a time: DuckDB sorts a share's records in its memory cap, where sorting every
# record's JSON at once would not fit (1M records: out of memory at 512 MB).
ENTITY_RECORDS_SQL = """
SELECT e.entity_id, r.data
FROM sg_record_entities e JOIN sg_records r USING (record_id)
WHERE r.removed_in IS NULL AND hash(e.entity_id) % $shares = $share
ORDER BY e.entity_id, r.record_id
"""

# Values two to ``$max_users`` entities use, each pair of users once per value.
SHARED_VALUES_SQL = """
WITH users AS (
    SELECT i.kind, i.key, min(i.value) AS value, list(DISTINCT e.entity_id ORDER BY e.entity_id) AS entities
    FROM sg_record_infra i
    JOIN sg_records r USING (record_id)
    JOIN sg_record_entities e USING (record_id)
    WHERE r.removed_in IS NULL
    GROUP BY i.kind, i.key
    HAVING count(DISTINCT e.entity_id) BETWEEN 2 AND $max_users
)
SELECT a.entity_id AS subject, b.entity_id AS object, u.kind, u.value
FROM users u, unnest(u.entities) AS a(entity_id), unnest(u.entities) AS b(entity_id)
WHERE a.entity_id < b.entity_id
ORDER BY u.kind, u.key, 1, 2
"""


def copy_record_map(con: duckdb.DuckDBPyConnection, out: Path, options: str, params: dict[str, Any]) -> int:
    """Stream the record -> entity map to ``out`` with DuckDB's COPY (``options``: a constant); rows written."""
    target = str(out).replace("'", "''")  # COPY takes no parameter for its target
    rows = con.execute(f"COPY ({RECORD_MAP_SQL}) TO '{target}' ({options})", params).fetchone()
    return int(rows[0]) if rows else 0


def entity_share(con: duckdb.DuckDBPyConnection, shares: int, share: int) -> duckdb.DuckDBPyConnection:
    """(entity_id, record JSON) of one share of the entities, entity by entity."""
    return con.execute(ENTITY_RECORDS_SQL, {"shares": shares, "share": share})


def shared_value_pairs(con: duckdb.DuckDBPyConnection, max_users: int) -> duckdb.DuckDBPyConnection:
    """(subject, object, kind, value): pairs of entities using one value that 2 to ``max_users`` entities use."""
    return con.execute(SHARED_VALUES_SQL, {"max_users": max_users})


def batches(cursor: duckdb.DuckDBPyConnection, size: int) -> Iterator[list[Any]]:
    """A cursor's rows, ``size`` at a time."""
    while rows := cursor.fetchmany(size):
        yield rows
