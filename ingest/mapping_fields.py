"""Compiled fields of a mapping: reading cells, cleaning values, and putting them on a record.

``compile_field`` turns one validated field spec (``ingest.mapping_model``) into
a ``CompiledField`` that, given a row, reads its cells, runs the normalisers and
the field's own cleaner, and adds the values to a record. Used by
``ingest.mapping``; pure functions, no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import normality

from ingest import values
from ingest.mapping_model import COUNTRY_FIELDS, DATE_FIELDS, INFRA_FIELDS, NAME_FIELDS, FieldSpec
from ingest.record import Address, Identifier, Infra, InfraKind, Name, NameKind, Record, Sanction

Row = dict[str, Any]
Cleaner = Callable[[str], str | None]
# A field's values in one row as (raw, cleaned) pairs; cleaned is None for a value its cleaner rejects.
Pairs = tuple[tuple[str, str | None], ...]

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


def raw_values(row: Row, spec: FieldSpec) -> list[str]:
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

    def clean(self, raw: str) -> str | None:
        """One raw value through the field's normalisers and cleaner (``None``: not a valid value)."""
        cleaner = self.cleaner
        if cleaner is values.clean_text and self.spec.column is not None and not self.spec.normalise:
            cleaner = None  # a single column's cells arrive cleaned (see ``Mapping._rows``)
        value = raw
        for normaliser in self.spec.normalise:
            value = NORMALISERS[normaliser](value) or ""
        return cleaner(value) if cleaner is not None and value else value or None

    def fill(self, record: Record, row: Row) -> None:
        """Add the field's values of ``row`` to ``record``."""
        for raw in raw_values(row, self.spec):
            cleaned = self.clean(raw)
            if cleaned is None:
                self._invalid(record, raw)
            else:
                self.apply(record, cleaned, row, self.spec)

    def fill_pairs(self, record: Record, row: Row, pairs: Pairs) -> None:
        """``fill`` with the row's values already cleaned: ``(raw, clean(raw))`` (the set-wise path)."""
        for raw, cleaned in pairs:
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
        if not record.names or all(n.value != value for n in record.names):
            name_kind = kind if kind is not NameKind.PRIMARY or not record.names else NameKind.ALIAS
            record.names.append(Name(value, name_kind, values.name_script(value)))

    return apply


def _apply_list(attribute: str) -> Callable[[Record, str, Row, FieldSpec], None]:
    def apply(record: Record, value: str, row: Row, spec: FieldSpec) -> None:
        target: list[str] = getattr(record, attribute)
        if value not in target:
            target.append(value)

    return apply


def first_cell(row: Row, column: str | None) -> str | None:
    found = cell(row, column) if column else []
    return found[0] if found else None


def _apply_infra(kind: InfraKind) -> Callable[[Record, str, Row, FieldSpec], None]:
    def apply(record: Record, value: str, row: Row, spec: FieldSpec) -> None:
        if kind is InfraKind.WALLET and ":" not in value:
            currency = spec.currency or first_cell(row, spec.currency_column)
            value = f"{currency.upper()}:{value}" if currency else value
        if not record.infra or all(i.kind is not kind or i.value != value for i in record.infra):
            record.infra.append(Infra(kind, value))

    return apply


def _phone_cleaner(spec: FieldSpec) -> Callable[[Record, str, Row, FieldSpec], None]:
    add = _apply_infra(InfraKind.PHONE)

    def apply(record: Record, value: str, row: Row, spec: FieldSpec) -> None:
        region = spec.country or values.country_code(first_cell(row, spec.country_column))
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
    country = values.country_code(spec.country or first_cell(row, spec.country_column))
    if not record.identifiers or all(i.kind != kind or i.value != value for i in record.identifiers):
        record.identifiers.append(Identifier(kind, value, country))


def _apply_address(record: Record, value: str, row: Row, spec: FieldSpec) -> None:
    if not record.addresses or all(a.full != value for a in record.addresses):
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

    def fill_pairs(self, record: Record, row: Row, pairs: Pairs) -> None:
        self.fill(record, row)

    def fill(self, record: Record, row: Row) -> None:
        parts = {part: first_cell(row, column) for part, column in (self.spec.parts or {}).items()}
        full = ", ".join(v for v in parts.values() if v)
        if full and (not record.addresses or all(a.full != full for a in record.addresses)):
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

    def clean(self, raw: str) -> str | None:
        value: str | None = raw
        for normaliser in self.spec.normalise:
            value = NORMALISERS[normaliser](value) if value else None
        return value or None

    def fill(self, record: Record, row: Row) -> None:
        self.fill_pairs(record, row, tuple((raw, self.clean(raw)) for raw in raw_values(row, self.spec)))

    def fill_pairs(self, record: Record, row: Row, pairs: Pairs) -> None:
        for _, value in pairs:
            if value:
                have = record.properties.setdefault(self.name, [])
                if value not in have:
                    have.append(value)
