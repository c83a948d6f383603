"""Opening source text files: encoding detection and CSV rows with line numbers."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sanctiongraph.errors import IngestError

# Sources that are not UTF-8 are, in practice, Windows-1252 (OFAC's legacy CSV).
FALLBACK_ENCODING = "cp1252"


def detect_encoding(path: Path, sample_size: int = 1 << 20) -> str:
    """UTF-8 if the file decodes as UTF-8, else Windows-1252.

    A file with NUL bytes is neither (UTF-16, a binary file): that is an error,
    not something to guess around.
    """
    with path.open("rb") as handle:
        sample = handle.read(sample_size)
    if b"\x00" in sample:
        raise IngestError(
            f"{path}: contains NUL bytes; not a UTF-8 or Windows-1252 text file",
            hint="convert it to UTF-8 first",
        )
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte sequence cut at the sample's end is still UTF-8.
        if error.start < len(sample) - 4:
            return FALLBACK_ENCODING
    return "utf-8-sig" if sample.startswith(b"\xef\xbb\xbf") else "utf-8"


def open_text(path: Path) -> IO[str]:
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    return path.open("r", encoding=detect_encoding(path), newline="", errors="strict")


def iter_csv_rows(path: Path, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """Rows of a CSV file with the 1-based line number each row starts on.

    A trailing DOS end-of-file byte (0x1A, as in OFAC's sdn.csv) is not a row.
    """
    with open_text(path) as handle:
        yield from csv_rows(handle, path, delimiter)


def csv_rows(
    lines: Iterable[str], path: Path, delimiter: str = ",", first_line: int = 1
) -> Iterator[tuple[int, list[str]]]:
    """The rows of ``lines`` (a CSV file's, from line ``first_line`` on) as ``iter_csv_rows`` gives them."""
    reader = csv.reader(lines, delimiter=delimiter)
    line = first_line
    try:
        for row in reader:
            if row and not (len(row) == 1 and row[0].strip("\x1a \t") == ""):
                yield line, row
            line = first_line + reader.line_num
    except (csv.Error, UnicodeDecodeError) as error:
        raise IngestError(f"{path}:{line}: unreadable CSV ({error})") from error


def iter_csv_texts(path: Path, rows: int, delimiter: str = ",") -> Iterator[tuple[int, str, int]]:
    """A CSV file's text in blocks of ``rows`` rows (the first block is the first row alone: the header).

    Each block is (the line it starts on, its text, its rows): ``csv_rows`` of the text from that line
    gives exactly the rows ``iter_csv_rows`` gives for that stretch of the file. The rows are parsed here
    only to find where they end (a cell may span lines), so the same errors are raised at the same line.
    """
    taken: list[str] = []

    def taking(handle: IO[str]) -> Iterator[str]:
        for text in handle:
            taken.append(text)
            yield text

    with open_text(path) as handle:
        first_line, count, size = 1, 0, 1  # the header alone first
        for _ in csv_rows(taking(handle), path, delimiter):
            count += 1
            if count == size:
                yield first_line, "".join(taken), count
                first_line += len(taken)
                taken.clear()
                count, size = 0, rows
        if count:
            yield first_line, "".join(taken), count


def header_index(path: Path, header: list[str], required: tuple[str, ...], line: int = 1) -> dict[str, int]:
    """Column positions by name (case and surrounding spaces ignored).

    Raises:
        IngestError: a required column is missing; the message names the file,
            the missing columns and the columns it does have.
    """
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        index.setdefault(name.strip().lstrip("\ufeff").lower(), position)
    missing = [name for name in required if name.lower() not in index]
    if missing:
        have = ", ".join(repr(h.strip()) for h in header[:30] if h.strip()) or "none"
        raise IngestError(
            f"{path}:{line}: missing required column(s) {', '.join(repr(m) for m in missing)} (columns found: {have})",
            hint="check the --format, or that the file has its header row",
        )
    return index


def iter_csv_records(
    path: Path, required: tuple[str, ...], delimiter: str = ","
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV file with a header, as ``{lower-case column: value}`` (``csv_record``), with line numbers."""
    rows = iter_csv_rows(path, delimiter)
    first = next(rows, None)
    if first is None:
        raise empty_file(path, required)
    line, header = first
    named = CsvHeader(header, header_index(path, header, required, line))
    for line, row in rows:
        yield line, named.record(row)


def empty_file(path: Path, required: tuple[str, ...]) -> IngestError:
    return IngestError(f"{path}: empty file; expected a header row with {', '.join(required)}")


@dataclass(frozen=True, slots=True)
class CsvHeader:
    """A header row and its columns' positions by lower-case name (``header_index``)."""

    cells: list[str]
    index: dict[str, int]

    def record(self, row: list[str]) -> dict[str, str]:
        """A row as ``{lower-case column: value}``.

        A row with more cells than the header keeps the extra cells under ``_extra``;
        one with fewer gets empty strings, so the adapter decides what is missing.
        """
        index = self.index
        record = {name: (row[at] if at < len(row) else "") for name, at in index.items()}
        if len(row) > len(self.cells):
            record["_extra"] = ",".join(row[len(self.cells) :])
        return record
