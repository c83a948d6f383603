"""FollowTheMoney entities as JSON lines (OpenSanctions exports, any FtM source).

Each line is an entity ``{"id", "schema", "properties": {prop: [values]}}``.
Three kinds of entity:

- nodes (Person, Company, Organization, LegalEntity, PublicBody, Vessel,
  Airplane, Address) become records keyed by the entity id;
- edges (Ownership, Directorship, Employment, Membership, Family, Associate,
  UnknownLink, Representation, Succession, Payment) become a ``Relation`` on the
  record of their source-side entity (the owner, the director, ...), whose key
  is the other entity's id;
- attachments (Sanction, Passport, Identification, CryptoWallet) add a
  sanction, identifier or wallet to the entity they name.

Edges and attachments may come before or after their entity, so they are
yielded as fragments and merged with bounded memory (``ingest.fragments``): a
first pass never holds the file's nodes or edges. An edge or attachment whose
entity the file lacks is quarantined, as is an entity of a schema we do not
model, so every line is accounted for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest import values
from ingest.chunks import Table
from ingest.jsonstream import BadLine, iter_json_values
from ingest.record import (
    Address,
    Fragment,
    Identifier,
    Infra,
    InfraKind,
    Item,
    Name,
    NameKind,
    Provenance,
    Quarantine,
    Record,
    Relation,
    RelationKind,
    Sanction,
    Schema,
)
from ingest.row_tables import JsonLinesTable
from sanctiongraph.errors import IngestError

Props = dict[str, list[str]]

NODE_SCHEMATA = {
    "Person": Schema.PERSON,
    "Company": Schema.COMPANY,
    "Organization": Schema.ORGANIZATION,
    "LegalEntity": Schema.LEGAL_ENTITY,
    "PublicBody": Schema.ORGANIZATION,
    "Vessel": Schema.VESSEL,
    "Airplane": Schema.AIRCRAFT,
    "Address": Schema.ADDRESS,
}


@dataclass(frozen=True, slots=True)
class EdgeSpec:
    source: str  # property naming the source-side entity
    target: str
    kind: RelationKind
    role: str | None = None  # property holding the role text, if any
    default_role: str | None = None


EDGES: dict[str, EdgeSpec] = {
    "Ownership": EdgeSpec("owner", "asset", RelationKind.OWNS, "role"),
    "Directorship": EdgeSpec("director", "organization", RelationKind.DIRECTOR_OF, "role"),
    "Employment": EdgeSpec("employee", "employer", RelationKind.OFFICER_OF, "role"),
    "Membership": EdgeSpec("member", "organization", RelationKind.ASSOCIATE_OF, "role", "member"),
    "Family": EdgeSpec("person", "relative", RelationKind.FAMILY_OF, "relationship"),
    "Associate": EdgeSpec("person", "associate", RelationKind.ASSOCIATE_OF, "relationship"),
    "UnknownLink": EdgeSpec("subject", "object", RelationKind.LINKED_TO, "role"),
    "Representation": EdgeSpec("agent", "client", RelationKind.ASSOCIATE_OF, "role", "representative"),
    "Succession": EdgeSpec("predecessor", "successor", RelationKind.LINKED_TO, None, "successor"),
    "Payment": EdgeSpec("payer", "beneficiary", RelationKind.LINKED_TO, "purpose", "payment"),
}

# Node property -> identifier kind.
IDENTIFIERS = {
    "passportNumber": "passport",
    "idNumber": "national_id",
    "taxNumber": "tax_id",
    "innCode": "tax_id",
    "vatCode": "tax_id",
    "registrationNumber": "registration",
    "ogrnCode": "registration",
    "leiCode": "lei",
    "swiftBic": "bic",
    "imoNumber": "imo",
    "mmsi": "mmsi",
    "icaoCode": "icao",
    "callSign": "call_sign",
}
_IDENTIFIER_CLEANERS: dict[str, Callable[[str | None], str | None]] = {
    "lei": values.lei_code,
    "bic": values.bic_code,
    "imo": values.imo_number,
}
# Node properties kept as they are.
KEPT = ("position", "topics", "sector", "legalForm", "status", "classification", "flag", "type", "birthPlace")
_FORMAT_CHECK_LINES = 20


def input_files(path: Path) -> list[Path]:
    return [path]


def _first(props: Props, name: str) -> str | None:
    for value in props.get(name, []):
        text = values.clean_text(value)
        if text:
            return text
    return None


def _all(props: Props, *names: str) -> list[str]:
    return [t for name in names for t in (values.clean_text(v) for v in props.get(name, [])) if t]


def _names(props: Props, schema: Schema) -> list[Name]:
    names: list[Name] = []
    seen: set[str] = set()
    groups = (
        ("name", NameKind.ALIAS),
        ("alias", NameKind.ALIAS),
        ("weakAlias", NameKind.WEAK),
        ("previousName", NameKind.FORMER),
        ("abbreviation", NameKind.ACRONYM),
    )
    for prop, kind in groups:
        for value in _all(props, prop):
            if value not in seen:
                seen.add(value)
                names.append(Name(value, kind, values.name_script(value)))
    if schema is Schema.ADDRESS and not names:
        names = [Name(v, NameKind.PRIMARY, values.name_script(v)) for v in _all(props, "full")[:1]]
    if names:
        names[0].kind = NameKind.PRIMARY
    return names


def _countries(props: Props, *names: str) -> list[str]:
    found: list[str] = []
    for value in _all(props, *names):
        code = values.country_code(value)
        if code and code not in found:
            found.append(code)
    return found


def _identifiers(props: Props) -> list[Identifier]:
    found: list[Identifier] = []
    for prop, kind in IDENTIFIERS.items():
        clean = _IDENTIFIER_CLEANERS.get(kind, values.document_number)
        for value in _all(props, prop):
            normalised = clean(value)
            if normalised and all(i.value != normalised or i.kind != kind for i in found):
                found.append(Identifier(kind, normalised))
    return found


def _infra(props: Props) -> list[Infra]:
    found: list[Infra] = []
    cleaners: tuple[tuple[str, InfraKind, Callable[[str | None], str | None]], ...] = (
        ("email", InfraKind.EMAIL, values.email),
        ("phone", InfraKind.PHONE, values.phone),
        ("website", InfraKind.DOMAIN, values.domain),
    )
    for prop, kind, clean in cleaners:
        for value in _all(props, prop):
            normalised = clean(value)
            if normalised:
                found.append(Infra(kind, normalised))
    return found


def _address(props: Props) -> Address | None:
    full = _first(props, "full")
    street, city = _first(props, "street"), _first(props, "city")
    postal, region, country = _first(props, "postalCode"), _first(props, "region"), _first(props, "country")
    full = full or ", ".join(p for p in (street, city, postal, region, country) if p) or None
    if full is None:
        return None
    return Address(
        full, street=street, city=city, postal_code=postal, region=region, country=values.country_code(country)
    )


def build_node(entity: dict[str, Any], schema: Schema, source: str, path: Path, line: int) -> Record:
    """A record for a node entity (a party, a vessel, an address)."""
    props: Props = entity.get("properties") or {}
    record = Record(
        source=source,
        source_key=str(entity["id"]),
        schema=schema,
        names=_names(props, schema),
        provenance=Provenance(str(path), line),
        birth_dates=[d for d in map(values.iso_date, _all(props, "birthDate")) if d],
        incorporation_dates=[d for d in map(values.iso_date, _all(props, "incorporationDate")) if d],
        countries=_countries(props, "country", "mainCountry"),
        nationalities=_countries(props, "nationality", "citizenship"),
        jurisdictions=_countries(props, "jurisdiction"),
        identifiers=_identifiers(props),
        infra=_infra(props),
        notes=_all(props, "notes", "summary"),
    )
    if schema is Schema.ADDRESS:
        address = _address(props)
        record.addresses = [address] if address else []
    else:
        record.addresses = [Address(a) for a in _all(props, "address")]
        record.relations = [Relation(RelationKind.ADDRESS_OF, target_key=a) for a in _all(props, "addressEntity")]
    gender = _first(props, "gender")
    record.gender = gender.lower() if gender else None
    for prop in KEPT:
        kept = _all(props, prop)
        if kept:
            record.properties[prop] = kept
    datasets = [str(d) for d in entity.get("datasets") or []]
    if datasets:
        record.properties["datasets"] = datasets
    return record


def _share(props: Props) -> float | None:
    for value in _all(props, "percentage"):
        try:
            share = float(value.rstrip("%").replace(",", "."))
        except ValueError:
            continue
        if 0 <= share <= 100:
            return share
    return None


def build_edge(entity: dict[str, Any], spec: EdgeSpec, source: str, path: Path, line: int) -> Fragment | Quarantine:
    """The relation an edge entity states, as a fragment of its source-side entity's record."""
    props: Props = entity.get("properties") or {}
    subject, target = _first(props, spec.source), _first(props, spec.target)
    if subject is None or target is None:
        missing = spec.source if subject is None else spec.target
        return Quarantine(
            str(path), line, f"{entity['schema']} edge without {missing}", field=missing, raw=str(entity["id"])
        )
    relation = Relation(
        spec.kind,
        target_key=target,
        role=(_first(props, spec.role) if spec.role else None) or spec.default_role,
        share=_share(props) if spec.kind is RelationKind.OWNS else None,
        start_date=values.iso_date(_first(props, "startDate")),
        end_date=values.iso_date(_first(props, "endDate")),
    )
    part = Record(
        source=source,
        source_key=subject,
        schema=Schema.LEGAL_ENTITY,
        names=[],
        provenance=Provenance(str(path), line),
        relations=[relation],
    )
    return Fragment(part, needs_complete=True)


