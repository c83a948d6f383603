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

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import normality

from ingest import values
from ingest.jsonstream import BadLine, iter_json_values
from ingest.mapping_model import (
    COUNTRY_FIELDS,
    DATE_FIELDS,
    INFRA_FIELDS,
    NAME_FIELDS,
    EntitySpec,
    FieldSpec,
    MappingFile,
    RelationSpec,
    read_mapping_file,
)
from ingest.record import (
    Address,
    Fragment,
    Identifier,
    Infra,
    InfraKind,
    Item,
    Name,
    NameKind,
    Provenance,
    Quarantine,
    Record,
    Relation,
    Sanction,
    Schema,
)
from ingest.textfile import iter_csv_rows
from sanctiongraph.errors import IngestError, MappingError

Row = dict[str, Any]
Cleaner = Callable[[str], str | None]

_INFRA_KINDS = {
    "email": InfraKind.EMAIL,
    "phone": InfraKind.PHONE,
    "domain": InfraKind.DOMAIN,
    "website": InfraKind.WEBSITE,
    "ip": InfraKind.IP_ADDRESS,
    "wallet": InfraKind.WALLET,
    "payment": InfraKind.PAYMENT_FINGERPRINT,
    "device": InfraKind.DEVICE_ID,
}
_IDENTIFIER_CLEANERS: dict[str, Cleaner] = {
    "lei": values.lei_code,
    "bic": values.bic_code,
    "imo": values.imo_number,
}


def _ascii(text: str) -> str | None:
    return normality.ascii_text(text) or None


NORMALISERS: dict[str, Cleaner] = {
    "strip": lambda t: t.strip() or None,
    "upper": lambda t: t.upper(),
    "lower": lambda t: t.lower(),
    "ascii": _ascii,
    "digits": lambda t: "".join(c for c in t if c.isdigit()) or None,
    "alnum": lambda t: "".join(c for c in t if c.isalnum()) or None,
    "date": values.iso_date,
    "email": values.email,
    "phone": values.phone,
    "ip": values.ip_address,
    "domain": values.domain,
    "country": values.country_code,
    "lei": values.lei_code,
    "bic": values.bic_code,
    "imo": values.imo_number,
    "document": values.document_number,
    "name": values.clean_text,
}


def composite_key(parts: list[str], prefix: str | None = None) -> str:
    """The source key of a mapped entity: the value of a single key column, or a hash of several.

    A composite key is the first 20 hex digits of the SHA-1 of the cleaned values
    joined by U+001F, so the same values always give the same key, and a prefix
    (``co-…``) keeps keys of different entities of one mapping apart.
    """
    if len(parts) == 1:
        key = parts[0]
    else:
        key = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]
    return f"{prefix}-{key}" if prefix else key


