"""OFAC ``sdn.xml`` schema (the SDN list and the non-SDN consolidated list).

Each ``sdnEntry`` is one record keyed by its ``uid`` (the same number as the
legacy CSV's ent_num, so both formats stage the same keys). Element names are
matched whatever the XML namespace, because OFAC has published the schema under
several. Identifiers in ``idList`` are typed the way OFAC types remarks
clauses (``Passport``, ``SWIFT/BIC``, ``Email Address``, ``Digital Currency
Address - XBT``), so they are parsed with the remarks parser; types it does
not know become notes. The file is streamed entry by entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ingest import values
from ingest.adapters.ofac_remarks import apply_clause, apply_remarks
from ingest.record import Address, Identifier, Item, Name, NameKind, Provenance, Quarantine, Record, Sanction, Schema
from ingest.xmlstream import iter_elements, local_text, local_texts, root_text
from sanctiongraph.errors import IngestError

AUTHORITY = "US OFAC"
_TYPES = {"individual": Schema.PERSON, "vessel": Schema.VESSEL, "aircraft": Schema.AIRCRAFT}
_AKA_KINDS = {"a.k.a.": NameKind.ALIAS, "f.k.a.": NameKind.FORMER, "n.k.a.": NameKind.ALIAS}


def input_files(path: Path) -> list[Path]:
    return [path]


def list_version(path: Path) -> str | None:
    """``Publish_Date`` (MM/DD/YYYY) as an ISO date."""
    text = root_text(path, "Publish_Date")
    if not text:
        return None
    month, _, rest = text.partition("/")
    day, _, year = rest.partition("/")
    return values.iso_date(f"{year}-{month.zfill(2)}-{day.zfill(2)}") if year else None


def _person_name(node: etree._Element) -> str | None:
    parts = [local_text(node, "firstName"), local_text(node, "lastName")]
    return values.clean_text(" ".join(p for p in parts if p))


def _names(entry: etree._Element) -> list[Name]:
    primary = _person_name(entry)
    if primary is None:
        return []
    names = [Name(primary, NameKind.PRIMARY, values.name_script(primary))]
    for aka in entry.iterfind("{*}akaList/{*}aka"):
        value = _person_name(aka)
        if value is None or any(value == n.value for n in names):
            continue
        kind = _AKA_KINDS.get((local_text(aka, "type") or "").lower(), NameKind.ALIAS)
        if (local_text(aka, "category") or "").lower() == "weak":
            kind = NameKind.WEAK
        names.append(Name(value, kind, values.name_script(value)))
    return names


def _addresses(entry: etree._Element) -> list[Address]:
    found = []
    for node in entry.iterfind("{*}addressList/{*}address"):
        street = values.clean_text(", ".join(t for t in (local_text(node, f"address{i}") for i in (1, 2, 3)) if t))
        city, region = local_text(node, "city"), local_text(node, "stateOrProvince")
        postal, country = local_text(node, "postalCode"), local_text(node, "country")
        parts = [p for p in (street, city, region, postal, country) if p]
        if parts:
            found.append(
                Address(
                    ", ".join(parts),
                    street=street,
                    city=city,
                    postal_code=postal,
                    region=region,
                    country=values.country_code(country),
                )
            )
    return found


def _apply_ids(record: Record, entry: etree._Element) -> None:
    for node in entry.iterfind("{*}idList/{*}id"):
        kind, number = local_text(node, "idType"), local_text(node, "idNumber")
        if not kind or not number:
            continue
        country = local_text(node, "idCountry")
        clause = f"{kind} {number}" + (f" ({country})" if country else "")
        if not apply_clause(record, clause):
            record.notes.append(clause)


def _apply_person(record: Record, entry: etree._Element) -> None:
    for date in local_texts(entry, "dateOfBirthList/{*}dateOfBirthItem/{*}dateOfBirth"):
        iso = values.iso_date(date.replace("circa ", ""))
        if iso:
            record.birth_dates.append(iso)
    for place in local_texts(entry, "placeOfBirthList/{*}placeOfBirthItem/{*}placeOfBirth"):
        record.properties.setdefault("birthPlace", []).append(place)
    for tag in ("nationalityList/{*}nationality/{*}country", "citizenshipList/{*}citizenship/{*}country"):
        record.nationalities.extend(c for c in map(values.country_code, local_texts(entry, tag)) if c)


def _apply_vessel(record: Record, entry: etree._Element) -> None:
    info = entry.find("{*}vesselInfo")
    if info is None:
        return
    call_sign = local_text(info, "callSign")
    if call_sign:
        record.identifiers.append(Identifier("call_sign", call_sign.upper()))
    for tag, prop in (
        ("vesselType", "vesselType"),
        ("tonnage", "tonnage"),
        ("grossRegisteredTonnage", "grossRegisteredTonnage"),
        ("vesselOwner", "owner"),
    ):
        value = local_text(info, tag)
        if value:
            record.properties[prop] = [value]
    flag = values.country_code(local_text(info, "vesselFlag"))
    if flag:
        record.properties["flag"] = [flag]
        record.countries.append(flag)


def build_record(entry: etree._Element, source: str, path: Path, number: int) -> Record | Quarantine:
    """One ``sdnEntry``, or a quarantine entry when it has no uid or no name."""
    line = entry.sourceline or number
    uid = local_text(entry, "uid")
    names = _names(entry)
    if uid is None or not names:
        missing = "uid" if uid is None else "lastName"
        return Quarantine(str(path), line, f"sdnEntry without {missing}", field=missing)
    schema = _TYPES.get((local_text(entry, "sdnType") or "").lower(), Schema.ORGANIZATION)
    record = Record(
        source=source,
        source_key=uid,
        schema=schema,
        names=names,
        provenance=Provenance(str(path), line),
        sanctions=[
            Sanction(AUTHORITY, program=p, list_name="SDN") for p in local_texts(entry, "programList/{*}program")
        ],
        addresses=_addresses(entry),
    )
    record.countries.extend(sorted({a.country for a in record.addresses if a.country}))
    title = local_text(entry, "title")
    if title:
        record.properties["position"] = [title]
    _apply_ids(record, entry)
    if schema is Schema.PERSON:
        _apply_person(record, entry)
    elif schema in (Schema.VESSEL, Schema.AIRCRAFT):
        _apply_vessel(record, entry)
    apply_remarks(record, local_text(entry, "remarks"))
    return record


def iter_records(path: Path, source: str) -> Iterator[Item]:
    """Records of an OFAC sdn.xml-schema file, streamed entry by entry."""
    number = 0
    for element in iter_elements(path, "sdnEntry"):
        number += 1
        yield build_record(element, source, path, number)
    if number == 0:
        raise IngestError(
            f"{path}: no sdnEntry elements; not an OFAC sdn.xml file", hint="use --format ofac-csv for sdn.csv"
        )
