"""The canonical record: the one type that flows from ingest to resolution.

One record is one row or entry of one source, in FollowTheMoney terms: a schema
(``Person``, ``Company``, ``Organization``, ``LegalEntity``, ``Vessel``,
``Aircraft``, ``CustomerAccount``), names with their script, dates, countries,
addresses, typed identifiers, contacts and infrastructure, sanctions listings,
relations to other records of the same source, and provenance.

Invariant: ``Record.from_dict(r.to_dict()) == r`` for every record, so staging
can store the dict as JSON and give back exactly what the adapter produced.
Values are already normalised when a record is built (see ``ingest.values``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

import orjson


class Schema(StrEnum):
    """FtM schema names, plus ``CustomerAccount`` for customer data."""

    PERSON = "Person"
    COMPANY = "Company"
    ORGANIZATION = "Organization"
    LEGAL_ENTITY = "LegalEntity"
    VESSEL = "Vessel"
    AIRCRAFT = "Aircraft"
    CUSTOMER_ACCOUNT = "CustomerAccount"
    ADDRESS = "Address"


class NameKind(StrEnum):
    PRIMARY = "primary"
    ALIAS = "alias"  # a.k.a.
    WEAK = "weak"  # low-quality alias (OFAC/UN "weak a.k.a.")
    FORMER = "former"  # f.k.a.
    ACRONYM = "acronym"  # "(KKBC)"


class InfraKind(StrEnum):
    """Contacts and shared infrastructure a record uses."""

    EMAIL = "email"
    PHONE = "phone"
    DOMAIN = "domain"
    WEBSITE = "website"
    IP_ADDRESS = "ip"
    WALLET = "wallet"
    PAYMENT_FINGERPRINT = "payment"
    DEVICE_ID = "device"


class RelationKind(StrEnum):
    """Relation types between records; the graph model maps each to a relationship."""

    OWNS = "owns"
    DIRECTOR_OF = "director_of"
    OFFICER_OF = "officer_of"
    ASSOCIATE_OF = "associate_of"
    FAMILY_OF = "family_of"
    OPERATES = "operates"
    LINKED_TO = "linked_to"
    ADDRESS_OF = "address_of"
    PARENT_OF = "parent_of"
    INTERMEDIARY_OF = "intermediary_of"


@dataclass(slots=True)
class Name:
    value: str
    kind: NameKind = NameKind.PRIMARY
    script: str | None = None  # dominant Unicode script, e.g. "Latin", "Hangul"


@dataclass(slots=True)
class Identifier:
    kind: str  # passport, national_id, imo, mmsi, lei, bic, registration, tax_id, ...
    value: str  # normalised (compact, upper case) form
    country: str | None = None  # ISO 3166-1 alpha-2, upper case


@dataclass(slots=True)
class Address:
    full: str
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: str | None = None


@dataclass(slots=True)
class Infra:
    kind: InfraKind
    value: str  # normalised: lower-case e-mail, E.164 phone, canonical IP, ...


@dataclass(slots=True)
class Sanction:
    authority: str  # "US OFAC", "UN Security Council", "UK FCDO"
    program: str | None = None
    list_name: str | None = None
    listed_on: str | None = None  # ISO date
    reference: str | None = None  # e.g. UN "KPe.025"


@dataclass(slots=True)
class Relation:
    """A relation from this record to another record of the same source.

    The target is named by its source key when the source gives one, else by the
    name the source prints ("Linked To: KOREA KWANGSON BANKING CORP."); the
    resolver finds the record behind a name.
    """

    kind: RelationKind
    target_key: str | None = None
    target_name: str | None = None
    share: float | None = None  # ownership share in percent
    role: str | None = None
    start_date: str | None = None
    end_date: str | None = None


@dataclass(slots=True)
class Provenance:
    file: str
    row: int  # 1-based line (CSV/JSON lines) or entry number (XML)
    rows: int = 1  # input rows merged into this record (OFAC add/alt rows); 0 for a relation target stub
    ingested_at: str | None = None  # ISO timestamp (UTC) of the ingest that staged it


@dataclass(slots=True)
class Record:
    source: str
    source_key: str
    schema: Schema
    names: list[Name]
    provenance: Provenance
    source_version: str = ""
    birth_dates: list[str] = field(default_factory=list)  # ISO, maybe partial
    incorporation_dates: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    jurisdictions: list[str] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    infra: list[Infra] = field(default_factory=list)
    sanctions: list[Sanction] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    gender: str | None = None
    notes: list[str] = field(default_factory=list)
    # Other FtM properties a source carries (``vesselType``, ``tonnage``, ``position``).
    properties: dict[str, list[str]] = field(default_factory=dict)

    @property
    def record_id(self) -> str:
        return f"{self.source}:{self.source_key}"

    @property
    def caption(self) -> str:
        for name in self.names:
            if name.kind is NameKind.PRIMARY:
                return name.value
        return self.names[0].value if self.names else self.source_key

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (enums as their string values)."""
        data: dict[str, Any] = orjson.loads(self.to_json())
        return data

    def to_json(self) -> bytes:
        """The record as UTF-8 JSON, as staging stores it: the bytes ``orjson.dumps(self)`` gives.

        Built from plain dicts (``_plain``): orjson's own path for a slotted dataclass costs some
        2 µs an object, and a customer record holds a dozen (names, addresses, contacts).
        """
        return orjson.dumps(self._plain())

    def _plain(self) -> dict[str, Any]:
        """The record as dicts and lists, every field in definition order, as orjson writes dataclasses."""
        return {
            "source": self.source,
            "source_key": self.source_key,
            "schema": self.schema,
            "names": [{"value": n.value, "kind": n.kind, "script": n.script} for n in self.names],
            "provenance": _plain_provenance(self.provenance),
            "source_version": self.source_version,
            "birth_dates": self.birth_dates,
            "incorporation_dates": self.incorporation_dates,
            "countries": self.countries,
            "nationalities": self.nationalities,
            "jurisdictions": self.jurisdictions,
            "addresses": [_plain_address(a) for a in self.addresses],
            "identifiers": [{"kind": i.kind, "value": i.value, "country": i.country} for i in self.identifiers],
            "infra": [{"kind": i.kind, "value": i.value} for i in self.infra],
            "sanctions": [_plain_sanction(s) for s in self.sanctions],
            "relations": [_plain_relation(r) for r in self.relations],
            "gender": self.gender,
            "notes": self.notes,
            "properties": self.properties,
        }

    def content_hash(self) -> str:
        """Hash of what the source says, without version, position in the file and ingest time.

        Two versions of a list that say the same about an entry hash the same, so
        a re-ingest can tell added, changed and removed entries apart. Empty
        fields are left out, so adding a field (with an empty default) to the
        record does not make every staged record look changed.
        """
        return hashlib.sha256(_content_json(self._plain())).hexdigest()[:32]

    def json_and_hash(self) -> tuple[bytes, str]:
        """``to_json()`` and ``content_hash()`` at once, the record's plain form built once for both (staging)."""
        plain = self._plain()
        return orjson.dumps(plain), hashlib.sha256(_content_json(plain)).hexdigest()[:32]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        return cls(
            source=data["source"],
            source_key=data["source_key"],
            schema=_SCHEMAS[data["schema"]],
            names=[Name(n["value"], _NAME_KINDS[n["kind"]], n.get("script")) for n in data["names"]],
            provenance=Provenance(**data["provenance"]),
            source_version=data.get("source_version", ""),
            birth_dates=list(data.get("birth_dates", [])),
            incorporation_dates=list(data.get("incorporation_dates", [])),
            countries=list(data.get("countries", [])),
            nationalities=list(data.get("nationalities", [])),
            jurisdictions=list(data.get("jurisdictions", [])),
            addresses=[Address(**a) for a in data.get("addresses", [])],
            identifiers=[Identifier(**i) for i in data.get("identifiers", [])],
            infra=[Infra(_INFRA_KINDS[i["kind"]], i["value"]) for i in data.get("infra", [])],
            sanctions=[Sanction(**s) for s in data.get("sanctions", [])],
            relations=[_relation(r) for r in data.get("relations", [])],
            gender=data.get("gender"),
            notes=list(data.get("notes", [])),
            properties={k: list(v) for k, v in data.get("properties", {}).items()},
        )


