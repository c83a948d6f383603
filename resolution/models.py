"""Splink models, one per entity family, as settings data.

A model is authored here (comparisons, blocking rules, prior m values from what
is known about the sources) and trained by ``train_model``; the trained model is
a JSON file in ``resolution/models/`` that ``resolve`` loads and never changes.
Retraining is the explicit ``sanctiongraph train`` command.

Names are compared on their *sorted keys* (word order removed), because lists
print the same person as ``JO, Chol Song`` and ``JO CHOL SONG``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import splink.comparison_level_library as cll
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink import comparison_library as cl
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

from resolution.features import ACCOUNT, VESSEL
from resolution.normalize import ORGANIZATION, PERSON
from sanctiongraph.errors import ResolutionError

MODELS_DIR = Path(__file__).parent / "models"
FAMILIES = (PERSON, ORGANIZATION, VESSEL)

# Share of cross-source record pairs that are the same party, before any evidence:
# about one link per list entry among (entries x entries) pairs.
PRIOR = 1e-4
# Pairs below this probability are not kept at all (they explain nothing).
PREDICT_FLOOR = 0.01


def _m(level: ComparisonLevelCreator, m_probability: float) -> ComparisonLevelCreator:
    return level.configure(m_probability=m_probability)


def name_comparison() -> ComparisonCreator:
    """Best agreement between any name or alias of one record and any of the other."""
    return cl.CustomComparison(
        output_column_name="names",
        comparison_levels=[
            cll.NullLevel("sorted_keys"),
            _m(cll.ArrayIntersectLevel("sorted_keys", 1), 0.75),
            _m(cll.PairwiseStringDistanceFunctionLevel("sorted_keys", "jaro_winkler", 0.94), 0.12),
            _m(cll.PairwiseStringDistanceFunctionLevel("sorted_keys", "jaro_winkler", 0.85), 0.07),
            _m(cll.ElseLevel(), 0.06),
        ],
    )


def any_agree(column: str, m_agree: float) -> ComparisonCreator:
    """Agree when the two records share any value; null when either has none."""
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            _m(cll.ArrayIntersectLevel(column, 1), m_agree),
            _m(cll.ElseLevel(), 1 - m_agree),
        ],
    )


def date_comparison() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="dates",
        comparison_levels=[
            cll.NullLevel("years"),
            _m(cll.ArrayIntersectLevel("dates", 1), 0.70),
            _m(cll.ArrayIntersectLevel("years", 1), 0.22),
            _m(cll.ElseLevel(), 0.08),
        ],
    )


BLOCKING_RULES = [
    block_on("sorted_keys", arrays_to_explode=["sorted_keys"]),
    block_on("token_pairs", arrays_to_explode=["token_pairs"]),
    block_on("identifiers", arrays_to_explode=["identifiers"]),
]


def build_settings(family: str) -> SettingsCreator:
    comparisons = [name_comparison(), date_comparison(), any_agree("countries", 0.85), any_agree("identifiers", 0.9)]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=PRIOR,
        blocking_rules_to_generate_predictions=BLOCKING_RULES,
        comparisons=comparisons,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["source_dataset"],
        linker_uid=f"sanctiongraph-{family}",
    )


def model_path(family: str, models_dir: Path = MODELS_DIR) -> Path:
    return models_dir / f"{family}.json"


def duckdb_api() -> DuckDBAPI:
    """An in-memory DuckDB for Splink's work tables (staging stays untouched)."""
    con = duckdb.connect()
    # Splink 5 writes list lambdas as ``x -> ...``, which DuckDB 2 rejects by default.
    con.execute("SET lambda_syntax='ENABLE_SINGLE_ARROW'")
    return DuckDBAPI(connection=con)


def make_linker(table: pa.Table, settings: SettingsCreator | Path | dict[str, Any], name: str) -> Linker:
    api = duckdb_api()
    frame = api.register(table, dataset_display_name=name)
    return Linker(frame, settings, log_level=logging.WARNING)


def load_linker(family: str, table: pa.Table, models_dir: Path = MODELS_DIR) -> Linker:
    path = model_path(family, models_dir)
    if not path.is_file():
        raise ResolutionError(f"{path}: no trained {family} model", hint="run `sanctiongraph train` first")
    return make_linker(table, path, family)


def train_model(family: str, table: pa.Table, out: Path, *, max_pairs: float = 1e7, seed: int = 42) -> Path:
    """Estimate u by random sampling over ``table`` and save the model JSON.

    m values stay at the priors in ``build_settings`` until labelled pairs are
    available (``sanctiongraph train --pairs``); EM on sparse list entries is
    unstable and was measured to under-weight exact name agreement.
    """
    linker = make_linker(table, build_settings(family), family)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    linker.misc.save_model_to_json(str(out), overwrite=True)
    _fill_unobserved_u(out, floor=1.0 / max_pairs)
    return out


def _fill_unobserved_u(path: Path, *, floor: float) -> None:
    """Give levels that random sampling never saw a u of ``floor`` (rare, not impossible).

    Without it Splink falls back to a default u for the level and warns at every
    prediction; rarely agreeing levels (shared passport numbers) are exactly the
    ones a sample of random pairs misses.
    """
    model = json.loads(path.read_text(encoding="utf-8"))
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level") and level.get("u_probability") is None:
                level["u_probability"] = floor
    path.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
