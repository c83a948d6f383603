"""OFAC SDN legacy CSV trio: ``sdn.csv`` with ``add.csv`` (addresses) and ``alt.csv`` (aliases).

The files have no header. ``sdn.csv`` has 12 columns (ent_num, SDN_Name, SDN_Type,
Program, Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner,
Remarks), ``add.csv`` 6 and ``alt.csv`` 5; ``-0-`` means empty. Address and alias
rows are folded into their entry's record; a row that points at no entry is
quarantined, so every row is accounted for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest import values
from ingest.adapters.ofac_remarks import apply_remarks
from ingest.record import (
    Address,
    Identifier,
    Item,
    Name,
    NameKind,
    Provenance,
    Quarantine,
    Record,
    Sanction,
    Schema,
)
from ingest.textfile import iter_csv_rows
from sanctiongraph.errors import IngestError

SDN_COLUMNS = 12
ADD_COLUMNS = 6
ALT_COLUMNS = 5
AUTHORITY = "US OFAC"

_TYPES = {"individual": Schema.PERSON, "vessel": Schema.VESSEL, "aircraft": Schema.AIRCRAFT}
_ALT_KINDS = {"aka": NameKind.ALIAS, "fka": NameKind.FORMER, "nka": NameKind.ALIAS}


@dataclass(slots=True)
class _Extras:
    """Address and alias rows of one entry, with the lines they came from."""

    addresses: list[Address] = field(default_factory=list)
    names: list[Name] = field(default_factory=list)
    lines: list[tuple[str, int]] = field(default_factory=list)


def trio_files(path: Path) -> tuple[Path, Path | None, Path | None]:
    """``sdn.csv`` and its sibling ``add.csv``/``alt.csv`` for a folder or an sdn.csv path."""
    sdn = path / "sdn.csv" if path.is_dir() else path
    if not sdn.is_file():
        raise IngestError(f"{sdn}: no such file", hint="pass the folder holding sdn.csv, add.csv, alt.csv")
    folder = sdn.parent
    add, alt = folder / "add.csv", folder / "alt.csv"
    return sdn, add if add.is_file() else None, alt if alt.is_file() else None


def input_files(path: Path) -> list[Path]:
    return [p for p in trio_files(path) if p is not None]


def _cell(row: list[str], index: int) -> str | None:
    return values.clean_text(row[index]) if index < len(row) else None


def _address(row: list[str]) -> Address | None:
    street, city, country = _cell(row, 2), _cell(row, 3), _cell(row, 4)
    parts = [p for p in (street, city, country) if p]
    if not parts:
        return None
    return Address(", ".join(parts), street=street, city=city, country=values.country_code(country))


def _read_extras(path: Path | None, width: int, quarantine: list[Quarantine]) -> dict[str, _Extras]:
    extras: dict[str, _Extras] = defaultdict(_Extras)
    if path is None:
        return extras
    for line, row in iter_csv_rows(path):
        if len(row) != width or not row[0].strip().isdigit():
            quarantine.append(
                Quarantine(str(path), line, f"expected {width} columns with a numeric ent_num", raw=",".join(row)[:200])
            )
            continue
        entry = extras[row[0].strip()]
        if width == ADD_COLUMNS:
            address = _address(row)
            if address is not None:
                entry.addresses.append(address)
        else:
            name = _cell(row, 3)
            if name is not None:
                kind = _ALT_KINDS.get((_cell(row, 2) or "aka").lower(), NameKind.ALIAS)
                entry.names.append(Name(name, kind, values.name_script(name)))
        entry.lines.append((str(path), line))
    return extras


def _vessel_details(record: Record, row: list[str]) -> None:
    call_sign = _cell(row, 5)
    if call_sign:
        record.identifiers.append(Identifier("call_sign", call_sign.upper()))
    for index, prop in ((6, "vesselType"), (7, "tonnage"), (8, "grossRegisteredTonnage"), (10, "owner")):
        value = _cell(row, index)
        if value:
            record.properties[prop] = [value]
    flag = values.country_code(_cell(row, 9))
    if flag:
        record.properties["flag"] = [flag]
        record.countries.append(flag)


def build_record(source: str, path: Path, line: int, row: list[str]) -> Record:
    """One SDN entry (without its address and alias rows)."""
    name = _cell(row, 1)
    if name is None:
        raise ValueError("SDN_Name is empty")
    schema = _TYPES.get((_cell(row, 2) or "").lower(), Schema.ORGANIZATION)
    programs = [p.strip(" []") for p in (_cell(row, 3) or "").split("] [") if p.strip(" []")]
    record = Record(
        source=source,
        source_key=row[0].strip(),
        schema=schema,
        names=[Name(name, NameKind.PRIMARY, values.name_script(name))],
        provenance=Provenance(str(path), line),
        sanctions=[Sanction(AUTHORITY, program=p, list_name="SDN") for p in programs],
    )
    title = _cell(row, 4)
    if title:
        record.properties["position"] = [title]
    if schema in (Schema.VESSEL, Schema.AIRCRAFT):
        _vessel_details(record, row)
    apply_remarks(record, _cell(row, 11))
    return record


def _attach(record: Record, extras: _Extras | None) -> Record:
    if extras is None:
        return record
    record.addresses.extend(extras.addresses)
    record.countries.extend(a.country for a in extras.addresses if a.country and a.country not in record.countries)
    known = {n.value for n in record.names}
    record.names.extend(n for n in extras.names if n.value not in known)
    record.provenance.rows += len(extras.lines)
    return record


def iter_records(path: Path, source: str) -> Iterator[Item]:
    """Records of an OFAC SDN CSV trio (``path`` is the folder or sdn.csv)."""
    sdn, add, alt = trio_files(path)
    quarantine: list[Quarantine] = []
    extras = _read_extras(add, ADD_COLUMNS, quarantine)
    for key, entry in _read_extras(alt, ALT_COLUMNS, quarantine).items():
        extras[key].names.extend(entry.names)
        extras[key].lines.extend(entry.lines)
    yield from quarantine
    good = bad = 0
    for line, row in iter_csv_rows(sdn):
        if len(row) != SDN_COLUMNS or not row[0].strip().isdigit():
            bad += 1
            _check_format(sdn, good, bad)
            yield Quarantine(
                str(sdn), line, f"expected {SDN_COLUMNS} columns with a numeric ent_num", raw=",".join(row)[:200]
            )
            continue
        try:
            record = build_record(source, sdn, line, row)
        except ValueError as error:
            yield Quarantine(str(sdn), line, str(error), field="SDN_Name", raw=",".join(row)[:200])
            continue
        good += 1
        yield _attach(record, extras.pop(record.source_key, None))
    _check_format(sdn, good, bad, final=True)
    yield from _orphans(extras)


def _check_format(path: Path, good: int, bad: int, *, final: bool = False) -> None:
    """A file whose first rows are all unusable is not an OFAC sdn.csv at all."""
    if (bad >= 20 and good == 0) or (final and good == 0 and bad > 0):
        raise IngestError(
            f"{path}: not an OFAC sdn.csv ({bad} rows without {SDN_COLUMNS} columns and a numeric ent_num)",
            hint="use --format ofac-xml for sdn.xml, or check the file",
        )


def _orphans(extras: dict[str, _Extras]) -> Iterator[Quarantine]:
    for key, entry in extras.items():
        for file, line in entry.lines:
            yield Quarantine(file, line, f"no such entry in sdn.csv: ent_num {key}", field="ent_num")
