"""Typed reads over the graph: what the API and the CLI ask Neo4j.

Each function runs one named Cypher query and returns plain rows; none of the
callers sees Cypher or a driver object.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from graph.model import ENTITY_NAME_INDEX
from graph.store import GraphStore
from ingest import keys

# Lucene's query syntax characters; user text is matched as plain words.
_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/&|])')
MAX_QUERY_TERMS = 12
# Shorter text is more likely a name or a number than a wallet (Bitcoin's are 26 to 62 characters).
MIN_WALLET_CHARS = 25


@dataclass(slots=True)
class EntityRow:
    id: str
    name: str
    schema: str
    aliases: list[str] = field(default_factory=list)
    listed: bool = False
    countries: list[str] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)
    record_count: int = 0
    sources: list[str] = field(default_factory=list)
    score: float | None = None
    name_details: list[str] = field(default_factory=list)  # "kind|script|value"
    identifiers: list[str] = field(default_factory=list)  # "kind|value|country"


@dataclass(slots=True)
class RecordRow:
    id: str
    entity_id: str
    source: str
    source_key: str
    source_version: str | None
    schema: str
    name: str
    names: list[str]
    match_probability: float | None
    match_weight: float | None
    evidence: dict[str, Any] | None


@dataclass(slots=True)
class SanctionRow:
    id: str
    entity_id: str
    authority: str
    program: str | None
    list_name: str | None
    listed_on: str | None
    reference: str | None
    record_id: str
    source: str
    delisted_in: str | None = None


def entity_row(row: dict[str, Any]) -> EntityRow:
    """An ``EntityRow`` from a query's entity columns (``entities_by_ids``, ``cluster_members``)."""
    return _entity(row)


def _entity(row: dict[str, Any]) -> EntityRow:
    return EntityRow(
        id=row["id"],
        name=row["name"],
        schema=row["schema"],
        aliases=row.get("aliases") or [],
        listed=bool(row.get("listed")),
        countries=row.get("countries") or [],
        birth_dates=row.get("birthDates") or [],
        record_count=int(row.get("recordCount") or 0),
        sources=row.get("sources") or [],
        score=row.get("score"),
        name_details=row.get("nameDetails") or [],
        identifiers=row.get("identifiers") or [],
    )


def lucene_query(text: str) -> str | None:
    """User text as a Lucene query of plain words (fuzzy for longer ones); None if empty."""
    words = [w for w in _LUCENE_SPECIAL.sub(" ", text).split() if w.upper() not in ("AND", "OR", "NOT", "TO")]
    if not words:
        return None
    terms = [f"{w}~1" if len(w) >= 5 else w for w in words[:MAX_QUERY_TERMS]]
    exact = " ".join(words[:MAX_QUERY_TERMS])
    return f'"{exact}"^4 ' + " ".join(terms)


def get_entity(store: GraphStore, entity_id: str) -> EntityRow | None:
    rows = store.read("entity_by_id", {"id": entity_id})
    return _entity(rows[0]) if rows else None


def get_entities(store: GraphStore, ids: list[str]) -> dict[str, EntityRow]:
    return {row["id"]: _entity(row) for row in store.read("entities_by_ids", {"ids": ids})}


def value_keys(text: str) -> dict[str, list[str]]:
    """What a search text could be besides a name, keyed by the rules ingest keys values with (``ingest.keys``).

    A passport or registration number, an e-mail, a phone number, an IP address,
    a domain or a wallet: each rule returns None for text that is not one.
    """
    cleaned = text.strip()
    email = keys.email_key(cleaned)
    wallet = keys.wallet_key(cleaned) if len(cleaned) >= MIN_WALLET_CHARS else None
    found = {
        "Identifier": [keys.identifier_key(cleaned)],
        "Email": [email],
        "Phone": [keys.phone_key(cleaned) if sum(c.isdigit() for c in cleaned) >= 7 else None],
        "IPAddress": [keys.ip_key(cleaned)],
        "Domain": [keys.domain_key(cleaned) if email is None and " " not in cleaned else None],
        "Wallet": [wallet],
    }
    return {label: [v for v in found_keys if v] for label, found_keys in found.items()}