class RowRejected(Exception):
    """A row that cannot become records under the mapping (becomes a quarantine entry)."""

    def __init__(self, reason: str, field: str | None = None, raw: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.field, self.raw = reason, field, raw


# --- reading cells ----------------------------------------------------------------


def cell(row: Row, column: str) -> list[str]:
    """Non-empty texts of a column (a JSON list gives several; dotted names reach into objects)."""
    value = row.get(column)
    if value.__class__ is str:  # rows come with their top-level texts cleaned once (see ``_rows``)
        return [value] if value else []
    if value is None and "." in column:
        value = row
        for part in column.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    texts = (values.clean_text(item if isinstance(item, str) else str(item)) for item in items if item is not None)
    return [t for t in texts if t]


def _raw_values(row: Row, spec: FieldSpec) -> list[str]:
    if spec.constant is not None:
        found = [spec.constant]
    elif spec.column is not None:
        found = cell(row, spec.column)
    else:
        joined = spec.join.join(t for column in spec.columns or [] for t in cell(row, column))
        found = [joined] if joined else []
    if spec.split:
        found = [part.strip() for text in found for part in text.split(spec.split) if part.strip()]
    return found


# --- compiled fields ----------------------------------------------------------------


@dataclass(slots=True)
class CompiledField:
    """One canonical field of one entity, ready to apply to rows."""

    name: str
    spec: FieldSpec
    cleaner: Cleaner | None
    apply: Callable[[Record, str, Row, FieldSpec], None]

    def fill(self, record: Record, row: Row) -> None:
        cleaner = self.cleaner
        if cleaner is values.clean_text and self.spec.column is not None and not self.spec.normalise:
            cleaner = None  # a single column's cells arrive cleaned (see ``Mapping._rows``)
        for raw in _raw_values(row, self.spec):
            value = raw
            for normaliser in self.spec.normalise:
                value = NORMALISERS[normaliser](value) or ""
            cleaned = cleaner(value) if cleaner is not None and value else value or None
            if cleaned is None:
                self._invalid(record, raw)
            else:
                self.apply(record, cleaned, row, self.spec)

    def _invalid(self, record: Record, raw: str) -> None:
        if self.spec.on_invalid == "quarantine":
            raise RowRejected(f"invalid {self.name}: {raw[:80]}", field=self.spec.column or self.name, raw=raw[:200])
        if self.spec.on_invalid == "note":
            record.notes.append(f"invalid {self.name}: {raw}")


def _apply_name(kind: NameKind) -> Callable[[Record, str, Row, FieldSpec], None]:
    def apply(record: Record, value: str, row: Row, spec: FieldSpec) -> None:
        if all(n.value != value for n in record.names):
            name_kind = kind if kind is not NameKind.PRIMARY or not record.names else NameKind.ALIAS
            record.names.append(Name(value, name_kind, values.name_script(value)))

    return apply


def _apply_list(attribute: str) -> Callable[[Record, str, Row, FieldSpec], None]:
    def apply(record: Record, value: str, row: Row, spec: FieldSpec) -> None:
        target: list[str] = getattr(record, attribute)
        if value not in target:
            target.append(value)

    return apply


def _first_cell(row: Row, column: str | None) -> str | None:
    found = cell(row, column) if column else []
    return found[0] if found else None


def _apply_infra(kind: InfraKind) -> Callable[[Record, str, Row, FieldSpec], None]:
    def apply(record: Record, value: str, row: Row, spec: FieldSpec) -> None:
        if kind is InfraKind.WALLET and ":" not in value:
            currency = spec.currency or _first_cell(row, spec.currency_column)
            value = f"{currency.upper()}:{value}" if currency else value
        if all(i.kind is not kind or i.value != value for i in record.infra):
            record.infra.append(Infra(kind, value))

    return apply


def _phone_cleaner(spec: FieldSpec) -> Callable[[Record, str, Row, FieldSpec], None]:
    add = _apply_infra(InfraKind.PHONE)

    def apply(record: Record, value: str, row: Row, spec: FieldSpec) -> None:
        region = spec.country or values.country_code(_first_cell(row, spec.country_column))
        number = values.phone(value, region)
        if number is None:
            if spec.on_invalid == "quarantine":
                raise RowRejected(f"invalid phone: {value[:80]}", field=spec.column or "phone", raw=value)
            if spec.on_invalid == "note":
                record.notes.append(f"invalid phone: {value}")
            return
        add(record, number, row, spec)

    return apply


def _apply_identifier(record: Record, value: str, row: Row, spec: FieldSpec) -> None:
    kind = spec.kind or "other"
    country = values.country_code(spec.country or _first_cell(row, spec.country_column))
    if all(i.kind != kind or i.value != value for i in record.identifiers):
        record.identifiers.append(Identifier(kind, value, country))


def _apply_address(record: Record, value: str, row: Row, spec: FieldSpec) -> None:
    if all(a.full != value for a in record.addresses):
        record.addresses.append(Address(value))


def _apply_gender(record: Record, value: str, row: Row, spec: FieldSpec) -> None:
    record.gender = value.lower()


def _apply_sanction(record: Record, value: str, row: Row, spec: FieldSpec) -> None:
    record.sanctions.append(Sanction(spec.authority or "unknown", program=value))


def _date_cleaner(spec: FieldSpec) -> Cleaner:
    if spec.date_format is None:
        return values.iso_date
    fmt = spec.date_format

    def parse(text: str) -> str | None:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            return None

    return parse


def compile_field(name: str, spec: FieldSpec) -> CompiledField:
    """The cleaner and the record update for one field spec."""
    if name in NAME_FIELDS:
        return CompiledField(name, spec, values.clean_text, _apply_name(NameKind(NAME_FIELDS[name])))
    if name in DATE_FIELDS:
        return CompiledField(name, spec, _date_cleaner(spec), _apply_list(f"{name}s"))
    if name in COUNTRY_FIELDS:
        attribute = {"country": "countries", "nationality": "nationalities", "jurisdiction": "jurisdictions"}[name]
        return CompiledField(name, spec, values.country_code, _apply_list(attribute))
    if name == "phone":
        return CompiledField(name, spec, None, _phone_cleaner(spec))
    if name in INFRA_FIELDS:
        cleaner: Cleaner | None = {
            "email": values.email,
            "domain": values.domain,
            "website": values.domain,
            "ip": values.ip_address,
        }.get(name, values.clean_text)
        return CompiledField(name, spec, cleaner, _apply_infra(_INFRA_KINDS[name]))
    if name == "identifier":
        cleaner = _IDENTIFIER_CLEANERS.get(spec.kind or "", values.document_number)
        return CompiledField(name, spec, cleaner, _apply_identifier)
    if name == "address":
        return CompiledField(name, spec, values.clean_text, _apply_address)
    if name == "gender":
        return CompiledField(name, spec, values.clean_text, _apply_gender)
    if name == "sanction":
        return CompiledField(name, spec, values.clean_text, _apply_sanction)
    return CompiledField(name, spec, values.clean_text, _apply_list("notes"))  # note


@dataclass(slots=True)
class CompiledAddressParts:
    """An address made of part columns (street, city, postal code, region, country)."""

    spec: FieldSpec

    def fill(self, record: Record, row: Row) -> None:
        parts = {part: _first_cell(row, column) for part, column in (self.spec.parts or {}).items()}
        full = ", ".join(v for v in parts.values() if v)
        if full and all(a.full != full for a in record.addresses):
            record.addresses.append(
                Address(
                    full,
                    street=parts.get("street"),
                    city=parts.get("city"),
                    postal_code=parts.get("postal_code"),
                    region=parts.get("region"),
                    country=values.country_code(parts.get("country")),
                )
            )


@dataclass(slots=True)
class CompiledProperty:
    name: str
    spec: FieldSpec

    def fill(self, record: Record, row: Row) -> None:
        for raw in _raw_values(row, self.spec):
            value: str | None = raw
            for normaliser in self.spec.normalise:
                value = NORMALISERS[normaliser](value) if value else None
            if value:
                have = record.properties.setdefault(self.name, [])
                if value not in have:
                    have.append(value)


# --- compiled entities ----------------------------------------------------------------


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
        raw = _first_cell(row, declared.column) or ""
        schema = declared.map.get(raw) or declared.map.get(raw.lower()) or _schema_by_name(raw) or declared.default
        if schema is None:
            raise RowRejected(
                f"unknown schema value for entity '{self.name}': {raw[:40]}", field=declared.column, raw=raw
            )
        return schema

    def build(self, row: Row, source: str, path: Path, line: int) -> Record | None:
        key = self.key(row)
        if key is None:
            if self.required:
                columns = ", ".join(self.spec.key_columns())
                raise RowRejected(f"empty key column(s) for entity '{self.name}': {columns}", field=columns)
            return None
        record = Record(
            source=source, source_key=key, schema=self.schema(row), names=[], provenance=Provenance(str(path), line, 0)
        )
        for compiled in self.fields:
            compiled.fill(record, row)
        return record


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
    raw_share = _first_cell(row, spec.share_column)
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
        role=_first_cell(row, spec.role_column) or spec.role,
        start_date=values.iso_date(_first_cell(row, spec.start_date_column)),
        end_date=values.iso_date(_first_cell(row, spec.end_date_column)),
    )


