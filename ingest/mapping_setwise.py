"""The set-wise path of the ``mapping`` format: a table cleaned a column and a chunk at a time.

``Mapping.iter_records`` sends CSV tables here. Rows are read in chunks of
``CHUNK_ROWS`` (so memory is flat in the file's size) with the same reader, line
numbers and malformed-row handling as the row-by-row reference
(``Mapping.iter_records_rowwise``). Each chunk is then cleaned set-wise:

1. every column the mapping reads is turned into a column of texts, and each
   distinct text of it is cleaned (``values.clean_text``) once;
2. every single-column field's distinct values are run through its normalisers
   and cleaner once (an e-mail, a date, a country, an identifier is validated
   once per chunk however many rows repeat it), and every entity's key is made
   once per distinct key (a composite key is a hash);
3. rows are built from the cleaned columns, keys and values by the same compiled
   entities as the reference, so records, fragments and quarantine entries
   (file, row, field, reason, raw text) come out identical, in file order.

JSON lines go the same way, a chunk of objects at a time: each distinct
top-level text is cleaned once, and fields on columns that hold only texts in
the chunk are cleaned per distinct value; nested and list values (``data.name``
in a PSC line) are read as the row is built, as in the reference.

``tests/ingest/test_setwise.py`` checks the two paths stage the same JSON.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from ingest import values
from ingest.chunks import CHUNK_ROWS, Chunk, PhaseCallback, TextChunk, build_chunks, json_chunks
from ingest.jsonstream import BadLine, iter_json_values
from ingest.mapping import CompiledEntity, Mapping, PreparedRow, row_text
from ingest.mapping_fields import (
    CompiledField,
    CompiledProperty,
    Pairs,
    Row,
    RowRejected,
    composite_key,
    raw_values,
)
from ingest.record import Item, Quarantine
from ingest.textfile import csv_rows, iter_csv_texts


@dataclass(frozen=True, slots=True)
class MappedTable:
    """A mapping's table as ``ingest.parallel`` builds it: chunks of text, each cleaned set-wise."""

    mapping: Mapping

    @property
    def left_out(self) -> Counter[str]:
        return self.mapping.left_out

    @property
    def worker_args(self) -> list[str]:
        return ["mapping", str(self.mapping.path)]

    def text_chunks(self, path: Path, chunk_rows: int) -> Iterator[Chunk | TextChunk]:
        return read_text_chunks(self.mapping, path, chunk_rows)

    def chunk_items(self, chunk: Chunk | TextChunk, path: Path, source: str) -> Iterator[Item]:
        return chunk_items(self.mapping, chunk, path, source)


def iter_records_setwise(
    mapping: Mapping, path: Path, source: str, *, chunk_rows: int = CHUNK_ROWS, progress: PhaseCallback | None = None
) -> Iterator[Item]:
    """Records, fragments and quarantine entries of the table at ``path``, as the reference yields them."""
    table = MappedTable(mapping)
    yield from build_chunks(
        ((table, path, chunk) for chunk in read_chunks(mapping, path, chunk_rows)), source, progress
    )