def search_entities(
    store: GraphStore, text: str, *, schema: str | None = None, skip: int = 0, limit: int = 10
) -> list[EntityRow]:
    """Entities by name (full-text), and, on the first page, by an exact identifier or contact value."""
    found: list[EntityRow] = []
    keys = value_keys(text)
    if skip == 0 and any(keys.values()):
        found = [_entity(row) for row in store.read("value_entities", {"values": keys, "limit": limit})]
        found = [e for e in found if schema is None or e.schema == schema]
    query = lucene_query(text)
    if query is None:
        return found[:limit]
    params = {"index": ENTITY_NAME_INDEX, "query": query, "schema": schema, "skip": skip, "limit": limit}
    seen = {e.id for e in found}
    found += [e for e in map(_entity, store.read("search_entities", params)) if e.id not in seen]
    return found[:limit]


@dataclass(slots=True)
class JudgementRow:
    record_id: str
    other_record_id: str
    other_entity_id: str | None
    other_name: str | None
    judgement: str
    note: str | None
    author: str | None
    at: str | None


def entity_judgements(store: GraphStore, entity_id: str, *, limit: int = 100) -> list[JudgementRow]:
    rows = store.read("entity_judgements", {"id": entity_id, "limit": limit})
    return [
        JudgementRow(
            r["recordId"],
            r["otherRecordId"],
            r.get("otherEntityId"),
            r.get("otherName"),
            r["judgement"],
            r.get("note"),
            r.get("author"),
            r.get("at"),
        )
        for r in rows
    ]


def entity_records(store: GraphStore, ids: list[str], *, skip: int, limit: int) -> dict[str, list[RecordRow]]:
    found: dict[str, list[RecordRow]] = defaultdict(list)
    for row in store.read("entity_records", {"ids": ids, "skip": skip, "limit": limit}):
        found[row["entityId"]].append(
            RecordRow(
                id=row["id"],
                entity_id=row["entityId"],
                source=row["source"],
                source_key=row["sourceKey"],
                source_version=row.get("sourceVersion"),
                schema=row["schema"],
                name=row["name"],
                names=row.get("names") or [],
                match_probability=row.get("matchProbability"),
                match_weight=row.get("matchWeight"),
                evidence=json.loads(row["evidence"]) if row.get("evidence") else None,
            )
        )
    return found


@dataclass(slots=True)
class SourceVersionRow:
    version: str
    rows_read: int
    records: int
    quarantined: int
    added: int
    changed: int
    removed: int
    ingested_at: str | None


@dataclass(slots=True)
class SourceRow:
    name: str
    format: str | None
    versions: list[SourceVersionRow]


def list_sources(store: GraphStore) -> list[SourceRow]:
    rows = store.read("list_sources")
    return [
        SourceRow(
            row["name"],
            row.get("format"),
            [
                SourceVersionRow(
                    v["version"],
                    v.get("rowsRead") or 0,
                    v.get("records") or 0,
                    v.get("quarantined") or 0,
                    v.get("added") or 0,
                    v.get("changed") or 0,
                    v.get("removed") or 0,
                    v.get("ingestedAt"),
                )
                for v in row["versions"]
            ],
        )
        for row in rows
    ]


def entity_sanctions(store: GraphStore, ids: list[str]) -> dict[str, list[SanctionRow]]:
    found: dict[str, list[SanctionRow]] = defaultdict(list)
    for row in store.read("entity_sanctions", {"ids": ids}):
        found[row["entityId"]].append(
            SanctionRow(
                id=row["id"],
                entity_id=row["entityId"],
                authority=row["authority"],
                program=row.get("program"),
                list_name=row.get("listName"),
                listed_on=row.get("listedOn"),
                reference=row.get("reference"),
                record_id=row["recordId"],
                source=row["source"],
                delisted_in=row.get("delistedIn"),
            )
        )
    return found
