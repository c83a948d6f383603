"""OpenSanctions Pairs F1, cross-validated, for model variants side by side in one run.

Trains every variant the way ``sanctiongraph train`` does (u by random sampling over
the workspace's staged records plus the pairs' entities, m from the labelled pairs,
one weight threshold for the list families) and scores each pair only with a model
fitted on the other folds, at the threshold chosen on those folds (the folds and
seed of ``resolution.train.cross_validate``). Nothing reported is tuned on the fold
it is reported for. Figures: overall, per model family, per schema, the
organisation schemas together (Company, Organization, LegalEntity), and "named:" the same
over the pairs whose two sides both have a name (a side with none gives a matcher nothing).

    PYTHONPATH=. python bench/bench_pairs_cv.py --pairs PAIRS.json --workspace W \\
        [--variants before,after] [--errors organization] [--out bench/results/pairs-cv.json]

Variants (see ``variant``): ``before`` (the model before issue 21's scoring work),
``after`` (the shipped code: screening's name forms in the names comparison),
``part-first`` (a level order tried and not kept).
The workspace holds the lists the shipped models were trained with (OFAC 2022-01
and UN, see docs/resolution.md).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from resolution import features, name_keys
from resolution.comparisons import Comparison, level_of
from resolution.features import Features, build_features
from resolution.models import COMPARISONS, LIST_FAMILIES, names
from resolution.normalize import ORGANIZATION, PERSON
from resolution.pairs import load_pairs, pair_family
from resolution.train import (
    Pair,
    _family_records,
    _staged_records,
    build_vocabulary,
    cross_validate,
    estimate_u,
    f1_at,
)

ORG_SCHEMAS = ("Company", "Organization", "LegalEntity")


VARIANTS = ("before", "after", "part-first", "short-org-keys")


@contextmanager
def variant(name: str) -> Iterator[None]:
    """The code as this variant has it, restored afterwards.

    ``before``: the model as it was before issue 21's scoring work (no name forms
    in the loose keys, no plural folding, the old level label); ``after``: the
    shipped code (screening's name forms, plurals folded, in the loose keys);
    ``part-first``: ``after`` with "one name is part of the other" tried before
    "names nearly equal" (tried, not kept: see bench/results/NOTES.md);
    ``short-org-keys``: ``after`` with organisations' loose keys of any length (before
    ``MIN_LOOSE_ORGANIZATION_CHARS``).
    """
    if name not in VARIANTS:
        raise SystemExit(f"unknown variant {name!r}: use some of {', '.join(VARIANTS)}")
    saved = {f: COMPARISONS[f] for f in (PERSON, ORGANIZATION)}
    saved_forms, saved_singular = features.form_keys, name_keys.singular
    saved_min = features.MIN_LOOSE_ORGANIZATION_CHARS
    try:
        if name == "before":
            old = names(keys="same name, loosely spelled")
            for family in (PERSON, ORGANIZATION):
                COMPARISONS[family] = (old, *COMPARISONS[family][1:])
            features.form_keys = lambda names, norm_family: []  # type: ignore[assignment]
            name_keys.singular = lambda word: word  # type: ignore[assignment]
        elif name == "short-org-keys":
            features.MIN_LOOSE_ORGANIZATION_CHARS = 0
        elif name == "part-first":
            for family in (PERSON, ORGANIZATION):
                levels = list(COMPARISONS[family][0].levels)
                near = next(i for i, lv in enumerate(levels) if lv.label == "names nearly equal")
                part = next(i for i, lv in enumerate(levels) if lv.label == "one name is part of the other")
                levels.insert(near, levels.pop(part))
                COMPARISONS[family] = (Comparison("names", tuple(levels)), *COMPARISONS[family][1:])
        _clear_caches()
        yield
    finally:
        COMPARISONS.update(saved)
        features.form_keys, name_keys.singular = saved_forms, saved_singular
        features.MIN_LOOSE_ORGANIZATION_CHARS = saved_min
        _clear_caches()


def _clear_caches() -> None:
    features.name_features.cache_clear()
    name_keys.name_forms.cache_clear()


def _label(comparison: Comparison, a: Features, b: Features) -> str:
    return comparison.levels[level_of(comparison, a, b)].label


def run_variant(name: str, pairs_path: Path, workspace: Path | None, seed: int) -> dict[str, Any]:
    started = time.monotonic()
    with variant(name):
        pairs = load_pairs(pairs_path)
        grouped = {
            f: items for f, items in _family_records(_staged_records(workspace), pairs).items() if f in LIST_FAMILIES
        }
        vocabulary = build_vocabulary(grouped)
        corpus = {
            f: [build_features(r, fam, vocabulary=vocabulary) for r, fam in items] for f, items in grouped.items()
        }
        labelled: dict[str, list[Pair]] = {}
        meta: dict[str, list[tuple[str, str, str]]] = {}
        # A pair with a side that has no name at all (the sample has a few, labelled from content it lacks)
        # gives a content matcher nothing to compare: reported apart as well as within "all".
        nameless: set[tuple[str, str]] = set()
        for pair in pairs:
            family = pair_family(pair.left, pair.right)
            if family is None:
                continue
            a = build_features(pair.left, family, vocabulary=vocabulary)
            b = build_features(pair.right, family, vocabulary=vocabulary)
            labelled.setdefault(family, []).append((a, b, pair.positive))
            meta.setdefault(family, []).append((pair.schema, pair.left.record_id, pair.right.record_id))
            if not pair.left.names or not pair.right.names:
                nameless.add((pair.left.record_id, pair.right.record_id))
        base = {f: estimate_u(f, corpus[f], seed=seed) for f in LIST_FAMILIES if f in corpus}
        oof, thresholds = cross_validate(base, labelled)
        ordered = [
            (family, *meta[family][i], a, b) for family in labelled for i, (a, b, _) in enumerate(labelled[family])
        ]
        rows = [(*row, score, y) for row, (score, y) in zip(ordered, oof, strict=True)]
        groups: dict[str, list[tuple[float, bool]]] = {"all": [(s, y) for *_, s, y in rows]}
        for family, schema, left, right, _, _, s, y in rows:
            groups.setdefault(f"family:{family}", []).append((s, y))
            groups.setdefault(f"schema:{schema}", []).append((s, y))
            if schema in ORG_SCHEMAS:
                groups.setdefault("organisations", []).append((s, y))
            if (left, right) not in nameless:
                groups.setdefault("named:all", []).append((s, y))
                if schema in ORG_SCHEMAS:
                    groups.setdefault("named:organisations", []).append((s, y))
        figures = {g: {"pairs": len(v), **f1_at(v, 0.0)} for g, v in sorted(groups.items())}
        errors = [
            {
                "family": family,
                "schema": schema,
                "left": left,
                "right": right,
                "label": y,
                "score": round(s, 3),
                "names": [a.name_keys[:3], b.name_keys[:3]],
                "levels": {c.name: _label(c, a, b) for c in COMPARISONS[family]},
            }
            for family, schema, left, right, a, b, s, y in rows
            if (s >= 0) != y
        ]
    return {
        "variant": name,
        "fold_thresholds": thresholds,
        "figures": figures,
        "errors": errors,
        "seconds": round(time.monotonic() - started, 1),
    }


def print_table(results: list[dict[str, Any]]) -> None:
    groups = ["all", "family:person", "family:organization", "organisations", *(f"schema:{s}" for s in ORG_SCHEMAS)]
    groups += ["named:all", "named:organisations"]
    head = " | ".join(f"{r['variant']} P / R / F1 (fp, fn)" for r in results)
    print(f"| group | pairs | {head} |")
    print("| --- | ---: |" + " --- |" * len(results))
    for group in groups:
        cells = []
        for r in results:
            f = r["figures"].get(group)
            cells.append(
                ""
                if f is None
                else f"{f['precision']:.4f} / {f['recall']:.4f} / **{f['f1']:.4f}** ({f['fp']}, {f['fn']})"
            )
        pairs = next((r["figures"][group]["pairs"] for r in results if group in r["figures"]), 0)
        print(f"| {group} | {pairs} | {' | '.join(cells)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=Path, required=True)
    parser.add_argument("--workspace", type=Path, help="workspace whose staged records are the u corpus")
    parser.add_argument("--variants", default="before,after")
    parser.add_argument("--seed", type=int, default=42, help="random-sampling seed for u (train's default)")
    parser.add_argument("--errors", default="", help="print the errors of these families (comma-separated)")
    parser.add_argument("--out", type=Path, help="write the figures and errors as JSON")
    args = parser.parse_args()
    staging = args.workspace / "staging.duckdb" if args.workspace else None
    results = [run_variant(v, args.pairs, staging, args.seed) for v in args.variants.split(",")]
    print_table(results)
    wanted = {f for f in args.errors.split(",") if f}
    for r in results:
        print(f"\n{r['variant']}: fold thresholds {[round(t, 2) for t in r['fold_thresholds']]}, {r['seconds']} s")
        for e in r["errors"]:
            if e["family"] in wanted:
                kind = "FN" if e["label"] else "FP"
                print(f"  {kind} {e['schema']} {e['score']:+.2f} {e['names']} {e['levels']['names']!r}")
    if args.out:  # without the names: the pairs are CC BY-NC data, kept out of the repository
        for r in results:
            for e in r["errors"]:
                e.pop("names")
        args.out.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
