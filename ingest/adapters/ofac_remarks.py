"""Structured facts hidden in OFAC's free-text remarks.

OFAC's legacy CSV has no columns for birth dates, identifiers, contacts or links
between entries; they sit in the Remarks column as ``; ``-separated clauses such
as ``DOB 25 Sep 1984``, ``Passport 654320502 (Korea, North)``,
``Digital Currency Address - XBT 1AbC...`` or ``Linked To: KOREA KWANGSON
BANKING CORP.``. ``apply_remarks`` parses every clause it knows into the record
and keeps the rest as a note, so nothing the source says is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ingest import values
from ingest.record import (
    Identifier,
    Infra,
    InfraKind,
    Name,
    NameKind,
    Record,
    Relation,
    RelationKind,
)

_CLAUSE_SPLIT = re.compile(r";\s+")
# "Passport 654320502 (Korea, North) expires 16 Sep 2019" -> number, country
_DOC = re.compile(r"^(?P<number>[^()]+?)\s*(?:\((?P<country>[^)]+)\))?(?:\s+(?:expires|issued).*)?$")

# Clause prefix -> identifier kind (longest prefixes first where they overlap).
_ID_PREFIXES: list[tuple[str, str]] = [
    ("Vessel Registration Identification IMO", "imo"),
    ("Identification Number IMO", "imo"),
    ("MMSI", "mmsi"),
    ("Passport", "passport"),
    ("National ID No.", "national_id"),
    ("Cedula No.", "national_id"),
    ("D.N.I.", "national_id"),
    ("Tax ID No.", "tax_id"),
    ("Registration Number", "registration"),
    ("Business Registration Number", "registration"),
    ("Company Number", "registration"),
    ("Commercial Registry Number", "registration"),
    ("Registration ID", "registration"),
    ("Unified Social Credit Code", "registration"),
    ("Legal Entity Number", "lei"),
    ("SWIFT/BIC", "bic"),
]


def _strip_alt(clause: str) -> str:
    return clause[5:] if clause.startswith("alt. ") else clause


def _identifier(kind: str, text: str) -> Identifier | None:
    match = _DOC.match(text.strip())
    if match is None:
        return None
    raw, country = match.group("number"), values.country_code(match.group("country"))
    normalise: Callable[[str | None], str | None] = {
        "imo": values.imo_number,
        "lei": values.lei_code,
        "bic": values.bic_code,
    }.get(kind, values.document_number)
    value = normalise(raw)
    return Identifier(kind, value, country) if value else None


def _apply_identifier(record: Record, clause: str) -> bool:
    for prefix, kind in _ID_PREFIXES:
        if clause.startswith(prefix + " "):
            identifier = _identifier(kind, clause[len(prefix) + 1 :])
            if identifier is not None:
                record.identifiers.append(identifier)
                return True
    return False


def _apply_contact(record: Record, clause: str) -> bool:
    if clause.startswith(("Email Address ", "Email:", "Email ")):
        value = values.email(re.sub(r"^Email( Address)?:?\s*", "", clause))
        if value:
            record.infra.append(Infra(InfraKind.EMAIL, value))
            return True
    elif clause.startswith("Website "):
        value = values.domain(clause[8:])
        if value:
            record.infra.append(Infra(InfraKind.DOMAIN, value))
            return True
    elif clause.startswith(("Phone Number ", "Telephone ", "Phone ")):
        raw = clause.split(" ", 2)[-1] if clause.startswith("Phone Number") else clause.split(" ", 1)[1]
        digits = raw if raw.startswith("+") else "+" + re.sub(r"\D", "", raw)
        value = values.phone(digits)
        if value:
            record.infra.append(Infra(InfraKind.PHONE, value))
            return True
    elif clause.startswith("Digital Currency Address - "):
        parts = clause[len("Digital Currency Address - ") :].split()
        if len(parts) == 2:
            record.infra.append(Infra(InfraKind.WALLET, f"{parts[0].upper()}:{parts[1]}"))
            return True
    return False


def _apply_person(record: Record, clause: str) -> bool:
    if clause.startswith("DOB "):
        date = values.iso_date(clause[4:].replace("circa ", ""))
        if date:
            record.birth_dates.append(date)
            return True
    elif clause.startswith("POB "):
        record.properties.setdefault("birthPlace", []).append(clause[4:])
        return True
    elif clause.startswith(("nationality ", "citizen ")):
        code = values.country_code(clause.split(" ", 1)[1])
        if code:
            record.nationalities.append(code)
            return True
    elif clause.startswith("Gender "):
        record.gender = clause[7:].lower()
        return True
    elif clause.startswith("Organization Established Date "):
        date = values.iso_date(clause[len("Organization Established Date ") :])
        if date:
            record.incorporation_dates.append(date)
            return True
    return False


def _apply_link(record: Record, clause: str) -> bool:
    if clause.startswith("Linked To: "):
        target = clause[len("Linked To: ") :].strip().rstrip(".")
        record.relations.append(Relation(RelationKind.LINKED_TO, target_name=target))
        return True
    if clause.startswith(("a.k.a. ", "f.k.a. ")):
        kind = NameKind.ALIAS if clause.startswith("a.k.a.") else NameKind.FORMER
        for alias in re.findall(r"'([^']+)'", clause):
            if all(alias != n.value for n in record.names):
                record.names.append(Name(alias, kind, values.name_script(alias)))
        return True
    return False


_APPLIERS = (_apply_person, _apply_identifier, _apply_contact, _apply_link)


def apply_clause(record: Record, clause: str) -> bool:
    """Apply one remarks clause (or an sdn.xml ``idType idNumber`` pair); False when not understood."""
    clause = _strip_alt(clause.strip())
    return bool(clause) and any(apply(record, clause) for apply in _APPLIERS)


def apply_remarks(record: Record, remarks: str | None) -> None:
    """Parse OFAC remarks into ``record``; clauses not understood become notes."""
    text = values.clean_text(remarks)
    if text is None:
        return
    for clause in _CLAUSE_SPLIT.split(text.rstrip(".")):
        clause = _strip_alt(clause.strip())
        if clause and not apply_clause(record, clause):
            record.notes.append(clause)