def build_attachment(entity: dict[str, Any], source: str, path: Path, line: int) -> Fragment | Quarantine:
    """A Sanction, Passport, Identification or CryptoWallet, as a fragment of the entity it names."""
    schema, props = entity["schema"], entity.get("properties") or {}
    owner_prop = {"Sanction": "entity", "CryptoWallet": "holder"}.get(schema, "holder")
    owner = _first(props, owner_prop)
    if owner is None:
        return Quarantine(str(path), line, f"{schema} without {owner_prop}", field=owner_prop, raw=str(entity["id"]))
    part = Record(
        source=source, source_key=owner, schema=Schema.LEGAL_ENTITY, names=[], provenance=Provenance(str(path), line)
    )
    if schema == "Sanction":
        part.sanctions.append(
            Sanction(
                _first(props, "authority") or "unknown",
                program=_first(props, "program") or _first(props, "programId"),
                listed_on=values.iso_date(_first(props, "listingDate") or _first(props, "startDate")),
                reference=_first(props, "unscId") or _first(props, "authorityId"),
            )
        )
    elif schema == "CryptoWallet":
        key = _first(props, "publicKey")
        if key:
            part.infra.append(Infra(InfraKind.WALLET, f"{(_first(props, 'currency') or 'UNKNOWN').upper()}:{key}"))
    else:
        number = values.document_number(_first(props, "number") or _first(props, "passportNumber"))
        if number:
            kind = "passport" if schema == "Passport" else "national_id"
            part.identifiers.append(Identifier(kind, number, values.country_code(_first(props, "country"))))
    return Fragment(part, needs_complete=True)


