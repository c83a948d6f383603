"""A GLEIF golden-copy-style LEI CSV of any size, for benchmarks and tests of big registry files.

GLEIF's golden copy is 2.8M LEI records, far too big to bundle. Its columns are
the LEI-CDF XML paths joined with dots, so the bundled XML's records
(``data/gleif/lei-data.xml``), flattened the way the adapter flattens XML, are
rows of it; repeated with new, valid LEIs they make a file of any length.
``faults`` mixes in rows a bulk file gets wrong: an invalid LEI, no legal name,
a row cut short, extra cells, a name across lines and in Hangul.
"""

from __future__ import annotations

import csv
from pathlib import Path

from lxml import etree

from ingest.adapters import gleif

LEI_XML = Path(__file__).resolve().parents[2] / "data" / "gleif" / "lei-data.xml"


def lei(number: int) -> str:
    """A valid LEI (ISO 17442: with its check digits the code is 1 mod 97)."""
    base = f"5493{number:014d}"
    digits = int("".join(str(int(c, 36)) for c in base + "00"))
    return f"{base}{98 - digits % 97:02d}"


def write_lei_csv(path: Path, rows: int, *, faults: bool = False) -> Path:
    """``rows`` LEI records in golden-copy columns at ``path``."""
    records = [
        gleif.flatten(element)
        for element in etree.parse(str(LEI_XML)).iter()
        if isinstance(element.tag, str) and etree.QName(element).localname == "LEIRecord"
    ]
    columns = sorted({name for record in records for name in record})
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for number in range(rows):
            row = dict(records[number % len(records)], LEI=lei(number))
            cells = [row.get(name, "") for name in columns]
            writer.writerow(_faulty(row, columns, number) if faults else cells)
    return path


def _faulty(row: dict[str, str], columns: list[str], number: int) -> list[str]:
    if number % 53 == 3:
        row["LEI"] = row["LEI"][:-1] + "X"
    if number % 61 == 4:
        row["Entity.LegalName"] = ""
    if number % 47 == 5:
        row["Entity.LegalName"] = "조선 무역\n회사"
    cells = [row.get(name, "") for name in columns]
    if number % 71 == 6:
        return cells[:5]
    if number % 73 == 7:
        return [*cells, "extra", "cells"]
    return cells
