"""Splink models, one per entity family, as settings data.

A model is authored here (comparisons from ``resolution.comparisons``, blocking
rules chosen by blocking analysis, see docs/resolution.md) and trained by
``resolution.train``; the trained model is a JSON file in ``resolution/models/``
that ``resolve`` loads and never changes. Retraining is the explicit
``sanctiongraph train`` command.

Names are compared on every name and alias of both records, best pair first:
a shared long name, a shared name in any word order, a shared looser key
(compact, phonetic, Korean romanisation fold), then string similarity and
shared words. A shared short name (``Kim Chol``) is weaker evidence than a
shared long one, which stands in for term frequencies: Splink's term-frequency
adjustment works on single-valued columns only, and names here are lists.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker, SettingsCreator

from resolution.blocking import BLOCKING_RULES as BLOCKING_RULES
from resolution.blocking import blocked as blocked
from resolution.blocking import blocking_rules as blocking_rules
from resolution.blocking import with_blocking_columns
from resolution.comparisons import (
    Comparison,
    agree_or_not,
    any_of,
    both,
    cross,
    equal,
    jw,
    null,
    other,
)
from resolution.features import ACCOUNT, VESSEL
from resolution.identifiers import TYPO_SIMILARITY
from resolution.normalize import ORGANIZATION, PERSON
from resolution.vocabulary import MODELS_DIR as MODELS_DIR
from sanctiongraph.errors import ResolutionError

FAMILIES = (PERSON, ORGANIZATION, VESSEL, ACCOUNT)
LIST_FAMILIES = (PERSON, ORGANIZATION, VESSEL)

# Share of record pairs that are the same party, before any evidence.
PRIOR = 1e-4
# Pairs below this probability are not kept at all (they explain nothing); it is also
# the evidence threshold of ``resolve``, below every merge threshold.
PREDICT_FLOOR = 0.1
# DuckDB memory per Splink linker (it spills to disk beyond it).
SPLINK_MEMORY = "4GB"
# Merge threshold used when a model's metadata does not give one.
DEFAULT_THRESHOLD = 0.9
# The names level on loose keys: screening's name forms, compact, phonetic and Korean keys.
NAME_KEYS_LEVEL = "same name keys (spacing, romanisation, legal form) or loosely spelled"


def names(*, tokens: bool = True, keys: str = NAME_KEYS_LEVEL) -> Comparison:
    """Best agreement between any name or alias of one record and any of the other.

    "Rare" words are those not in the model's common words (``resolution.vocabulary``):
    sharing ``Kim Chol`` or ``Korea Trading`` is weak evidence, sharing
    ``Ryongwang`` strong, as a term-frequency adjustment would make it.

    Below the exact levels, "same name keys" is screening's name forms
    (``resolution.name_keys.name_forms``: spacing, romanisation, legal forms,
    plurals folded) joined with the compact, phonetic and Korean keys
    (``features.form_keys``): the model and the screen agree on which spellings
    are one name. ``keys`` is that level's label; the account model keeps the one
    it was trained with (on the customer generator's truth, not on list pairs).
    """
    levels = [
        null("name_keys"),
        any_of("rare_keys", "share two or more names", n=2),
        any_of("long_keys", "same long name"),
        any_of("rare_keys", "same name"),
        any_of("sorted_keys", "same name of common words"),
        any_of("fuzzy_keys", keys),
        jw("core_keys", 0.94, "names nearly equal"),
    ]
    if tokens:
        levels += [
            cross("sorted_keys", "sub_keys", "one name is part of the other"),
            any_of("name_tokens", "share two rare name words", n=2),
        ]
    levels += [jw("core_keys", 0.85, "names similar")]
    if tokens:
        levels.append(any_of("name_tokens", "share a rare name word"))
    levels.append(other("different names"))
    return Comparison("names", tuple(levels))


def dates() -> Comparison:
    """Birth or incorporation dates: two full dates in different months are a conflict even in one year.

    Full dates in one month but on another day count as the same year, not as
    a conflict: lists disagree by a day (UN ``1966-01-27`` / OFAC ``1966-01-28``
    for KIM TONG CHOL) and data entry mistypes the day. The labelled pairs hold
    no such case, so a level of its own would get no weight from them.
    """
    return Comparison(
        "dates",
        (
            null("years"),
            any_of("dates", "same date"),
            both("dates", "different full dates", unless="months"),
            any_of("years", "same year"),
            cross("years", "years_near", "year one off"),
            other("different dates"),
        ),
    )


def identifiers() -> Comparison:
    return Comparison(
        "identifiers",
        (
            null("identifiers"),
            any_of("identifiers", "same identifier"),
            any_of("id_digits", "same identifier digits"),
            jw("identifiers", TYPO_SIMILARITY, "nearly the same identifier (a typo)"),
            any_of("id_unique", "different values of an identifier a party has one of"),
            any_of("id_kinds", "same kind of identifier, different value"),
            other("identifiers of different kinds"),
        ),
    )


def addresses() -> Comparison:
    return Comparison(
        "addresses",
        (
            null("addresses"),
            any_of("addresses", "same address"),
            jw("addresses", 0.9, "similar address"),
            any_of("cities", "same city"),
            other("different addresses"),
        ),
    )


def gender() -> Comparison:
    return Comparison("gender", (null("gender"), equal("gender", "same gender"), other("different gender")))


COMPARISONS: dict[str, tuple[Comparison, ...]] = {
    PERSON: (
        names(),
        dates(),
        gender(),
        agree_or_not("countries"),
        identifiers(),
        addresses(),
        agree_or_not("contacts"),
    ),
    ORGANIZATION: (
        names(),
        dates(),
        agree_or_not("countries"),
        identifiers(),
        addresses(),
        agree_or_not("contacts"),
        agree_or_not("domains"),
    ),
    VESSEL: (names(tokens=False), identifiers(), agree_or_not("countries")),
    ACCOUNT: (
        names(keys="same name, loosely spelled"),
        dates(),
        agree_or_not("emails"),
        agree_or_not("phones"),
        agree_or_not("devices"),
        agree_or_not("payments"),
        agree_or_not("wallets"),
        agree_or_not("ips"),
        agree_or_not("networks"),
        addresses(),
        agree_or_not("countries"),
    ),
}


def build_settings(family: str, prior: float = PRIOR) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=prior,
        blocking_rules_to_generate_predictions=blocking_rules(family),
        comparisons=[c.splink() for c in COMPARISONS[family]],
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["source_dataset"],
        linker_uid=f"sanctiongraph-{family}",
    )


def model_path(family: str, models_dir: Path = MODELS_DIR) -> Path:
    return models_dir / f"{family}.json"


def meta_path(models_dir: Path = MODELS_DIR) -> Path:
    return models_dir / "meta.json"


@dataclass(frozen=True, slots=True)
class ModelMeta:
    """What training decided besides Splink's parameters: the merge threshold per family."""

    thresholds: dict[str, float]
    notes: dict[str, Any]

    def threshold(self, family: str) -> float:
        return self.thresholds.get(family, DEFAULT_THRESHOLD)


def load_meta(models_dir: Path = MODELS_DIR) -> ModelMeta:
    path = meta_path(models_dir)
    if not path.is_file():
        return ModelMeta({}, {})
    data = json.loads(path.read_text(encoding="utf-8"))
    return ModelMeta({k: float(v) for k, v in data.get("thresholds", {}).items()}, data.get("notes", {}))


def save_meta(meta: ModelMeta, models_dir: Path = MODELS_DIR) -> Path:
    path = meta_path(models_dir)
    path.write_text(json.dumps({"thresholds": meta.thresholds, "notes": meta.notes}, indent=2) + "\n")
    return path


def duckdb_api() -> DuckDBAPI:
    """An in-memory DuckDB for Splink's work tables (staging stays untouched)."""
    con = duckdb.connect()
    # Splink 5 writes list lambdas as ``x -> ...``, which DuckDB 2 rejects by default.
    con.execute("SET lambda_syntax='ENABLE_SINGLE_ARROW'")
    con.execute("SET enable_progress_bar = false")
    # Several linkers may live at once (one per family); each gets a share, not DuckDB's 80% of RAM.
    con.execute(f"SET memory_limit = '{SPLINK_MEMORY}'")
    return DuckDBAPI(connection=con)


def make_linker(
    table: pa.Table,
    settings: SettingsCreator | Path | dict[str, Any],
    family: str,
    purged: dict[str, list[str]] | None = None,
) -> Linker:
    """A DuckDB linker over ``table`` with the blocking columns the rules join on (purged by ``purged``)."""
    api = duckdb_api()
    frame = api.register(with_blocking_columns(table, family, purged), dataset_display_name=family)
    return Linker(frame, settings, log_level=logging.WARNING)


def model_fingerprint(models_dir: Path = MODELS_DIR) -> str:
    """A short hash of every trained file: stored features and evidence are valid for this model only."""
    digest = hashlib.sha1()
    for path in sorted(models_dir.glob("*.json")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def load_model(family: str, models_dir: Path = MODELS_DIR) -> dict[str, Any]:
    """The trained model JSON of ``family``; a clear error when it was never trained."""
    path = model_path(family, models_dir)
    if not path.is_file():
        raise ResolutionError(f"{path}: no trained {family} model", hint="run `sanctiongraph train` first")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    # Blocking is code, like the comparisons: the rules written at training time are
    # replaced by the current ones, so ``resolve`` and ``blocked`` always agree.
    data["blocking_rules_to_generate_predictions"] = [
        rule.splink().get_blocking_rule("duckdb").as_dict()  # type: ignore[no-untyped-call]
        for rule in BLOCKING_RULES[family]
    ]
    return data


def load_linker(family: str, table: pa.Table, models_dir: Path = MODELS_DIR) -> Linker:
    return make_linker(table, load_model(family, models_dir), family)
