"""A first load's set-wise rows against the row-by-row ones a later load compares (DuckDB only, no Neo4j)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph.load.rows import Parents, Row, linked_values, links_state, members_state, value_rows
from ingest import staging
from tests.graph.customers import stage_customers


def test_a_first_loads_values_and_state_are_what_a_later_load_compares_with(tmp_path: Path) -> None:
    """A first load nests links in their value and stages their state set-wise; an incremental load builds a row
    per value, link and member and compares each with that state. If the two disagreed on a key or a hash, every
    load after a first one would rewrite what did not change, or miss what did."""
    customers = stage_customers(tmp_path, 1000, 9)
    con = staging.connect(customers.staging, read_only=True)
    try:
        rows: list[Row] = list(value_rows(con))  # the incremental load's rows (it stages the links itself)
        parents = Parents()
        nested = list(linked_values(con, parents))
        linked = list(parents.linked())
        state = links_state(con).read_all().to_pylist()
    finally:
        con.close()
    state += members_state([(group, children) for _, group, children in linked]).to_pylist()

    by_row = {(r.kind, r.key): ("|".join(r.group), r.hash) for r in rows if r.kind in ("value", "link", "parent_link")}
    by_state = {(s["kind"], s["key"]): (s["grp"], s["hash"]) for s in state}
    assert len(by_state) == len(state)  # one state row per key
    assert by_state == by_row
    kinds = {kind for kind, _ in by_row}
    assert kinds == {"value", "link", "parent_link"} and len(by_row) > 5000

    # The nested values carry what the value rows and their links do.
    values = {r.key: r.payload for r in rows if r.kind == "value"}
    links: dict[str, list[tuple[str, list[str]]]] = {}
    for r in rows:
        if r.kind == "link":
            label = r.group[0]
            links.setdefault(f"{label}:{r.payload['key']}", []).append((r.payload["entityId"], r.payload["records"]))
    assert len(nested) == len(values)
    for (label, _rel), payload in nested:
        key = f"{label}:{payload['key']}"
        plain: dict[str, Any] = {k: v for k, v in payload.items() if k not in ("entityIds", "records")}
        assert plain == values[key]
        assert list(zip(payload["entityIds"], payload["records"], strict=True)) == links[key]

    # Parents: the same rows, and the same members, either way.
    parent_rows = [r for r in rows if r.kind == "parent"]
    assert [(p.key, p.payload) for p, _, _ in linked] == [(r.key, r.payload) for r in parent_rows]
    members = sorted(r.key for r in rows if r.kind == "parent_link")
    assert sorted(f"{group[0]}:{child}" for _, group, children in linked for child in children) == members
