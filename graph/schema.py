"""Constraints and indexes, generated from the graph model and created by the loader."""

from __future__ import annotations

from graph.model import ENTITY_NAME_INDEX, KEYS, RECORD_SOURCE_KEY_INDEX, Label, constraint_name
from graph.store import GraphStore

# Labels whose stale nodes a load sweeps by ``loadId`` (range-indexed, so no label scan).
SWEPT_LABELS = (Label.SANCTION, Label.RECORD, Label.ENTITY)


def schema_statements() -> list[str]:
    statements = [
        f"CREATE CONSTRAINT {constraint_name(label)} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{key} IS UNIQUE"
        for label, key in sorted(KEYS.items())
    ]
    statements += [
        f"CREATE INDEX {label.lower()}_load_id IF NOT EXISTS FOR (n:{label}) ON (n.loadId)" for label in SWEPT_LABELS
    ]
    statements += [
        f"CREATE FULLTEXT INDEX {ENTITY_NAME_INDEX} IF NOT EXISTS FOR (n:{Label.ENTITY}) ON EACH [n.name, n.aliasText]",
        f"CREATE INDEX {RECORD_SOURCE_KEY_INDEX} IF NOT EXISTS FOR (n:{Label.RECORD}) ON (n.sourceKey)",
    ]
    return statements


def ensure_schema(store: GraphStore) -> None:
    """Create every constraint and index (idempotent) and wait until they are online."""
    for statement in schema_statements():
        store.run_schema(statement)
    store.run_schema("CALL db.awaitIndexes(300)")