def read_chunks(mapping: Mapping, path: Path, chunk_rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """The table at ``path`` in chunks of ``chunk_rows`` rows, read and split into cells (or parsed), not cleaned.

    Raises:
        IngestError: the file is empty or lacks a column the mapping reads (``MappingError``).
    """
    if mapping.kind(path) == "jsonl":
        lines = iter_json_values(path)
        while chunk := list(islice(lines, chunk_rows)):
            yield Chunk("jsonl", chunk, [])
        return
    names, rows = mapping.open_csv(path)
    while chunk := list(islice(rows, chunk_rows)):
        yield Chunk("csv", chunk, names)


def read_text_chunks(mapping: Mapping, path: Path, chunk_rows: int = CHUNK_ROWS) -> Iterator[Chunk | TextChunk]:
    """As ``read_chunks``, but each chunk's rows left as the file's text (``TextChunk``): for worker processes.

    A file that is one JSON array is parsed here (its values are not lines).

    Raises:
        IngestError: the file is empty or lacks a column the mapping reads (``MappingError``).
    """
    if mapping.kind(path) == "jsonl":
        yield from json_chunks(path, chunk_rows)
        return
    delimiter = mapping.model.delimiter
    blocks = iter_csv_texts(path, chunk_rows, delimiter)
    header = next(blocks, None)
    cells = None if header is None else next(csv_rows(io.StringIO(header[1], newline=""), path, delimiter))[1]
    names = mapping.column_names(path, cells)
    for first_line, text, count in blocks:
        yield TextChunk("csv", names, count, first_line, text)


def chunk_items(mapping: Mapping, chunk: Chunk | TextChunk, path: Path, source: str) -> Iterator[Item]:
    """The items of one chunk, in file order: its columns cleaned set-wise, then its rows built."""
    if isinstance(chunk, TextChunk):
        chunk = chunk.split(path, mapping.model.delimiter)
    if chunk.kind == "jsonl":
        return _row_items(mapping, _json_rows(chunk.rows), path, source)
    index = {name: position for position, name in enumerate(chunk.names)}  # a repeated name: its last cell
    used = [name for name in mapping.model.columns() if name in index]
    return _chunk_items(mapping, chunk.rows, chunk.names, [index[name] for name in used], used, path, source)


def _json_rows(chunk: list[tuple[int, Any]]) -> list[tuple[int, Row | BadLine]]:
    """A chunk of JSON values as rows: each distinct top-level text cleaned once, bad lines and non-objects marked."""
    texts = {v for _, value in chunk if isinstance(value, dict) for v in value.values() if v.__class__ is str}
    cleaned = {text: values.clean_text(text) or "" for text in texts}
    rows: list[tuple[int, Row | BadLine]] = []
    for line, value in chunk:
        if isinstance(value, BadLine):
            rows.append((line, BadLine(value.text, f"not valid JSON: {value.error}")))
        elif isinstance(value, dict):
            rows.append((line, {k: cleaned[v] if v.__class__ is str else v for k, v in value.items()}))
        else:
            rows.append((line, BadLine(str(value)[:200], "not a JSON object")))
    return rows


def _row_items(mapping: Mapping, rows: list[tuple[int, Row | BadLine]], path: Path, source: str) -> Iterator[Item]:
    """Items of a chunk of parsed rows (JSON objects): fields on flat text columns cleaned set-wise."""
    good = [row for _, row in rows if not isinstance(row, BadLine)]
    columns: dict[str, list[str]] = {}
    for name in mapping.model.columns():
        cells = [row.get(name) for row in good]
        # A column of texts (or, without a dot, absent): what ``cell`` reads is the text itself.
        if all(v.__class__ is str or (v is None and "." not in name) for v in cells):
            columns[name] = [v or "" for v in cells]
    entities = [
        ([entity.key(row) for row in good], [_pairs_column(field, columns) for field in entity.fields])
        for entity in mapping.entities
    ]
    at = -1
    for line, row in rows:
        if isinstance(row, BadLine):
            yield Quarantine(str(path), line, row.error, raw=row.text)
            continue
        at += 1
        prepared: list[PreparedRow] = [
            (keys[at], [None if pairs is None else pairs[at] for pairs in fields]) for keys, fields in entities
        ]
        try:
            yield from mapping.build_row(row, source, path, line, prepared)
        except RowRejected as rejected:
            yield Quarantine(str(path), line, rejected.reason, field=rejected.field, raw=rejected.raw or row_text(row))


def _clean_column(texts: list[str]) -> list[str]:
    """A column's texts cleaned as the reference cleans a cell (``values.clean_text``, ``""`` for none).

    A plain column (printable ASCII, single spaces) is checked at once; another column of mostly
    distinct texts is cleaned straight through, one of repeated texts once per distinct text.
    """
    distinct = set(texts)
    if len(distinct) * 2 > len(texts):
        return values.clean_texts(texts)
    table = dict(zip(distinct, values.clean_texts(list(distinct)), strict=True))
    return list(map(table.__getitem__, texts))


def _pairs_column(field: object, columns: dict[str, list[str]]) -> list[Pairs] | None:
    """A field's (raw, cleaned) values in each row of the chunk, each distinct cell cleaned once.

    ``None`` for fields that read several cells of a row (address parts, joined columns) or none
    (constants): those are cleaned as the row is built.
    """
    if (
        not isinstance(field, CompiledField | CompiledProperty)
        or field.spec.column is None
        or field.spec.column not in columns
    ):
        return None
    name, spec = field.spec.column, field.spec
    clean = field.clean
    if spec.split is None:  # one value a cell: (text, clean(text)), nothing for an empty cell
        column = columns[name]
        distinct = set(column)
        if len(distinct) * 2 > len(column):  # mostly distinct (e-mails, devices): a table would cost more
            return [((text, clean(text)),) if text else () for text in column]
        one = {text: ((text, clean(text)),) if text else () for text in distinct}
        return list(map(one.__getitem__, column))
    cleaned: dict[str, str | None] = {}
    by_cell: dict[str, Pairs] = {}
    for text in set(columns[name]):
        pairs = []
        for raw in raw_values({name: text}, spec):
            if raw not in cleaned:
                cleaned[raw] = field.clean(raw)
            pairs.append((raw, cleaned[raw]))
        by_cell[text] = tuple(pairs)
    return list(map(by_cell.__getitem__, columns[name]))


def _key_column(entity: CompiledEntity, columns: dict[str, list[str]], rows: int) -> list[str | None]:
    """An entity's key in each row of the chunk (``None``: its key columns are all empty), one per distinct key."""
    parts = list(zip(*(columns[column] for column in entity.spec.key_columns()), strict=True)) or [()] * rows
    keys = {
        distinct: composite_key(list(distinct), entity.spec.key_prefix) if any(distinct) else None
        for distinct in set(parts)
    }
    return list(map(keys.__getitem__, parts))


def _chunk_items(
    mapping: Mapping,
    chunk: list[tuple[int, list[str]]],
    names: list[str],
    positions: list[int],
    used: list[str],
    path: Path,
    source: str,
) -> Iterator[Item]:
    width = len(names)
    good = [cells for _, cells in chunk if len(cells) == width]
    columns = {name: _clean_column([cells[at] for cells in good]) for name, at in zip(used, positions, strict=True)}
    entities = [
        (_key_column(entity, columns, len(good)), [_pairs_column(field, columns) for field in entity.fields])
        for entity in mapping.entities
    ]
    built = zip(*(columns[name] for name in used), strict=True)
    at = -1
    for line, cells in chunk:
        if len(cells) != width:
            yield Quarantine(str(path), line, f"expected {width} cells, found {len(cells)}", raw=",".join(cells)[:200])
            continue
        at += 1
        row = dict(zip(used, next(built), strict=True))
        prepared: list[PreparedRow] = [
            (keys[at], [None if pairs is None else pairs[at] for pairs in fields]) for keys, fields in entities
        ]
        try:
            yield from mapping.build_row(row, source, path, line, prepared)
        except RowRejected as rejected:
            raw = rejected.raw or row_text(
                {n: t and (values.clean_text(t) or "") for n, t in zip(names, cells, strict=True)}
            )
            yield Quarantine(str(path), line, rejected.reason, field=rejected.field, raw=raw)
