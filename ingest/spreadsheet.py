"""Rows of a spreadsheet export (OpenDocument ``.ods``) or a CSV, streamed with row numbers.

ODS is read straight from the zip member ``content.xml`` with a streaming XML
parser rather than a spreadsheet library: the library we had (calamine) refuses
the UK FCDO export because of whitespace between cells, and a streaming read
keeps memory flat for big sheets. Repeated cells and rows
(``number-columns-repeated``) are expanded, except trailing empty ones.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ingest.textfile import iter_csv_rows
from sanctiongraph.errors import IngestError

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_MAX_REPEAT = 1024  # a sheet pads to 16,384 columns and 1,048,576 rows with repeated empty cells


def iter_sheet_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts) of the first sheet of an ODS file or of a CSV file; blank rows skipped."""
    if path.suffix.lower() == ".ods":
        yield from _iter_ods_rows(path)
    else:
        yield from iter_csv_rows(path)


def _iter_ods_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise IngestError(
            f"{path}: not an OpenDocument spreadsheet ({error})", hint="export the sheet as .ods or .csv"
        ) from error
    with archive, archive.open("content.xml") as content:
        number = 0
        try:
            tags = (f"{{{_TABLE}}}table-row", f"{{{_TABLE}}}table")
            for _, element in etree.iterparse(content, events=("end",), tag=tags):
                if element.tag == f"{{{_TABLE}}}table":
                    return  # the first sheet only
                repeat = min(int(element.get(f"{{{_TABLE}}}number-rows-repeated", "1")), _MAX_REPEAT)
                cells = _cells(element)
                for _ in range(repeat):
                    number += 1
                    if any(cells):
                        yield number, cells
                element.clear(keep_tail=False)
                parent = element.getparent()
                while parent is not None and element.getprevious() is not None:
                    del parent[0]
        except etree.XMLSyntaxError as error:
            raise IngestError(
                f"{path}: content.xml row {number + 1}: malformed spreadsheet XML ({error.msg})"
            ) from error


def _cells(row: etree._Element) -> list[str]:
    cells: list[str] = []
    for cell in row.iterfind(f"{{{_TABLE}}}table-cell"):
        repeat = min(int(cell.get(f"{{{_TABLE}}}number-columns-repeated", "1")), _MAX_REPEAT)
        text = cell.get(f"{{{_OFFICE}}}date-value") or "\n".join(
            "".join(p.itertext()) for p in cell.iterfind(f"{{{_TEXT}}}p")
        )
        cells.extend([text] * repeat)
    while cells and not cells[-1].strip():
        cells.pop()
    return cells
