"""The DPRK slice: every UN 1718 party on the OFAC list is merged with it, and nothing else is.

Truth: ``data/resolution/dprk_un_ofac.csv``, built from the lists' own identifiers
(passports, company IMO numbers), names and birth dates, and a few entries
decided by hand with their reasons (``bench/resolution_dprk_truth.py``).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

TRUTH = Path(__file__).resolve().parents[2] / "data" / "resolution" / "dprk_un_ofac.csv"
# A UN entry the UN itself calls an alias of another UN entry: both cannot hold one OFAC record.
ALIAS_ENTRIES = {"un_sc_sanctions:KPe.014": "un_sc_sanctions:KPe.001"}


@pytest.fixture(scope="module")
def entity_of(resolved_workspace: Path) -> dict[str, str]:
    con = duckdb.connect(str(resolved_workspace / "staging.duckdb"), read_only=True)
    try:
        return dict(con.execute("SELECT record_id, entity_id FROM sg_record_entities").fetchall())
    finally:
        con.close()


def truth() -> list[tuple[str, str]]:
    with TRUTH.open(encoding="utf-8") as handle:
        return [(row["un_record"], row["ofac_record"]) for row in csv.DictReader(handle)]


def test_truth_covers_the_whole_un_1718_list() -> None:
    rows = truth()
    assert len(rows) == 155
    assert sum(1 for _, ofac in rows if ofac) == 153


def test_every_un_1718_party_on_the_ofac_list_is_merged_with_it(entity_of: dict[str, str]) -> None:
    missed = [
        (un, ofac) for un, ofac in truth() if ofac and un not in ALIAS_ENTRIES and entity_of[un] != entity_of[ofac]
    ]
    assert missed == []
    # The alias entry stays apart only because its OFAC record went to the entry it is an alias of.
    for alias, primary in ALIAS_ENTRIES.items():
        assert entity_of[alias] != entity_of[primary]


def test_no_two_different_listed_parties_are_merged(entity_of: dict[str, str]) -> None:
    members: dict[str, list[str]] = defaultdict(list)
    for record, entity in entity_of.items():
        members[entity].append(record)
    for un, ofac in truth():
        together = members[entity_of[un]]
        listed = [r for r in together if r.startswith(("un_sc_sanctions:", "us_ofac_sdn:"))]
        allowed = {un, ofac} - {""}
        assert set(listed) <= allowed, (un, listed)
