"""``evaluate``: how well the shipped models separate labelled matches from non-matches.

``evaluate_pairs`` reads labelled pairs (OpenSanctions Pairs format) and scores
each with the shipped model exactly as ``resolve`` would: same features, same
weights (``Scorer`` equals Splink's predict), and a pair that no blocking rule
would bring together scores 0, since ``resolve`` never compares it. Nothing is
read from or written to a workspace.

``evaluate_truth`` resolves a workspace's staged records in memory (nothing is
written) and compares the entities with ground-truth clusters.

The JSON object is a public contract::

    {"pairs", "threshold", "precision", "recall", "f1", "auc",
     "best": {"threshold", "f1"}, "by_schema": {"Person": {...same keys...}, ...}}
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from ingest import staging
from resolution.cluster import Link, cluster_records
from resolution.models import FAMILIES, MODELS_DIR, blocked, load_meta
from resolution.pairs import load_pairs, pair_features
from resolution.scorer import Scorer
from resolution.vocabulary import load_vocabulary
from sanctiongraph.errors import ResolutionError

Scored = tuple[float, bool]


def _confusion(scored: Sequence[Scored], threshold: float) -> tuple[int, int, int]:
    tp = sum(1 for p, y in scored if p >= threshold and y)
    fp = sum(1 for p, y in scored if p >= threshold and not y)
    fn = sum(1 for p, y in scored if p < threshold and y)
    return tp, fp, fn


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def auc(scored: Sequence[Scored]) -> float:
    """Area under the ROC curve: the chance a random match outscores a random non-match."""
    positives = [p for p, y in scored if y]
    negatives = sorted(p for p, y in scored if not y)
    if not positives or not negatives:
        return 0.0
    from bisect import bisect_left, bisect_right

    wins = sum(
        bisect_left(negatives, p) + 0.5 * (bisect_right(negatives, p) - bisect_left(negatives, p)) for p in positives
    )
    return wins / (len(positives) * len(negatives))


def best_f1(scored: Sequence[Scored]) -> dict[str, float]:
    """The probability threshold (``>=``) with the best F1, and that F1."""
    best = {"threshold": 1.0, "f1": 0.0}
    for threshold in sorted({p for p, _ in scored}):
        f1 = _prf(*_confusion(scored, threshold))[2]
        if f1 > best["f1"]:
            best = {"threshold": threshold, "f1": f1}
    return best


def metrics(scored: Sequence[Scored], threshold: float) -> dict[str, Any]:
    precision, recall, f1 = _prf(*_confusion(scored, threshold))
    return {
        "pairs": len(scored),
        "threshold": threshold,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "auc": auc(scored),
        "best": best_f1(scored),
    }


def score_pairs(
    path: Path, schemas: set[str] | None = None, models_dir: Path = MODELS_DIR
) -> list[tuple[str, float, bool]]:
    """(left schema, match probability, label) for every pair, as ``resolve`` would score it."""
    scorers: dict[str, Scorer] = {}
    vocabulary = load_vocabulary(models_dir)
    out = []
    for pair in load_pairs(path, schemas):
        found = pair_features(pair, vocabulary)
        probability = 0.0
        if found is not None:
            family, a, b = found
            if family not in scorers:
                scorers[family] = Scorer.load(family, models_dir)
            if blocked(family, a, b):
                probability = scorers[family].score(a, b).match_probability
        out.append((pair.schema, probability, pair.positive))
    return out


def evaluate_pairs(
    path: Path, *, schemas: set[str] | None = None, models_dir: Path = MODELS_DIR, threshold: float | None = None
) -> dict[str, Any]:
    """Precision, recall, F1 and AUC of the shipped models on labelled pairs, overall and per schema."""
    cut = threshold if threshold is not None else min(load_meta(models_dir).threshold(f) for f in FAMILIES)
    scored = score_pairs(path, schemas, models_dir)
    if not scored:
        raise ResolutionError(f"{path}: no entity pairs to evaluate", hint="check --schemas and the file's schemas")
    result = metrics([(p, y) for _, p, y in scored], cut)
    by_schema: dict[str, list[Scored]] = defaultdict(list)
    for schema, p, y in scored:
        by_schema[schema].append((p, y))
    result["by_schema"] = {s: metrics(rows, cut) for s, rows in sorted(by_schema.items())}
    return result


@dataclass(frozen=True, slots=True)
class Truth:
    """True clusters: record_id -> cluster; records of ``complete_schema`` not listed are singletons."""

    clusters: dict[str, str]
    complete_schema: str | None = None


# The customer generator's truth file names accounts by id; ingest stages them under this source.
GENERATOR_SOURCE = "customer_accounts"


def load_truth(path: Path) -> Truth:
    """True clusters from a CSV (``record_id,cluster``), JSON lines of the same, or the generator's truth.

    The generator's ``customers_truth.jsonl`` lists planted accounts only (``kind:
    account``, clustered by ``person_id``); every other customer account is a
    different person, so all staged ``CustomerAccount`` records count.
    """
    if not path.is_file():
        raise ResolutionError(f"{path}: no such truth file")
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        if rows and "kind" in rows[0]:
            accounts = (r for r in rows if r.get("kind") == "account")
            return Truth(
                {f"{GENERATOR_SOURCE}:{r['account_id']}": str(r["person_id"]) for r in accounts}, "CustomerAccount"
            )
    else:
        rows = list(csv.DictReader(text.splitlines()))
    try:
        return Truth({str(r["record_id"]): str(r["cluster"]) for r in rows})
    except KeyError:
        raise ResolutionError(
            f"{path}: rows need 'record_id' and 'cluster'", hint="one row per record: its record id and its true entity"
        ) from None


def _pairs_of(clusters: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for members in clusters.values() for p in combinations(members, 2)}  # type: ignore[misc]


def evaluate_truth(staging_path: Path, truth_path: Path, *, models_dir: Path = MODELS_DIR) -> dict[str, Any]:
    """Pairwise precision, recall and F1 of an in-memory resolution against true clusters.

    Only records named in the truth file count (or all of its complete schema);
    the workspace is read, never written.
    """
    from resolution.run import _full, unique_identifiers

    truth = load_truth(truth_path)
    cut = min(load_meta(models_dir).threshold(f) for f in FAMILIES)
    con = staging.connect(staging_path, read_only=True)
    try:
        staged = staging.current_schemas(con)
        ids = sorted(rid for rid, schema in staged if rid in truth.clusters or schema == truth.complete_schema)
        evidence, _, _, _ = _full(con, ids, models_dir, "duckdb", load_vocabulary(models_dir), lambda _: None)
        unique = unique_identifiers(con)
    finally:
        con.close()
    clusters = cluster_records(
        ids,
        (Link(e.record_l, e.record_r, e.match_probability) for e in evidence),
        threshold=cut,
        group_of=lambda _: None,
        ids_of=lambda rid: unique.get(rid, {}),
    )
    predicted = _pairs_of({str(i): c for i, c in enumerate(clusters)})
    true_groups: dict[str, list[str]] = defaultdict(list)
    for rid in ids:
        true_groups[truth.clusters.get(rid, rid)].append(rid)
    actual = _pairs_of(true_groups)
    tp = len(predicted & actual)
    precision, recall, f1 = _prf(tp, len(predicted - actual), len(actual - predicted))
    return {
        "records": len(ids),
        "true_pairs": len(actual),
        "predicted_pairs": len(predicted),
        "threshold": cut,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }
