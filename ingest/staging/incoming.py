"""Records as a load's work tables take them, made wherever the records were built.

Serialising a record (its JSON and content hash) and keying its shared values is
most of what staging a record costs, and it is a pure function of the stamped
record. So a worker process that built records makes their rows too
(``ingest.parallel``), a column each, and the loading process only appends the
columns: a chunk of columns crosses a pipe far cheaper than the objects would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ingest.record import Record
from ingest.staging import shared_values

# The work table's columns a record fills, in ``sg_load_records``' order (``seq`` is given when appended).
RECORD_COLUMNS = (
    "record_id",
    "source",
    "source_key",
    "schema",
    "caption",
    "content_hash",
    "data",
    "file",
    "row",
    "rows",
)
# A shared value's columns; ``at`` is its record's position among the ``StagedRecords``.
SHARED_COLUMNS = ("at", "kind", "key", "value")


class Stamp(NamedTuple):
    """What an ingest writes on every record it stages: the version and when."""

    version: str
    ingested_at: str


def stamp(record: Record, mark: Stamp) -> Record:
    record.source_version = mark.version
    record.provenance.ingested_at = mark.ingested_at
    return record


def _columns(names: tuple[str, ...]) -> dict[str, list[Any]]:
    return {name: [] for name in names}


@dataclass(slots=True)
class StagedRecords:
    """Stamped records as work-table columns, in the order they came, with their shared values' rows."""

    columns: dict[str, list[Any]] = field(default_factory=lambda: _columns(RECORD_COLUMNS))
    shared: dict[str, list[Any]] = field(default_factory=lambda: _columns(SHARED_COLUMNS))

    def __len__(self) -> int:
        return len(self.columns["record_id"])

    @property
    def rows_read(self) -> int:
        """Input rows the records stand for (``provenance.rows``)."""
        return sum(self.columns["rows"])

    def add(self, record: Record) -> None:
        """Append one stamped record: its JSON, content hash and shared values' keys are made here."""
        at = len(self)
        data, content_hash = record.json_and_hash()
        for name, value in zip(
            RECORD_COLUMNS,
            (
                record.record_id,
                record.source,
                record.source_key,
                str(record.schema),
                record.caption,
                content_hash,
                data.decode("utf-8"),
                record.provenance.file,
                record.provenance.row,
                record.provenance.rows,
            ),
            strict=True,
        ):
            self.columns[name].append(value)
        shared = self.shared
        for kind, key, value in shared_values.record_rows(record):
            shared["at"].append(at)
            shared["kind"].append(kind)
            shared["key"].append(key)
            shared["value"].append(value)

    def extend(self, other: StagedRecords) -> None:
        """Append another's records after these."""
        offset = len(self)
        for name in RECORD_COLUMNS:
            self.columns[name].extend(other.columns[name])
        self.shared["at"].extend(at + offset for at in other.shared["at"])
        for name in SHARED_COLUMNS[1:]:
            self.shared[name].extend(other.shared[name])
