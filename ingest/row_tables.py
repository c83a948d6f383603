"""An adapter's table built row by row, a chunk at a time, by worker processes: bulk registries' files.

A bulk registry's files (GLEIF's golden copy: 2.8M LEI records of 74 columns;
ICIJ's node and edge CSVs; Companies House's PSC snapshot, ten million JSON
lines; OpenSanctions' FtM export) are read by their adapters one row at a time, each row a pure function of
its cells or its JSON value (``build``). So their chunks are as independent as a
mapped table's: ``ingest.parallel`` hands them to worker processes as text, and
each worker splits its chunk into rows, reads them as the adapter reads them
(``textfile.CsvHeader.record``, or ``jsonstream.parse_line``) and builds them
with the adapter's own function. What is staged is what the adapter stages in
one process (``tests/ingest/test_parallel.py``). A worker makes the same table
by importing it by name (``worker_args``: ``module:attribute``, or
``module:attribute:key`` for one of a dict of tables).
"""

from __future__ import annotations

import importlib
import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.chunks import Chunk, Table, TextChunk, json_chunks
from ingest.jsonstream import BadLine
from ingest.record import Item, Quarantine
from ingest.textfile import CsvHeader, csv_rows, empty_file, header_index, iter_csv_records, iter_csv_texts

# ``build(row, source, path, line)``: the items of one row, read as ``{lower-case column: value}``.
RowBuilder = Callable[[dict[str, str], str, Path, int], Item | list[Item]]


@dataclass(frozen=True, slots=True)
class RowTable:
    """A CSV table with a header whose rows an adapter builds one at a time.

    ``name`` is ``module:attribute``, where a worker process finds this very table.
    """

    name: str
    required: tuple[str, ...]
    build: RowBuilder
    delimiter: str = ","
    left_out: Counter[str] = field(default_factory=Counter)  # an adapter leaves nothing out unsaid

    @property
    def worker_args(self) -> list[str]:
        return ["rows", self.name]

    def text_chunks(self, path: Path, chunk_rows: int) -> Iterator[Chunk | TextChunk]:
        """The rows after the header in blocks of text; a missing column refuses the file before any row is built.

        Raises:
            IngestError: the file is empty or lacks a required column.
        """
        blocks = iter_csv_texts(path, chunk_rows, self.delimiter)
        first = next(blocks, None)
        if first is None:
            raise empty_file(path, self.required)
        line, header = next(csv_rows(io.StringIO(first[1], newline=""), path, self.delimiter, first[0]))
        header_index(path, header, self.required, line)
        for first_line, block, count in blocks:
            yield TextChunk("csv", header, count, first_line, block)

    def chunk_items(self, chunk: Chunk | TextChunk, path: Path, source: str) -> Iterator[Item]:
        if isinstance(chunk, TextChunk):
            chunk = chunk.split(path, self.delimiter)
        named = CsvHeader(chunk.names, header_index(path, chunk.names, self.required))
        for line, cells in chunk.rows:
            yield from self._built(named.record(cells), source, path, line)

    def read(self, path: Path, source: str) -> Iterator[Item]:
        """The file's items read and built here, row by row: the adapter in one process (the reference)."""
        for line, row in iter_csv_records(path, self.required, self.delimiter):
            yield from self._built(row, source, path, line)

    def _built(self, row: dict[str, str], source: str, path: Path, line: int) -> list[Item]:
        built = self.build(row, source, path, line)
        return built if isinstance(built, list) else [built]


# The files of an input that worker processes build, each with its table; ``None``: the adapter reads it in one
# process (GLEIF's XML).
Tables = Callable[[Path], list[tuple[Table, Path]] | None]

# ``build(value, source, path, line)``: the items of one JSON value of a JSON-lines file.
ValueBuilder = Callable[[Any, str, Path, int], list[Item]]


@dataclass(frozen=True, slots=True)
class JsonLinesTable:
    """A JSON-lines file whose values an adapter builds one at a time; a line that is not JSON is quarantined."""

    name: str
    build: ValueBuilder
    left_out: Counter[str] = field(default_factory=Counter)

    @property
    def worker_args(self) -> list[str]:
        return ["rows", self.name]

    def text_chunks(self, path: Path, chunk_rows: int) -> Iterator[Chunk | TextChunk]:
        return json_chunks(path, chunk_rows)

    def chunk_items(self, chunk: Chunk | TextChunk, path: Path, source: str) -> Iterator[Item]:
        if isinstance(chunk, TextChunk):
            chunk = chunk.split(path, ",")
        for line, value in chunk.rows:
            if isinstance(value, BadLine):
                yield Quarantine(str(path), line, f"not valid JSON: {value.error}", raw=value.text)
            else:
                yield from self.build(value, source, path, line)


def find_table(name: str) -> Table:
    """The table ``module:attribute`` (or ``module:attribute:key``, one of a dict of them) names (in a worker)."""
    module, attribute, *key = name.split(":")
    found = getattr(importlib.import_module(module), attribute)
    table = found[key[0]] if key else found
    if not isinstance(table, RowTable | JsonLinesTable):
        raise TypeError(f"{name} is not a table an adapter builds")
    return table
