"""Customer accounts through the analyst's commands: generate, ingest with the mapping, resolve with the lists.

The generator plants accounts of one person (``customers_truth.jsonl``, by
``person_id``): second accounts of ordinary customers (``duplicate-account``)
and DPRK-style operators running several accounts, some under borrowed
identities. Every account it does not list is a different person. The floors
are below the figures of this seed measured on 2026-11-28 (precision 0.982,
recall 0.873, duplicate-account recall 0.96 = 24 of 25); other seeds gave
precision 0.975-1.0 and recall 0.73-0.91, the misses being operators' borrowed
identities, which share only a card, a laptop farm's IP or a VoIP number with
the operator's other accounts (company staff share cards too).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
SIZE, SEED = 50_000, 7

pytestmark = pytest.mark.slow


def sanctiongraph(*args: str, home: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env["SANCTIONGRAPH_HOME"] = str(home)
    result = subprocess.run(
        [sys.executable, "-m", "sanctiongraph", *args], env=env, capture_output=True, text=True, timeout=600, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def pairs(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {p for members in groups.values() for p in combinations(sorted(members), 2)}


@pytest.fixture(scope="module")
def resolved(staged_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Lists (staged by conftest) plus generated customers, resolved by ``sanctiongraph resolve``."""
    home = tmp_path_factory.mktemp("accounts")
    shutil.copy(staged_workspace / "staging.duckdb", home / "staging.duckdb")
    out = home / "customers"
    sanctiongraph("generate", "customers", "--size", str(SIZE), "--seed", str(SEED), "--out", str(out), home=home)
    sanctiongraph(
        "ingest",
        str(out / "customers.csv"),
        "--format",
        "mapping",
        "--mapping",
        str(ROOT / "mappings" / "customers.yaml"),
        home=home,
    )
    summary = sanctiongraph("resolve", home=home)
    assert "full" in summary
    return home / "staging.duckdb", out / "customers_truth.jsonl"


def test_resolve_recovers_the_planted_accounts_of_one_person(resolved: tuple[Path, Path]) -> None:
    staging_path, truth_path = resolved
    con = duckdb.connect(str(staging_path), read_only=True)
    try:
        entity_of = dict(
            con.execute(
                "SELECT e.record_id, e.entity_id FROM sg_record_entities e JOIN sg_records r USING (record_id)"
                " WHERE r.schema = 'CustomerAccount'"
            ).fetchall()
        )
        listed = con.execute(
            "SELECT count(*) FROM sg_record_entities e JOIN sg_records r USING (record_id)"
            " WHERE r.source IN ('us_ofac_sdn', 'un_sc_sanctions')"
        ).fetchone()
    finally:
        con.close()
    assert len(entity_of) == SIZE and listed is not None and listed[0] == 9_920  # everything got an entity
    planted = {
        f"customer_accounts:{row['account_id']}": row
        for row in map(json.loads, truth_path.read_text(encoding="utf-8").splitlines())
        if row["kind"] == "account"
    }
    predicted_groups: dict[str, list[str]] = defaultdict(list)
    true_groups: dict[str, list[str]] = defaultdict(list)
    for record, entity in entity_of.items():
        predicted_groups[entity].append(record)
        true_groups[planted[record]["person_id"] if record in planted else record].append(record)
    predicted, actual = pairs(predicted_groups), pairs(true_groups)
    duplicates = {p for p in actual if planted[p[0]]["role"] == "duplicate-account"}
    found = predicted & actual
    assert len(actual) >= 50 and len(duplicates) >= 20  # enough planted pairs to measure
    assert len(found) / len(predicted) >= 0.95  # precision
    assert len(found) / len(actual) >= 0.80  # recall, all accounts of one person
    # Second accounts: 97 of 100 on seeds 5-8. The misses share only a common name and a phone
    # (no birth date on one, another address in the same city), which the account model scores
    # below its threshold; 25 pairs per run make 0.95 a coin toss, so the bar allows that pattern.
    assert len(duplicates & predicted) / len(duplicates) >= 0.85  # recall, second accounts


def test_customer_data_joins_no_listed_party_on_a_name_alone(resolved: tuple[Path, Path]) -> None:
    """The generator's customers are never listed parties, though some directors carry listed names.

    (Fronts' directors imitate listed people by name; ordinary names such as
    "Mark Taylor" also occur on the lists.) With nothing but a name, a country
    or a birth year in common, no customer record may share an entity with a
    list entry: before this rule 8 did on this seed.
    """
    staging_path, _ = resolved
    con = duckdb.connect(str(staging_path), read_only=True)
    try:
        shared = con.execute(
            "SELECT c.record_id, l.record_id FROM sg_record_entities c JOIN sg_records cr USING (record_id)"
            " JOIN sg_record_entities l ON l.entity_id = c.entity_id JOIN sg_records lr ON lr.record_id = l.record_id"
            " WHERE cr.source = 'customer_accounts' AND lr.source IN ('us_ofac_sdn', 'un_sc_sanctions')"
        ).fetchall()
    finally:
        con.close()
    assert shared == []
