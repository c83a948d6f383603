"""What the graph should hold for one resolution run, as rows of a few kinds.

Each ``Row`` is one thing a load writes: an entity, a record, a listing, a shared
value, the link from an entity to a value, a value's parent (an e-mail's domain,
an IP's network), or a relation between entities. ``key`` is unique within its
kind and ``group`` fills the query's label placeholders. The loader compares the
rows with those of the last load (``graph.load.state``) and writes only the
difference.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from graph.load.extract import iter_infra, iter_relations, link_batches
from graph.load.extract import links_state as infra_links_state
from graph.load.extract import stage_links as stage_infra_links
from graph.model import RELATION_TYPES, Label, Rel
from graph.name_match import customer_forms
from graph.specificity import is_super_node, rules, specificity
from ingest import indicators as dprk
from ingest.keys import WALLET, email_domain, wallet_currency
from ingest.record import NameKind, Record, RelationKind, Schema
from ingest.staging import entities
from ingest.values import ip_network

FETCH = 5_000
# Part of every value's hash in the load state (with ``specificity.rules``): change it when ``value_payload``
# derives a value's node differently, so that the next load rewrites the values.
VALUE_ROWS_VERSION = 2
# A member's link to its parent (an e-mail's to its domain) is its key and its parent's, which is derived from
# its key: the row's key says everything, and its hash is a constant. Change the version when a parent is
# derived differently (``ingest.keys.email_domain``, ``ingest.values.ip_network``), so that the next load rewrites them.
MEMBER_ROWS_VERSION = 2
MEMBER_HASH = xxhash.xxh3_64_intdigest(f"member:{MEMBER_ROWS_VERSION}".encode())
SEPARATOR = "\x1f"  # joins the two ends of a link's or relation's key

# The order a load writes kinds in: each only refers to kinds before it.
KINDS = ("entity", "record", "sanction", "value", "parent", "link", "parent_link", "relation")

# When an entity's records disagree on schema, the most specific one wins.
SCHEMA_PRIORITY = [
    Schema.PERSON,
    Schema.VESSEL,
    Schema.AIRCRAFT,
    Schema.COMPANY,
    Schema.ORGANIZATION,
    Schema.LEGAL_ENTITY,
    Schema.CUSTOMER_ACCOUNT,
    Schema.ADDRESS,
]


# Not frozen: a frozen dataclass sets each field through object.__setattr__, and a load builds a Row for
# every node and relationship.
@dataclass(slots=True)
class Row:
    kind: str
    group: tuple[str, ...]
    key: str
    payload: dict[str, Any]
    # A record's entity, which a delisted record keeps (LoadState.kept_refs). Only records carry one: the
    # state stores it per row, and a link's or relation's was never read.
    ref: str | None = None
    # The load state's hash of the row, where staging computes it (values and links); else the payload's.
    hash: int | None = None


@dataclass(slots=True)
class Member:
    record: Record
    data: str  # the record's JSON as staging holds it (Record.to_json): the record node's ``data``
    partner: str | None
    probability: float | None
    weight: float | None
    comparisons: str | None


def _entity_schema(members: list[Member]) -> Schema:
    schemas = {m.record.schema for m in members}
    return next(s for s in SCHEMA_PRIORITY if s in schemas)


def _list(values: list[str]) -> list[str] | None:
    """An empty list as no property at all (readers take a missing list as empty).

    Neo4j keeps every list of strings, even an empty one, in a record of its
    own: each cost about 7 us of Neo4j's CPU per node, as much as a list with a
    value, and a customer's entity had three empty ones (aliases, identifiers,
    incorporation or birth dates).
    """
    return values or None


def entity_payload(entity_id: str, members: list[Member]) -> dict[str, Any]:
    """The properties of one entity node, derived from all its records."""
    records = [m.record for m in members]
    caption = max((r.caption for r in records), key=lambda c: (len(c), c))
    aliases = sorted({n.value for r in records for n in r.names if n.kind is not NameKind.WEAK} - {caption})
    found = dprk.strongest(i for r in records for i in dprk.record_indicators(r))
    schema = _entity_schema(members)
    return {
        "id": entity_id,
        "schema": str(schema),
        "name": caption,
        "aliases": _list(aliases),
        "aliasText": "\n".join(aliases) or None,  # for the full-text index; a customer has no aliases
        "listed": any(r.sanctions for r in records),
        "countries": _list(sorted({c for r in records for c in r.countries + r.nationalities + r.jurisdictions})),
        "birthDates": _list(sorted({d for r in records for d in r.birth_dates})),
        "incorporationDates": _list(sorted({d for r in records for d in r.incorporation_dates})),
        # How sure the merge is: its weakest link (1.0 for a single record).
        "confidence": min((m.probability for m in members if m.probability is not None), default=1.0),
        "recordCount": len(records),
        "sources": sorted({r.source for r in records}),
        # Neo4j properties cannot hold maps: names and identifiers as "a|b|c" strings.
        "nameDetails": _list(sorted({f"{n.kind}|{n.script or ''}|{n.value}" for r in records for n in r.names})),
        "identifiers": _list(sorted({f"{i.kind}|{i.value}|{i.country or ''}" for r in records for i in r.identifiers})),
        # DPRK indicators of its records ("name|evidence|weight") and their combined score, so that clusters and
        # front-company rankings (and screening, through a shared value) can weigh them; none on most entities.
        "indicators": _list([f"{i.name}|{i.evidence or ''}|{i.weight}" for i in found]),
        "indicatorScore": dprk.score(found) or None,
        # A customer's name forms, as its screening retrieves by them: ongoing screening searches them for the
        # names of a changed listed party (``graph.alerts``, full-text index ``CUSTOMER_FORMS_INDEX``).
        "nameForms": " ".join(customer_forms(records)) or None if schema is Schema.CUSTOMER_ACCOUNT else None,
    }


def record_payload(entity_id: str, member: Member) -> dict[str, Any]:
    record = member.record
    evidence = None
    if member.partner is not None:
        evidence = json.dumps({"partner": member.partner, "comparisons": json.loads(member.comparisons or "[]")})
    return {
        "id": record.record_id,
        "entityId": entity_id,
        "source": record.source,
        "sourceKey": record.source_key,
        "sourceVersion": record.source_version,
        "schema": str(record.schema),
        "name": record.caption,
        "names": _list([n.value for n in record.names]),
        "data": member.data,
        "matchProbability": member.probability,
        "matchWeight": member.weight,
        "evidence": evidence,
    }


def sanction_payloads(entity_id: str, record: Record) -> Iterator[dict[str, Any]]:
    for index, sanction in enumerate(record.sanctions):
        yield {
            "id": f"{record.record_id}#{index}",
            "entityId": entity_id,
            "recordId": record.record_id,
            "source": record.source,
            "authority": sanction.authority,
            "program": sanction.program,
            "listName": sanction.list_name,
            "listedOn": sanction.listed_on,
            "reference": sanction.reference,
        }


def iter_entities(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, list[Member]]]:
    """Entities of the current run with their member records, streamed from staging."""
    current: str | None = None
    members: list[Member] = []
    for rows in entities.batches(entities.entity_records(con), FETCH):
        for entity_id, data, partner, probability, weight, comparisons in rows:
            if entity_id != current and current is not None:
                yield current, members
                members = []
            current = entity_id
            record = Record.from_dict(orjson.loads(data))
            members.append(Member(record, data, partner, probability, weight, comparisons))
    if current is not None:
        yield current, members


def entity_rows(con: duckdb.DuckDBPyConnection) -> Iterator[Row]:
    """Entities, their records and their listings."""
    for entity_id, members in iter_entities(con):
        payload = entity_payload(entity_id, members)
        yield Row("entity", (payload["schema"],), entity_id, payload)
        for member in members:
            record = member.record
            yield Row("record", (), record.record_id, record_payload(entity_id, member), ref=entity_id)
            for sanction in sanction_payloads(entity_id, record):
                yield Row("sanction", (), sanction["id"], sanction)


@dataclass(slots=True)
class Parents:
    """E-mails by domain and IP addresses by network, gathered while values stream by."""

    members: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def add(self, kind: str, key: str) -> None:
        if kind == "email":
            self.members.setdefault(("domain", email_domain(key)), set()).add(key)
        elif kind == "ip":
            self.members.setdefault(("network", ip_network(key)), set()).add(key)

    def linked(self) -> Iterator[tuple[Row, tuple[str, str, str], list[str]]]:
        """Each parent's row, its members' links' group (member label, parent label, type) and the members."""
        for (kind, parent), values in sorted(self.members.items()):
            child, parent_label, rel = (
                (Label.EMAIL, Label.DOMAIN, Rel.AT_DOMAIN)
                if kind == "domain"
                else (Label.IP_ADDRESS, Label.IP_NETWORK, Rel.IN_NETWORK)
            )
            degree = len(values)
            row = Row(
                "parent",
                (str(parent_label),),
                f"{parent_label}:{parent}",
                {
                    "key": parent,
                    "value": None,  # a parent's key is its value
                    "degree": None,
                    "members": degree,
                    "specificity": specificity(kind, parent, degree),
                    "superNode": is_super_node(degree),
                },
            )
            yield row, (str(child), str(parent_label), str(rel)), sorted(values)

    def rows(self) -> Iterator[Row]:
        """Each parent, then a row per member's link to it."""
        for parent, group, children in self.linked():
            yield parent
            for key in children:
                yield Row(
                    "parent_link",
                    group,
                    f"{group[0]}:{key}",
                    {"key": key, "parentKey": parent.payload["key"]},
                    hash=MEMBER_HASH,
                )


