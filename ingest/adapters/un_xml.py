"""UN Security Council Consolidated List (sc-sanctions.xsd XML).

Each ``INDIVIDUAL`` or ``ENTITY`` is one record keyed by its ``REFERENCE_NUMBER``
(``KPe.025``: ``KP`` = the 1718 DPRK list, ``e``/``i`` = entity/individual), which
stays the same across list versions. The file is streamed, so memory does not
grow with its size.

An entry's comments cite other entries by that number ("Father of Sirajuddin
Jallaloudine Haqqani (TAi.144)", "associated with Al-Qaida (QDe.004)"): each cited
entry becomes a relation to it, family when the sentence says so, a link otherwise,
with the sentence as its role. A cited entry the file lacks is left unlinked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ingest import values
from ingest.record import (
    Address,
    Identifier,
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
from sanctiongraph.errors import IngestError

AUTHORITY = "UN Security Council"
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
_ALIAS_KINDS = {"low": NameKind.WEAK, "f.k.a.": NameKind.FORMER}
_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9&.\-]{1,11})\)")
# Another entry cited in a comment, by its reference number.
_CITED = re.compile(r"\b([A-Z]{2}[ie]\.\d{3})\b")
_FAMILY = re.compile(
    r"\b(?:father|mother|son|daughter|brother|sister|wife|husband|spouse|cousin|nephew|niece|uncle|aunt"
    r"|grand(?:father|mother|son|daughter)|(?:\w+-)?in-law|sibling)s?\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-Z])")
MAX_ROLE_CHARS = 200
_DOCUMENT_KINDS = {"passport": "passport", "national": "national_id", "pasaporte": "passport", "passeport": "passport"}


def input_files(path: Path) -> list[Path]:
    return [path]


def list_version(path: Path) -> str | None:
    """The list's ``dateGenerated`` date, read from the root element only."""
    try:
        for _, element in etree.iterparse(str(path), events=("start",)):
            generated = element.get("dateGenerated")
            return generated[:10] if generated else None
    except (etree.XMLSyntaxError, OSError):
        return None
    return None


def _text(element: etree._Element, tag: str) -> str | None:
    return values.clean_text(element.findtext(tag))


def _names(element: etree._Element, is_person: bool) -> list[Name]:
    parts = [p for p in (_text(element, t) for t in _NAME_PARTS) if p]
    if not parts:
        return []
    primary = " ".join(parts)
    names = [Name(primary, NameKind.PRIMARY, values.name_script(primary))]
    for acronym in _ACRONYM.findall(primary) if not is_person else []:
        names.append(Name(acronym, NameKind.ACRONYM, "Latin"))
    original = _text(element, "NAME_ORIGINAL_SCRIPT")
    if original:
        names.append(Name(original, NameKind.ALIAS, values.name_script(original)))
    for alias in element.iterfind("INDIVIDUAL_ALIAS" if is_person else "ENTITY_ALIAS"):
        value = _text(alias, "ALIAS_NAME")
        if value and all(value != n.value for n in names):
            kind = _ALIAS_KINDS.get((_text(alias, "QUALITY") or "").lower(), NameKind.ALIAS)
            names.append(Name(value, kind, values.name_script(value)))
    return names


