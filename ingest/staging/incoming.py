"""Records as a load's work tables take them, made wherever the records were built.

Serialising a record (its JSON and content hash) and keying its shared values is
most of what staging a record costs, and it is a pure function of the stamped
record. So a worker process that built records makes their rows too
(``ingest.parallel``), a column each, and writes them as a part: two Parquet
files (the records, their shared values) in the load's work folder. Only the
part's paths and counts cross back to the loading process, which reads every
part into the work tables in one statement once the file is read
(``staging.stage_version``): a bulk read of Parquet costs a fraction of
appending the same rows from Python a batch at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.parquet as pq

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

# A part's files: the records' columns with ``at``, their position in the part (``seq`` is given when the
# parts are read, in the order they were staged), and the shared values' columns.
PART_RECORDS = pa.schema(
    [(name, pa.int64() if name in ("row", "rows") else pa.string()) for name in RECORD_COLUMNS] + [("at", pa.int64())]
)
PART_SHARED = pa.schema([(name, pa.int64() if name == "at" else pa.string()) for name in SHARED_COLUMNS])


@dataclass(frozen=True, slots=True)
class StagedPart:
    """Stamped records written as a part of the work tables: what a worker hands back instead of the rows."""

    records: Path
    shared: Path
    count: int  # records
    rows_read: int  # input rows they stand for


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

    def write(self, prefix: Path) -> StagedPart:
        """These records as a part: ``{prefix}-records.parquet`` and ``{prefix}-shared.parquet``."""
        records, shared = (
            prefix.with_name(f"{prefix.name}-records.parquet"),
            prefix.with_name(f"{prefix.name}-shared.parquet"),
        )
        columns = {**self.columns, "at": range(len(self))}
        pq.write_table(pa.table(columns, schema=PART_RECORDS), records, compression="snappy")
        pq.write_table(pa.table(self.shared, schema=PART_SHARED), shared, compression="snappy")
        return StagedPart(records, shared, len(self), self.rows_read)