def members_state(members: list[tuple[tuple[str, str, str], list[str]]]) -> pa.Table:
    """The load state's rows for members' links to their parents, as ``Parents.rows`` keys and hashes them.

    Built column-wise (a first load has a few million), from each parent's link group and members.
    """
    lists = pa.array([children for _, children in members], pa.list_(pa.string()))
    owner = pc.list_parent_indices(lists)
    prefixes = pa.array([f"{group[0]}:" for group, _ in members], pa.string())
    groups = pa.array(["|".join(group) for group, _ in members], pa.string())
    keys = pc.binary_join_element_wise(pc.take(prefixes, owner), pc.list_flatten(lists), "")
    size = len(keys)
    return pa.table(
        {
            "kind": pa.repeat(pa.scalar("parent_link"), size),
            "key": keys,
            "grp": pc.take(groups, owner),
            "ref": pa.nulls(size, pa.string()),
            "hash": pa.repeat(pa.scalar(MEMBER_HASH, pa.uint64()), size),
        }
    )


def value_payload(kind: str, key: str, value: str | None, degree: int) -> dict[str, Any]:
    """A shared value's node. What it is derived from besides its row is in ``value_rules``."""
    return {
        "key": key,
        "value": value,
        # A wallet's currency as its first source wrote it (``XBT``); never part of its key.
        "currency": wallet_currency(value) if kind == WALLET and value else None,
        "degree": degree,
        "specificity": specificity(kind, key, degree),
        "superNode": is_super_node(degree),
    }


