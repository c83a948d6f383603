"""Merge record fragments (facts of one record spread over many rows) with bounded memory.

Edge-shaped sources say who is related to whom in rows of their own (FtM
``Ownership`` entities, GLEIF relationship rows, ICIJ edges, PSC statements),
often before the node they belong to. Rather than hold a whole file's nodes or
edges in memory, fragments are sorted by record id in chunks of ``chunk_size``,
each chunk is spilled to a temporary file, and the sorted chunks are merged
(an external merge sort). Memory is bounded by the chunk size and the largest
record, not by the file; a file with fewer fragments than one chunk never
touches the disk.

Invariant: the rows of the fragments of a key add up in the merged record (or
in the quarantine entry of a duplicate), so the caller's row accounting holds.
"""

from __future__ import annotations

import heapq
import itertools
import pickle
import struct
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

import orjson

from ingest.record import Fragment, Quarantine, Record, Schema

CHUNK_SIZE = 20_000
_LENGTH = struct.Struct("<I")

# List-valued fields of Record that fragments add to.
_LIST_FIELDS = (
    "names",
    "birth_dates",
    "incorporation_dates",
    "countries",
    "nationalities",
    "jurisdictions",
    "addresses",
    "identifiers",
    "infra",
    "sanctions",
    "relations",
    "notes",
)
_GENERIC = (Schema.LEGAL_ENTITY,)


class EncodedFragment(NamedTuple):
    """A fragment as its record's JSON (``Record.to_json``), as a worker process sends it.

    Most keys of a big table have one fragment (a company on one account row); such a fragment is its own
    merged record, so it is never decoded here (``FragmentMerger.merged_or_encoded``).
    """

    record_id: str
    data: bytes
    complete: bool
    needs_complete: bool

    def decode(self) -> Fragment:
        return Fragment(Record.from_dict(orjson.loads(self.data)), self.complete, self.needs_complete)


_Entry = tuple[str, int, Fragment | EncodedFragment]


class FragmentMerger:
    """Collects fragments (``add``) and yields merged records (``merged``), spilling sorted chunks to disk."""

    def __init__(self, chunk_size: int = CHUNK_SIZE, spill_dir: Path | None = None) -> None:
        self._chunk_size = chunk_size
        self._spill_dir = spill_dir
        self._buffer: list[_Entry] = []
        self._chunks: list[IO[bytes]] = []
        self._seq = 0

    def __len__(self) -> int:
        return self._seq

    def add(self, fragment: Fragment | EncodedFragment) -> None:
        key = fragment.record_id if isinstance(fragment, EncodedFragment) else fragment.record.record_id
        self._buffer.append((key, self._seq, fragment))
        self._seq += 1
        if len(self._buffer) >= self._chunk_size:
            self._spill()

    def _spill(self) -> None:
        self._buffer.sort(key=_sort_key)
        handle = tempfile.TemporaryFile(dir=self._spill_dir, prefix="sg-fragments-")
        for entry in self._buffer:
            # One self-contained pickle per entry, length first: a shared Unpickler would keep
            # every object it ever loaded in its memo, which grows with the file.
            data = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
            handle.write(_LENGTH.pack(len(data)))
            handle.write(data)
        handle.seek(0)
        self._chunks.append(handle)
        self._buffer = []

    def _sorted(self) -> Iterator[_Entry]:
        self._buffer.sort(key=_sort_key)
        if not self._chunks:
            return iter(self._buffer)
        streams = [_read_chunk(handle) for handle in self._chunks]
        return heapq.merge(*streams, iter(self._buffer), key=_sort_key)

    def merged(self) -> Iterator[Record | Quarantine]:
        """Merged records in record-id order, then close and delete the spill files."""
        for item in self.merged_or_encoded():
            yield Record.from_dict(orjson.loads(item.data)) if isinstance(item, EncodedFragment) else item

    def merged_or_encoded(self) -> Iterator[Record | Quarantine | EncodedFragment]:
        """As ``merged``, but a key's only fragment, when it is a record by itself, comes back still encoded."""
        try:
            for _, group in itertools.groupby(self._sorted(), key=lambda entry: entry[0]):
                fragments = [entry[2] for entry in group]
                only = fragments[0]
                if len(fragments) == 1 and isinstance(only, EncodedFragment):
                    if only.complete or not only.needs_complete:  # ``merge_group`` would give its record as it is
                        yield only
                        continue
                yield from merge_group([f.decode() if isinstance(f, EncodedFragment) else f for f in fragments])
        finally:
            for handle in self._chunks:
                handle.close()
            self._chunks = []
            self._buffer = []


def _sort_key(entry: _Entry) -> tuple[str, int]:
    return entry[0], entry[1]


def _read_chunk(handle: IO[bytes]) -> Iterator[_Entry]:
    while header := handle.read(_LENGTH.size):  # the temporary file is buffered
        (length,) = _LENGTH.unpack(header)
        entry: _Entry = pickle.loads(handle.read(length))
        yield entry


def merge_group(fragments: list[Fragment]) -> Iterator[Record | Quarantine]:
    """One record from all fragments of one key (in file order); extra complete ones are duplicates."""
    complete = [f.record for f in fragments if f.complete]
    parts = [f for f in fragments if not f.complete]
    for duplicate in complete[1:]:
        yield Quarantine(
            duplicate.provenance.file,
            duplicate.provenance.row,
            f"duplicate key {duplicate.source_key}: an earlier row has it",
            field="source_key",
            raw=duplicate.caption[:200],
            rows=duplicate.provenance.rows,
        )
    if not complete:
        for orphan in (p for p in parts if p.needs_complete):
            yield _orphan(orphan.record)
        parts = [p for p in parts if not p.needs_complete]
        if not parts:
            return
    base = complete[0] if complete else parts.pop(0).record
    seen: dict[str, set[Any]] = {}
    for part in parts:
        _absorb(base, part.record, seen)
    yield base


def _orphan(record: Record) -> Quarantine:
    """A part whose node the file does not have (an edge or attachment pointing nowhere)."""
    return Quarantine(
        record.provenance.file,
        record.provenance.row,
        f"refers to an entity the file does not have: {record.source_key}",
        field="source_key",
        raw=record.source_key[:200],
        rows=record.provenance.rows,
    )


def _absorb(base: Record, part: Record, seen: dict[str, set[Any]]) -> None:
    """Add what ``part`` says to ``base`` without repeating values ``base`` already has.

    ``seen`` caches the identities of each list field's values across the parts
    of one key, so a key with thousands of parts (an LEI with many BICs) merges
    in linear time.
    """
    for name in _LIST_FIELDS:
        extra: list[Any] = getattr(part, name)
        if not extra:
            continue
        target: list[Any] = getattr(base, name)
        known = seen.get(name)
        if known is None:
            known = seen[name] = {_identity(value) for value in target}
        for value in extra:
            key = _identity(value)
            if key not in known:
                known.add(key)
                target.append(value)
    for key, values in part.properties.items():
        have = base.properties.setdefault(key, [])
        have.extend(v for v in values if v not in have)
    if base.schema in _GENERIC and part.schema not in _GENERIC:
        base.schema = part.schema
    if base.gender is None:
        base.gender = part.gender
    if base.provenance.rows == 0 and part.provenance.rows:
        # The base was a stub (a relation target): point provenance at the first row that said something.
        base.provenance.file, base.provenance.row = part.provenance.file, part.provenance.row
    base.provenance.rows += part.provenance.rows


def _identity(value: Any) -> Any:
    return value if isinstance(value, str) else orjson.dumps(value)


def merge_fragments(fragments: Iterable[Fragment], chunk_size: int = CHUNK_SIZE) -> Iterator[Record | Quarantine]:
    """Convenience: merge a finite stream of fragments."""
    merger = FragmentMerger(chunk_size)
    for fragment in fragments:
        merger.add(fragment)
    yield from merger.merged()
