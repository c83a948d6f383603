"""What resolution decided, taken out of sanctiongraph.

Two exports, both streamed from the staging file with flat memory:

- the record → entity map (``export_records``): one row per record with its
  source, source key, entity ID, the match probability that put it in its
  entity, the run and whether it is on a list now; DuckDB writes it straight
  to CSV or Parquet, so a screening team can join entity IDs back onto its
  own customer table;
- the entities as FollowTheMoney (``iter_ftm``): one FtM entity per resolved
  entity, its properties merged from its records, plus the sanctions, wallets,
  relations (as the graph draws them, ``ingest.staging.entities``) and shared values as
  FtM's own attachment and link schemata, so
  Aleph, the ``ftm`` command line and OpenSanctions' tooling can read them,
  and ``sanctiongraph ingest --format ftm-entities`` loads them back.

Clusters live in Neo4j and are exported from there (``graph.cluster_export``).

FtM entities are plain JSON objects (``id``, ``schema``, ``properties``: each a
list of strings). Each entity also carries ``datasets`` (the sources of its
records), ``referents`` (the record IDs) and ``sources`` (per property, per
value, the sources that gave it): FtM readers ignore keys they do not know.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import orjson

from ingest import staging
from ingest.record import InfraKind, NameKind, Record, RelationKind, Schema
from ingest.staging import entities, resolved
from sanctiongraph.errors import ExportError

FORMATS = ("csv", "parquet")
# The role of a link between two entities that use one value ("shares email: ops@example.kp").
SHARES_ROLE = "shares "
# A value shared by more entities than this is a super-node (a webmail domain, a
# registered agent's address): linking every pair of its users says nothing.
MAX_SHARED_USERS = 10
BATCH = 5_000

Progress = Callable[[int], None]

# --- the record -> entity map ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Written:
    path: Path
    rows: int


def _open(staging_path: Path) -> duckdb.DuckDBPyConnection:
    """The staging file, read-only: an export never changes what it reads."""
    if not staging_path.exists():
        raise ExportError(f"{staging_path}: no workspace here", hint="ingest and resolve first, or pass --workspace")
    con = staging.connect(staging_path, read_only=True)
    staging.bound_memory(con, keep_order=True)  # big sorts spill to disk: memory stays flat at any size
    return con


def _require_run(con: duckdb.DuckDBPyConnection, staging_path: Path) -> None:
    if not resolved.is_resolved(con):
        raise ExportError(f"{staging_path}: nothing is resolved yet", hint="run `sanctiongraph resolve` first")


def _since_params(con: duckdb.DuckDBPyConnection, since: str | None) -> dict[str, Any]:
    if since is None:
        return {"since": None, "since_at": None}
    finished = resolved.run_finished_at(con, since)
    if finished is None:
        raise ExportError(
            f"no resolution run {since!r} in this workspace", hint="`sanctiongraph resolve` prints each run's ID"
        )
    return {"since": since, "since_at": finished}


def export_records(
    staging_path: Path, out: Path, fmt: str = "csv", *, source: str | None = None, since: str | None = None
) -> Written:
    """Write the record → entity map of the current run to ``out`` (CSV with a header, or Parquet).

    ``since`` keeps the records whose entity changed (created, merged, split) in
    a later run, or that a source version staged after that run added, changed
    or removed.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
    con = _open(staging_path)
    try:
        _require_run(con, staging_path)
        params = {"source": source, **_since_params(con, since)}
        out.parent.mkdir(parents=True, exist_ok=True)
        options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet, COMPRESSION zstd"
        # COPY streams the query to the file (memory stays flat at any size) and says how many rows it wrote.
        rows = entities.copy_record_map(con, out, options, params)
    finally:
        con.close()
    return Written(out, rows)


# --- entities as FollowTheMoney -----------------------------------------------------------

# Records per share of ``iter_ftm``: each share is sorted within DuckDB's memory cap.
RECORDS_PER_SHARE = 50_000

