"""Each staged record's shared values (e-mails, phones, addresses, identifiers...) with their keys.

A value's key is what two records must agree on to share it, by the one rule
per kind in ``ingest.keys``. Keys are derived once per record, in Python as the
record is staged (``record_rows``, into the load's work table
``sg_load_infra``), and merged into ``sg_record_infra`` with the records
(``MERGE_SQL``), so a graph load joins them rather than parsing every record's
JSON again.

``RECORD_INFRA_VERSION`` names the key rules: a staging file derived by another
version is derived again (``derive_all``) when it is next opened for writing.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import orjson
import pyarrow as pa

from ingest import keys
from ingest.record import Record

RECORD_INFRA_VERSION = 2
BATCH_SIZE = 10_000


# Records whose shared values one statement replaces: a load's changed records are replaced a range of
# positions at a time, so that the join's tables stay small under the load's memory cap whatever the file's size.
MERGE_BATCH = 500_000

# Replace the shared values of the records of ``{records}`` (a table of record_id and seq) in the range of
# positions [$low, $high) by the ones derived as they were staged (``sg_load_infra``).
MERGE_SQL = (
    "DELETE FROM sg_record_infra"
    " WHERE record_id IN (SELECT record_id FROM {records} WHERE seq >= $low AND seq < $high)",
    "INSERT INTO sg_record_infra SELECT r.record_id, i.kind, i.key, i.value"
    " FROM (SELECT record_id, seq FROM {records} WHERE seq >= $low AND seq < $high) r"
    " JOIN (SELECT * FROM sg_load_infra WHERE seq >= $low AND seq < $high) i USING (seq)",
)


def record_rows(record: Record) -> list[tuple[str, str, str]]:
    """The (kind, key, value as written) rows of one record."""
    return keys.record_values(record)


def merge(con: duckdb.DuckDBPyConnection, records: str) -> None:
    """Replace the shared values of ``records`` (a work table) by those staged for them in ``sg_load_infra``."""
    (end,) = con.execute(f"SELECT coalesce(max(seq) + 1, 0) FROM {records}").fetchone() or (0,)
    for low in range(0, end, MERGE_BATCH):
        for sql in MERGE_SQL:
            con.execute(sql.format(records=records), {"low": low, "high": low + MERGE_BATCH})


def _current_rows(con: duckdb.DuckDBPyConnection) -> Iterator[pa.Table]:
    cursor = con.execute("SELECT record_id, data FROM sg_records")
    while rows := cursor.fetchmany(BATCH_SIZE):
        ids: list[str] = []
        columns: dict[str, list[str]] = {"kind": [], "key": [], "value": []}
        for record_id, data in rows:
            for kind, key, value in record_rows(Record.from_dict(orjson.loads(data))):
                ids.append(record_id)
                columns["kind"].append(kind)
                columns["key"].append(key)
                columns["value"].append(value)
        yield pa.table({"record_id": ids, **columns})


def derive_all(con: duckdb.DuckDBPyConnection) -> None:
    """Derive every record's shared values again, and record the version that did (run it in a transaction)."""
    con.execute("DELETE FROM sg_record_infra")
    read = con.cursor()  # the records are read on one cursor while the values are written on the other
    for batch in _current_rows(read):
        con.register("derived_batch", batch)
        con.execute("INSERT INTO sg_record_infra SELECT record_id, kind, key, value FROM derived_batch")
        con.unregister("derived_batch")
    con.execute("INSERT OR REPLACE INTO sg_derived VALUES ('record_infra', ?)", [RECORD_INFRA_VERSION])


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether staging's shared values were derived by this version (read-only connections cannot derive)."""
    tables = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'sg_derived'").fetchall()
    if not tables[0][0]:
        return False
    rows = con.execute("SELECT version FROM sg_derived WHERE name = 'record_infra'").fetchall()
    return bool(rows) and rows[0][0] == RECORD_INFRA_VERSION