# --- the mapping ----------------------------------------------------------------


@dataclass(slots=True)
class Mapping:
    """A validated, compiled mapping file: what ``--format mapping --mapping M.yaml`` runs."""

    path: Path
    model: MappingFile
    entities: list[CompiledEntity]

    @property
    def source(self) -> str:
        return self.model.source

    @property
    def snapshot(self) -> bool:
        return self.model.snapshot

    @property
    def distinct_entries(self) -> bool:
        return self.model.distinct_entries

    def build_row(self, row: Row, source: str, path: Path, line: int) -> list[Item]:
        """The records (and fragments) one row yields; raises ``RowRejected`` to quarantine it."""
        built: dict[str, Record] = {}
        for entity in self.entities:
            record = entity.build(row, source, path, line)
            if record is not None:
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

    def iter_records(self, path: Path, source: str) -> Iterator[Item]:
        """Records, fragments and quarantine entries of the table at ``path``."""
        for line, row in self._rows(path):
            if isinstance(row, BadLine):
                yield Quarantine(str(path), line, row.error, raw=row.text)
                continue
            try:
                yield from self.build_row(row, source, path, line)
            except RowRejected as rejected:
                yield Quarantine(
                    str(path), line, rejected.reason, field=rejected.field, raw=rejected.raw or _row_text(row)
                )

    def _rows(self, path: Path) -> Iterator[tuple[int, Row | BadLine]]:
        kind = self.model.format or ("jsonl" if path.suffix.lower() in (".jsonl", ".json", ".ndjson") else "csv")
        if kind == "jsonl":
            for line, value in iter_json_values(path):
                if isinstance(value, BadLine):
                    yield line, BadLine(value.text, f"not valid JSON: {value.error}")
                elif isinstance(value, dict):
                    yield line, {k: values.clean_text(v) or "" if isinstance(v, str) else v for k, v in value.items()}
                else:
                    yield line, BadLine(str(value)[:200], "not a JSON object")
            return
        rows = iter_csv_rows(path, self.model.delimiter)
        first = next(rows, None)
        if first is None:
            raise IngestError(f"{path}: empty file; expected a header row")
        _, header = first
        self._check_columns(path, header)
        names = [h.strip().lstrip("\ufeff") for h in header]
        for line, cells in rows:
            if len(cells) != len(names):
                yield line, BadLine(",".join(cells)[:200], f"expected {len(names)} cells, found {len(cells)}")
                continue
            yield (
                line,
                {name: text and (values.clean_text(text) or "") for name, text in zip(names, cells, strict=True)},
            )

    def _check_columns(self, path: Path, header: list[str]) -> None:
        present = {h.strip().lstrip("\ufeff") for h in header}
        missing = {column: where for column, where in self.model.columns().items() if column not in present}
        if missing:
            detail = "; ".join(f"{where}: column {column!r} is not in the file" for column, where in missing.items())
            raise MappingError(
                f"{self.path}: {detail} ({path} has: {', '.join(sorted(present))[:300]})",
                hint="fix the column names in the mapping or pass the right file",
            )


def _row_text(row: Row) -> str:
    return ",".join(str(v) for v in row.values())[:200]


def load_mapping(path: Path) -> Mapping:
    """Read, validate and compile a mapping file (no data is read).

    Raises:
        MappingError: the mapping is invalid; the message names the file, entity and field.
    """
    model = read_mapping_file(path)
    entities = [compile_entity(name, spec, index == 0) for index, (name, spec) in enumerate(model.entities.items())]
    return Mapping(path, model, entities)