# Our schemata in FtM's; a customer account is the generic party FtM calls LegalEntity.
FTM_SCHEMA = {
    Schema.PERSON: "Person",
    Schema.COMPANY: "Company",
    Schema.ORGANIZATION: "Organization",
    Schema.LEGAL_ENTITY: "LegalEntity",
    Schema.VESSEL: "Vessel",
    Schema.AIRCRAFT: "Airplane",
    Schema.CUSTOMER_ACCOUNT: "LegalEntity",
    Schema.ADDRESS: "Address",
}
# When an entity's records disagree, the most specific schema wins.
_SPECIFICITY = ("Person", "Vessel", "Airplane", "Company", "Organization", "Address", "LegalEntity")
NAME_PROPERTY = {
    NameKind.PRIMARY: "name",
    NameKind.ALIAS: "alias",
    NameKind.WEAK: "weakAlias",
    NameKind.FORMER: "previousName",
    NameKind.ACRONYM: "abbreviation",
}
IDENTIFIER_PROPERTY = {
    "passport": "passportNumber",
    "national_id": "idNumber",
    "tax_id": "taxNumber",
    "registration": "registrationNumber",
    "lei": "leiCode",
    "bic": "swiftBic",
    "imo": "imoNumber",
    "mmsi": "mmsi",
    "icao": "icaoCode",
    "call_sign": "callSign",
}
INFRA_PROPERTY = {InfraKind.EMAIL: "email", InfraKind.PHONE: "phone", InfraKind.DOMAIN: "website"}
# Relations as FtM link schemata: (schema, subject property, object property, default role).
LINK_SCHEMA: dict[str, tuple[str, str, str, str | None]] = {
    RelationKind.OWNS: ("Ownership", "owner", "asset", None),
    RelationKind.PARENT_OF: ("Ownership", "owner", "asset", "parent"),
    RelationKind.DIRECTOR_OF: ("Directorship", "director", "organization", None),
    RelationKind.OFFICER_OF: ("Employment", "employee", "employer", None),
    RelationKind.FAMILY_OF: ("Family", "person", "relative", None),
    RelationKind.ASSOCIATE_OF: ("UnknownLink", "subject", "object", "associate"),
    RelationKind.INTERMEDIARY_OF: ("Representation", "agent", "client", "intermediary"),
    RelationKind.OPERATES: ("UnknownLink", "subject", "object", "operates"),
    RelationKind.LINKED_TO: ("UnknownLink", "subject", "object", None),
    RelationKind.ADDRESS_OF: ("UnknownLink", "subject", "object", "address"),
}


class _Values:
    """Property values in first-seen order, each with the sources that gave it."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, list[str]]] = {}

    def add(self, prop: str, value: str | None, source: str) -> None:
        if not value:
            return
        sources = self.values.setdefault(prop, {}).setdefault(value, [])
        if source not in sources:
            sources.append(source)

    def properties(self) -> dict[str, list[str]]:
        return {prop: list(values) for prop, values in self.values.items()}


def _link_id(*parts: str) -> str:
    return "sg-" + hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:20]


def ftm_entity(entity_id: str, records: list[Record]) -> list[dict[str, Any]]:
    """The FtM entity of one resolved entity, then its sanctions and wallets as their own entities."""
    found = _Values()
    schemas = {FTM_SCHEMA[r.schema] for r in records}
    schema = next(s for s in _SPECIFICITY if s in schemas)
    attachments: dict[str, dict[str, Any]] = {}
    for record in records:
        _add_record(found, record)
        for sanction in record.sanctions:
            key = _link_id(entity_id, sanction.authority, sanction.program or "", sanction.reference or "")
            attachments.setdefault(key, _sanction(key, entity_id, sanction, record.source))
        for infra in record.infra:
            if infra.kind is InfraKind.WALLET:
                key = _link_id(entity_id, "wallet", infra.value)
                attachments.setdefault(key, _wallet(key, entity_id, infra.value))
    if any(r.sanctions for r in records):
        found.add("topics", "sanction", records[0].source)
    sources = sorted({r.source for r in records})
    entity = {
        "id": entity_id,
        "schema": schema,
        "properties": found.properties(),
        "datasets": sources,
        "referents": [r.record_id for r in records],
        "sources": found.values,
    }
    return [entity, *attachments.values()]


def _add_record(found: _Values, record: Record) -> None:
    source = record.source
    for name in record.names:
        found.add(NAME_PROPERTY[name.kind], name.value, source)
    for prop, items in (
        ("birthDate", record.birth_dates),
        ("incorporationDate", record.incorporation_dates),
        ("country", record.countries),
        ("nationality", record.nationalities),
        ("jurisdiction", record.jurisdictions),
        ("notes", record.notes),
    ):
        for item in items:
            found.add(prop, item, source)
    for address in record.addresses:
        if record.schema is Schema.ADDRESS:
            for prop, value in (("full", address.full), ("street", address.street), ("city", address.city)):
                found.add(prop, value, source)
            found.add("postalCode", address.postal_code, source)
            found.add("country", address.country, source)
        else:
            found.add("address", address.full, source)
    for identifier in record.identifiers:
        found.add(IDENTIFIER_PROPERTY.get(identifier.kind, "idNumber"), identifier.value, source)
    for infra in record.infra:
        if infra.kind in INFRA_PROPERTY:
            found.add(INFRA_PROPERTY[infra.kind], infra.value, source)
    found.add("gender", record.gender, source)
    for prop, items in record.properties.items():
        if prop != "datasets":
            for item in items:
                found.add(prop, item, source)


def _sanction(key: str, entity_id: str, sanction: Any, source: str) -> dict[str, Any]:
    props: dict[str, list[str]] = {"entity": [entity_id], "authority": [sanction.authority]}
    for prop, value in (
        ("program", sanction.program),
        ("listingDate", sanction.listed_on),
        ("authorityId", sanction.reference),
        ("reason", sanction.list_name),
    ):
        if value:
            props[prop] = [value]
    return {"id": key, "schema": "Sanction", "properties": props, "datasets": [source]}


def _wallet(key: str, entity_id: str, value: str) -> dict[str, Any]:
    currency, _, address = value.rpartition(":")
    props = {"holder": [entity_id], "publicKey": [address]}
    if currency:
        props["currency"] = [currency]
    return {"id": key, "schema": "CryptoWallet", "properties": props}


def _links(con: duckdb.DuckDBPyConnection) -> Iterator[dict[str, Any]]:
    """Relations as the graph draws them (``graph.load.extract``: by key or by unique name), then shared values."""
    for rows in entities.batches(entities.relations(con), BATCH):
        for subject, obj, kind, _records, share, role, start, end in rows:
            if kind == RelationKind.LINKED_TO and (role or "").startswith(SHARES_ROLE):
                continue  # a shared value an earlier export wrote as a link: derived afresh below
            link, left, right, default_role = LINK_SCHEMA[RelationKind(kind)]
            props: dict[str, list[str]] = {left: [subject], right: [obj]}
            if role or default_role:
                props["role"] = [role or default_role or ""]
            if share is not None and link == "Ownership":
                props["percentage"] = [f"{share:g}"]
            if start:
                props["startDate"] = [start]
            if end:
                props["endDate"] = [end]
            yield {"id": _link_id(subject, obj, kind), "schema": link, "properties": props}
    for rows in entities.batches(entities.shared_value_pairs(con, MAX_SHARED_USERS), BATCH):
        for subject, obj, kind, value in rows:
            props = {"subject": [subject], "object": [obj], "role": [f"{SHARES_ROLE}{kind}: {value}"]}
            yield {"id": _link_id(subject, obj, "shares", kind, value), "schema": "UnknownLink", "properties": props}


def iter_ftm(staging_path: Path, progress: Progress | None = None) -> Iterator[dict[str, Any]]:
    """Every resolved entity as FtM (its attachments after it), then every link."""
    con = _open(staging_path)
    try:
        _require_run(con, staging_path)
        shares = max(1, -(-resolved.resolved_record_count(con) // RECORDS_PER_SHARE))
        done = 0
        for share in range(shares):
            for entity_id, records in _grouped(entities.entity_share(con, shares, share)):
                yield from ftm_entity(entity_id, records)
                done += 1
            if progress is not None:
                progress(done)
        yield from _links(con)
    finally:
        con.close()


def _grouped(cursor: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, list[Record]]]:
    """Consecutive rows of one entity, as its records."""
    current: str | None = None
    records: list[Record] = []
    while rows := cursor.fetchmany(BATCH):
        for entity_id, data in rows:
            if entity_id != current and records and current is not None:
                yield current, records
                records = []
            current = entity_id
            records.append(Record.from_dict(orjson.loads(data)))
    if records and current is not None:
        yield current, records


def export_entities(staging_path: Path, out: Path, progress: Progress | None = None) -> Written:
    """Write every resolved entity, attachment and link as FtM JSON lines to ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with out.open("wb") as handle:
        for item in iter_ftm(staging_path, progress):
            handle.write(orjson.dumps(item) + b"\n")
            count += 1
    return Written(out, count)
