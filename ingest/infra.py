"""Each staged record's shared values (e-mails, phones, addresses, identifiers...) with their keys.

A value's key is what two records must agree on to share it: an address
lower-cased with punctuation collapsed, an identifier upper-cased with only
letters and digits. Keys are derived once, when a record is staged, into
``sg_record_infra`` (one row per record, kind and key), so a graph load joins
them rather than parsing every record's JSON again: at 200k customers the
parsing was three quarters of the load's infrastructure query.

``RECORD_INFRA_VERSION`` names the derivation: a staging file derived by another
version is derived again when it is next opened for writing.
"""

from __future__ import annotations

from typing import Any

import duckdb

RECORD_INFRA_VERSION = 1

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS sg_record_infra (
    record_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS sg_derived (name VARCHAR PRIMARY KEY, version INTEGER NOT NULL);
"""

# The shared values of the records in ``{records}`` (a table or query with record_id and data). Each
# record's JSON is parsed once, into only the fields read (``from_json``).
DERIVE_SQL = """
INSERT INTO sg_record_infra
WITH parsed AS (
    SELECT record_id,
           from_json(data, '{{"infra": [{{"kind": "VARCHAR", "value": "VARCHAR"}}],
                              "addresses": [{{"full": "VARCHAR", "street": "VARCHAR", "postal_code": "VARCHAR"}}],
                              "identifiers": [{{"value": "VARCHAR"}}]}}') AS d
    FROM {records}
),
raw AS (
    SELECT record_id, i.kind AS kind, i.value AS value FROM parsed, unnest(d.infra) AS t(i)
    UNION ALL
    SELECT record_id, 'address', a.full FROM parsed, unnest(d.addresses) AS t(a)
    -- A country or a city alone is not a place two parties can share.
    WHERE a.street IS NOT NULL OR a.postal_code IS NOT NULL
    UNION ALL
    SELECT record_id, 'identifier', i.value FROM parsed, unnest(d.identifiers) AS t(i)
),
keyed AS (
    SELECT record_id, CASE WHEN kind = 'website' THEN 'domain' ELSE kind END AS kind, value,
           CASE
               WHEN kind = 'address' THEN trim(regexp_replace(lower(value), '[^[:alnum:]]+', ' ', 'g'))
               WHEN kind = 'identifier' THEN upper(regexp_replace(value, '[^[:alnum:]]', '', 'g'))
               ELSE value
           END AS key
    FROM raw
    WHERE value IS NOT NULL AND length(value) >= 3
)
-- min: one spelling of a key, the same each time it is derived (any_value's pick changed between
-- derivations, and a load then rewrote the value's node).
SELECT record_id, kind, key, min(value) FROM keyed
WHERE NOT (kind = 'identifier' AND length(key) < 5)
GROUP BY record_id, kind, key
"""


def derive(con: duckdb.DuckDBPyConnection, records: str, params: dict[str, Any] | None = None) -> None:
    """(Re)derive the shared values of ``records``: a table name, or a parenthesised query using ``params``."""
    con.execute(f"DELETE FROM sg_record_infra WHERE record_id IN (SELECT record_id FROM {records})", params)
    con.execute(DERIVE_SQL.format(records=records), params)


def derive_all(con: duckdb.DuckDBPyConnection) -> None:
    """Derive every record's shared values again, and record the version that did (run it in a transaction)."""
    con.execute(SCHEMA_SQL)
    con.execute("DELETE FROM sg_record_infra")
    con.execute(DERIVE_SQL.format(records="sg_records"))
    con.execute("INSERT OR REPLACE INTO sg_derived VALUES ('record_infra', ?)", [RECORD_INFRA_VERSION])


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether staging's shared values were derived by this version (read-only connections cannot derive)."""
    tables = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'sg_derived'").fetchall()
    if not tables[0][0]:
        return False
    rows = con.execute("SELECT version FROM sg_derived WHERE name = 'record_infra'").fetchall()
    return bool(rows) and rows[0][0] == RECORD_INFRA_VERSION
