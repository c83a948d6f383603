"""Comparison levels written once, run two ways: as Splink SQL and as plain Python.

A model's comparisons are declared here as data (``Comparison`` of ``Level``).
``splink_comparison`` turns one into Splink comparison levels for training and
batch prediction on any backend; ``level_of`` evaluates the same levels on two
``Features`` rows in Python for the real-time scorer. Only level kinds with an
exact Python twin exist, so a pair gets the same level both ways:

- ``null``: any of the columns is empty on either side (no evidence);
- ``any``: the two lists share at least ``n`` values (set intersection);
- ``cross``: the left list shares a value with the right's *other* column
  (``years`` against ``years_near``: a birth year one off), checked both ways;
- ``jw``: some pair of values has Jaro-Winkler similarity >= ``threshold``
  (DuckDB's ``jaro_winkler_similarity``, reproduced bit for bit by ``jaro_winkler``);
- ``equal``: two scalar values are equal;
- ``both``: both records have a value in the column and, when a second column
  is given, share no value of it (placed after the levels that catch
  agreement, it means "both have one, and they disagree");
- ``else``: anything left.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import product
from typing import Any

import splink.comparison_level_library as cll
from rapidfuzz.distance import Jaro
from splink import comparison_library as cl
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

from resolution.features import Features

# Similarities this close to a threshold are recomputed exactly (see ``jaro_winkler``).
_EXACT_MARGIN = 1e-9
PREFIX_WEIGHT = 0.1


@dataclass(frozen=True, slots=True)
class Level:
    kind: str  # null | any | cross | jw | equal | both | else
    columns: tuple[str, ...] = ()
    threshold: float = 1.0  # jw: similarity; any: minimum shared values
    label: str = ""

    def splink(self) -> ComparisonLevelCreator:
        """This level as a Splink comparison level (dialect-neutral)."""
        if self.kind == "null":
            nulls = [cll.NullLevel(c) for c in self.columns]
            level = nulls[0] if len(nulls) == 1 else cll.Or(*nulls).configure(is_null_level=True)
        elif self.kind == "any":
            level = cll.ArrayIntersectLevel(self.columns[0], int(self.threshold))
        elif self.kind == "cross":
            a, b = self.columns
            level = cll.CustomLevel(
                f"array_length(array_intersect({a}_l, {b}_r)) >= 1 OR array_length(array_intersect({a}_r, {b}_l)) >= 1",
                base_dialect_str="duckdb",
            )
        elif self.kind == "jw":
            level = cll.PairwiseStringDistanceFunctionLevel(self.columns[0], "jaro_winkler", self.threshold)
        elif self.kind == "equal":
            level = cll.ExactMatchLevel(self.columns[0])
        elif self.kind == "both":
            column = self.columns[0]
            sql = f"{column}_l IS NOT NULL AND {column}_r IS NOT NULL"
            for unless in self.columns[1:]:
                sql += f" AND coalesce(array_length(array_intersect({unless}_l, {unless}_r)), 0) = 0"
            level = cll.CustomLevel(sql, base_dialect_str="duckdb")
        else:
            level = cll.ElseLevel()
        return level.configure(label_for_charts=self.label) if self.label else level


@dataclass(frozen=True, slots=True)
class Comparison:
    name: str
    levels: tuple[Level, ...]

    def splink(self) -> ComparisonCreator:
        return cl.CustomComparison(output_column_name=self.name, comparison_levels=[lv.splink() for lv in self.levels])


def null(*columns: str) -> Level:
    return Level("null", columns, label="no data")


def any_of(column: str, label: str, n: int = 1) -> Level:
    return Level("any", (column,), float(n), label)


def jw(column: str, threshold: float, label: str) -> Level:
    return Level("jw", (column,), threshold, label)


def cross(left: str, right: str, label: str) -> Level:
    return Level("cross", (left, right), label=label)


def equal(column: str, label: str) -> Level:
    return Level("equal", (column,), label=label)


def both(column: str, label: str, *, unless: str | None = None) -> Level:
    """Both records have ``column``, and (with ``unless``) share no value of ``unless``."""
    return Level("both", (column,) if unless is None else (column, unless), label=label)


def other(label: str = "disagree") -> Level:
    return Level("else", label=label)


def agree_or_not(column: str, agree: str = "share a value", disagree: str = "none shared") -> Comparison:
    """Null / the two lists share a value / they do not."""
    return Comparison(column, (null(column), any_of(column, agree), other(disagree)))


# --- exact Python twins --------------------------------------------------------


def jaro_winkler(a: str, b: str, thresholds: tuple[float, ...] = ()) -> float:
    """DuckDB's ``jaro_winkler_similarity``, bit for bit.

    DuckDB's Jaro equals rapidfuzz's exactly; its Winkler boost is compiled as a
    fused multiply-add, which plain Python rounds once more. Away from a
    threshold the extra rounding cannot change a level, so the exact FMA is only
    emulated (with fractions) when the fast value lies within 1e-9 of one.
    """
    if not a or not b:
        return 0.0
    sim = Jaro.similarity(a, b)
    if sim <= 0.7:
        return sim
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    fast = sim + prefix * PREFIX_WEIGHT * (1.0 - sim)
    if any(abs(fast - t) < _EXACT_MARGIN for t in thresholds):
        return float(Fraction(prefix * PREFIX_WEIGHT) * Fraction(1.0 - sim) + Fraction(sim))
    return fast


def _max_jw(left: list[str], right: list[str], threshold: float) -> float:
    best = 0.0
    for a, b in product(left, right):
        if a == b:
            return 1.0
        best = max(best, jaro_winkler(a, b, (threshold,)))
    return best


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == ""


def matches(level: Level, a: Features, b: Features) -> bool:
    """Whether the pair (a, b) falls in ``level`` (levels are tried in order)."""
    kind = level.kind
    if kind == "null":
        return any(_empty(getattr(a, c)) or _empty(getattr(b, c)) for c in level.columns)
    if kind == "any":
        left, right = getattr(a, level.columns[0]), getattr(b, level.columns[0])
        if level.threshold <= 1:
            return not set(left).isdisjoint(right)
        return len(set(left) & set(right)) >= level.threshold
    if kind == "cross":
        x, y = level.columns
        return not set(getattr(a, x)).isdisjoint(getattr(b, y)) or not set(getattr(b, x)).isdisjoint(getattr(a, y))
    if kind == "jw":
        column = level.columns[0]
        left, right = getattr(a, column), getattr(b, column)
        return bool(left) and bool(right) and _max_jw(left, right, level.threshold) >= level.threshold
    if kind == "equal":
        left, right = getattr(a, level.columns[0]), getattr(b, level.columns[0])
        return left is not None and left == right
    if kind == "both":
        column, *unless = level.columns
        present = not _empty(getattr(a, column)) and not _empty(getattr(b, column))
        return present and all(set(getattr(a, u) or []).isdisjoint(getattr(b, u) or []) for u in unless)
    return True


def level_of(comparison: Comparison, a: Features, b: Features) -> int:
    """The index of the first level the pair falls in (Splink's gamma is ``len - 1 - index``)."""
    for index, level in enumerate(comparison.levels):
        if matches(level, a, b):
            return index
    return len(comparison.levels) - 1