ATTACHMENTS = frozenset({"Sanction", "Passport", "Identification", "CryptoWallet"})


def build_item(entity: Any, source: str, path: Path, line: int) -> Item:
    """Whatever one FtM line becomes: a node fragment, an edge or attachment fragment, or a quarantine entry."""
    if not isinstance(entity, dict) or not entity.get("id") or not isinstance(entity.get("schema"), str):
        return Quarantine(str(path), line, "not an FtM entity: needs 'id' and 'schema'", raw=str(entity)[:200])
    if not isinstance(entity.get("properties", {}), dict):
        return Quarantine(str(path), line, "not an FtM entity: 'properties' is not an object", raw=str(entity["id"]))
    schema_name = entity["schema"]
    if schema_name in NODE_SCHEMATA:
        return Fragment(build_node(entity, NODE_SCHEMATA[schema_name], source, path, line), complete=True)
    if schema_name in EDGES:
        return build_edge(entity, EDGES[schema_name], source, path, line)
    if schema_name in ATTACHMENTS:
        return build_attachment(entity, source, path, line)
    return Quarantine(str(path), line, f"unsupported FtM schema: {schema_name}", field="schema", raw=str(entity["id"]))


# Entities read to find which dataset(s) a file holds: enough for any export's head, cheap for a large file.
_SOURCE_SAMPLE = 1000


