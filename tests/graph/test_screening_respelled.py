"""Respelled DPRK names are found on the bundled lists (OFAC 2022 snapshot and UN), through a real Neo4j.

The issue's examples: a typo, a given name run together, another romanisation, an
organisation's abbreviated legal form, and names written in Hangul. Each must
come back as HIT or REVIEW with the listed party among the matches.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.applicants import REVIEW_PROBABILITY, Applicant, Decision
from graph.loader import run_load
from graph.screening import Screener
from graph.store import GraphStore
from sanctiongraph.settings import Settings
from tests.conftest import wipe


@pytest.fixture(scope="module")
def lists_graph(
    neo4j_settings: Settings, resolved_workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[GraphStore, Screener]]:
    home = tmp_path_factory.mktemp("respelled")
    shutil.copy(resolved_workspace / "staging.duckdb", home / "staging.duckdb")
    with GraphStore(neo4j_settings) as store:
        wipe(store)
        run_load(store, home / "staging.duckdb")
        screener = Screener.load()
        screener.warm(store)
        yield store, screener


# (what the applicant wrote, schema, source keys of the listed party: UN reference or OFAC ent_num)
RESPELLED = [
    ("Ri Mnagon", "Person", {"KPi.026"}),  # typo of RI MAN GON
    ("KIM TONGCHOL", "Person", {"KPi.068"}),  # given name run together
    ("Kim Tong-chol", "Person", {"KPi.068"}),
    ("Yi Eun-Seong", "Person", {"KPi.075", "23013"}),  # Revised Romanisation of RI UN SONG
    ("Korea Ryonbong Gen. Corp.", "Organization", {"KPe.002"}),
    ("Ryonbong General Corporation", "Organization", {"KPe.002"}),  # "Korea" dropped
    ("황석화", "Person", {"KPi.003"}),  # HWANG SOK-HWA
    ("김영철", "Person", {"KPi.024"}),  # KIM YONG CHOL
    ("박춘일", "Person", {"19533"}),  # PAK CHUN IL (OFAC)
]


@pytest.mark.parametrize(("name", "schema", "keys"), RESPELLED, ids=[r[0] for r in RESPELLED])
def test_a_respelled_listed_name_is_found(
    lists_graph: tuple[GraphStore, Screener], name: str, schema: str, keys: set[str]
) -> None:
    store, screener = lists_graph
    result = screener.screen(store, Applicant(name=name, schema=schema))
    assert result.decision in (Decision.HIT, Decision.REVIEW), (name, result.matches[:3])
    found = [
        m
        for m in result.matches
        if m.listed and m.probability >= REVIEW_PROBABILITY and keys & {r["sourceKey"] for r in m.records}
    ]
    assert found, (name, [(m.name, m.probability) for m in result.matches[:5]])


def test_a_common_korean_name_with_another_birth_date_is_not_a_hit(lists_graph: tuple[GraphStore, Screener]) -> None:
    store, screener = lists_graph
    listed = screener.screen(store, Applicant(name="KIM YONG CHOL", schema="Person"))
    assert listed.decision in (Decision.HIT, Decision.REVIEW)
    other = screener.screen(store, Applicant(name="Kim Young-chul", schema="Person", birth_date="1991-04-02"))
    assert other.decision is not Decision.HIT, [(m.name, m.probability) for m in other.matches[:3]]


def test_an_unlisted_korean_name_far_from_every_listed_one_is_clear(lists_graph: tuple[GraphStore, Screener]) -> None:
    store, screener = lists_graph
    result = screener.screen(store, Applicant(name="Bong Joon-ho", schema="Person", birth_date="1969-09-14"))
    assert result.decision is Decision.CLEAR, [(m.name, m.probability) for m in result.matches[:3]]
