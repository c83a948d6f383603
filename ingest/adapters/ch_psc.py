"""UK Companies House persons with significant control (PSC snapshot records).

The snapshot is JSON lines, one ``{"company_number": ..., "data": {...}}`` per
line; small exports and fixtures may be a JSON array of the same objects. A PSC
(an individual, a corporate entity, a legal person) becomes a record keyed by
its ``links.self`` path, with a relation to the company it controls: ``owns``
with the lower bound of the share band as ``share`` when the nature of control
is a shareholding (``ownership-of-shares-25-to-50-percent`` gives 25), else
``linked_to``; the natures of control are the relation's role. Each company
gets a stub record (0 rows) keyed by its company number, so every relation
target is a record of the same source. A statement ("no individual or entity
with significant control") or an exemption is a note on the company's record;
the snapshot's totals line is quarantined, being no PSC at all.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest import values
from ingest.chunks import Table
from ingest.jsonstream import BadLine, iter_json_values
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
from ingest.row_tables import JsonLinesTable
from sanctiongraph.errors import IngestError

_SHARES = re.compile(r"ownership-of-shares-(\d+)-to-(\d+)-percent")
_PARTY_KINDS = (
    ("individual", Schema.PERSON),
    ("super-secure", Schema.PERSON),
    ("corporate-entity", Schema.COMPANY),
    ("legal-person", Schema.ORGANIZATION),
)


def input_files(path: Path) -> list[Path]:
    """The file, or every ``.json``/``.txt`` file of a folder (the snapshot comes in parts)."""
    if not path.is_dir():
        return [path]
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".json", ".txt", ".jsonl") and p.is_file())
    if not files:
        raise IngestError(
            f"{path}: no .json, .jsonl or .txt files in this folder", hint="pass a PSC snapshot file or its folder"
        )
    return sorted(files, key=_natural)


def _natural(path: Path) -> list[int | str]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def _company_stub(source: str, number: str, path: Path, line: int, rows: int) -> Record:
    return Record(
        source=source,
        source_key=number,
        schema=Schema.COMPANY,
        names=[],
        provenance=Provenance(str(path), line, rows),
        identifiers=[Identifier("registration", number, "GB")],
        jurisdictions=["GB"],
    )


def _address(data: dict[str, Any]) -> Address | None:
    parts = {k: values.clean_text(str(v)) for k, v in (data.get("address") or {}).items() if isinstance(v, str | int)}
    street = (
        ", ".join(p for p in (parts.get("premises"), parts.get("address_line_1"), parts.get("address_line_2")) if p)
        or None
    )
    city, postal = parts.get("locality"), parts.get("postal_code")
    region, country = parts.get("region"), parts.get("country")
    full = ", ".join(p for p in (street, city, region, postal, country) if p)
    if not full:
        return None
    return Address(
        full, street=street, city=city, postal_code=postal, region=region, country=values.country_code(country)
    )


def _relation(company: str, data: dict[str, Any]) -> Relation:
    natures = [str(n) for n in data.get("natures_of_control") or []]
    shares = [int(m.group(1)) for n in natures if (m := _SHARES.search(n))]
    return Relation(
        RelationKind.OWNS if shares else RelationKind.LINKED_TO,
        target_key=company,
        share=float(max(shares)) if shares else None,
        role="; ".join(natures) or "person with significant control",
        start_date=values.iso_date(data.get("notified_on")),
        end_date=values.iso_date(data.get("ceased_on")),
    )


def _key(company: str, data: dict[str, Any]) -> str:
    link = ((data.get("links") or {}).get("self") or "").strip("/")
    if link:
        return link.removeprefix("company/")
    digest = hashlib.sha1(f"{company}|{data.get('name')}|{data.get('notified_on')}".encode()).hexdigest()[:16]
    return f"{company}/psc/{digest}"


def build_party(company: str, data: dict[str, Any], schema: Schema, source: str, path: Path, line: int) -> Record:
    """A PSC and its relation to the company."""
    name = values.clean_text(data.get("name"))
    record = Record(
        source=source,
        source_key=_key(company, data),
        schema=schema,
        names=[Name(name, NameKind.PRIMARY, values.name_script(name))] if name else [],
        provenance=Provenance(str(path), line),
        relations=[_relation(company, data)],
    )
    address = _address(data)
    if address is not None:
        record.addresses.append(address)
    birth = _birth_date(data.get("date_of_birth"))
    if birth:
        record.birth_dates.append(birth)
    for field, target in (("nationality", record.nationalities), ("country_of_residence", record.countries)):
        for part in str(data.get(field) or "").split(","):
            code = values.country_code(part)
            if code and code not in target:
                target.append(code)
    ident = data.get("identification") or {}
    number = values.clean_text(ident.get("registration_number"))
    if number:
        country = values.country_code(ident.get("country_registered") or ident.get("legal_authority"))
        record.identifiers.append(Identifier("registration", number.upper(), country))
    for key, prop in (
        ("legal_form", "legalForm"),
        ("place_registered", "registry"),
        ("legal_authority", "legalAuthority"),
    ):
        if ident.get(key):
            record.properties[prop] = [str(ident[key])]
    if "super-secure" in str(data.get("kind")):
        record.notes.append("super-secure PSC: details withheld by Companies House")
    return record


def _birth_date(birth: Any) -> str | None:
    """``YYYY-MM`` (or ``YYYY``) of a PSC's ``date_of_birth``; none when its year or month is not a number."""
    if not isinstance(birth, dict):
        return None
    year, month = str(birth.get("year") or ""), str(birth.get("month") or "")
    if not year.isdigit() or (month and not month.isdigit()):
        return None
    return f"{int(year):04d}" + (f"-{int(month):02d}" if month else "")