# Enum members by value: calling the enum (``NameKind("alias")``) cost 1.5 us, and a load or a resolution
# run reads every staged record back (a million customers hold some seven million names and contacts).
_SCHEMAS = {member.value: member for member in Schema}
_NAME_KINDS = {member.value: member for member in NameKind}
_INFRA_KINDS = {member.value: member for member in InfraKind}
_RELATION_KINDS = {member.value: member for member in RelationKind}

_CONTENT_FIELDS = tuple(f.name for f in fields(Record) if f.name not in ("source_version", "provenance"))
_SORTED_CONTENT_FIELDS = tuple(sorted(_CONTENT_FIELDS))


def _content_json(plain: dict[str, Any]) -> bytes:
    """What ``content_hash`` hashes: ``orjson.dumps(content, option=OPT_SORT_KEYS)`` of the non-empty fields.

    orjson sorts the keys of dicts (the top level, ``properties``), not a dataclass's fields,
    so the plain form sorts those two and keeps the nested objects in definition order.
    """
    content = {name: value for name in _SORTED_CONTENT_FIELDS if (value := plain[name])}  # falsy: None, "", [], {}
    if "properties" in content:
        content["properties"] = dict(sorted(content["properties"].items()))
    return orjson.dumps(content)


def _plain_provenance(p: Provenance) -> dict[str, Any]:
    return {"file": p.file, "row": p.row, "rows": p.rows, "ingested_at": p.ingested_at}


