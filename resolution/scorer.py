"""Score record pairs in-process with a trained model, without Splink or SQL.

Real-time screening compares one applicant with a handful of candidates, where
Splink's own single-pair call costs ~176 ms (it writes and plans SQL per call).
``Scorer`` reads the same model JSON that ``resolve`` loads, evaluates each
comparison's levels in Python (``resolution.comparisons``, exact twins of the
SQL) and adds the levels' log2 Bayes factors to the prior, as Splink's predict
does. The match weights agree with Splink's to 1e-9 (tests/resolution/test_scorer.py).

Invariant: a ``Scorer`` is immutable after ``load``; share one across threads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from resolution.comparisons import Comparison, level_of
from resolution.features import Features
from resolution.models import COMPARISONS, MODELS_DIR, load_meta, load_model
from sanctiongraph.errors import ResolutionError


@dataclass(frozen=True, slots=True)
class ScoredPair:
    """Splink's verdict on one pair: probability, weight and the comparisons behind it."""

    match_probability: float
    match_weight: float
    comparisons: list[dict[str, Any]]  # [{"comparison", "level", "label", "weight"}]


@dataclass(frozen=True, slots=True)
class _Levels:
    comparison: Comparison
    weights: tuple[float, ...]  # log2 Bayes factor per level, in level order
    gammas: tuple[int, ...]  # Splink's comparison vector value per level
    labels: tuple[str, ...]


def probability(weight: float) -> float:
    """Splink's match probability for a match weight (2^w / (1 + 2^w)), overflow-safe."""
    if weight >= 0:
        return 1.0 / (1.0 + math.pow(2.0, -weight))
    odds = math.pow(2.0, weight)
    return odds / (1.0 + odds)


def _log2_bayes_factor(level: dict[str, Any], where: str) -> float:
    if level.get("is_null_level"):
        return 0.0
    m, u = level.get("m_probability"), level.get("u_probability")
    if m is None or u is None:
        raise ResolutionError(
            f"{where}: level {level.get('label_for_charts')!r} has no m or u probability",
            hint="retrain with `sanctiongraph train`",
        )
    if u == 0:
        return math.inf
    if m == 0:
        return -math.inf
    return math.log2(m / u)


def _gammas(levels: list[dict[str, Any]]) -> tuple[int, ...]:
    """Splink numbers non-null levels from the last (0) upwards and gives null levels -1."""
    gammas, value = [], sum(1 for lv in levels if not lv.get("is_null_level")) - 1
    for level in levels:
        if level.get("is_null_level"):
            gammas.append(-1)
        else:
            gammas.append(value)
            value -= 1
    return tuple(gammas)


class Scorer:
    """A trained model of one family, as plain Python for scoring single pairs."""

    def __init__(self, family: str, prior: float, levels: list[_Levels], threshold: float) -> None:
        self.family = family
        self.prior = prior
        self.prior_weight = math.log2(prior / (1 - prior))
        self.threshold = threshold
        self._levels = levels

    @classmethod
    def load(cls, family: str, models_dir: Path = MODELS_DIR) -> Scorer:
        """The scorer of ``family`` from ``models_dir`` (the JSON ``resolve`` uses)."""
        return cls.from_model(family, load_model(family, models_dir), load_meta(models_dir).threshold(family))

    @classmethod
    def from_model(cls, family: str, model: dict[str, Any], threshold: float = 0.9) -> Scorer:
        """Build from a model dict; refuses a model whose levels differ from the code's."""
        declared = {c.name: c for c in COMPARISONS[family]}
        levels: list[_Levels] = []
        for entry in model["comparisons"]:
            name = entry["output_column_name"]
            spec = declared.get(name)
            raw = entry["comparison_levels"]
            if spec is None or len(spec.levels) != len(raw):
                raise ResolutionError(
                    f"{family} model: comparison {name!r} does not match resolution/models.py",
                    hint="retrain with `sanctiongraph train` after changing comparisons",
                )
            where = f"{family} model, comparison {name!r}"
            levels.append(
                _Levels(
                    spec,
                    tuple(_log2_bayes_factor(lv, where) for lv in raw),
                    _gammas(raw),
                    tuple(str(lv.get("label_for_charts", "")) for lv in raw),
                )
            )
        return cls(family, float(model["probability_two_random_records_match"]), levels, threshold)

    def level_weight(self, comparison: str, label: str) -> float:
        """The weight (log2 Bayes factor) of one comparison level, by the level's label."""
        for entry in self._levels:
            if entry.comparison.name == comparison and label in entry.labels:
                return entry.weights[entry.labels.index(label)]
        raise ResolutionError(
            f"{self.family} model has no level {label!r} of comparison {comparison!r}",
            hint="retrain with `sanctiongraph train` after changing comparisons",
        )

    def weight(self, a: Features, b: Features) -> float:
        """The match weight alone (the fast path for ranking many candidates)."""
        total = self.prior_weight
        for entry in self._levels:
            total += entry.weights[level_of(entry.comparison, a, b)]
        return total

    def score(self, a: Features, b: Features) -> ScoredPair:
        """Probability, weight and per-comparison evidence for one pair."""
        total, parts = self.prior_weight, []
        for entry in self._levels:
            index = level_of(entry.comparison, a, b)
            weight = entry.weights[index]
            total += weight
            parts.append(
                {
                    "comparison": entry.comparison.name,
                    "level": entry.gammas[index],
                    "label": entry.labels[index],
                    "weight": weight,
                }
            )
        return ScoredPair(probability(total), total, parts)
