"""What the last successful load wrote, so the next one writes only the difference.

A small DuckDB file beside staging (``graph-state.duckdb``) holds one row per
thing in the graph — kind, key, label group, reference and a 64-bit hash of
its properties — and the ``loadId`` it belongs to. A load stages the rows it wants
(with their properties) in a table, writes those whose hash differs from the
state, deletes what the state has and the new rows do not, and only then
replaces the state. A load that dies half-way leaves the old state, and the
next load computes its difference against it again (writes are idempotent).

The state is trusted only when its ``loadId`` is the graph's last completed
load; otherwise (a new or wiped Neo4j, another workspace loaded into it) the
load writes everything and sweeps what it did not write.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import xxhash

from graph.load.rows import Row
from ingest import staging
from sanctiongraph.errors import GraphStoreError

STATE_FILE = "graph-state.duckdb"
BATCH = 20_000
# DuckDB's memory for the state (beyond it spills to the workspace's tmp/): a load of a million
# customers stages ~25 M rows here, which uncapped held ~9 GB of RAM.
STATE_MEMORY_LIMIT = "1GB"

# One row per (kind, key): the commit groups by them. No PRIMARY KEY: keeping its index up to date (and
# deleting millions of indexed rows when the state is forgotten) cost minutes at a million customers.
SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS sg_graph_rows (
    kind VARCHAR NOT NULL, key VARCHAR NOT NULL, grp VARCHAR NOT NULL, ref VARCHAR, hash UBIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS sg_graph_meta (load_id BIGINT NOT NULL, run_id VARCHAR NOT NULL);
"""

_INCOMING = pa.schema(
    [
        ("seq", pa.int64()),
        ("kind", pa.string()),
        ("key", pa.string()),
        ("grp", pa.string()),
        ("ref", pa.string()),
        ("hash", pa.uint64()),
        ("payload", pa.string()),
    ]
)

# Rows this load wants whose properties differ from what the graph has, in writing order.
CHANGED_SQL = """
SELECT n.grp, n.payload FROM sg_new_rows n
LEFT JOIN sg_graph_rows o ON o.kind = n.kind AND o.key = n.key
WHERE n.kind = ? AND (o.hash IS NULL OR o.hash <> n.hash)
ORDER BY n.grp, n.seq
"""

COUNTS_SQL = "SELECT kind, count(*) FROM sg_graph_rows GROUP BY kind"

# What the graph has that this load does not, except what a caller keeps (delisted records).
REMOVED_SQL = """
SELECT o.grp, o.key, o.ref FROM sg_graph_rows o
ANTI JOIN sg_new_rows n ON n.kind = o.kind AND n.key = o.key
WHERE o.kind = ? AND o.key NOT IN (SELECT key FROM sg_keep WHERE kind = ?)
ORDER BY o.grp, o.key
"""


