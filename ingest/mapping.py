"""The ``mapping`` format: any CSV or JSON-lines table turned into records by a YAML mapping.

``load_mapping`` validates the mapping file (``ingest.mapping_model``) and
compiles it into a ``Mapping`` whose ``iter_records`` reads the table row by
row. Each row yields one record per entity it holds (an entity whose key
columns are all empty is simply absent from that row, unless it is
``required``); the first present entity carries the row in its provenance
(``rows=1``), the others ``rows=0``, so rows read = records + quarantined holds.
Entities with ``merge: true`` (a company on many account rows) are yielded as
fragments and merged by key with bounded memory.

A value a field's normaliser rejects (an e-mail without ``@``) is kept as a
note by default (``on_invalid: note``), dropped when the mapping says ``drop``,
or quarantines the row with ``quarantine``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest import values
from ingest.chunks import PhaseCallback
from ingest.jsonstream import BadLine, iter_json_values
from ingest.mapping_fields import (
    CompiledAddressParts,
    CompiledField,
    CompiledProperty,
    Pairs,
    Row,
    RowRejected,
    cell,
    compile_field,
    composite_key,
    first_cell,
)
from ingest.mapping_model import EntitySpec, MappingFile, RelationSpec, read_mapping_file
from ingest.record import Fragment, Item, Provenance, Quarantine, Record, Relation, Schema
from ingest.textfile import iter_csv_rows
from sanctiongraph.errors import IngestError, MappingError

__all__ = ["Mapping", "composite_key", "load_mapping"]

# A "not in the file" error says where the mapping reads the first few missing columns, then lists a few
# more by name (a file of another kind lacks them all).
MISSING_NAMED = 3
MISSING_LISTED = 8


# --- compiled entities ----------------------------------------------------------------


# What the set-wise path (``ingest.mapping_setwise``) computed column-wise for one entity of one row: its
# key, and per compiled field the (raw, cleaned) values (``None``: the field reads the row itself).
PreparedRow = tuple[str | None, list[Pairs | None]]


@dataclass(slots=True)
class CompiledEntity:
    name: str
    spec: EntitySpec
    required: bool
    fields: list[CompiledField | CompiledAddressParts | CompiledProperty]

    def key(self, row: Row) -> str | None:
        parts = [" ".join(cell(row, column)) for column in self.spec.key_columns()]
        if not any(parts):
            return None
        return composite_key(parts, self.spec.key_prefix)

    def schema(self, row: Row) -> Schema:
        declared = self.spec.schema_
        if isinstance(declared, Schema):
            return declared
        raw = first_cell(row, declared.column) or ""
        schema = declared.map.get(raw) or declared.map.get(raw.lower()) or _schema_by_name(raw) or declared.default
        if schema is None:
            raise RowRejected(
                f"unknown schema value for entity '{self.name}': {raw[:40]}", field=declared.column, raw=raw
            )
        return schema

    def build(self, row: Row, source: str, path: Path, line: int, prepared: PreparedRow | None = None) -> Record | None:
        key = self.key(row) if prepared is None else prepared[0]
        if key is None:
            if self.required:
                columns = ", ".join(self.spec.key_columns())
                raise RowRejected(f"empty key column(s) for entity '{self.name}': {columns}", field=columns)
            return None
        record = Record(
            source=source, source_key=key, schema=self.schema(row), names=[], provenance=Provenance(str(path), line, 0)
        )
        if prepared is None:
            for compiled in self.fields:
                compiled.fill(record, row)
        else:
            for compiled, pairs in zip(self.fields, prepared[1], strict=True):
                if pairs is None:
                    compiled.fill(record, row)
                elif pairs:  # an empty cell adds nothing
                    compiled.fill_pairs(record, row, pairs)
        return record

    def is_partial_and_nameless(self, row: Row, record: Record) -> bool:
        """A secondary entity with no name whose composite key has an empty column: ``("", "US")``.

        Every row with that one column filled would give the same key, so one
        nameless entity would join thousands of unrelated rows.
        """
        columns = self.spec.key_columns()
        return (
            not self.required
            and not record.names
            and len(columns) > 1
            and not all(" ".join(cell(row, column)) for column in columns)
        )


def _schema_by_name(raw: str) -> Schema | None:
    try:
        return Schema(raw)
    except ValueError:
        return None


def compile_entity(name: str, spec: EntitySpec, first: bool) -> CompiledEntity:
    compiled: list[CompiledField | CompiledAddressParts | CompiledProperty] = []
    for field in spec.fields:
        for item in spec.specs(field):
            compiled.append(CompiledAddressParts(item) if item.parts else compile_field(field, item))
    for prop in spec.properties:
        compiled.extend(CompiledProperty(prop, item) for item in spec.specs(prop, "properties"))
    required = spec.required if spec.required is not None else first
    return CompiledEntity(name, spec, required, compiled)


def _relation(spec: RelationSpec, target: Record, row: Row) -> Relation:
    share = None
    raw_share = first_cell(row, spec.share_column)
    if raw_share:
        try:
            share = float(raw_share.rstrip("%").replace(",", "."))
        except ValueError:
            share = None
    return Relation(
        spec.kind,
        target_key=target.source_key,
        target_name=target.caption if target.names else None,
        share=share if share is None or 0 <= share <= 100 else None,
        role=first_cell(row, spec.role_column) or spec.role,
        start_date=values.iso_date(first_cell(row, spec.start_date_column)),
        end_date=values.iso_date(first_cell(row, spec.end_date_column)),
    )


# --- the mapping ----------------------------------------------------------------


@dataclass(slots=True)
class Mapping:
    """A validated, compiled mapping file: what ``--format mapping --mapping M.yaml`` runs."""

    path: Path
    model: MappingFile
    entities: list[CompiledEntity]
    # Entities left out of rows, and why (``notices``): counted while rows are read.
    left_out: Counter[str] = dataclasses.field(default_factory=Counter)
    # Tables the set-wise way (False: row by row, the reference).
    setwise: bool = True
    phases: PhaseCallback | None = None

    @property
    def source(self) -> str:
        return self.model.source

    @property
    def snapshot(self) -> bool:
        return self.model.snapshot

    @property
    def distinct_entries(self) -> bool:
        return self.model.distinct_entries

    def build_row(
        self, row: Row, source: str, path: Path, line: int, prepared: list[PreparedRow] | None = None
    ) -> list[Item]:
        """The records (and fragments) one row yields; raises ``RowRejected`` to quarantine it.

        ``prepared`` (the set-wise path): per entity, its key and cleaned values, computed once per
        distinct value of the row's chunk.
        """
        built: dict[str, Record] = {}
        for index, entity in enumerate(self.entities):
            record = entity.build(row, source, path, line, None if prepared is None else prepared[index])
            if record is not None and entity.is_partial_and_nameless(row, record):
                self.left_out[entity.name] += 1
            elif record is not None:
                built[entity.name] = record
        if not built:
            raise RowRejected("no entity of the mapping has its key columns filled in this row")
        next(iter(built.values())).provenance.rows = 1
        for relation in self.model.relations:
            origin, target = built.get(relation.from_), built.get(relation.to)
            if origin is not None and target is not None:
                origin.relations.append(_relation(relation, target, row))
        merging = {e.name for e in self.entities if e.spec.merge}
        return [Fragment(r) if name in merging else r for name, r in built.items()]

    def notices(self) -> dict[str, int]:
        """What the rows read so far left out, as a sentence per cause with the number of rows."""
        return {
            f"entity '{name}' left out: no name and key column(s) {', '.join(self._entity(name).spec.key_columns())}"
            " partly empty (one nameless entity would join every such row)": count
            for name, count in sorted(self.left_out.items())
        }

    def _entity(self, name: str) -> CompiledEntity:
        return next(e for e in self.entities if e.name == name)

    def kind(self, path: Path) -> str:
        """``csv`` or ``jsonl``: what the mapping says, else what the file's suffix says."""
        return self.model.format or ("jsonl" if path.suffix.lower() in (".jsonl", ".json", ".ndjson") else "csv")

    def iter_records(self, path: Path, source: str) -> Iterator[Item]:
        """Records, fragments and quarantine entries of the table at ``path``.

        Tables go the set-wise way (``ingest.mapping_setwise``: chunks of rows, each column's distinct
        values cleaned once) unless ``setwise`` is off: then row by row (``iter_records_rowwise``, the
        reference both paths are tested against).
        """
        if self.setwise:
            from ingest.mapping_setwise import iter_records_setwise

            return iter_records_setwise(self, path, source, progress=self.phases)
        return self.iter_records_rowwise(path, source)

    def watch(self, phases: PhaseCallback | None) -> None:
        """Report progress per phase (``read``, ``cleaned``) to ``phases`` while rows are read."""
        self.phases = phases

    def iter_records_rowwise(self, path: Path, source: str) -> Iterator[Item]:
        """The reference path: every row read, cleaned and built on its own."""
        for line, row in self._rows(path):
            if isinstance(row, BadLine):
                yield Quarantine(str(path), line, row.error, raw=row.text)
                continue
            try:
                yield from self.build_row(row, source, path, line)
            except RowRejected as rejected:
                yield Quarantine(
                    str(path), line, rejected.reason, field=rejected.field, raw=rejected.raw or row_text(row)
                )

    def _rows(self, path: Path) -> Iterator[tuple[int, Row | BadLine]]:
        if self.kind(path) == "jsonl":
            for line, value in iter_json_values(path):
                if isinstance(value, BadLine):
                    yield line, BadLine(value.text, f"not valid JSON: {value.error}")
                elif isinstance(value, dict):
                    yield line, {k: values.clean_text(v) or "" if isinstance(v, str) else v for k, v in value.items()}
                else:
                    yield line, BadLine(str(value)[:200], "not a JSON object")
            return
        names, rows = self.open_csv(path)
        for line, cells in rows:
            if len(cells) != len(names):
                yield line, BadLine(",".join(cells)[:200], f"expected {len(names)} cells, found {len(cells)}")
                continue
            yield (
                line,
                {name: text and (values.clean_text(text) or "") for name, text in zip(names, cells, strict=True)},
            )

    def open_csv(self, path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
        """The column names of a CSV table (checked against the mapping) and its data rows with line numbers."""
        rows = iter_csv_rows(path, self.model.delimiter)
        first = next(rows, None)
        return self.column_names(path, None if first is None else first[1]), rows

    def column_names(self, path: Path, header: list[str] | None) -> list[str]:
        """The column names of a CSV table's header row, checked against the mapping."""
        if header is None:
            raise IngestError(f"{path}: empty file; expected a header row")
        self._check_columns(path, header)
        return [h.strip().lstrip("\ufeff") for h in header]

    def _check_columns(self, path: Path, header: list[str]) -> None:
        present = {h.strip().lstrip("\ufeff") for h in header}
        missing = {column: where for column, where in self.model.columns().items() if column not in present}
        if missing:
            named = list(missing.items())[:MISSING_NAMED]
            detail = "; ".join(f"{where}: column {column!r} is not in the file" for column, where in named)
            if len(missing) > MISSING_NAMED:
                rest = list(missing)[MISSING_NAMED:]
                more = ", ..." if len(rest) > MISSING_LISTED else ""
                detail += f"; {len(rest)} more columns it reads are missing: {', '.join(rest[:MISSING_LISTED])}{more}"
            raise MappingError(
                f"{self.path}: {detail} ({path} has: {', '.join(sorted(present))[:300]})",
                hint="fix the column names in the mapping or pass the right file",
            )


def row_text(row: Row) -> str:
    return ",".join(str(v) for v in row.values())[:200]


def load_mapping(path: Path) -> Mapping:
    """Read, validate and compile a mapping file (no data is read).

    Raises:
        MappingError: the mapping is invalid; the message names the file, entity and field.
    """
    model = read_mapping_file(path)
    entities = [compile_entity(name, spec, index == 0) for index, (name, spec) in enumerate(model.entities.items())]
    return Mapping(path, model, entities)
