"""GLEIF: LEI records (level 1), relationship records (level 2) and the LEI-BIC map.

GLEIF publishes the same records as XML (LEI-CDF / RR-CDF) and as a "golden
copy" CSV whose columns are the XML paths joined with dots, list items numbered
(``Entity.OtherEntityNames.OtherEntityName.1``). The XML is flattened into the
same dotted names, so one builder serves both; the CSV and XML spellings that
differ (relationship periods, quantifiers) are both looked up.

Relationships are edges between LEIs. Each becomes a ``Relation`` on the
record of its source-side LEI (the parent that consolidates, the head office of
a branch, the umbrella of a sub-fund, the manager of a fund), whose target key is
the other LEI, plus a stub record (0 rows) for the other LEI, so every target is
a record of the same source. Both carry the LEI as an identifier, which is what
links them to the level-1 record of that LEI from ``gleif-lei``. The fragments
are merged with bounded memory, so a full golden copy streams.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from lxml import etree

from ingest import values
from ingest.chunks import Table
from ingest.record import (
    Address,
    Fragment,
    Identifier,
    Item,
    Name,
    NameKind,
    Provenance,
    Quarantine,
    Record,
    Relation,
    RelationKind,
    Schema,
)
from ingest.row_tables import RowTable
from ingest.textfile import iter_csv_records
from ingest.xmlstream import iter_elements, root_text
from sanctiongraph.errors import IngestError

Flat = dict[str, str]
T = TypeVar("T")

LEI_REQUIRED = ("LEI", "Entity.LegalName")
RR_REQUIRED = ("Relationship.StartNode.NodeID", "Relationship.EndNode.NodeID", "Relationship.RelationshipType")
BIC_REQUIRED = ("LEI", "BIC")

_CATEGORIES = {
    "FUND": Schema.LEGAL_ENTITY,
    "SOLE_PROPRIETOR": Schema.LEGAL_ENTITY,
    "RESIDENT_GOVERNMENT_ENTITY": Schema.ORGANIZATION,
    "INTERNATIONAL_ORGANIZATION": Schema.ORGANIZATION,
}
_NAME_KINDS = {"PREVIOUS_LEGAL_NAME": NameKind.FORMER}


@dataclass(frozen=True, slots=True)
class RelationshipSpec:
    kind: RelationKind
    role: str
    from_end: bool  # True: the end node (the parent) is the source side


RELATIONSHIPS = {
    "IS_DIRECTLY_CONSOLIDATED_BY": RelationshipSpec(RelationKind.OWNS, "direct accounting consolidation parent", True),
    "IS_ULTIMATELY_CONSOLIDATED_BY": RelationshipSpec(
        RelationKind.OWNS, "ultimate accounting consolidation parent", True
    ),
    "IS_INTERNATIONAL_BRANCH_OF": RelationshipSpec(RelationKind.PARENT_OF, "head office of international branch", True),
    "IS_SUBFUND_OF": RelationshipSpec(RelationKind.PARENT_OF, "umbrella fund of sub-fund", True),
    "IS_FUND-MANAGED_BY": RelationshipSpec(RelationKind.LINKED_TO, "fund manager of", True),
    "IS_FEEDER_TO": RelationshipSpec(RelationKind.LINKED_TO, "feeder fund of", False),
}


def input_files(path: Path) -> list[Path]:
    return [path]


def _is_xml(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def content_date(path: Path) -> str | None:
    """``ContentDate`` of an XML file's header, or the date in a golden-copy file name."""
    if path.is_file() and _is_xml(path):
        return values.iso_date((root_text(path, "ContentDate") or "")[:10] or None)
    match = re.search(r"(20\d{2})(\d{2})(\d{2})", path.name)
    return values.iso_date(f"{match.group(1)}-{match.group(2)}-{match.group(3)}") if match else None


# --- flattening XML to golden-copy column names ---------------------------------


def flatten(element: etree._Element) -> Flat:
    """Leaf texts and attributes of ``element`` under dotted golden-copy names."""
    flat: Flat = {}
    _flatten_into(flat, element, "")
    return flat


def _flatten_into(flat: Flat, element: etree._Element, prefix: str) -> None:
    counts: dict[str, int] = {}
    parent_name = etree.QName(element).localname
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        name = etree.QName(child).localname
        key = f"{prefix}{name}"
        if parent_name == name + "s":  # a list element: number its items as the CSV does
            counts[name] = counts.get(name, 0) + 1
            key = f"{key}.{counts[name]}"
        for attr, value in child.attrib.items():
            attr_name = etree.QName(attr).localname
            if attr_name != "lang":
                flat[f"{key}.{attr_name}"] = value
        if len(child):
            _flatten_into(flat, child, key + ".")
        elif child.text and child.text.strip():
            flat[key] = child.text.strip()


def _lower(flat: Flat) -> Flat:
    return {k.lower(): v for k, v in flat.items()}


def _get(flat: Flat, key: str) -> str | None:
    return values.clean_text(flat.get(key.lower()))


