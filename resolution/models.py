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
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator

from resolution.comparisons import (
    Comparison,
    agree_or_not,
    any_of,
    cross,
    equal,
    jw,
    null,
    other,
)
from resolution.features import ACCOUNT, VESSEL
from resolution.normalize import ORGANIZATION, PERSON
from resolution.vocabulary import MODELS_DIR as MODELS_DIR
from sanctiongraph.errors import ResolutionError

FAMILIES = (PERSON, ORGANIZATION, VESSEL, ACCOUNT)
LIST_FAMILIES = (PERSON, ORGANIZATION, VESSEL)

# Share of record pairs that are the same party, before any evidence.
PRIOR = 1e-4
# Pairs below this probability are not kept at all (they explain nothing).
PREDICT_FLOOR = 0.01
# Merge threshold used when a model's metadata does not give one.
DEFAULT_THRESHOLD = 0.9


def names(*, tokens: bool = True) -> Comparison:
    """Best agreement between any name or alias of one record and any of the other.

    "Rare" words are those not in the model's common words (``resolution.vocabulary``):
    sharing ``Kim Chol`` or ``Korea Trading`` is weak evidence, sharing
    ``Ryongwang`` strong, as a term-frequency adjustment would make it.
    """
    levels = [
        null("name_keys"),
        any_of("rare_keys", "share two or more names", n=2),
        any_of("long_keys", "same long name"),
        any_of("rare_keys", "same name"),
        any_of("sorted_keys", "same name of common words"),
        any_of("fuzzy_keys", "same name, loosely spelled"),
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
    return Comparison("dates", (
        null("years"),
        any_of("dates", "same date"),
        any_of("years", "same year"),
        cross("years", "years_near", "year one off"),
        other("different dates"),
    ))


def identifiers() -> Comparison:
    return Comparison("identifiers", (
        null("identifiers"),
        any_of("identifiers", "same identifier"),
        any_of("id_digits", "same identifier digits"),
        jw("identifiers", 0.9, "nearly the same identifier (a typo)"),
        any_of("id_unique", "different values of an identifier a party has one of"),
        any_of("id_kinds", "same kind of identifier, different value"),
        other("identifiers of different kinds"),
    ))


def addresses() -> Comparison:
    return Comparison("addresses", (
        null("addresses"),
        any_of("addresses", "same address"),
        jw("addresses", 0.9, "similar address"),
        any_of("cities", "same city"),
        other("different addresses"),
    ))


def gender() -> Comparison:
    return Comparison("gender", (null("gender"), equal("gender", "same gender"), other("different gender")))


COMPARISONS: dict[str, tuple[Comparison, ...]] = {
    PERSON: (names(), dates(), gender(), agree_or_not("countries"), identifiers(), addresses(),
             agree_or_not("contacts")),
    ORGANIZATION: (names(), dates(), agree_or_not("countries"), identifiers(), addresses(),
                   agree_or_not("contacts"), agree_or_not("domains")),
    VESSEL: (names(tokens=False), identifiers(), agree_or_not("countries")),
    ACCOUNT: (names(), dates(), agree_or_not("emails"), agree_or_not("phones"), agree_or_not("devices"),
              agree_or_not("payments"), agree_or_not("wallets"), agree_or_not("ips"), agree_or_not("networks"),
              addresses(), agree_or_not("countries")),
}

# Blocking: a pair is scored when the two records share a value of any of these
# list columns (each rule explodes the list). Chosen by blocking analysis, see
# bench/bench_resolution_blocking.py and docs/resolution.md.
BLOCKING_COLUMNS: dict[str, tuple[str, ...]] = {
    PERSON: ("sorted_keys", "fuzzy_keys", "token_pairs", "identifiers", "dates"),
    ORGANIZATION: ("sorted_keys", "fuzzy_keys", "token_pairs", "identifiers"),
    VESSEL: ("sorted_keys", "fuzzy_keys", "identifiers"),
    ACCOUNT: ("contacts", "sorted_keys"),
}


def blocking_rules(family: str) -> list[BlockingRuleCreator | dict[str, Any]]:
    return [block_on(c, arrays_to_explode=[c]) for c in BLOCKING_COLUMNS[family]]


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
    return DuckDBAPI(connection=con)


def make_linker(table: pa.Table, settings: SettingsCreator | Path | dict[str, Any], name: str) -> Linker:
    api = duckdb_api()
    frame = api.register(table, dataset_display_name=name)
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
    return data


def load_linker(family: str, table: pa.Table, models_dir: Path = MODELS_DIR) -> Linker:
    return make_linker(table, load_model(family, models_dir), family)