def build_items(value: Any, source: str, path: Path, line: int) -> list[Item]:
    """What one snapshot line says: a PSC (with the company stub), a note on the company, or quarantine."""
    if not isinstance(value, dict) or not isinstance(value.get("data"), dict):
        return [Quarantine(str(path), line, "not a PSC snapshot record: needs a 'data' object", raw=str(value)[:200])]
    data, company = value["data"], values.clean_text(str(value.get("company_number") or ""))
    kind = str(data.get("kind") or "")
    if kind.startswith("totals#"):
        return [Quarantine(str(path), line, "snapshot totals line, not a PSC record", field="kind", raw=kind)]
    if company is None:
        return [Quarantine(str(path), line, "PSC record without company_number", field="company_number", raw=kind)]
    schema = next((s for prefix, s in _PARTY_KINDS if kind.startswith(prefix)), None)
    if schema is not None:
        party = build_party(company, data, schema, source, path, line)
        return [party, Fragment(_company_stub(source, company, path, line, 0))]
    stub = _company_stub(source, company, path, line, 1)
    statement = data.get("statement") or kind
    stub.notes.append(f"PSC {kind}: {statement}" + (f" (ceased {data['ceased_on']})" if data.get("ceased_on") else ""))
    return [Fragment(stub)]


def iter_records(path: Path, source: str) -> Iterator[Item]:
    """PSC records, company stubs (as fragments) and quarantine entries of a PSC snapshot file or folder."""
    good = 0
    for file in input_files(path):
        for line, value in iter_json_values(file):
            if isinstance(value, BadLine):
                yield Quarantine(str(file), line, f"not valid JSON: {value.error}", raw=value.text)
                continue
            good += 1
            yield from build_items(value, source, file, line)
    if good == 0:
        raise _not_psc(path)


# The snapshot's JSON lines as a table worker processes build, a line at a time with ``build_items``.
TABLE = JsonLinesTable("ingest.adapters.ch_psc:TABLE", build_items)


def tables(path: Path) -> list[tuple[Table, Path]]:
    """The snapshot's files for the workers; refused first, as ``iter_records`` refuses it, when no line is JSON."""
    files = input_files(path)
    if not any(not isinstance(value, BadLine) for file in files for _, value in iter_json_values(file)):
        raise _not_psc(path)
    return [(TABLE, file) for file in files]


def _not_psc(path: Path) -> IngestError:
    return IngestError(f"{path}: no JSON records; not a Companies House PSC snapshot")
