"""``train``: estimate the resolution models and write them as JSON.

Training is explicit; ``resolve`` only reads the files, so a resolution never
changes because data arrived. Per family:

1. u by Splink's random sampling over the corpus (staged records, plus the
   entities of the labelled pairs): how often two unrelated records agree.
2. m from labelled pairs where there are any (OpenSanctions Pairs format):
   how often a true match falls in each level, with a pseudo-count so an unseen
   level is rare, not impossible. Without labels, m comes from Splink's EM on
   the family's blocking rules.
3. For every comparison except names, the u of *candidate* pairs: the
   labelled negatives are pairs that share a name yet are different parties, and
   among them identifiers of the same kind disagree far more often than among
   random pairs. Fellegi-Sunter assumes comparisons independent; they are not
   (sources that give two parties the same name also give both a national id),
   so u from random pairs alone under-weights a conflicting identifier. The
   random-sampling u stays as a prior (pseudo-counts) under the labelled one.
4. The prior and threshold: the match-weight threshold with the best F1 in
   cross-validation, and the prior set so that this weight is probability 0.5,
   which then is the shipped threshold.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations, product
from pathlib import Path
from typing import Any

from ingest import staging
from ingest.record import Record
from resolution.bulk import features_of, read_records
from resolution.comparisons import level_of
from resolution.evaluate import Truth, load_truth
from resolution.features import (
    Features,
    build_features,
    features_from_row,
    features_table,
    name_keys,
    record_families,
)
from resolution.models import (
    BLOCKING_RULES,
    COMPARISONS,
    FAMILIES,
    MODELS_DIR,
    ModelMeta,
    blocked,
    build_settings,
    load_meta,
    make_linker,
    model_path,
    save_meta,
)
from resolution.normalize import ORGANIZATION
from resolution.pairs import LabelledPair, load_pairs, pair_family, pair_features
from resolution.scorer import Scorer
from resolution.vocabulary import (
    Vocabulary,
    common_words,
    count_words,
    generic_org_words,
    load_vocabulary,
    save_vocabulary,
)
from sanctiongraph.errors import ResolutionError

MIN_RECORDS = 50
# Pseudo-count weight of the prior in m and candidate-u estimates.
ALPHA = 1.0
CV_FOLDS = 5
# The shipped threshold: the prior is set so the chosen weight is this probability.
SHIPPED_THRESHOLD = 0.5
# Random pairs sampled for u; a level none of them fell in gets u = U_FLOOR.
U_MAX_PAIRS = 2e6
U_FLOOR = 1.0 / U_MAX_PAIRS

Pair = tuple[Features, Features, bool]


@dataclass(slots=True)
class TrainReport:
    written: list[Path] = field(default_factory=list)
    cv: dict[str, Any] = field(default_factory=dict)


def _level_counts(family: str, pairs: Iterable[tuple[Features, Features]]) -> list[Counter[int]]:
    counts: list[Counter[int]] = [Counter() for _ in COMPARISONS[family]]
    for a, b in pairs:
        for i, comparison in enumerate(COMPARISONS[family]):
            counts[i][level_of(comparison, a, b)] += 1
    return counts


def _smoothed(counts: Counter[int], levels: Sequence[dict[str, Any]], prior_key: str | None) -> list[float | None]:
    """Level probabilities from counts, with ``ALPHA`` pseudo-counts spread by a prior.

    The prior is the level's existing ``prior_key`` probability (random-sampling u)
    or uniform over the non-null levels; null levels get ``None`` (unused).
    """
    live = [i for i, lv in enumerate(levels) if not lv.get("is_null_level")]
    total = sum(counts[i] for i in live)
    prior = {i: (levels[i].get(prior_key) if prior_key else None) or 1.0 / len(live) for i in live}
    norm = sum(prior.values())
    return [(counts[i] + ALPHA * prior[i] / norm) / (total + ALPHA) if i in prior else None for i in range(len(levels))]


def fit_model(model: dict[str, Any], family: str, pairs: Sequence[Pair]) -> dict[str, Any]:
    """A copy of ``model`` with m (and candidate u) estimated from labelled pairs.

    A level that no labelled pair and no randomly sampled pair fell in is never
    evidence *for* a match: its m is capped at its u (weight <= 0). Without the
    cap, such a level (a year-only birth date among customer accounts, two
    vessels with different MMSIs) gets pseudo-count m over floor u, a weight of
    +15 to +20 that nothing in the data supports. A level the random sample did
    see keeps its smoothed m: rare agreement there is still evidence.
    """
    fitted: dict[str, Any] = json.loads(json.dumps(model))
    positives = _level_counts(family, ((a, b) for a, b, y in pairs if y))
    negatives = _level_counts(family, ((a, b) for a, b, y in pairs if not y))
    for i, entry in enumerate(fitted["comparisons"]):
        levels = entry["comparison_levels"]
        m = _smoothed(positives[i], levels, "m_probability")
        u = _smoothed(negatives[i], levels, "u_probability") if entry["output_column_name"] != "names" else None
        for j, level in enumerate(levels):
            if level.get("is_null_level"):
                continue
            if u is not None:
                level["u_probability"] = u[j]
            m_j = m[j]
            unseen = positives[i][j] == 0 and negatives[i][j] == 0 and _unsampled(model, i, j)
            if m_j is not None and unseen:
                m_j = min(m_j, float(level["u_probability"]))
            level["m_probability"] = m_j
    return fitted


def _unsampled(model: dict[str, Any], comparison: int, level: int) -> bool:
    """Whether random sampling never saw this level (``_fill_unobserved`` gave it the floor u)."""
    u = model["comparisons"][comparison]["comparison_levels"][level].get("u_probability")
    return u is None or u <= U_FLOOR


def _weights(model: dict[str, Any], family: str, pairs: Sequence[Pair]) -> list[tuple[float, bool]]:
    """Match weight without the prior; pairs blocking would never compare get -inf."""
    scorer = Scorer.from_model(family, model)
    return [
        ((scorer.weight(a, b) - scorer.prior_weight) if blocked(family, a, b) else -math.inf, y) for a, b, y in pairs
    ]


def best_threshold(scored: Sequence[tuple[float, bool]]) -> tuple[float, float]:
    """(threshold, F1) maximising F1 over every distinct score used as ``>=`` threshold."""
    ordered = sorted(scored, key=lambda s: -s[0])
    positives = sum(1 for _, y in ordered if y)
    best, tp, fp = (math.inf, 0.0), 0, 0
    for index, (score, label) in enumerate(ordered):
        tp, fp = tp + label, fp + (not label)
        if index + 1 < len(ordered) and ordered[index + 1][0] == score:
            continue
        f1 = 2 * tp / (tp + fp + positives) if tp else 0.0
        if f1 > best[1] and math.isfinite(score):
            best = (score, f1)
    return best


def cross_validate(
    models: dict[str, dict[str, Any]], labelled: dict[str, list[Pair]], *, folds: int = CV_FOLDS, seed: int = 7
) -> tuple[list[tuple[float, bool]], list[float]]:
    """Out-of-fold scores relative to each fold's own chosen threshold (>= 0 is a match).

    Folds are over all labelled pairs together, so each fold's threshold is chosen
    as the shipped one is: one weight for every family. The scores come in the
    order of ``labelled`` (family by family, each family's pairs in order), so a
    caller can break them down by family or schema.
    """
    items = [(family, pair) for family, pairs in labelled.items() for pair in pairs]
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    out: list[tuple[float, bool]] = [(-math.inf, pair[2]) for _, pair in items]
    thresholds: list[float] = []
    for k in range(folds):
        test = set(order[k::folds])
        train = _by_family(items[i] for i in order if i not in test)
        fitted = {f: fit_model(models[f], f, train[f]) for f in train if f in models}
        threshold, _ = best_threshold([s for f in fitted for s in _weights(fitted[f], f, train[f])])
        thresholds.append(threshold)
        held: dict[str, list[int]] = {}
        for i in sorted(test):
            held.setdefault(items[i][0], []).append(i)
        for family, indices in held.items():
            model = fitted.get(family)
            if model is None:
                continue
            scored = _weights(model, family, [items[i][1] for i in indices])
            for i, (w, y) in zip(indices, scored, strict=True):
                out[i] = (w - threshold, y)
    return out, thresholds


def _by_family(items: Iterable[tuple[str, Pair]]) -> dict[str, list[Pair]]:
    grouped: dict[str, list[Pair]] = {}
    for family, pair in items:
        grouped.setdefault(family, []).append(pair)
    return grouped


def f1_at(scored: Sequence[tuple[float, bool]], threshold: float) -> dict[str, float]:
    tp = sum(1 for s, y in scored if s >= threshold and y)
    fp = sum(1 for s, y in scored if s >= threshold and not y)
    fn = sum(1 for s, y in scored if s < threshold and y)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def estimate_u(
    family: str, corpus: list[Features], *, max_pairs: float = U_MAX_PAIRS, seed: int = 42
) -> dict[str, Any]:
    """Splink's random-sampling u over the corpus, as a model dict (m still the defaults)."""
    linker = make_linker(features_table(corpus), build_settings(family), family)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    model: dict[str, Any] = linker.misc.save_model_to_json()
    _fill_unobserved(model, floor=1.0 / max_pairs)
    return model


def estimate_m_by_em(family: str, corpus: list[Features], model: dict[str, Any]) -> dict[str, Any]:
    """m by Splink's EM on each blocking rule, for families without labelled pairs."""
    linker = make_linker(features_table(corpus), model, family)
    for block in BLOCKING_RULES[family]:
        rule = block.splink()
        linker.training.estimate_parameters_using_expectation_maximisation(rule, estimate_without_term_frequencies=True)
    trained: dict[str, Any] = linker.misc.save_model_to_json()
    _fill_unobserved(trained, floor=1e-6)
    return trained


def _fill_unobserved(model: dict[str, Any], *, floor: float) -> None:
    """Give levels that sampling never saw a u (and m) of ``floor``: rare, not impossible.

    Without it Splink falls back to a default for the level and warns at every
    prediction; rarely agreeing levels (shared passport numbers) are exactly the
    ones a sample of random pairs misses.
    """
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            for key in ("u_probability", "m_probability"):
                if level.get(key) is None:
                    level[key] = floor


def set_prior(model: dict[str, Any], weight_threshold: float, probability: float = SHIPPED_THRESHOLD) -> None:
    """Choose the prior so that ``weight_threshold`` (without prior) has match probability ``probability``."""
    # A hair below the chosen weight, so the pair that defined it is not lost to rounding.
    log_odds = math.log2(probability / (1 - probability)) - (weight_threshold - 1e-9)
    odds = 2.0**log_odds
    model["probability_two_random_records_match"] = odds / (1 + odds)


def _staged_records(staging_path: Path | None) -> list[Record]:
    if staging_path is None or not staging_path.exists():
        return []
    con = staging.connect(staging_path, read_only=True)
    try:
        return list(staging.iter_current_records(con))
    finally:
        con.close()


def _family_records(records: Iterable[Record], pairs: Sequence[LabelledPair]) -> dict[str, list[tuple[Record, str]]]:
    """Every record of the corpus under the family it is compared in (LegalEntity: both)."""
    grouped: dict[str, list[tuple[Record, str]]] = {}
    for record in records:
        for family in record_families(record):
            grouped.setdefault(family, []).append((record, family))
    for pair in pairs:
        compared = pair_family(pair.left, pair.right)
        if compared is not None:
            grouped.setdefault(compared, []).extend(((pair.left, compared), (pair.right, compared)))
    return grouped


def build_vocabulary(grouped: dict[str, list[tuple[Record, str]]]) -> Vocabulary:
    """Common name words per family: frequent in the training corpus, or generic by rigour.

    Organisation names add every word rigour's name tagger knows as generic (a
    legal form, a business sector, a place, a word like "trading" or
    "international", in any script it covers), so the Japanese spelling of
    "trading" is common even when few Japanese names were in the corpus.
    """
    common = {}
    for family, items in grouped.items():
        counts, n = count_words({t for k in name_keys(r, f) for t in k.split()} for r, f in items)
        words = common_words(counts, n)
        if family == ORGANIZATION:
            words |= generic_org_words(name.value for r, _ in items for name in r.names)
        common[family] = words
    return Vocabulary(common)


def labelled_by_family(pairs: Sequence[LabelledPair], vocabulary: Vocabulary | None = None) -> dict[str, list[Pair]]:
    grouped: dict[str, list[Pair]] = {}
    for pair in pairs:
        found = pair_features(pair, vocabulary)
        if found is not None:
            family, a, b = found
            grouped.setdefault(family, []).append((a, b, pair.positive))
    return grouped


def labelled_from_truth(rows: list[Features], truth: Truth, family: str) -> list[Pair]:
    """Every pair ``resolve`` would compare (blocking) among ``rows``, labelled by the true clusters.

    All candidate pairs, not a sample: among them, different parties that share
    a NAT address or a webmail domain are exactly the negatives the model must
    learn to tell apart. A record the truth does not list is its own cluster.
    """
    found: set[tuple[int, int]] = set()
    for rule in BLOCKING_RULES[family]:
        groups: dict[tuple[str, ...], list[int]] = {}
        for index, row in enumerate(rows):
            for key in product(*(getattr(row, column) for column in rule.columns)):
                groups.setdefault(key, []).append(index)
        for members in groups.values():
            found.update((i, j) for i, j in combinations(members, 2) if rule.holds(rows[i], rows[j]))
    cluster = [truth.clusters.get(r.unique_id, r.unique_id) for r in rows]
    return [(rows[i], rows[j], cluster[i] == cluster[j]) for i, j in sorted(found)]


def _truth_pairs(
    staging_path: Path | None, truth_path: Path, vocabulary: Vocabulary, wanted: set[str]
) -> dict[str, list[Pair]]:
    """Labelled candidate pairs, per family, of the workspace's records a truth file covers."""
    if staging_path is None or not staging_path.exists():
        raise ResolutionError(
            f"{staging_path}: no workspace to read the records of {truth_path} from",
            hint="ingest the data the truth file describes first",
        )
    truth = load_truth(truth_path)
    con = staging.connect(staging_path, read_only=True)
    try:
        staged = staging.current_schemas(con)
        ids = [rid for rid, schema in staged if rid in truth.clusters or schema == truth.complete_schema]
        table = features_of(read_records(con, ids), vocabulary)
    finally:
        con.close()
    rows = [features_from_row(row) for row in table.to_pylist()]
    by_family: dict[str, list[Features]] = {}
    for row in rows:
        if row.family in wanted:
            by_family.setdefault(row.family, []).append(row)
    return {family: labelled_from_truth(members, truth, family) for family, members in by_family.items()}


def run_train(
    staging_path: Path | None,
    models_dir: Path | None = None,
    *,
    pairs_path: Path | None = None,
    truth_path: Path | None = None,
    families: Sequence[str] | None = None,
    seed: int = 42,
) -> TrainReport:
    """Train one model per family with enough data; write the JSON files, common words and meta.json.

    Args:
        staging_path: the workspace whose staged records are the corpus (u, common words).
        models_dir: where to write (default: the shipped models).
        pairs_path: labelled pairs (OpenSanctions Pairs format) for the list families.
        truth_path: true clusters of staged records (CSV, JSON lines or the customer
            generator's truth), labelling every blocked pair among them.
        families: retrain only these; the other families' files are kept as they are.
        seed: random sampling seed for u.
    """
    target = models_dir or MODELS_DIR
    target.mkdir(parents=True, exist_ok=True)
    wanted = set(families or FAMILIES)
    unknown = wanted - set(FAMILIES)
    if unknown:
        raise ResolutionError(
            f"unknown famil{'ies' if len(unknown) > 1 else 'y'}: {', '.join(sorted(unknown))}",
            hint=f"use some of: {', '.join(FAMILIES)}",
        )
    pairs = load_pairs(pairs_path) if pairs_path else []
    grouped = {f: items for f, items in _family_records(_staged_records(staging_path), pairs).items() if f in wanted}
    vocabulary = build_vocabulary(grouped)
    corpus = {f: [build_features(r, fam, vocabulary=vocabulary) for r, fam in items] for f, items in grouped.items()}
    label_sets = [labelled_by_family(pairs, vocabulary)]
    if truth_path is not None:
        label_sets.append(_truth_pairs(staging_path, truth_path, vocabulary, wanted))
    base = {f: estimate_u(f, corpus[f], seed=seed) for f in FAMILIES if len(corpus.get(f, [])) >= MIN_RECORDS}
    if not base:
        raise ResolutionError(
            f"fewer than {MIN_RECORDS} records in every family to train; nothing to train on",
            hint="ingest lists first, or give --pairs",
        )
    report = TrainReport()
    thresholds: dict[str, float] = {}
    labelled: dict[str, list[Pair]] = {}
    for label_set in label_sets:
        usable = {f: p for f, p in label_set.items() if f in base and p}
        weight = _threshold(base, usable, report)
        thresholds.update(dict.fromkeys(usable, weight))
        labelled.update(usable)
    for family, model in base.items():
        pairs_of = labelled.get(family, [])
        fitted = fit_model(model, family, pairs_of) if pairs_of else estimate_m_by_em(family, corpus[family], model)
        set_prior(fitted, thresholds.get(family, 0.0))
        path = model_path(family, target)
        path.write_text(json.dumps(fitted, indent=2) + "\n", encoding="utf-8")
        report.written.append(path)
    kept = load_vocabulary(target)
    merged = Vocabulary({f: w for f, w in kept.common.items() if f not in base} | vocabulary.common)
    report.written.append(save_vocabulary(merged, target))
    _save_meta(target, base, thresholds, report, labelled)
    return report


def _save_meta(
    target: Path,
    base: dict[str, dict[str, Any]],
    thresholds: dict[str, float],
    report: TrainReport,
    labelled: dict[str, list[Pair]],
) -> None:
    """meta.json with this run's families updated and the others' entries kept."""
    old = load_meta(target)
    notes = {f: n for f, n in old.notes.get("families", {}).items() if f not in base}
    for family in base:
        notes[family] = {
            "weight_threshold": thresholds.get(family, 0.0),
            "labelled_pairs": len(labelled.get(family, [])),
            "cv": report.cv.get(family),
        }
    kept = {f: t for f, t in old.thresholds.items() if f not in base}
    save_meta(ModelMeta(kept | dict.fromkeys(base, SHIPPED_THRESHOLD), {"families": notes}), target)


def _threshold(base: dict[str, dict[str, Any]], usable: dict[str, list[Pair]], report: TrainReport) -> float:
    """One weight threshold for these labelled families: best F1 on their pairs, checked by cross-validation."""
    if not usable:
        return 0.0
    fitted = {f: fit_model(base[f], f, p) for f, p in usable.items()}
    scored = [s for f in fitted for s in _weights(fitted[f], f, usable[f])]
    threshold, f1 = best_threshold(scored)
    oof, fold_thresholds = cross_validate(base, usable)
    figures = {
        "in_sample_f1": f1,
        "cv": f1_at(oof, 0.0),
        "fold_thresholds": fold_thresholds,
        "trained_together": sorted(usable),
    }
    report.cv.update(dict.fromkeys(usable, figures))
    return threshold