# --- level 1: LEI records -------------------------------------------------------


def _names(flat: Flat) -> list[Name]:
    legal = _get(flat, "Entity.LegalName")
    names = [Name(legal, NameKind.PRIMARY, values.name_script(legal))] if legal else []
    for group in (
        "Entity.OtherEntityNames.OtherEntityName",
        "Entity.TransliteratedOtherEntityNames.TransliteratedOtherEntityName",
    ):
        for i in range(1, 100):
            value = _get(flat, f"{group}.{i}")
            if value is None:
                break
            if all(value != n.value for n in names):
                kind = _NAME_KINDS.get(_get(flat, f"{group}.{i}.type") or "", NameKind.ALIAS)
                names.append(Name(value, kind, values.name_script(value)))
    return names


def _address(flat: Flat, prefix: str) -> Address | None:
    lines = [_get(flat, f"{prefix}.FirstAddressLine")]
    lines += [_get(flat, f"{prefix}.AdditionalAddressLine.{i}") for i in (1, 2, 3)]
    street = ", ".join(line for line in lines if line) or None
    city, region = _get(flat, f"{prefix}.City"), _get(flat, f"{prefix}.Region")
    postal, country = _get(flat, f"{prefix}.PostalCode"), _get(flat, f"{prefix}.Country")
    parts = [p for p in (street, city, region, postal, country) if p]
    if not parts:
        return None
    return Address(
        ", ".join(parts),
        street=street,
        city=city,
        postal_code=postal,
        region=region,
        country=values.country_code(country),
    )


def build_lei_record(flat: Flat, source: str, path: Path, line: int) -> Record | Quarantine:
    """One LEI record (level 1), or a quarantine entry when its LEI is invalid or it has no legal name."""
    raw_lei = _get(flat, "LEI")
    lei = values.lei_code(raw_lei)
    names = _names(flat)
    if lei is None or not names:
        reason = f"invalid LEI: {raw_lei}" if lei is None else "LEI record without Entity.LegalName"
        return Quarantine(str(path), line, reason, field="LEI" if lei is None else "Entity.LegalName", raw=raw_lei)
    jurisdiction = _get(flat, "Entity.LegalJurisdiction")
    country = values.country_code(jurisdiction.split("-")[0]) if jurisdiction else None
    record = Record(
        source=source,
        source_key=lei,
        schema=_CATEGORIES.get(_get(flat, "Entity.EntityCategory") or "", Schema.COMPANY),
        names=names,
        provenance=Provenance(str(path), line),
        identifiers=[Identifier("lei", lei)],
        jurisdictions=[country] if country else [],
    )
    registration = _get(flat, "Entity.RegistrationAuthority.RegistrationAuthorityEntityID")
    if registration:
        record.identifiers.append(Identifier("registration", registration.upper(), country))
    for prefix in ("Entity.LegalAddress", "Entity.HeadquartersAddress"):
        address = _address(flat, prefix)
        if address is not None and all(address.full != a.full for a in record.addresses):
            record.addresses.append(address)
    record.countries = sorted({a.country for a in record.addresses if a.country})
    created = values.iso_date((_get(flat, "Entity.EntityCreationDate") or "")[:10] or None)
    if created:
        record.incorporation_dates.append(created)
    for key, prop in (
        ("Entity.EntityStatus", "status"),
        ("Entity.LegalForm.EntityLegalFormCode", "legalForm"),
        ("Entity.EntityCategory", "classification"),
        ("Registration.RegistrationStatus", "leiStatus"),
    ):
        value = _get(flat, key)
        if value:
            record.properties[prop] = [value]
    return record


# The golden-copy CSVs as tables worker processes build, a row at a time with the builders above and below.
LEI_TABLE = RowTable("ingest.adapters.gleif:LEI_TABLE", LEI_REQUIRED, build_lei_record)


def lei_tables(path: Path) -> list[tuple[Table, Path]] | None:
    """A golden-copy CSV for the workers (``ingest.row_tables``); the XML is read here."""
    return None if _is_xml(path) else [(LEI_TABLE, path)]


def iter_lei_records(path: Path, source: str) -> Iterator[Item]:
    """Level-1 LEI records from LEI-CDF XML or the golden-copy CSV."""
    yield from _iter_flat(
        path, "LEIRecord", LEI_REQUIRED, lambda flat, line: build_lei_record(flat, source, path, line)
    )


# --- level 2: relationship records ----------------------------------------------


def _period(flat: Flat) -> tuple[str | None, str | None]:
    """Start and end of the RELATIONSHIP_PERIOD, in either spelling."""
    for i in range(1, 6):
        for base, start, end, kind in (
            (f"Relationship.Period.{i}", "startDate", "endDate", "periodType"),
            (f"Relationship.RelationshipPeriods.RelationshipPeriod.{i}", "StartDate", "EndDate", "PeriodType"),
        ):
            if _get(flat, f"{base}.{kind}") == "RELATIONSHIP_PERIOD":
                return (
                    values.iso_date((_get(flat, f"{base}.{start}") or "")[:10] or None),
                    values.iso_date((_get(flat, f"{base}.{end}") or "")[:10] or None),
                )
    return None, None


