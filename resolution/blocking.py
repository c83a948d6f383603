"""Blocking: which record pairs ``resolve`` scores at all.

A rule holds when the two records share a value of every one of its columns
(list columns exploded). Name rules skip pairs the records themselves say are
two parties (``Block.unless_different``). On top, *block purging*: a value that
more than ``MAX_BLOCK`` records of a family share (``maple studio`` for 338
generated companies, ``1975-01-01`` as a birth date) is not used to block by a
single-column rule, because it would cost ~n²/2 comparisons and a value that
common says nothing about who is who. Purging depends on the data, so it is
computed over all current records of a run (``with_blocking_columns``), and an
incremental run whose purged values differ from the last run's becomes a full
run (``resolution.run``).

``blocked`` is the Python twin of the rules without purging (what two records
alone decide), used by ``evaluate``, ``explain`` and training.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from resolution.features import ACCOUNT, VESSEL, Features
from resolution.normalize import ORGANIZATION, PERSON

# A blocking value shared by more records than this (in one family) is not used.
MAX_BLOCK = 100
PURGED_PREFIX = "blk_"


@dataclass(frozen=True, slots=True)
class Block:
    """A blocking rule: the two records share a value of every column (list columns exploded).

    ``unless_different`` skips pairs the records themselves say are two parties:
    both give birth (or incorporation) years and none is within a year of the
    other's, or both carry an identifier of a kind a party has one of (a
    registration number of one registry, a national id) and so would be
    compared on it. Two "Maple Studio" companies with different registration
    numbers, or two directors named Ananya Das born 20 years apart, are not
    compared by name; a name without such facts (most list entries) still is.
    """

    columns: tuple[str, ...]
    unless_different: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        """The columns the join is on: a single column's purged twin (see ``with_blocking_columns``)."""
        return (PURGED_PREFIX + self.columns[0],) if len(self.columns) == 1 else self.columns

    def splink(self, backend: str = "duckdb") -> BlockingRuleCreator:
        """The rule for Splink; ``backend`` ``spark`` gets the portable known-different test."""
        condition = " AND ".join(f"l.{c} = r.{c}" for c in self.keys)
        if self.unless_different:
            condition += f" AND NOT ({KNOWN_DIFFERENT_DUCKDB if backend == 'duckdb' else KNOWN_DIFFERENT_SQL})"
        return CustomRule(condition, sql_dialect="duckdb", arrays_to_explode=list(self.keys))

    def holds(self, a: Features, b: Features) -> bool:
        """The Python twin of the rule (``blocked``)."""
        shared = all(not set(getattr(a, c)).isdisjoint(getattr(b, c)) for c in self.columns)
        return shared and not (self.unless_different and known_different(a, b))


KNOWN_DIFFERENT_SQL = (
    "(l.years IS NOT NULL AND r.years IS NOT NULL"
    " AND coalesce(array_length(array_intersect(l.years_near, r.years)), 0) = 0)"
    " OR (coalesce(array_length(array_intersect(l.id_unique, r.id_unique)), 0) > 0"
    " AND coalesce(array_length(array_intersect(l.id_digits, r.id_digits)), 0) = 0"
    " AND coalesce(array_length(array_intersect(l.identifiers, r.identifiers)), 0) = 0)"
)
# The same test for DuckDB: ``list_has_any`` answers "share a value" without building the
# intersection, and the name rules evaluate it on every candidate pair of a block (16
# million for the person fuzzy key at a million customers: a third less time). Lists here
# never hold NULL; a NULL list shares nothing, as ``coalesce(..., 0)`` says above.
# (sqlglot renders ``list_has_any`` for Spark as ``&&``, which Spark lacks: hence two texts.)
KNOWN_DIFFERENT_DUCKDB = (
    "(l.years IS NOT NULL AND r.years IS NOT NULL AND NOT coalesce(list_has_any(l.years_near, r.years), false))"
    " OR (coalesce(list_has_any(l.id_unique, r.id_unique), false)"
    " AND NOT coalesce(list_has_any(l.id_digits, r.id_digits), false)"
    " AND NOT coalesce(list_has_any(l.identifiers, r.identifiers), false))"
)


def known_different(a: Features, b: Features) -> bool:
    """Birth years more than a year apart, or different identifiers of a one-per-party kind."""
    years = bool(a.years) and bool(b.years) and set(a.years_near).isdisjoint(b.years)
    ids = (
        not set(a.id_unique).isdisjoint(b.id_unique)
        and set(a.id_digits).isdisjoint(b.id_digits)
        and set(a.identifiers).isdisjoint(b.identifiers)
    )
    return years or ids


