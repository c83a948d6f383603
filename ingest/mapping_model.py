"""The declarative mapping file: its schema (pydantic), loading and validation.

A mapping describes a table nobody has written an adapter for (a CSV or a
JSON-lines file): which entities each row holds, which columns feed which
canonical fields, how keys are made, which values are split, which normalisers
run, and how the entities of a row relate. It is validated completely before a
single data row is read; every problem is reported at once, each naming the
mapping file, the entity and field, and what is wrong. See ``mappings/`` for
examples and ``docs/ingest.md`` for the reference.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ingest.record import RelationKind, Schema
from sanctiongraph.errors import MappingError

# Canonical fields a column can feed, and what kind of value each is.
NAME_FIELDS = {"name": "primary", "alias": "alias", "weak_alias": "weak", "former_name": "former", "acronym": "acronym"}
DATE_FIELDS = ("birth_date", "incorporation_date")
COUNTRY_FIELDS = ("country", "nationality", "jurisdiction")
INFRA_FIELDS = ("email", "phone", "domain", "website", "ip", "wallet", "payment", "device")
OTHER_FIELDS = ("address", "identifier", "gender", "note", "sanction")
FIELDS = (*NAME_FIELDS, *DATE_FIELDS, *COUNTRY_FIELDS, *INFRA_FIELDS, *OTHER_FIELDS)
IDENTIFIER_KINDS = (
    "passport",
    "national_id",
    "imo",
    "mmsi",
    "lei",
    "registration",
    "bic",
    "tax_id",
    "call_sign",
    "other",
)
ADDRESS_PARTS = ("street", "city", "postal_code", "region", "country")
_SINGULAR = {"fields": "field", "properties": "property"}  # an entity's sections, in messages
NORMALISERS = (
    "strip",
    "upper",
    "lower",
    "ascii",
    "digits",
    "alnum",
    "date",
    "email",
    "phone",
    "ip",
    "domain",
    "country",
    "lei",
    "bic",
    "imo",
    "document",
    "name",
)

_STRICT = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class FieldSpec(BaseModel):
    """Where one canonical field's values come from, and how they are cleaned."""

    model_config = _STRICT

    column: str | None = None
    columns: list[str] | None = Field(default=None, min_length=1)
    constant: str | None = None
    parts: dict[str, str] | None = None  # address only: part -> column
    join: str = " "  # how ``columns`` are joined into one value
    split: str | None = None  # separator of several values in one cell
    normalise: list[str] = Field(default_factory=list)  # extra normalisers, applied before the field's own
    on_invalid: Literal["note", "drop", "quarantine"] = "note"
    kind: str | None = None  # identifier kind
    country: str | None = None  # identifier country, or a phone's default region
    country_column: str | None = None
    currency: str | None = None  # wallet currency (XBT, ETH, ...)
    currency_column: str | None = None
    date_format: str | None = None  # strptime format for dates the usual parsers do not read
    authority: str | None = None  # sanction only

    @model_validator(mode="after")
    def _one_origin(self) -> FieldSpec:
        origins = [name for name in ("column", "columns", "constant", "parts") if getattr(self, name) is not None]
        if len(origins) != 1:
            raise ValueError(
                f"give exactly one of column, columns, constant, parts (got {', '.join(origins) or 'none'})"
            )
        return self

    @field_validator("normalise")
    @classmethod
    def _known_normalisers(cls, names: list[str]) -> list[str]:
        for name in names:
            if name not in NORMALISERS:
                raise ValueError(f"unknown normaliser {name!r}{_did_you_mean(name, NORMALISERS)}")
        return names

    @field_validator("parts")
    @classmethod
    def _known_parts(cls, parts: dict[str, str] | None) -> dict[str, str] | None:
        for name in parts or {}:
            if name not in ADDRESS_PARTS:
                raise ValueError(f"unknown address part {name!r}{_did_you_mean(name, ADDRESS_PARTS)}")
        return parts

    def source_columns(self) -> list[str]:
        found = [self.column] if self.column else []
        found += self.columns or []
        found += list((self.parts or {}).values())
        found += [c for c in (self.country_column, self.currency_column) if c]
        return found


FieldValue = str | FieldSpec | list[str | FieldSpec]


class SchemaFromColumn(BaseModel):
    """The schema read from a column: ``{column: type, map: {individual: Person, business: Company}}``."""

    model_config = _STRICT

    column: str
    map: dict[str, Schema] = Field(default_factory=dict)
    default: Schema | None = None


class EntitySpec(BaseModel):
    """One entity each row may hold."""

    model_config = _STRICT

    schema_: Schema | SchemaFromColumn = Field(alias="schema")
    key: str | list[str]
    key_prefix: str | None = None
    required: bool | None = None  # default: the first entity is required, the others optional
    merge: bool = False  # rows repeat this entity (same key): merge them into one record
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    properties: dict[str, FieldValue] = Field(default_factory=dict)

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, fields: dict[str, FieldValue]) -> dict[str, FieldValue]:
        for name in fields:
            if name not in FIELDS:
                raise ValueError(f"unknown field {name!r}{_did_you_mean(name, FIELDS)}")
        return fields

    @field_validator("key")
    @classmethod
    def _non_empty_key(cls, key: str | list[str]) -> str | list[str]:
        if not key or (isinstance(key, list) and not all(key)):
            raise ValueError("key needs at least one column")
        return key

    def key_columns(self) -> list[str]:
        return [self.key] if isinstance(self.key, str) else list(self.key)

    def specs(self, name: str, section: Literal["fields", "properties"] = "fields") -> list[FieldSpec]:
        value = getattr(self, section)[name]
        items = value if isinstance(value, list) else [value]
        return [FieldSpec(column=item) if isinstance(item, str) else item for item in items]


