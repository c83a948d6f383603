"""Canonical records to the rows Splink compares: one row per record, per family.

Every multi-valued fact (all names and aliases, all birth dates, all
identifiers, all contacts) stays a list, so a comparison can ask "do *any* two
agree?". Every column is a plain list of strings (or one string), so each
comparison is a set intersection or a string similarity that the in-process
scorer (``resolution.scorer``) reproduces exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from typing import Any

import pyarrow as pa

from ingest.record import InfraKind, NameKind, Record, Schema
from ingest.values import country_code
from resolution.identifiers import UNIQUE_KINDS, digits_key, normalize_identifier
from resolution.name_keys import STRICT, name_forms
from resolution.normalize import ORGANIZATION, PERSON, fuzzy_keys, latin, name_tokens, name_variants, sorted_key
from resolution.vocabulary import MODELS_DIR, Vocabulary, load_vocabulary

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

# Names with more words than this contribute only their first words to blocking pairs.
MAX_TOKENS_FOR_PAIRS = 8
# A name key this long, or of this many words, is specific enough to count on its own.
LONG_KEY_CHARS = 16
LONG_KEY_WORDS = 3
# Identifier kinds too loosely used to say two records conflict when they differ.
WEAK_ID_KINDS = frozenset({"call_sign", "other", "registration_other"})
# Unique kinds issued per country: two values conflict only within one country.
PER_COUNTRY_KINDS = frozenset({"national_id", "tax_id"})
# Person name words this short are initials or particles, not evidence.
MIN_TOKEN_CHARS = 2
# An organisation's loose key shorter than this is an acronym or one short word, and two of them agree by
# chance ("GIA" and "Kia Corporation" both fold to "kia"): screening still retrieves by them, the model does
# not score or block by them.
MIN_LOOSE_ORGANIZATION_CHARS = 5
# Names with more words than this give no part-names (``sub_keys``): 2^n grows fast.
MAX_TOKENS_FOR_SUBKEYS = 6


@dataclass(slots=True)
class Features:
    unique_id: str
    source_dataset: str
    family: str
    name_keys: list[str] = field(default_factory=list)
    sorted_keys: list[str] = field(default_factory=list)
    long_keys: list[str] = field(default_factory=list)
    rare_keys: list[str] = field(default_factory=list)
    core_keys: list[str] = field(default_factory=list)
    sub_keys: list[str] = field(default_factory=list)
    fuzzy_keys: list[str] = field(default_factory=list)
    name_tokens: list[str] = field(default_factory=list)
    token_pairs: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    years_near: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    id_digits: list[str] = field(default_factory=list)
    id_kinds: list[str] = field(default_factory=list)
    id_unique: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    wallets: list[str] = field(default_factory=list)
    ips: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    payments: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)
    gender: str | None = None


def family_of(record: Record) -> str:
    return FAMILY_OF_SCHEMA.get(record.schema, ORGANIZATION)


def record_families(record: Record) -> tuple[str, ...]:
    """The models a record is compared under: a ``LegalEntity`` may be a person or a company."""
    if record.schema is Schema.LEGAL_ENTITY:
        return (PERSON, ORGANIZATION)
    return (family_of(record),)


def _unique(values: Iterable[str | None]) -> list[str]:
    return sorted({v for v in values if v})


def _token_pairs(keys: list[str], rare: set[str]) -> list[str]:
    """Every pair of words of one name with a rare word in it (a one-word name alone): a blocking key.

    Pairs of two common words are left out: ``abd al`` or ``korea trading`` would
    put hundreds of unrelated list entries into one block.
    """
    pairs: set[str] = set()
    for key in keys:
        tokens = sorted(set(key.split()))[:MAX_TOKENS_FOR_PAIRS]
        if len(tokens) == 1 and tokens[0] in rare:
            pairs.add(tokens[0])
        pairs.update(f"{a} {b}" for a, b in combinations(tokens, 2) if a in rare or b in rare)
    return sorted(pairs)


def _is_long(key: str) -> bool:
    return len(key) >= LONG_KEY_CHARS or key.count(" ") + 1 >= LONG_KEY_WORDS


def _sub_keys(keys: list[str], rare: set[str]) -> list[str]:
    """Every part of a name of two or more words with a rare word in it, words sorted.

    ``anand c lalaji`` gives ``anand lalaji``; ``michael merritt kostenko`` gives
    ``kostenko michael`` (and the other pairs): a name that is all of another's
    words but a middle name or an initial. Initials never count as words here.
    """
    found: set[str] = set()
    for key in keys:
        words = sorted({t for t in key.split() if len(t) >= MIN_TOKEN_CHARS})
        if len(words) > MAX_TOKENS_FOR_SUBKEYS:
            continue
        full = len(words) == len(key.split())
        for size in range(2, len(words) + (0 if full else 1)):
            found.update(" ".join(c) for c in combinations(words, size) if not rare.isdisjoint(c))
    return sorted(found)


@lru_cache(maxsize=100_000)
def _country_part(text: str) -> str | None:
    return country_code(text)


@lru_cache(maxsize=200_000)
def address_key(full: str, country: str | None) -> str:
    """An address without its country, in Latin letters.

    The country is compared on its own, and lists write it every way
    (``Korea, North``, ``Democratic People's Republic of Korea``); left in, it
    would make one address look like two. An address that is only a country
    gives ``""`` (no address).
    """
    parts = [p.strip() for p in full.split(",") if p.strip()]
    if country and parts:
        last = parts[-1]
        if last.upper() == country or _country_part(last) == country:
            parts = parts[:-1]
        elif len(parts) >= 2 and " " not in last and _country_part(f"{parts[-2]}, {last}") == country:
            parts = parts[:-2]  # "Korea, North"
    return latin(", ".join(parts))


def _near_years(years: list[str]) -> list[str]:
    return _unique(str(int(y) + d) for y in years if y.isdigit() for d in (-1, 0, 1))


def _infra(record: Record, *kinds: InfraKind) -> list[str]:
    return _unique(i.value for i in record.infra if i.kind in kinds)


def _networks(ips: list[str]) -> list[str]:
    """The /24 (IPv4) or /48 (IPv6) an address sits in, without importing netaddr per row."""
    found = []
    for ip in ips:
        if ":" in ip:
            found.append(":".join(ip.split(":")[:3]) + "::/48")
        elif ip.count(".") == 3:
            found.append(ip.rsplit(".", 1)[0] + ".0/24")
    return _unique(found)


def _email_domains(emails: list[str]) -> list[str]:
    return [e.rsplit("@", 1)[-1] for e in emails if "@" in e]


# Name features, in Features field order; computed together, once per distinct name list.
NAME_COLUMNS = (
    "name_keys",
    "sorted_keys",
    "long_keys",
    "rare_keys",
    "core_keys",
    "sub_keys",
    "fuzzy_keys",
    "name_tokens",
    "token_pairs",
)
NameFeatures = tuple[list[str], ...]
Names = tuple[tuple[str, str], ...]  # (value, kind) per name, as the record lists them


def record_names(record: Record) -> Names:
    return tuple((n.value, str(n.kind)) for n in record.names)


def name_keys(record: Record, family: str) -> list[str]:
    """The name keys of every name and variant of a record, as compared under ``family``."""
    return _keys(record_names(record), _norm_family(record.schema, family))


def _norm_family(schema: str, family: str) -> str:
    """How a record's names are read: as a person's or an organisation's."""
    return PERSON if family in (PERSON, ACCOUNT) and schema != Schema.COMPANY else ORGANIZATION


def _keys(names: Names, norm_family: str) -> list[str]:
    values = _strong_names(names)
    return _unique(" ".join(name_tokens(v, norm_family)) for name in values for v in name_variants(name, norm_family))


def _strong_names(names: Names) -> list[str]:
    """The names a record is known by: weak aliases and acronyms only when it has nothing else."""
    strong = [value for value, kind in names if kind not in (NameKind.WEAK, NameKind.ACRONYM)]
    return strong or [value for value, _ in names]


def _loose_keys(keys: list[str], names: Names, norm_family: str) -> list[str]:
    loose = _unique([*(f for k in keys for f in fuzzy_keys(k, norm_family)), *form_keys(names, norm_family)])
    if norm_family != ORGANIZATION:
        return loose
    return [k for k in loose if len(k.replace(" ", "")) >= MIN_LOOSE_ORGANIZATION_CHARS]


def form_keys(names: Names, norm_family: str) -> list[str]:
    """Screening's name forms (``name_keys.name_forms``, strict mode) of every name: spacing-free,
    romanisation-folded, legal forms, abbreviations and plurals folded, glued legal words split off.

    The same pure function screening retrieves and compares by, so two spellings
    screening takes for one name are one name to the model too: they join the
    loose keys (``fuzzy_keys``), which the names comparison's "same name keys"
    level and a blocking rule share.
    """
    return _unique(form for name in _strong_names(names) for form in name_forms(name, norm_family, STRICT))


@lru_cache(maxsize=200_000)
def name_features(names: Names, norm_family: str, common: frozenset[str]) -> NameFeatures:
    """Every name column of a record with these names (``NAME_COLUMNS`` order); pure and cached.

    Customer data repeats names (families, common names), so a bulk run computes
    each distinct list of names once.
    """
    keys = _keys(names, norm_family)
    sorted_keys = _unique(sorted_key(k) for k in keys)
    words = {t for k in keys for t in k.split()}
    rare = {t for t in words if len(t) >= MIN_TOKEN_CHARS and t not in common}
    rare_keys = [k for k in sorted_keys if not rare.isdisjoint(k.split())]
    return (
        keys,
        sorted_keys,
        [k for k in rare_keys if _is_long(k)],
        rare_keys,
        _unique(" ".join(w for w in k.split() if w in rare) or k for k in sorted_keys),
        _sub_keys(keys, rare),
        _loose_keys(keys, names, norm_family),
        sorted(rare),
        _token_pairs(keys, rare),
    )


def build_features(record: Record, family: str | None = None, *, vocabulary: Vocabulary | None = None) -> Features:
    """The comparison row of one record (pure: the same record and model always give the same row).

    ``family`` overrides the record's own family: a ``LegalEntity`` may be a person
    or an organisation, so resolve compares it under both models. ``vocabulary``
    (the model's common words) defaults to the shipped model's. ``resolution.bulk``
    computes the same rows for many staged records at once in DuckDB.
    """
    family = family or family_of(record)
    common = (vocabulary or load_vocabulary(MODELS_DIR)).words(family)
    named = dict(
        zip(NAME_COLUMNS, name_features(record_names(record), _norm_family(record.schema, family), common), strict=True)
    )
    dates = _unique(record.birth_dates + record.incorporation_dates)
    years = _unique(d[:4] for d in dates)
    typed = [(i.kind, normalize_identifier(i.kind, i.value), i.country) for i in record.identifiers]
    identifiers = _unique(value for _, value, _ in typed)
    emails = _infra(record, InfraKind.EMAIL)
    phones = _infra(record, InfraKind.PHONE)
    wallets = _infra(record, InfraKind.WALLET)
    payments = _infra(record, InfraKind.PAYMENT_FINGERPRINT)
    devices = _infra(record, InfraKind.DEVICE_ID)
    ips = _infra(record, InfraKind.IP_ADDRESS)
    return Features(
        unique_id=record.record_id,
        source_dataset=record.source,
        family=family,
        **named,
        dates=[d for d in dates if len(d) == 10],
        months=_unique(d[:7] for d in dates if len(d) == 10),
        years=years,
        years_near=_near_years(years),
        countries=_unique(c.upper() for c in record.countries + record.nationalities + record.jurisdictions),
        identifiers=identifiers,
        id_digits=_unique(digits_key(i) for i in identifiers),
        id_kinds=_unique(kind for kind, value, _ in typed if value and kind not in WEAK_ID_KINDS),
        id_unique=_unique(unique_tag(kind, v, country) for kind, v, country in typed if v),
        addresses=_unique(address_key(a.full, a.country) for a in record.addresses),
        cities=_unique(latin(a.city) for a in record.addresses if a.city),
        emails=emails,
        phones=phones,
        domains=_unique(_infra(record, InfraKind.DOMAIN, InfraKind.WEBSITE) + _email_domains(emails)),
        wallets=wallets,
        ips=ips,
        networks=_networks(ips),
        payments=payments,
        devices=devices,
        contacts=_unique(emails + phones + wallets + payments + devices),
        gender=_gender(record.gender),
    )


def merge_features(rows: list[Features]) -> Features:
    """The rows of several records of one party as one row: every list the union, the first gender.

    Screening scores an applicant against a resolved entity this way: its records
    are one party, so a birth date, country or identifier that any of them gives
    is the party's (an entry without a birth date does not make the party's
    birth date unknown).
    """
    if len(rows) == 1:
        return rows[0]
    first = rows[0]
    merged = {name: _unique(v for row in rows for v in getattr(row, name)) for name in LIST_COLUMNS}
    gender = next((row.gender for row in rows if row.gender), None)
    return Features(first.unique_id, first.source_dataset, first.family, gender=gender, **merged)


def unique_tag(kind: str, value: str, country: str | None = None) -> str | None:
    """What two different values of this identifier conflict on; ``None`` for kinds a party has several of.

    A register gives a party one number: two different LEIs, IMO numbers or
    registration numbers are two parties, so the tag is the kind alone (two
    "Golden Networks Inc." with different registration numbers are two
    companies, wherever registered). National ids and tax ids are issued per
    country and a person may hold two countries' ids, so they conflict only
    within one issuing country (the number's length stands in for it when the
    list does not say).
    """
    if kind not in UNIQUE_KINDS:
        return None
    if kind in PER_COUNTRY_KINDS:
        return f"{kind}:{country or len(digits_key(value) or value)}"
    return kind


def _gender(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip().lower()[:1]
    return text if text in ("m", "f") else None


LIST_COLUMNS = [
    *NAME_COLUMNS,
    "dates",
    "months",
    "years",
    "years_near",
    "countries",
    "identifiers",
    "id_digits",
    "id_kinds",
    "id_unique",
    "addresses",
    "cities",
    "emails",
    "phones",
    "domains",
    "wallets",
    "ips",
    "networks",
    "payments",
    "devices",
    "contacts",
]
FEATURE_SCHEMA = pa.schema(
    [("unique_id", pa.string()), ("source_dataset", pa.string()), ("family", pa.string())]
    + [(name, pa.list_(pa.string())) for name in LIST_COLUMNS]
    + [("gender", pa.string())]
)


def features_table(rows: Iterable[Features]) -> pa.Table:
    """An Arrow table Splink can register; empty lists become NULL (Splink's 'no data')."""
    columns: dict[str, list[Any]] = {name: [] for name in FEATURE_SCHEMA.names}
    for row in rows:
        for name in FEATURE_SCHEMA.names:
            value = getattr(row, name)
            columns[name].append(value if value != [] else None)
    return pa.table(columns, schema=FEATURE_SCHEMA)


def features_from_row(row: dict[str, Any]) -> Features:
    """The inverse of ``features_table`` for one row (NULL lists back to ``[]``)."""
    values = {name: (row.get(name) or []) for name in LIST_COLUMNS}
    return Features(
        unique_id=row["unique_id"],
        source_dataset=row["source_dataset"],
        family=row["family"],
        gender=row.get("gender"),
        **values,
    )
