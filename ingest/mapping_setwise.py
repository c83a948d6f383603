"""The set-wise path of the ``mapping`` format: a CSV table cleaned a column and a chunk at a time.

``Mapping.iter_records`` sends CSV tables here. Rows are read in chunks of
``CHUNK_ROWS`` (so memory is flat in the file's size) with the same reader, line
numbers and malformed-row handling as the row-by-row reference
(``Mapping.iter_records_rowwise``). Each chunk is then cleaned set-wise:

1. every column the mapping reads is turned into a column of texts, and each
   distinct text of it is cleaned (``values.clean_text``) once;
2. every single-column field gets a memo of its distinct values run through its
   normalisers and cleaner (an e-mail, a date, a country, an identifier is
   validated once per chunk however many rows repeat it);
3. rows are built from the cleaned columns and memos by the same compiled
   entities as the reference, so records, fragments and quarantine entries
   (file, row, field, reason, raw text) come out identical, in file order.

``tests/ingest/test_setwise.py`` checks the two paths stage the same JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path

from ingest import values
from ingest.mapping import Mapping, Memos, row_text
from ingest.mapping_fields import CompiledField, CompiledProperty, RowRejected, raw_values
from ingest.record import Item, Quarantine

# Rows cleaned together: large enough that repeated values (countries, companies, dates) are cleaned
# once for many rows, small enough that a chunk's columns are a few megabytes.
CHUNK_ROWS = 20_000

# ``progress(phase, rows)``: phase is ``read`` (rows read from the file) or ``cleaned`` (rows whose values
# are cleaned and built into records); ``ingest.run`` reports ``staged`` itself.
PhaseCallback = Callable[[str, int], None]


def iter_records_setwise(
    mapping: Mapping, path: Path, source: str, *, chunk_rows: int = CHUNK_ROWS, progress: PhaseCallback | None = None
) -> Iterator[Item]:
    """Records, fragments and quarantine entries of the CSV table at ``path``, as the reference yields them."""
    names, rows = mapping.open_csv(path)
    index = {name: position for position, name in enumerate(names)}  # a repeated name: its last cell, as a dict
    used = [name for name in mapping.model.columns() if name in index]
    read = cleaned = 0
    while chunk := list(islice(rows, chunk_rows)):
        read += len(chunk)
        if progress is not None:
            progress("read", read)
        yield from _chunk_items(mapping, chunk, names, [index[name] for name in used], used, path, source)
        cleaned += len(chunk)
        if progress is not None:
            progress("cleaned", cleaned)


def _clean_column(texts: list[str]) -> list[str]:
    """A column's texts cleaned as the reference cleans a cell, each distinct text once."""
    distinct = {text: text and (values.clean_text(text) or "") for text in set(texts)}
    return list(map(distinct.__getitem__, texts))


def _memo(field: object, columns: dict[str, list[str]]) -> dict[str, str | None] | None:
    """A field's cleaned value for each distinct value its column holds in the chunk (``None``: per row)."""
    if not isinstance(field, CompiledField | CompiledProperty) or field.spec.column is None:
        return None  # address parts, joined columns, constants: cleaned as the row is built
    column = field.spec.column
    memo: dict[str, str | None] = {}
    for text in set(columns[column]):
        if text:
            for raw in raw_values({column: text}, field.spec):
                if raw not in memo:
                    memo[raw] = field.clean(raw)
    return memo


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
    memos: dict[str, Memos] = {
        entity.name: [_memo(field, columns) for field in entity.fields] for entity in mapping.entities
    }
    built = zip(*(columns[name] for name in used), strict=True)
    for line, cells in chunk:
        if len(cells) != width:
            yield Quarantine(str(path), line, f"expected {width} cells, found {len(cells)}", raw=",".join(cells)[:200])
            continue
        row = dict(zip(used, next(built), strict=True))
        try:
            yield from mapping.build_row(row, source, path, line, memos)
        except RowRejected as rejected:
            raw = rejected.raw or row_text(
                {n: t and (values.clean_text(t) or "") for n, t in zip(names, cells, strict=True)}
            )
            yield Quarantine(str(path), line, rejected.reason, field=rejected.field, raw=raw)
