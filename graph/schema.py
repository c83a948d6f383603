"""Constraints and indexes, generated from the graph model and created by the loader."""

from __future__ import annotations

from graph.model import (
    ADDRESS_KEY_INDEX,
    ALERT_CUSTOMER_INDEX,
    ALERT_STATUS_INDEX,
    CLUSTER_RANK_INDEX,
    CUSTOMER_FORMS_INDEX,
    ENTITY_NAME_INDEX,
    INFRA,
    KEYS,
    RECORD_SOURCE_KEY_INDEX,
    RELATION_TYPES,
    Label,
    Rel,
    constraint_name,
)
from graph.store import GraphStore
from ingest.record import Schema

# Labels whose stale nodes a load sweeps by ``loadId`` (range-indexed, so no label scan).
INFRA_LABELS = tuple(sorted({label for label, _ in INFRA.values()} | {Label.IP_NETWORK}))
SWEPT_LABELS = (Label.SANCTION, Label.RECORD, *INFRA_LABELS, Label.ENTITY)
# Relationship types swept by ``loadId``; the others go with their nodes.
_LOAD_RELS = {Rel.AT_DOMAIN, Rel.IN_NETWORK, Rel.JUDGED, Rel.SIMILAR_ADDRESS}
SWEPT_RELS = tuple(sorted({rel for _, rel in INFRA.values()} | set(RELATION_TYPES.values()) | _LOAD_RELS))


# Labels a first load CREATEs with their uniqueness constraints dropped: it builds them after the nodes.
BULK_LABELS = (Label.ENTITY, Label.RECORD, Label.SANCTION, *INFRA_LABELS)


def constraint_statements() -> list[str]:
    return [
        f"CREATE CONSTRAINT {constraint_name(label)} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{key} IS UNIQUE"
        for label, key in sorted(KEYS.items())
    ]


def schema_statements() -> list[str]:
    return constraint_statements() + index_statements()


def sweep_index_statements() -> list[str]:
    """The ``loadId`` indexes a full load's sweep seeks by, created by the first full load that sweeps.

    Nothing else reads them. Built after every first load, they were most of the
    indexes' population (a node or relationship each), and every later load
    kept them up to date for a sweep that a graph loaded from one workspace
    never needs.
    """
    statements = [
        f"CREATE INDEX {label.lower()}_load_id IF NOT EXISTS FOR (n:{label}) ON (n.loadId)" for label in SWEPT_LABELS
    ]
    statements += [
        f"CREATE INDEX rel_{rel.lower()}_load_id IF NOT EXISTS FOR ()-[r:{rel}]-() ON (r.loadId)" for rel in SWEPT_RELS
    ]
    return statements


def index_statements() -> list[str]:
    """The indexes that back no uniqueness constraint (a first load builds them once its nodes are written)."""
    statements = [
        f"CREATE FULLTEXT INDEX {ENTITY_NAME_INDEX} IF NOT EXISTS FOR (n:{Label.ENTITY}) ON EACH [n.name, n.aliasText]",
        f"CREATE FULLTEXT INDEX {CUSTOMER_FORMS_INDEX} IF NOT EXISTS FOR (n:{Schema.CUSTOMER_ACCOUNT}) ON EACH "
        "[n.nameForms] OPTIONS {indexConfig: {`fulltext.analyzer`: 'whitespace'}}",
        f"CREATE INDEX {RECORD_SOURCE_KEY_INDEX} IF NOT EXISTS FOR (n:{Label.RECORD}) ON (n.sourceKey)",
        f"CREATE INDEX entity_listed IF NOT EXISTS FOR (n:{Label.ENTITY}) ON (n.listed)",
        f"CREATE FULLTEXT INDEX {ADDRESS_KEY_INDEX} IF NOT EXISTS FOR (n:{Label.ADDRESS}) ON EACH [n.key]",
        f"CREATE INDEX {CLUSTER_RANK_INDEX} IF NOT EXISTS FOR (n:{Label.INFRA_CLUSTER}) ON (n.rank)",
        f"CREATE INDEX {ALERT_STATUS_INDEX} IF NOT EXISTS FOR (n:{Label.ALERT}) ON (n.status, n.createdAt)",
        f"CREATE INDEX {ALERT_CUSTOMER_INDEX} IF NOT EXISTS FOR (n:{Label.ALERT}) ON (n.customerId)",
    ]
    return statements


def ensure_schema(store: GraphStore) -> None:
    """Create every constraint and index (idempotent) and wait until they are online."""
    for statement in schema_statements():
        store.run_schema(statement)
    store.run_schema("CALL db.awaitIndexes(300)")