def _addresses(element: etree._Element, tag: str) -> list[Address]:
    found = []
    for node in element.iterfind(tag):
        fields = {k: _text(node, k) for k in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")}
        parts = [v for v in fields.values() if v]
        if parts:
            found.append(
                Address(
                    ", ".join(parts),
                    street=fields["STREET"],
                    city=fields["CITY"],
                    region=fields["STATE_PROVINCE"],
                    postal_code=fields["ZIP_CODE"],
                    country=values.country_code(fields["COUNTRY"]),
                )
            )
    return found


def _birth_dates(element: etree._Element) -> list[str]:
    dates = []
    for node in element.iterfind("INDIVIDUAL_DATE_OF_BIRTH"):
        for tag in ("DATE", "YEAR", "FROM_YEAR", "TO_YEAR"):
            date = values.iso_date(_text(node, tag))
            if date:
                dates.append(date)
    return dates


def _documents(element: etree._Element) -> list[Identifier]:
    found = []
    for node in element.iterfind("INDIVIDUAL_DOCUMENT"):
        doc_type = (_text(node, "TYPE_OF_DOCUMENT") or "").lower()
        kind = next((v for k, v in _DOCUMENT_KINDS.items() if k in doc_type), "document")
        number = values.document_number(_text(node, "NUMBER"))
        country = values.country_code(_text(node, "ISSUING_COUNTRY") or _text(node, "COUNTRY_OF_ISSUE"))
        if number:
            found.append(Identifier(kind, number, country))
    return found


def _values(element: etree._Element, tag: str) -> list[str]:
    return [v for v in (values.clean_text(n.text) for n in element.iterfind(f"{tag}/VALUE")) if v]


def build_record(element: etree._Element, source: str, path: Path, number: int) -> Record | Quarantine:
    """One UN list entry, or a quarantine entry when it lacks a reference or a name."""
    is_person = element.tag == "INDIVIDUAL"
    reference = _text(element, "REFERENCE_NUMBER")
    names = _names(element, is_person)
    if reference is None or not names:
        missing = "REFERENCE_NUMBER" if reference is None else "FIRST_NAME"
        return Quarantine(str(path), element.sourceline or number, f"{element.tag} without {missing}", field=missing)
    record = Record(
        source=source,
        source_key=reference,
        schema=Schema.PERSON if is_person else Schema.ORGANIZATION,
        names=names,
        provenance=Provenance(str(path), element.sourceline or number),
        sanctions=[
            Sanction(
                AUTHORITY,
                program=_text(element, "UN_LIST_TYPE"),
                list_name="UN Consolidated List",
                listed_on=values.iso_date(_text(element, "LISTED_ON")),
                reference=reference,
            )
        ],
        addresses=_addresses(element, "INDIVIDUAL_ADDRESS" if is_person else "ENTITY_ADDRESS"),
    )
    record.countries = sorted({a.country for a in record.addresses if a.country})
    if is_person:
        record.birth_dates = _birth_dates(element)
        record.identifiers = _documents(element)
        record.nationalities = [c for c in map(values.country_code, _values(element, "NATIONALITY")) if c]
        record.gender = (_text(element, "GENDER") or "").lower() or None
        positions = _values(element, "DESIGNATION")
        if positions:
            record.properties["position"] = positions
    comment = _text(element, "COMMENTS1")
    if comment:
        record.notes.append(comment)
        record.relations = cited_entries(comment, reference)
    return record


def cited_entries(comment: str, reference: str) -> list[Relation]:
    """Relations to the entries a comment cites by reference number, each once, in the order cited."""
    found: dict[str, Relation] = {}
    for sentence in _SENTENCE_END.split(" ".join(comment.split())):
        for cited in _CITED.findall(sentence):
            if cited != reference and cited not in found:
                kind = RelationKind.FAMILY_OF if _FAMILY.search(sentence) else RelationKind.LINKED_TO
                found[cited] = Relation(kind, target_key=cited, role=sentence[:MAX_ROLE_CHARS])
    return list(found.values())


def iter_records(path: Path, source: str) -> Iterator[Item]:
    """Records of a UN consolidated list XML file, streamed entry by entry."""
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    number = 0
    try:
        for _, element in etree.iterparse(str(path), events=("end",), tag=("INDIVIDUAL", "ENTITY"), huge_tree=True):
            number += 1
            yield build_record(element, source, path, number)
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del element.getparent()[0]
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else "?"
        raise IngestError(
            f"{path}:{line}: malformed XML ({error.msg})", hint="the file may be truncated; fetch it again"
        ) from error
    if number == 0:
        raise IngestError(f"{path}: no INDIVIDUAL or ENTITY elements; not a UN consolidated list")