def value_rules() -> int:
    """What a value's node is derived from besides its row in staging, as a number its hash includes."""
    return xxhash.xxh3_64_intdigest(f"{VALUE_ROWS_VERSION}:{rules()}".encode()) >> 1  # fits a signed BIGINT


def stage_links(con: duckdb.DuckDBPyConnection) -> None:
    """Compute the run's links to shared values once; ``value_rows`` and ``linked_values`` read them."""
    stage_infra_links(con, value_rules())


def value_rows(con: duckdb.DuckDBPyConnection) -> Iterator[Row]:
    """Shared values (one row each), the links from entities to them, and their parents.

    Their hashes for the load state come from staging (``graph.load.extract``), as
    they do for a first load, which stages them set-wise (``links_state``).
    """
    stage_links(con)
    parents = Parents()
    last: tuple[str, str] | None = None
    for link in iter_infra(con):
        label = link.label
        if (label, link.key) != last:
            last = (label, link.key)
            parents.add(link.kind, link.key)
            payload = value_payload(link.kind, link.key, link.value, link.degree)
            yield Row("value", (label,), f"{label}:{link.key}", payload, hash=link.value_hash)
        yield Row(
            "link",
            (label, link.rel),
            f"{label}{SEPARATOR}{link.entity_id}{SEPARATOR}{link.key}",
            {"entityId": link.entity_id, "key": link.key, "records": link.records},
            hash=link.link_hash,
        )
    yield from parents.rows()


def linked_values(con: duckdb.DuckDBPyConnection, parents: Parents) -> Iterator[tuple[tuple[str, str], dict[str, Any]]]:
    """A first load's shared values, each with its links nested: ``entityIds[i]`` uses it by ``records[i]``.

    One row per value rather than one per value and one per link, and no row
    object per link: links are a third of a load's items. Their load state is
    staged set-wise (``links_state``). ``stage_links`` first.
    """
    payload: dict[str, Any] = {}
    group: tuple[str, str] = ("", "")
    entity_ids: list[str] = []
    records: list[list[str]] = []
    last: tuple[str, str] | None = None
    for rows in link_batches(con):
        for label, rel, kind, key, value, degree, entity_id, record, many, _, _ in rows:
            if (kind, key) != last:
                if last is not None:
                    yield group, payload
                last, group = (kind, key), (label, rel)
                parents.add(kind, key)
                payload = value_payload(kind, key, value, degree)
                payload["entityIds"] = entity_ids = []
                payload["records"] = records = []
            entity_ids.append(entity_id)
            records.append(many or [record])
    if last is not None:
        yield group, payload


def links_state(con: duckdb.DuckDBPyConnection) -> pa.RecordBatchReader:
    """The load state's rows for the values and links of ``linked_values``, as ``value_rows`` keys and hashes them."""
    return infra_links_state(con, SEPARATOR)


def relation_rows(con: duckdb.DuckDBPyConnection) -> Iterator[Row]:
    for row in iter_relations(con):
        rel = RELATION_TYPES.get(RelationKind(row["kind"]))
        if rel is None:
            continue
        yield Row(
            "relation",
            (str(rel),),
            f"{rel}{SEPARATOR}{row['from_id']}{SEPARATOR}{row['to_id']}",
            {
                "fromId": row["from_id"],
                "toId": row["to_id"],
                "records": list(row["records"]),
                "share": row["share"],
                "role": row["role"],
                "startDate": row["start_date"],
                "endDate": row["end_date"],
            },
        )


def all_rows(con: duckdb.DuckDBPyConnection) -> Iterator[Row]:
    """Every row of the run, for a load that compares them with the last one (``value_rows`` for values)."""
    yield from entity_rows(con)
    yield from value_rows(con)
    yield from relation_rows(con)
