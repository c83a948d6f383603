"""A big table read a chunk of rows at a time, each chunk built on its own (here, or in a worker process).

A ``Table`` says how a file's rows are cut into chunks and how one chunk becomes
items (records, fragments, quarantine entries): a mapped table
(``mapping_setwise.MappedTable``: a ``--format mapping`` CSV or JSON lines,
cleaned set-wise), or an adapter's file built row by row (``row_tables.RowTable``
for a CSV, ``row_tables.JsonLinesTable`` for JSON lines: GLEIF, ICIJ, PSC, FtM).
``ingest.parallel`` hands their chunks to worker processes; a worker makes the
same table from its ``worker_args``.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from ingest.jsonstream import iter_json_line_texts, iter_json_values, parse_line
from ingest.record import Item
from ingest.textfile import csv_rows

# Rows in a chunk: large enough that a mapping's repeated values (countries, companies, dates) are cleaned
# once for many rows, small enough that a chunk's columns are a few megabytes.
CHUNK_ROWS = 20_000

# ``progress(phase, rows)``: phase is ``read`` (rows read from the file) or ``cleaned`` (rows whose values
# are cleaned and built into records); ``ingest.run`` reports ``staged`` itself.
PhaseCallback = Callable[[str, int], None]


@dataclass(frozen=True, slots=True)
class Chunk:
    """Rows of a table read but not yet cleaned: what ``Table.chunk_items`` (in this or a worker process) builds.

    ``kind`` is ``csv`` (``rows`` are line numbers and cells, ``names`` the header) or ``jsonl``
    (``rows`` are line numbers and parsed values, or ``BadLine``s).
    """

    kind: str
    rows: list[tuple[int, Any]]
    names: list[str]

    @property
    def count(self) -> int:
        return len(self.rows)


@dataclass(frozen=True, slots=True)
class TextChunk:
    """Rows of a table as the file's text, not yet split into cells or parsed: what a worker is handed.

    ``kind`` is ``csv`` (``text`` holds ``count`` rows, from line ``first_line``; ``names`` the header)
    or ``jsonl`` (``lines``: each non-blank line's number and text). The loading process only finds where
    rows end; ``split`` (in the worker) makes the ``Chunk`` the rows would have been read as, and one
    string crosses the pipe at a fraction of the cost of the cells cut from it.
    """

    kind: str
    names: list[str]
    count: int
    first_line: int = 0
    text: str = ""
    lines: tuple[tuple[int, str], ...] = ()

    def split(self, path: Path, delimiter: str) -> Chunk:
        if self.kind == "jsonl":
            return Chunk("jsonl", [(line, parse_line(text)) for line, text in self.lines], [])
        rows = list(csv_rows(io.StringIO(self.text, newline=""), path, delimiter, self.first_line))
        return Chunk("csv", rows, self.names)


def json_chunks(path: Path, chunk_rows: int) -> Iterator[Chunk | TextChunk]:
    """A JSON-lines file in chunks of lines as text (a worker parses them); a file that is one JSON array, parsed
    here (its values are not lines)."""
    texts = iter_json_line_texts(path)
    if texts is None:
        values = iter_json_values(path)
        while chunk := list(islice(values, chunk_rows)):
            yield Chunk("jsonl", chunk, [])
        return
    while lines := list(islice(texts, chunk_rows)):
        yield TextChunk("jsonl", [], len(lines), lines=tuple(lines))


class Table(Protocol):
    """A file's rows cut into chunks, and how one chunk is built."""

    @property
    def left_out(self) -> Counter[str]:
        """Entities left out of rows so far, by cause (a mapping's ``notices``); a worker hands its own back."""
        ...

    @property
    def worker_args(self) -> list[str]:
        """What a worker makes the same table from (``parallel.worker_table``), sent with each of its chunks."""
        ...

    def text_chunks(self, path: Path, chunk_rows: int) -> Iterator[Chunk | TextChunk]:
        """The file's chunks in order, rows left as text where they can be (a worker splits them)."""
        ...

    def chunk_items(self, chunk: Chunk | TextChunk, path: Path, source: str) -> Iterator[Item]:
        """One chunk's items in file order."""
        ...


def build_chunks(
    chunks: Iterable[tuple[Table, Path, Chunk | TextChunk]], source: str, progress: PhaseCallback | None = None
) -> Iterator[Item]:
    """The items of ``chunks`` (each with its table and file) in order, built in this process, with progress per
    phase counted over them all."""
    read = cleaned = 0
    for table, path, chunk in chunks:
        read += chunk.count
        if progress is not None:
            progress("read", read)
        yield from table.chunk_items(chunk, path, source)
        cleaned += chunk.count
        if progress is not None:
            progress("cleaned", cleaned)