def _plain_address(a: Address) -> dict[str, Any]:
    return {
        "full": a.full,
        "street": a.street,
        "city": a.city,
        "postal_code": a.postal_code,
        "region": a.region,
        "country": a.country,
    }


def _plain_sanction(s: Sanction) -> dict[str, Any]:
    return {
        "authority": s.authority,
        "program": s.program,
        "list_name": s.list_name,
        "listed_on": s.listed_on,
        "reference": s.reference,
    }


def _plain_relation(r: Relation) -> dict[str, Any]:
    return {
        "kind": r.kind,
        "target_key": r.target_key,
        "target_name": r.target_name,
        "share": r.share,
        "role": r.role,
        "start_date": r.start_date,
        "end_date": r.end_date,
    }


def _relation(data: dict[str, Any]) -> Relation:
    return Relation(**{**data, "kind": _RELATION_KINDS[data["kind"]]})


@dataclass(slots=True)
class Quarantine:
    """An input row that could not become a record, and why."""

    file: str
    row: int
    reason: str
    field: str | None = None
    raw: str | None = None  # the offending text, cut to a readable length
    rows: int = 1


@dataclass(slots=True)
class Fragment:
    """Part of a record whose facts arrive over several rows of a source.

    Edge-shaped inputs (an FtM ``Ownership`` entity, a GLEIF relationship row, an
    ICIJ edge, a PSC statement) add a relation to the record of their source-side
    node, which may come before or after them in the file. The adapter yields a
    fragment keyed by that node; ``ingest.fragments`` merges all fragments of a
    key into one record with bounded memory. ``complete`` marks the fragment that
    describes the node itself (its names, schema); there is at most one per key,
    a second one is a duplicate key and is quarantined.
    """

    record: Record
    complete: bool = False
    # True: this part means nothing without the node's own row (an FtM Sanction of
    # an entity the file lacks), so alone it is quarantined. False: parts alone make
    # a stub record (a GLEIF parent LEI that has no row of its own in the file).
    needs_complete: bool = False


Item = Record | Quarantine | Fragment
