"""Every table of the staging database, and the one place that brings an older file up to date.

Staging is one DuckDB file per workspace that three layers share: ingest writes
each list version's records (``sg_source_versions``, ``sg_records``,
``sg_changes``, ``sg_quarantine``) and their shared values (``sg_record_infra``);
resolution writes its runs, entity IDs, evidence and judgements; the graph layer
only reads. The tables are declared here, whoever writes them, so the contract
between the layers is written down once. ``migrate`` is explicit: a writer calls it
after opening the file; readers never change it.
"""

from __future__ import annotations

import duckdb

from ingest.staging import shared_values

# --- ingest: list versions and their records ---------------------------------------------

# One row per record ever staged. No PRIMARY KEY: uniqueness holds by construction (a version's records are
# merged by record_id, a key seen twice in one file is quarantined), and DuckDB keeps a key's index in memory
# whole, about 45 bytes a record: at five million records its growth alone broke the load's memory cap
# at commit. Files made before lose the key when next opened for writing (``migrate``).
RECORDS = """sg_records (
    record_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    source_key VARCHAR NOT NULL,
    schema VARCHAR NOT NULL,
    caption VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    data JSON NOT NULL,
    first_version VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    removed_in VARCHAR,
    updated_at TIMESTAMP NOT NULL
)"""

INGEST_SQL = f"""
CREATE TABLE IF NOT EXISTS sg_source_versions (
    source VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    files VARCHAR[] NOT NULL,
    sha256 VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL,
    records BIGINT NOT NULL,
    quarantined BIGINT NOT NULL,
    added BIGINT NOT NULL,
    changed BIGINT NOT NULL,
    removed BIGINT NOT NULL,
    ingested_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source, version)
);
CREATE TABLE IF NOT EXISTS {RECORDS};
CREATE TABLE IF NOT EXISTS sg_changes (
    source VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    change VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS sg_quarantine (
    source VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    row BIGINT NOT NULL,
    field VARCHAR,
    reason VARCHAR NOT NULL,
    raw VARCHAR
);
"""

# Work tables of one load (see ``stage_version``): temporary, so private to the loading connection, written
# without a log, spilled to the workspace's temp folder past the memory cap, and gone with the connection.
LOAD_TABLES_SQL = """
CREATE TEMP TABLE sg_load_records (
    record_id VARCHAR, source VARCHAR, source_key VARCHAR, schema VARCHAR, caption VARCHAR, content_hash VARCHAR,
    data VARCHAR, seq BIGINT, file VARCHAR, row BIGINT, rows BIGINT
);
CREATE TEMP TABLE sg_load_quarantine (
    source VARCHAR, version VARCHAR, file VARCHAR, row BIGINT, field VARCHAR, reason VARCHAR, raw VARCHAR, rows BIGINT
);
CREATE TEMP TABLE sg_load_changed (seq BIGINT, record_id VARCHAR, change VARCHAR);
"""


# --- ingest: the shared values derived from each record (``staging.shared_values``) -----------------

INFRA_SQL = """
CREATE TABLE IF NOT EXISTS sg_record_infra (
    record_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS sg_derived (name VARCHAR PRIMARY KEY, version INTEGER NOT NULL);
"""

# The work table of one load: the shared values of each incoming record, by its position in the load.
LOAD_INFRA_SQL = "CREATE TEMP TABLE sg_load_infra (seq BIGINT, kind VARCHAR, key VARCHAR, value VARCHAR)"


# --- resolution: runs, stable entity IDs, evidence, judgements (``resolution.store``) -------

# The two tables every run rewrites whole (``write_run`` replaces them). They have no
# PRIMARY KEY: uniqueness holds by construction (one row per record, one per pair),
# and DuckDB's index over a million varchar keys made deleting and re-inserting
# every row cost half a minute at commit. Workspaces made before keep their keyed
# tables until the next run replaces them.
RECORD_ENTITIES = """sg_record_entities (
    record_id VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
)"""
MATCH_EVIDENCE = """sg_match_evidence (
    record_l VARCHAR NOT NULL,
    record_r VARCHAR NOT NULL,
    family VARCHAR NOT NULL,
    match_probability DOUBLE NOT NULL,
    match_weight DOUBLE NOT NULL,
    comparisons JSON NOT NULL,
    run_id VARCHAR NOT NULL
)"""