class RelationSpec(BaseModel):
    """A relation between two entities of the same row (``from`` carries it)."""

    model_config = _STRICT

    from_: str = Field(alias="from")
    to: str
    kind: RelationKind
    role: str | None = None
    role_column: str | None = None
    share_column: str | None = None
    start_date_column: str | None = None
    end_date_column: str | None = None


class MappingFile(BaseModel):
    """The whole mapping file."""

    model_config = _STRICT

    source: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    description: str | None = None
    format: Literal["csv", "jsonl"] | None = None  # default: from the input file's suffix
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    snapshot: bool = True  # a full export: what a newer file lacks was removed
    distinct_entries: bool = False  # every row is a different party: never merge two records of this source
    entities: dict[str, EntitySpec] = Field(min_length=1)
    relations: list[RelationSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> MappingFile:
        problems = []
        for index, relation in enumerate(self.relations):
            for end in (relation.from_, relation.to):
                if end not in self.entities:
                    hint = _did_you_mean(end, tuple(self.entities))
                    problems.append(f"relations[{index}]: no entity {end!r}{hint}")
        for name, entity in self.entities.items():
            for field in entity.fields:
                for spec in entity.specs(field):
                    problems.extend(f"entities.{name}.fields.{field}: {p}" for p in _field_problems(field, spec))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def columns(self) -> dict[str, str]:
        """Every column the mapping reads -> where (for 'column not in the file' messages)."""
        used: dict[str, str] = {}
        for name, entity in self.entities.items():
            for column in entity.key_columns():
                used.setdefault(column, f"entity '{name}' key")
            if isinstance(entity.schema_, SchemaFromColumn):
                used.setdefault(entity.schema_.column, f"entity '{name}' schema")
            for section in ("fields", "properties"):
                for field in getattr(entity, section):
                    for spec in entity.specs(field, section):  # type: ignore[arg-type]
                        for column in spec.source_columns():
                            used.setdefault(column, f"entity '{name}' {_SINGULAR[section]} '{field}'")
        for index, relation in enumerate(self.relations):
            for optional in (
                relation.role_column,
                relation.share_column,
                relation.start_date_column,
                relation.end_date_column,
            ):
                if optional:
                    used.setdefault(optional, f"relations[{index}]")
        return used


def _field_problems(field: str, spec: FieldSpec) -> list[str]:
    problems = []
    if field == "identifier" and spec.kind not in IDENTIFIER_KINDS:
        problems.append(f"identifier needs kind: one of {', '.join(IDENTIFIER_KINDS)} (got {spec.kind!r})")
    if field != "identifier" and spec.kind is not None:
        problems.append("kind is only for identifier")
    if spec.parts is not None and field != "address":
        problems.append("parts is only for address")
    if field == "sanction" and not spec.authority:
        problems.append("sanction needs authority (e.g. 'UN Security Council')")
    if (spec.currency or spec.currency_column) and field != "wallet":
        problems.append("currency is only for wallet")
    return problems


def _did_you_mean(name: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(choices)})"


_BRANCH_NAMES = frozenset({"str", "int", "list", "dict", "FieldSpec", "SchemaFromColumn", "Schema"})


def _location(loc: tuple[int | str, ...]) -> str:
    """``entities.a.fields.email`` from pydantic's location, without its union-branch names."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item in _BRANCH_NAMES or "[" in item:  # e.g. 'str-enum[Schema]', 'list[union[str,FieldSpec]]'
            continue
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts) or "(top level)"


def _describe(error: ValidationError) -> str:
    """All problems, one per place; a union's "should be a valid string" noise only when nothing better is said."""
    items = error.errors()
    specific = [i for i in items if not str(i["msg"]).startswith("Input should be a valid")]
    seen: dict[str, str] = {}
    for item in specific or items:
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        seen.setdefault(_location(item["loc"]), message)
    return "; ".join(f"{where}: {message}" for where, message in seen.items())


def parse_mapping(data: Any, origin: str) -> MappingFile:
    """Validate already-loaded YAML; ``origin`` names the file in messages."""
    if not isinstance(data, dict):
        raise MappingError(f"{origin}: a mapping file is a YAML object with 'source' and 'entities'")
    data = {"source": Path(origin).stem.lower().replace(" ", "_"), **data}
    try:
        return MappingFile.model_validate(data)
    except ValidationError as error:
        raise MappingError(f"{origin}: {_describe(error)}", hint="see docs/ingest.md, 'Mapping files'") from None


def read_mapping_file(path: Path) -> MappingFile:
    """Load and validate a mapping file; nothing of the data file is read.

    Raises:
        MappingError: the file is missing, not YAML, or not a valid mapping; the
            message names the file and each entity/field that is wrong.
    """
    if not path.is_file():
        raise MappingError(f"{path}: no such mapping file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        detail = str(error).replace("\n", " ")
        raise MappingError(f"{path}: not valid YAML ({detail})") from None
    return parse_mapping(data, str(path))