def _share(flat: Flat) -> float | None:
    for i in range(1, 6):
        for base in (
            f"Relationship.Quantifiers.{i}",
            f"Relationship.RelationshipQuantifiers.RelationshipQuantifier.{i}",
        ):
            if (_get(flat, f"{base}.QuantifierUnits") or "").upper() == "PERCENTAGE":
                try:
                    share = float(_get(flat, f"{base}.QuantifierAmount") or "")
                except ValueError:
                    continue
                if 0 <= share <= 100:
                    return share
    return None


def _stub(source: str, lei: str, path: Path, line: int, rows: int) -> Record:
    return Record(
        source=source,
        source_key=lei,
        schema=Schema.LEGAL_ENTITY,
        names=[],
        provenance=Provenance(str(path), line, rows),
        identifiers=[Identifier("lei", lei)],
    )


def build_relationship(flat: Flat, source: str, path: Path, line: int) -> list[Item]:
    """The source-side fragment (with the relation) and the target stub of one relationship row."""
    start_raw, end_raw = _get(flat, "Relationship.StartNode.NodeID"), _get(flat, "Relationship.EndNode.NodeID")
    start, end = values.lei_code(start_raw), values.lei_code(end_raw)
    kind = _get(flat, "Relationship.RelationshipType") or ""
    if start is None or end is None:
        bad = "StartNode" if start is None else "EndNode"
        return [
            Quarantine(
                str(path),
                line,
                f"invalid LEI: {bad} {start_raw if start is None else end_raw}",
                field=f"Relationship.{bad}.NodeID",
            )
        ]
    spec = RELATIONSHIPS.get(kind, RelationshipSpec(RelationKind.LINKED_TO, kind.lower().replace("_", " "), False))
    owner, target = (end, start) if spec.from_end else (start, end)
    begin, finish = _period(flat)
    role = (
        spec.role
        if (_get(flat, "Relationship.RelationshipStatus") or "ACTIVE") == "ACTIVE"
        else f"{spec.role} (inactive)"
    )
    part = _stub(source, owner, path, line, 1)
    part.relations.append(
        Relation(spec.kind, target_key=target, role=role, share=_share(flat), start_date=begin, end_date=finish)
    )
    return [Fragment(part), Fragment(_stub(source, target, path, line, 0))]


RR_TABLE = RowTable("ingest.adapters.gleif:RR_TABLE", RR_REQUIRED, build_relationship)


def rr_tables(path: Path) -> list[tuple[Table, Path]] | None:
    return None if _is_xml(path) else [(RR_TABLE, path)]


def iter_rr_records(path: Path, source: str) -> Iterator[Item]:
    """Level-2 relationship records from RR-CDF XML or the golden-copy CSV, as fragments."""
    for items in _iter_flat(
        path, "RelationshipRecord", RR_REQUIRED, lambda flat, line: build_relationship(flat, source, path, line)
    ):
        yield from items


# --- LEI-BIC map ----------------------------------------------------------------


def build_bic_fragment(lei_raw: str, bic_raw: str, source: str, path: Path, line: int) -> Item:
    lei, bic = values.lei_code(lei_raw), values.bic_code(bic_raw)
    if lei is None or bic is None:
        field, raw = ("LEI", lei_raw) if lei is None else ("BIC", bic_raw)
        return Quarantine(
            str(path), line, f"invalid {field}: {raw[:40]}", field=field, raw=f"{lei_raw},{bic_raw}"[:200]
        )
    part = _stub(source, lei, path, line, 1)
    part.identifiers.append(Identifier("bic", bic))
    return Fragment(part)


def _bic_row(row: dict[str, str], source: str, path: Path, line: int) -> Item:
    return build_bic_fragment(row["lei"], row["bic"], source, path, line)


BIC_TABLE = RowTable("ingest.adapters.gleif:BIC_TABLE", BIC_REQUIRED, _bic_row)


def bic_tables(path: Path) -> list[tuple[Table, Path]]:
    return [(BIC_TABLE, path)]


def iter_bic_records(path: Path, source: str) -> Iterator[Item]:
    """One record per LEI with every BIC mapped to it (rows of one LEI are merged)."""
    for line, row in iter_csv_records(path, BIC_REQUIRED):
        yield _bic_row(row, source, path, line)


# --- shared ---------------------------------------------------------------------


def _iter_flat(path: Path, element: str, required: tuple[str, ...], build: Callable[[Flat, int], T]) -> Iterator[T]:
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    if _is_xml(path):
        count = 0
        for node in iter_elements(path, element):
            count += 1
            yield build(_lower(flatten(node)), node.sourceline or count)
        if count == 0:
            raise IngestError(f"{path}: no {element} elements; not a GLEIF {element} file")
        return
    for line, row in iter_csv_records(path, required):
        yield build(row, line)