def _names_then(*others: Block) -> tuple[Block, ...]:
    names = tuple(Block((c,), unless_different=True) for c in ("sorted_keys", "fuzzy_keys", "token_pairs"))
    return names + others


# Blocking: a pair is scored when some rule holds. Chosen by blocking analysis
# (bench/bench_resolution.py blocking, figures in docs/resolution.md). Customer
# accounts are never blocked on a name alone (common names repeat by the
# thousand in a million accounts, so a name must come with a birth date), nor on
# an e-mail address: addresses like ``name.surname@webmail`` recur between
# different people with one name, and a same-name pair with a birth date is
# blocked anyway.
BLOCKING_RULES: dict[str, tuple[Block, ...]] = {
    PERSON: _names_then(Block(("identifiers",)), Block(("id_digits",)), Block(("dates",))),
    ORGANIZATION: _names_then(Block(("identifiers",)), Block(("id_digits",))),
    VESSEL: (Block(("sorted_keys",), True), Block(("fuzzy_keys",), True), Block(("identifiers",))),
    ACCOUNT: (
        Block(("phones",)),
        Block(("devices",)),
        Block(("payments",)),
        Block(("wallets",)),
        Block(("sorted_keys", "dates")),
    ),
}


def blocking_rules(family: str) -> list[BlockingRuleCreator | dict[str, Any]]:
    return [rule.splink() for rule in BLOCKING_RULES[family]]


def blocked(family: str, a: Features, b: Features) -> bool:
    """Whether ``resolve`` would compare the two records at all (some blocking rule holds)."""
    return any(rule.holds(a, b) for rule in BLOCKING_RULES[family])


def purge_columns(family: str) -> tuple[str, ...]:
    """The columns single-column rules of ``family`` join on (and purge)."""
    return tuple(rule.columns[0] for rule in BLOCKING_RULES[family] if len(rule.columns) == 1)


def purged_values(tables: Iterable[pa.Table], family: str) -> dict[str, list[str]]:
    """Per blocking column, the values more than ``MAX_BLOCK`` of these records share (sorted)."""
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        for index, table in enumerate(tables):
            con.register(f"part{index}", table.select(["unique_id", *purge_columns(family)]))
        union = " UNION ALL ".join(f"SELECT * FROM part{i}" for i in range(index + 1))
        found: dict[str, list[str]] = {}
        for column in purge_columns(family):
            rows = con.execute(
                f"SELECT v FROM (SELECT DISTINCT unique_id, unnest({column}) AS v FROM ({union})) "
                f"GROUP BY v HAVING count(*) > {MAX_BLOCK} ORDER BY v"
            ).fetchall()
            found[column] = [v for (v,) in rows]
        return found
    finally:
        con.close()


def with_blocking_columns(table: pa.Table, family: str, purged: dict[str, list[str]] | None = None) -> pa.Table:
    """``table`` plus the purged twin ``blk_<column>`` of each blocking column the rules join on.

    ``purged`` defaults to the values too common in ``table`` itself. A table that
    already has the twins is returned as it is. Columns with nothing to purge are
    shared, not copied (a million customer accounts usually purge nothing).
    """
    if all(PURGED_PREFIX + c in table.column_names for c in purge_columns(family)):
        return table
    purged = purged if purged is not None else purged_values([table], family)
    for column in purge_columns(family):
        table = table.append_column(PURGED_PREFIX + column, _without(table[column], purged.get(column, [])))
    return table


def _without(column: pa.ChunkedArray, values: list[str]) -> pa.ChunkedArray | pa.Array:
    """A list column with ``values`` taken out of every list (order kept; NULL stays NULL)."""
    if not values:
        return column
    lists = column.combine_chunks()
    flat, parents = pc.list_flatten(lists), pc.list_parent_indices(lists).cast(pa.int64())
    keep = pc.invert(pc.is_in(flat, value_set=pa.array(values, pa.string())))
    kept = pa.table({"i": parents.filter(keep)}).group_by("i").aggregate([("i", "count")])
    rows = pa.table({"i": pa.array(range(len(lists)), pa.int64())})
    counts = pc.fill_null(rows.join(kept, "i", join_type="left outer").sort_by("i")["i_count"], 0)
    offsets = pa.concat_arrays([pa.array([0], pa.int64()), pc.cumulative_sum(counts).combine_chunks()])
    return pa.ListArray.from_arrays(offsets.cast(pa.int32()), flat.filter(keep), mask=lists.is_null())
