"""UK FCDO sanctions list, summary export (ODS as published, or the same sheet saved as CSV).

Columns: Unique ID (``DPR0155``), OFSI Group ID, Name, Regime Name, Type
(Individual / Entity / Ship), Designation source (UN / UK), Date Designated
(dd-mm-yyyy), Sanctions Imposed. One row is one designation, keyed by its
Unique ID. This export has no aliases, addresses or birth dates; an acronym in
parentheses in the name (``... CORPORATION (KKBC)``) becomes an acronym name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ingest import values
from ingest.record import Item, Name, NameKind, Provenance, Quarantine, Record, Sanction, Schema
from ingest.spreadsheet import iter_sheet_rows
from ingest.textfile import header_index
from sanctiongraph.errors import IngestError

AUTHORITY = "UK FCDO"
LIST_NAME = "UK Sanctions List"
REQUIRED = ("Unique ID", "Name", "Regime Name", "Type")
_TYPES = {"individual": Schema.PERSON, "entity": Schema.ORGANIZATION, "ship": Schema.VESSEL}
_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9&.\-]{1,11})\)")
_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_HEADER_SEARCH_ROWS = 10


def input_files(path: Path) -> list[Path]:
    return [path]


def list_version(path: Path) -> str | None:
    """The date in the published file name (``FCDO_SL_Mon_Aug_11_2025.ods``), if any."""
    match = re.search(r"([A-Z][a-z]{2})_(\d{1,2})_(\d{4})", path.name)
    return values.iso_date(f"{match.group(2)} {match.group(1)} {match.group(3)}") if match else None


def _designation_date(text: str | None) -> str | None:
    match = _DATE.fullmatch(text or "")
    if match is None:
        return values.iso_date(text[:10] if text else None)
    day, month, year = match.groups()
    return values.iso_date(f"{year}-{int(month):02d}-{int(day):02d}")


def build_record(cells: dict[str, str | None], source: str, path: Path, line: int) -> Record | Quarantine:
    """One designation row, or a quarantine entry when it has no Unique ID or Name."""
    key, name = cells.get("unique id"), cells.get("name")
    if key is None or name is None:
        missing = "Unique ID" if key is None else "Name"
        return Quarantine(str(path), line, f"row without {missing}", field=missing, raw=(name or key or "")[:200])
    kind = (cells.get("type") or "").lower()
    schema = _TYPES.get(kind, Schema.LEGAL_ENTITY)
    names = [Name(name, NameKind.PRIMARY, values.name_script(name))]
    if schema is not Schema.PERSON:
        names.extend(Name(a, NameKind.ACRONYM, "Latin") for a in _ACRONYM.findall(name))
    record = Record(
        source=source,
        source_key=key,
        schema=schema,
        names=names,
        provenance=Provenance(str(path), line),
        sanctions=[
            Sanction(
                AUTHORITY,
                program=cells.get("regime name"),
                list_name=LIST_NAME,
                listed_on=_designation_date(cells.get("date designated")),
                reference=key,
            )
        ],
    )
    for column, prop in (("ofsi group id", "ofsiGroupId"), ("designation source", "designationSource")):
        value = cells.get(column)
        if value:
            record.properties[prop] = [value]
    imposed = cells.get("sanctions imposed")
    if imposed:
        record.properties["sanctionsImposed"] = [s.strip() for s in imposed.split(",") if s.strip()]
    return record


def iter_records(path: Path, source: str) -> Iterator[Item]:
    """Records of the FCDO summary export, row by row (rows before the header are a title, not data)."""
    rows = iter_sheet_rows(path)
    index: dict[str, int] | None = None
    for line, row in rows:
        if index is None:
            if any(cell.strip().lower() == "unique id" for cell in row):
                index = header_index(path, row, REQUIRED, line)
            elif line > _HEADER_SEARCH_ROWS:
                break
            continue
        cells = {name: values.clean_text(row[pos]) if pos < len(row) else None for name, pos in index.items()}
        yield build_record(cells, source, path, line)
    if index is None:
        raise IngestError(
            f"{path}: no header row with {', '.join(REQUIRED)} in the first {_HEADER_SEARCH_ROWS} rows;"
            " not an FCDO sanctions list export",
            hint="the uk-fcdo format reads the FCDO summary export (.ods or .csv)",
        )
