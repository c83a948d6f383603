"""Canonical records to the rows Splink compares: one row per record, per family.

Every multi-valued fact (all names and aliases, all birth dates, all
identifiers) stays a list, so a comparison can ask "do *any* two agree?".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import pyarrow as pa

from ingest.record import NameKind, Record, Schema
from resolution.normalize import ORGANIZATION, PERSON, name_key, sorted_key

VESSEL = "vessel"
ACCOUNT = "account"

FAMILY_OF_SCHEMA = {
    Schema.PERSON: PERSON,
    Schema.COMPANY: ORGANIZATION,
    Schema.ORGANIZATION: ORGANIZATION,
    Schema.LEGAL_ENTITY: ORGANIZATION,
    Schema.VESSEL: VESSEL,
    Schema.AIRCRAFT: VESSEL,
    Schema.CUSTOMER_ACCOUNT: ACCOUNT,
}

# Tokens so common in names of one family that a shared pair of them is no evidence.
MAX_TOKENS_FOR_PAIRS = 8


@dataclass(slots=True)
class Features:
    unique_id: str
    source_dataset: str
    family: str
    name_keys: list[str] = field(default_factory=list)
    sorted_keys: list[str] = field(default_factory=list)
    token_pairs: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)


def family_of(record: Record) -> str:
    return FAMILY_OF_SCHEMA.get(record.schema, ORGANIZATION)


def _unique(values: Iterable[str]) -> list[str]:
    return sorted({v for v in values if v})


def _token_pairs(keys: list[str]) -> list[str]:
    """Every pair of words that occur together in one name: the blocking key for names."""
    pairs: set[str] = set()
    for key in keys:
        tokens = sorted(set(key.split()))[:MAX_TOKENS_FOR_PAIRS]
        if len(tokens) == 1:
            pairs.add(tokens[0])
        pairs.update(f"{a} {b}" for a, b in combinations(tokens, 2))
    return sorted(pairs)


def build_features(record: Record) -> Features:
    family = family_of(record)
    norm_family = PERSON if family == PERSON else ORGANIZATION
    names = [n.value for n in record.names if n.kind is not NameKind.WEAK] or [n.value for n in record.names]
    keys = _unique(name_key(n, norm_family) for n in names)
    dates = _unique(record.birth_dates + record.incorporation_dates)
    return Features(
        unique_id=record.record_id,
        source_dataset=record.source,
        family=family,
        name_keys=keys,
        sorted_keys=_unique(sorted_key(k) for k in keys),
        token_pairs=_token_pairs(keys),
        dates=[d for d in dates if len(d) == 10],
        years=_unique(d[:4] for d in dates),
        countries=_unique(record.countries + record.nationalities + record.jurisdictions),
        identifiers=_unique(i.value for i in record.identifiers),
    )


FEATURE_SCHEMA = pa.schema(
    [
        ("unique_id", pa.string()),
        ("source_dataset", pa.string()),
        ("family", pa.string()),
        ("name_keys", pa.list_(pa.string())),
        ("sorted_keys", pa.list_(pa.string())),
        ("token_pairs", pa.list_(pa.string())),
        ("dates", pa.list_(pa.string())),
        ("years", pa.list_(pa.string())),
        ("countries", pa.list_(pa.string())),
        ("identifiers", pa.list_(pa.string())),
    ]
)


def features_table(rows: Iterable[Features]) -> pa.Table:
    """An Arrow table Splink can register; empty lists become NULL (Splink's 'no data')."""
    columns: dict[str, list[Any]] = {name: [] for name in FEATURE_SCHEMA.names}
    for row in rows:
        for name in FEATURE_SCHEMA.names:
            value = getattr(row, name)
            columns[name].append(value if value != [] else None)
    return pa.table(columns, schema=FEATURE_SCHEMA)