RESOLUTION_SQL = f"""
CREATE TABLE IF NOT EXISTS sg_runs (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    mode VARCHAR NOT NULL,
    records BIGINT NOT NULL,
    entities BIGINT NOT NULL,
    links BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS {RECORD_ENTITIES};
CREATE TABLE IF NOT EXISTS sg_entity_ids (
    entity_id VARCHAR PRIMARY KEY,
    created_run VARCHAR NOT NULL,
    retired_run VARCHAR,
    successor VARCHAR
);
CREATE TABLE IF NOT EXISTS sg_entity_events (
    run_id VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    event VARCHAR NOT NULL,
    other_id VARCHAR
);
CREATE TABLE IF NOT EXISTS {MATCH_EVIDENCE};
CREATE TABLE IF NOT EXISTS sg_blocking_purged (
    family VARCHAR NOT NULL,
    blocking_column VARCHAR NOT NULL,
    value VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS sg_judgements (
    record_l VARCHAR NOT NULL,
    record_r VARCHAR NOT NULL,
    judgement VARCHAR NOT NULL,
    note VARCHAR,
    author VARCHAR,
    created_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
"""


# Work tables of one ingest, dropped at its end (and with its connection, when it is killed).
WORK_TABLES = ("sg_load_records", "sg_load_quarantine", "sg_load_infra", "sg_load_changed")


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a staging file made by any earlier version up to this one's tables.

    Creates what is missing, adds columns added since, derives every record's shared
    values again when they were derived by another version, and drops the work
    tables a killed ingest of an earlier version left in the file (they were not
    temporary then). Run on a fresh connection, which has no temporary tables of its own.
    """
    con.execute(INGEST_SQL)
    con.execute(INFRA_SQL)
    con.execute(RESOLUTION_SQL)
    # Added after the first release: how many input rows a quarantine entry stands for.
    con.execute("ALTER TABLE sg_quarantine ADD COLUMN IF NOT EXISTS rows BIGINT DEFAULT 1")
    _unkey_records(con)
    if not shared_values.is_current(con):  # a staging file from before sg_record_infra, or derived differently
        con.begin()
        try:
            shared_values.derive_all(con)
        except BaseException:
            con.rollback()
            raise
        con.commit()
    for table in WORK_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")  # names from WORK_TABLES, never user text


def _unkey_records(con: duckdb.DuckDBPyConnection) -> None:
    """``sg_records`` without the PRIMARY KEY a file made before still has (see ``RECORDS``), rows unchanged."""
    keyed = con.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'sg_records' AND constraint_type = 'PRIMARY KEY'"
    ).fetchone()
    if not keyed or not keyed[0]:
        return
    con.begin()
    try:
        con.execute("ALTER TABLE sg_records RENAME TO sg_records_keyed")
        con.execute(f"CREATE TABLE {RECORDS}")
        con.execute("INSERT INTO sg_records SELECT * FROM sg_records_keyed")
        con.execute("DROP TABLE sg_records_keyed")
    except BaseException:
        con.rollback()
        raise
    con.commit()


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a file needs no ``migrate``: a reader of an older one asks a writer to bring it up to date first."""
    return shared_values.is_current(con)


def create_work_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The empty work tables of one ingest."""
    drop_work(con)
    con.execute(LOAD_TABLES_SQL)
    con.execute(LOAD_INFRA_SQL)


def drop_work(con: duckdb.DuckDBPyConnection) -> None:
    """Drop this connection's work tables (``temp.``: a persistent table of the same name is left alone)."""
    for table in WORK_TABLES:
        con.execute(f"DROP TABLE IF EXISTS temp.{table}")  # names from WORK_TABLES, never user text