@dataclass
class LoadState:
    path: Path
    con: duckdb.DuckDBPyConnection
    staged_as_state: bool = False  # a first load's rows went straight into sg_graph_rows

    @classmethod
    def open(cls, path: Path) -> LoadState:
        try:
            con = duckdb.connect(str(path))
        except (duckdb.Error, OSError) as error:
            raise GraphStoreError(
                f"{path}: cannot open the load state ({error})", hint="check the workspace is writable"
            ) from error
        staging.bound_memory(con, STATE_MEMORY_LIMIT, keep_order=True)
        state = cls(path, con)
        if state._hash_type() not in (None, "UBIGINT"):
            state.forget()  # a state from before 64-bit hashes: the next load rewrites everything (a full load)
        con.execute(SCHEMA_SQL)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE sg_new_rows (seq BIGINT, kind VARCHAR, key VARCHAR, grp VARCHAR,"
            " ref VARCHAR, hash UBIGINT, payload VARCHAR)"
        )
        con.execute("CREATE OR REPLACE TEMP TABLE sg_keep (kind VARCHAR, key VARCHAR)")
        return state

    def _hash_type(self) -> str | None:
        rows = self.con.execute(
            "SELECT data_type FROM information_schema.columns"
            " WHERE table_name = 'sg_graph_rows' AND column_name = 'hash'"
        ).fetchall()
        return str(rows[0][0]) if rows else None

    def close(self) -> None:
        self.con.close()

    def last_load_id(self) -> int | None:
        # fetchall: DuckDB 2 refuses more work on a connection with a half-read result.
        (value,) = self.con.execute("SELECT max(load_id) FROM sg_graph_meta").fetchall()[0]
        return None if value is None else int(value)

    def is_empty(self) -> bool:
        return bool(self.con.execute("SELECT count(*) = 0 FROM sg_graph_rows").fetchall()[0][0])

    def forget(self) -> None:
        """Trust nothing: every row will count as changed, nothing as removed."""
        self.con.begin()
        try:
            self.con.execute("DROP TABLE IF EXISTS sg_graph_rows")  # faster than deleting millions of rows
            self.con.execute("DROP TABLE IF EXISTS sg_graph_meta")
            self.con.execute(SCHEMA_SQL)
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    @contextlib.contextmanager
    def first_load(self) -> Iterator[None]:
        """Stage a first load's rows straight into the state, in one transaction.

        A first load into an empty graph writes each row as it passes instead
        of comparing it, and nothing else reads its rows, so they go straight
        into the state, forgotten just before (copying them at commit costs a
        pass over every row), without their properties. Until ``commit``
        records the load they are not trusted (``last_load_id`` is None).
        """
        if not self.is_empty():
            raise GraphStoreError(f"{self.path}: staging a first load into a state that is not empty (a bug)")
        self.staged_as_state = True
        self.con.begin()  # one transaction: an insert per batch would each go through the WAL and checkpoints
        try:
            yield
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    def stage(self, rows: Iterable[Row], *, on_row: Callable[[Row], None] | None = None) -> dict[str, int]:
        """Put this load's rows aside, with their properties for ``changed``, and return counts by kind.

        In ``first_load`` the properties are not kept, and ``on_row`` writes each row as it passes.
        """
        counts: dict[str, int] = {}
        keep_payload = not self.staged_as_state
        # Column by column: a tuple per row, transposed per batch, costs a third more, and this loop runs
        # once per node and relationship of the graph.
        columns: tuple[list[Any], ...] = tuple([] for _ in _INCOMING.names)
        seqs, kinds, keys, groups, refs, hashes, payloads = columns
        dumps, sort_keys, digest = orjson.dumps, orjson.OPT_SORT_KEYS, xxhash.xxh3_64_intdigest
        for seq, row in enumerate(rows):
            encoded = dumps(row.payload, option=sort_keys)
            seqs.append(seq)
            kinds.append(row.kind)
            keys.append(row.key)
            groups.append("|".join(row.group))
            refs.append(row.ref)
            # xxh3: a change detector, not a signature. A SHA-1 hex digest cost about four times as much to
            # compute, and a 40-character string to build and store where this is an 8-byte integer.
            hashes.append(digest(encoded) if row.hash is None else row.hash)
            payloads.append(encoded.decode("utf-8") if keep_payload else None)
            counts[row.kind] = counts.get(row.kind, 0) + 1
            if on_row is not None:
                on_row(row)
            if len(seqs) >= BATCH:
                self._insert(columns)
                for column in columns:
                    column.clear()
        if seqs:
            self._insert(columns)
        return counts

    def stage_hashed(self, rows: pa.Table | pa.RecordBatchReader) -> dict[str, int]:
        """A first load's rows already keyed and hashed (kind, key, grp, ref, hash), set-wise; counts by kind."""
        if not self.staged_as_state:
            raise GraphStoreError(f"{self.path}: rows without their properties outside a first load (a bug)")
        before = self._counts()
        self.con.register("sg_hashed", rows)
        try:
            self.con.execute("INSERT INTO sg_graph_rows SELECT kind, key, grp, ref, hash FROM sg_hashed")
        finally:
            self.con.unregister("sg_hashed")
        after = self._counts()
        return {kind: n - before.get(kind, 0) for kind, n in after.items() if n > before.get(kind, 0)}

    def _counts(self) -> dict[str, int]:
        return {str(kind): int(count) for kind, count in self.con.execute(COUNTS_SQL).fetchall()}

    def _insert(self, columns: tuple[list[Any], ...]) -> None:
        arrays = [pa.array(column, type=field.type) for column, field in zip(columns, _INCOMING, strict=True)]
        self.con.register("sg_batch", pa.Table.from_arrays(arrays, schema=_INCOMING))
        if self.staged_as_state:
            self.con.execute("INSERT INTO sg_graph_rows SELECT kind, key, grp, ref, hash FROM sg_batch")
        else:
            self.con.execute("INSERT INTO sg_new_rows SELECT * FROM sg_batch")
        self.con.unregister("sg_batch")

    def keep(self, kind: str, keys: Iterable[str]) -> None:
        rows = [{"kind": kind, "key": key} for key in keys]
        if rows:
            self.con.register("sg_batch", pa.Table.from_pylist(rows))
            self.con.execute("INSERT INTO sg_keep SELECT kind, key FROM sg_batch")
            self.con.unregister("sg_batch")

    def kept_refs(self, kind: str, keys_kind: str) -> list[str]:
        """The references the state holds for kept keys (e.g. the entity of a delisted record)."""
        rows = self.con.execute(
            "SELECT DISTINCT o.ref FROM sg_graph_rows o JOIN sg_keep k ON k.key = o.key AND k.kind = ? "
            "WHERE o.kind = ? AND o.ref IS NOT NULL",
            [keys_kind, kind],
        ).fetchall()
        return [r[0] for r in rows]

    def changed(self, kind: str) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
        cursor = self.con.execute(CHANGED_SQL, [kind])
        while batch := cursor.fetchmany(BATCH):
            for grp, payload in batch:
                yield tuple(grp.split("|")) if grp else (), orjson.loads(payload)

    def removed(self, kind: str) -> Iterator[tuple[tuple[str, ...], str, str | None]]:
        cursor = self.con.execute(REMOVED_SQL, [kind, kind])
        while batch := cursor.fetchmany(BATCH):
            for grp, key, ref in batch:
                yield tuple(grp.split("|")) if grp else (), key, ref

    def touched(self) -> list[tuple[str, str, str | None]]:
        """(kind, key, ref) of every row this load wrote or deleted: where ongoing screening starts (``graph.alerts``).

        Call before ``commit``, which makes this load's rows the state. Records are left out: every record
        of a new list version changes (its version), while what screening reads of them changes its entity's
        row (names, dates, countries, identifiers, listed) or its links (values).
        """
        rows = self.con.execute(
            """
            SELECT n.kind, n.key, n.ref FROM sg_new_rows n
            LEFT JOIN sg_graph_rows o ON o.kind = n.kind AND o.key = n.key
            WHERE n.kind IN ('entity', 'link', 'relation', 'value') AND (o.hash IS NULL OR o.hash <> n.hash)
            UNION ALL
            SELECT o.kind, o.key, o.ref FROM sg_graph_rows o
            ANTI JOIN sg_new_rows n ON n.kind = o.kind AND n.key = o.key
            WHERE o.kind IN ('entity', 'link', 'relation', 'value')
            """
        ).fetchall()
        return [(str(kind), str(key), None if ref is None else str(ref)) for kind, key, ref in rows]

    def commit(self, load_id: int, run_id: str) -> None:
        """This load is in the graph: it becomes the state the next load compares with."""
        self.con.begin()
        try:
            # A new table replaces the old one: faster than deleting and inserting millions of rows. Keys are
            # unique within a kind (load_rows), so no GROUP BY, which would double the copy.
            if not self.staged_as_state:
                self.con.execute(
                    "CREATE OR REPLACE TABLE sg_graph_rows AS SELECT kind, key, grp, ref, hash FROM sg_new_rows"
                )
            self.con.execute("DELETE FROM sg_graph_meta")
            self.con.execute("INSERT INTO sg_graph_meta VALUES (?, ?)", [load_id, run_id])
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()
