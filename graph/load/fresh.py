"""A first load into an empty graph: everything is created as its rows are built, and recorded as the load state.

Nothing is looked up by key while it creates: the uniqueness constraints and the
secondary indexes are dropped first and built once the nodes are there.
"""

from __future__ import annotations

import re

import duckdb

from graph.load.rows import (
    Parents,
    Row,
    entity_rows,
    linked_values,
    links_state,
    members_state,
    relation_rows,
    stage_links,
)
from graph.load.state import LoadState
from graph.load.writer import Writer
from graph.schema import schema_statements, sweep_index_statements

_INDEX_NAME = re.compile(r"CREATE (?:FULLTEXT |RANGE |TEXT )?INDEX (\w+) IF NOT EXISTS")


def secondary_indexes() -> list[str]:
    """The indexes that back no uniqueness constraint, the sweep's too (a first load builds those only if swept)."""
    statements = schema_statements() + sweep_index_statements()
    return [m.group(1) for s in statements if (m := _INDEX_NAME.match(s))]


def write_first_load(con: duckdb.DuckDBPyConnection, state: LoadState, writer: Writer) -> dict[str, int]:
    """Everything is new: write rows as they are built, and record them as the load state.

    Values come with their links nested, one row per value, and parents with
    their members; the state of links and members is staged set-wise, not row
    by row: they are nearly half of a load's items.
    """
    counts: dict[str, int] = {}

    def add(row: Row) -> None:
        writer.add(row.kind, row.group, row.payload)

    def count(more: dict[str, int]) -> None:
        for kind, n in more.items():
            counts[kind] = counts.get(kind, 0) + n

    with state.first_load():
        count(state.stage(entity_rows(con), on_row=add))
        stage_links(con)
        parents = Parents()
        for links, value in linked_values(con, parents):
            writer.add_linked_value(links, value)
        count(state.stage_hashed(links_state(con)))
        parent_rows: list[Row] = []
        members: list[tuple[tuple[str, str, str], list[str]]] = []
        for parent, member_links, children in parents.linked():
            writer.add_linked_parent(member_links, {**parent.payload, "children": children})
            parent_rows.append(parent)
            members.append((member_links, children))
        count(state.stage(parent_rows))
        count(state.stage_hashed(members_state(members)))
        count(state.stage(relation_rows(con), on_row=add))
    return counts
