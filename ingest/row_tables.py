"""An adapter's CSV table built row by row, a chunk at a time, by worker processes: GLEIF's golden copy.

A bulk registry's CSV (GLEIF's golden copy: 2.8M LEI records of 74 columns, 0.5M
relationship records) is read by its adapter one row at a time, each row a pure
function of its cells (``build``). So its chunks are as independent as a mapped
table's: ``ingest.parallel`` hands them to worker processes as text, each worker
splits its chunk into rows, reads them as the adapter reads them
(``textfile.CsvHeader.record``) and builds them with the adapter's own function.
What is staged is what the adapter stages in one process
(``tests/ingest/test_parallel.py``). A worker makes the same table by importing
it by name (``worker_args``: the module and attribute that hold it).
"""

from __future__ import annotations

import importlib
import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunks import Chunk, TextChunk
from ingest.record import Item
from ingest.textfile import CsvHeader, csv_rows, empty_file, header_index, iter_csv_texts

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
    # Whether a file is this table (GLEIF's formats also read XML, which the adapter reads as it always has).
    accepts: Callable[[Path], bool] = lambda path: True
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
        line, text, _ = first
        header = next(csv_rows(io.StringIO(text, newline=""), path, self.delimiter, line))[1]
        header_index(path, header, self.required, line)
        for first_line, block, count in blocks:
            yield TextChunk("csv", header, count, first_line, block)

    def chunk_items(self, chunk: Chunk | TextChunk, path: Path, source: str) -> Iterator[Item]:
        if isinstance(chunk, TextChunk):
            chunk = chunk.split(path, self.delimiter)
        named = CsvHeader(chunk.names, header_index(path, chunk.names, self.required))
        build = self.build
        for line, cells in chunk.rows:
            built = build(named.record(cells), source, path, line)
            if isinstance(built, list):
                yield from built
            else:
                yield built


def find_table(name: str) -> RowTable:
    """The table ``module:attribute`` names (in a worker process)."""
    module, _, attribute = name.partition(":")
    table = getattr(importlib.import_module(module), attribute)
    if not isinstance(table, RowTable):
        raise TypeError(f"{name} is not a RowTable")
    return table
