"""Opening source text files: encoding detection and CSV rows with line numbers."""

from __future__ import annotations

import csv
from collections.abc import Iterator
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
        reader = csv.reader(handle, delimiter=delimiter)
        line = 1
        try:
            for row in reader:
                if row and not (len(row) == 1 and row[0].strip("\x1a \t") == ""):
                    yield line, row
                line = reader.line_num + 1
        except (csv.Error, UnicodeDecodeError) as error:
            raise IngestError(f"{path}:{line}: unreadable CSV ({error})") from error
