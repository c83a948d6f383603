"""Resolution benchmarks: blocking analysis (comparisons per rule) and resolve timings.

``blocking`` prints, per family and blocking rule, the comparisons the rule
generates on its own, the ones it adds to the rules before it (Splink's
cumulative count, exact: ``record_sample_proportion=1.0``), the values purged
(``resolution.blocking``), and the share of known true pairs that blocking
keeps (blocking recall: the DPRK UN/OFAC truth for the lists, the generator's
truth for customer accounts). ``resolve`` times ``sanctiongraph resolve`` on
the lists plus generated customers.

    python bench/bench_resolution.py blocking [--customers 100000] [--seed 3] [--staging PATH]
    python bench/bench_resolution.py resolve [--customers 100000] [--seed 3]

The script raises ingest's 512 MB load limit for its own ingest
(``STAGING_LIMIT``), so staging spills less while the blocking figures are taken.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from splink.blocking_analysis import count_comparisons_from_blocking_rules

from ingest import staging
from ingest.generate.customers import generate_customers
from ingest.run import run_ingest
from resolution.blocking import BLOCKING_RULES, Block, blocked, purged_values, with_blocking_columns
from resolution.bulk import features_of, read_records
from resolution.features import Features, features_from_row
from resolution.models import FAMILIES, MODELS_DIR, duckdb_api
from resolution.pairs import load_pairs, pair_features
from resolution.run import run_resolve
from resolution.vocabulary import load_vocabulary

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
STAGING_LIMIT = "3GB"
LISTS = [(DATA / "ofac" / "snapshot_2022-01", "ofac-csv"), (DATA / "un" / "consolidated.xml", "un-xml")]


@dataclass(frozen=True, slots=True)
class RuleCount:
    family: str
    rule: str
    alone: int
    added: int
    cumulative: int
    recall_added: int  # true pairs this rule blocks that no earlier rule does


def stage(path: Path, customers: int, seed: int, work: Path) -> Path:
    """The bundled lists and ``customers`` generated rows (with truth) staged into ``path``."""
    staging.LOAD_MEMORY_LIMIT = STAGING_LIMIT  # see the module docstring
    for sample, format_name in LISTS:
        run_ingest(path, sample, format_name)
    if customers:
        generate_customers(work / "customers", customers, seed)
        run_ingest(path, work / "customers" / "customers.csv", "mapping", mapping=ROOT / "mappings" / "customers.yaml")
    return path


def describe(rule: Block) -> str:
    text = " + ".join(rule.columns)
    return f"{text} (unless known different)" if rule.unless_different else text


def count(table: pa.Table, family: str, rules: Iterable[Block]) -> list[tuple[int, int]]:
    """(comparisons of the rule alone, comparisons it adds to the rules before it) per rule, exactly."""
    api = duckdb_api()
    frame = api.register(table, dataset_display_name=f"{family}_blocking")
    rules = list(rules)
    cumulative = count_comparisons_from_blocking_rules(
        frame, blocking_rules=[r.splink() for r in rules], link_type="dedupe_only", record_sample_proportion=1.0
    )
    alone = [
        count_comparisons_from_blocking_rules(
            frame, blocking_rules=[r.splink()], link_type="dedupe_only", record_sample_proportion=1.0
        )[0]["marginal_comparison_count"]
        for r in rules
    ]
    return [(a, int(c["marginal_comparison_count"])) for a, c in zip(alone, cumulative, strict=True)]


def true_pairs(rows: dict[str, Features], truth: list[tuple[str, str]]) -> list[tuple[Features, Features]]:
    return [(rows[a], rows[b]) for a, b in truth if a in rows and b in rows]


def recall_added(family: str, pairs: list[tuple[Features, Features]]) -> list[int]:
    """Per rule, the true pairs it blocks that no earlier rule blocks (purging left out)."""
    remaining, added = list(pairs), []
    for rule in BLOCKING_RULES[family]:
        kept = [p for p in remaining if not rule.holds(*p)]
        added.append(len(remaining) - len(kept))
        remaining = kept
    return added


def dprk_truth() -> list[tuple[str, str]]:
    with (DATA / "resolution" / "dprk_un_ofac.csv").open(encoding="utf-8") as handle:
        return [(r["un_record"], r["ofac_record"]) for r in csv.DictReader(handle) if r["ofac_record"]]


def customer_truth(path: Path) -> list[tuple[str, str]]:
    groups: dict[str, list[str]] = {}
    for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
        if row["kind"] == "account":
            groups.setdefault(row["person_id"], []).append(f"customer_accounts:{row['account_id']}")
    return [(a, b) for ids in groups.values() for i, a in enumerate(ids) for b in ids[i + 1 :]]


def blocking_report(staging_path: Path, truth: list[tuple[str, str]]) -> tuple[list[RuleCount], dict[str, str]]:
    con = staging.connect(staging_path, read_only=True)
    try:
        features = features_of(read_records(con), load_vocabulary(MODELS_DIR))
    finally:
        con.close()
    results: list[RuleCount] = []
    notes: dict[str, str] = {}
    for family in FAMILIES:
        table = features.filter(pa.compute.equal(features["family"], family))
        if table.num_rows < 2:
            continue
        purged = purged_values([table], family)
        notes[family] = f"{table.num_rows:,} records; purged values: " + (
            ", ".join(f"{c} {len(v)}" for c, v in purged.items() if v) or "none"
        )
        rows = {r["unique_id"]: features_from_row(r) for r in table.to_pylist()}
        pairs = true_pairs(rows, truth)
        blocked_pairs = sum(1 for a, b in pairs if blocked(family, a, b))
        notes[family] += f"; known true pairs blocked: {blocked_pairs} of {len(pairs)}"
        counts = count(with_blocking_columns(table, family, purged), family, BLOCKING_RULES[family])
        total = 0
        for rule, (alone, added), found in zip(
            BLOCKING_RULES[family], counts, recall_added(family, pairs), strict=True
        ):
            total += added
            results.append(RuleCount(family, describe(rule), alone, added, total, found))
    return results, notes


def pairs_report(path: Path) -> None:
    """Blocking recall on labelled pairs (OpenSanctions Pairs format): positives each rule is first to block."""
    vocabulary = load_vocabulary(MODELS_DIR)
    positives: dict[str, list[tuple[Features, Features]]] = {}
    for pair in load_pairs(path):
        found = pair_features(pair, vocabulary)
        if found is not None and pair.positive:
            positives.setdefault(found[0], []).append((found[1], found[2]))
    print("| family | rule | positives first blocked by it |")
    print("| --- | --- | ---: |")
    for family, pairs in positives.items():
        for rule, first in zip(BLOCKING_RULES[family], recall_added(family, pairs), strict=True):
            print(f"| {family} | {describe(rule)} | {first} |")
        kept = sum(1 for a, b in pairs if blocked(family, a, b))
        print(f"| {family} | **blocked by some rule** | **{kept} of {len(pairs)}** |")


def print_blocking(results: list[RuleCount], notes: dict[str, str], seconds: float) -> None:
    print("| family | rule | comparisons alone | added | cumulative | true pairs first blocked by it |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r.family} | {r.rule} | {r.alone:,} | {r.added:,} | {r.cumulative:,} | {r.recall_added} |")
    for family, note in notes.items():
        print(f"- {family}: {note}")
    print(f"({seconds:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["blocking", "resolve"])
    parser.add_argument("--customers", type=int, default=100_000, help="generated customer rows (0: lists only)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--staging", type=Path, help="an already staged workspace file to analyse instead")
    parser.add_argument("--pairs", type=Path, help="labelled pairs (OpenSanctions Pairs) to measure blocking recall on")
    args = parser.parse_args()
    if args.pairs:
        pairs_report(args.pairs)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        path = args.staging or stage(work / "staging.duckdb", args.customers, args.seed, work)
        truth_file = work / "customers" / "customers_truth.jsonl"
        truth = dprk_truth() + (customer_truth(truth_file) if truth_file.is_file() else [])
        staged = time.perf_counter()
        print(f"staged in {staged - started:.1f} s")
        if args.what == "blocking":
            results, notes = blocking_report(path, truth)
            print_blocking(results, notes, time.perf_counter() - staged)
        else:
            summary = run_resolve(path, progress=lambda m: print(f"  {time.perf_counter() - staged:6.1f} s {m}"))
            print(
                f"resolve: {summary.records:,} records -> {summary.entities:,} entities "
                f"in {time.perf_counter() - staged:.1f} s"
            )


if __name__ == "__main__":
    main()