def source_of(path: Path) -> str:
    """The default source name of an FtM file: the datasets all its first entities share, else the file's name.

    One generic source (``ftm``) for every FtM file made each new file a version
    of the last, so a second, unrelated export marked the first's records removed.
    OpenSanctions exports name their dataset(s) on every entity; other files are
    told apart by their name.
    """
    shared: set[str] | None = None
    for seen, (_, value) in enumerate(iter_json_values(path)):
        if seen >= _SOURCE_SAMPLE:
            break
        if isinstance(value, dict) and isinstance(value.get("datasets"), list):
            named = {str(d) for d in value["datasets"] if d}
            shared = named if shared is None else shared & named
    if shared:
        return _source_name("_".join(sorted(shared)))
    return file_source_of(path)


def file_source_of(path: Path) -> str:
    """A source name from the file's name (``sanctiongraph export``'s entities carry their own sources)."""
    name = path.name
    for suffix in (".gz", ".json", ".jsonl", ".ndjson", ".ftm", ".entities"):
        name = name.removesuffix(suffix)
    return _source_name(name) or "ftm"


def _source_name(text: str) -> str:
    """Lower-case letters, digits and ``_`` only: a source name is part of every record id."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:64]


def iter_records(path: Path, source: str) -> Iterator[Item]:
    """Fragments and quarantine entries of an FtM JSON-lines file (merged into records by the caller)."""
    good = bad = 0
    for line, value in iter_json_values(path):
        if isinstance(value, BadLine):
            bad += 1
            if bad >= _FORMAT_CHECK_LINES and good == 0:
                raise _not_json(path, f"the first {bad} lines are not JSON")
            yield Quarantine(str(path), line, f"not valid JSON: {value.error}", raw=value.text)
            continue
        good += 1
        yield from _items(value, source, path, line)
    if good == 0 and bad > 0:
        raise _not_json(path, "no line is JSON")


def _items(value: Any, source: str, path: Path, line: int) -> list[Item]:
    try:
        return [build_item(value, source, path, line)]
    except (TypeError, AttributeError) as error:  # a property that is not a list of strings
        return [Quarantine(str(path), line, f"malformed FtM entity: {error}", raw=str(value)[:200])]


def _not_json(path: Path, what: str) -> IngestError:
    return IngestError(f"{path}: {what}; not an FtM JSON-lines file")


# The file's lines as a table worker processes build, a line at a time with ``build_item``.
TABLE = JsonLinesTable("ingest.adapters.ftm:TABLE", _items)


def tables(path: Path) -> list[tuple[Table, Path]]:
    """The file for the workers; refused first, as ``iter_records`` refuses it, when its first lines are not JSON."""
    bad = 0
    for _, value in iter_json_values(path):
        if not isinstance(value, BadLine):
            return [(TABLE, path)]
        bad += 1
        if bad >= _FORMAT_CHECK_LINES:
            raise _not_json(path, f"the first {bad} lines are not JSON")
    if bad:
        raise _not_json(path, "no line is JSON")
    return [(TABLE, path)]
