"""Ongoing screening's reverse name search: which customers a changed listed person's names reach.

Both ways of running it (the customers' forms index on an update, the screener's
in-process index on a first load) take the same pairs: ``name_index.forms_near``
on the forms screening retrieves by. No Neo4j here: the rule and the hashing.
"""

from __future__ import annotations

import csv

import pytest

from graph import name_index
from graph.name_index import NameIndex, forms_near
from graph.name_match import names_forms
from tests.conftest import DATA

LISTED = {
    "ri-pyong-chol": "RI, Pyong Chol",
    "kim-myong-chol": "KIM, Myong Chol",
    "choe-un-hyok": "CHOE, Un Hyok",
    "ri-tong-hyok": "RI, Tong Hyok",
    "li-yi": "LI, Yi",
}


def index_of(names: dict[str, str]) -> NameIndex:
    return NameIndex.build(
        1, [(key, "person", names_forms([name], "person", listed=True)) for key, name in names.items()]
    )


def test_respelled_customer_names_reach_the_listed_person_and_unrelated_names_do_not() -> None:
    index = index_of(LISTED)
    respelled = {
        "Pyongchul Ri": "ri-pyong-chol",  # given name run together, surname last, another romanisation
        "Kim Myomg Chol": "kim-myong-chol",  # a typo
        "Choe Unhyok": "choe-un-hyok",  # given name run together
        "Yi Tong Hyeok": "ri-tong-hyok",  # another romanisation
        "Ying Li": "li-yi",  # two edits on a short name (screening's retrieval pairs them)
    }
    for name, key in respelled.items():
        assert index.near(names_forms([name], "person"), "person") == {key}, name
    for name in ("Kim Soo Ah", "Choe Yu Na", "Ri Hye Won", "John Smith", "Wei Zhang"):
        assert index.near(names_forms([name], "person"), "person") == set(), name


def test_the_hashing_finds_exactly_the_pairs_the_rule_takes(monkeypatch: pytest.MonkeyPatch) -> None:
    """``NameIndex.near`` (symmetric deletion, a first load) against the rule applied pair by pair."""
    with (DATA / "ofac" / "snapshot_2022-01" / "sdn.csv").open(encoding="latin-1") as handle:
        people = {r[0]: r[1] for r in csv.reader(handle) if len(r) > 2 and r[2].strip() == "individual"}
    listed = {key: names_forms([name], "person", listed=True) for key, name in list(people.items())[:1500]}
    index = NameIndex.build(1, [(key, "person", forms) for key, forms in listed.items()])
    customers = [name.title() for name in list(people.values())[:1500:7]]
    customers += ["Pyongchul Ri", "Kim Myomg Chol", "Ying Li", "Xin Chen", "Maria Gonzalez", "Ahmad Khan"]
    expected = {
        name: {key for key, theirs in listed.items() if forms_near(names_forms([name], "person"), theirs)}
        for name in customers
    }
    for _ in range(2):  # the second time from the forms' kept answers
        for name in customers:
            assert index.near(names_forms([name], "person"), "person") == expected[name], name
    monkeypatch.setattr(name_index, "NEAR_KEPT", 3)  # kept answers dropped again and again
    for name in customers:
        assert index.near(names_forms([name], "person"), "person") == expected[name], name


def test_keeps_says_what_the_full_search_returns_or_that_it_cannot_tell() -> None:
    """``NameIndex.keeps`` (only forms as alike as the entity's own) against ``search`` (every form), for every
    listed person a customer's search could return, on real OFAC names and their respellings; common names make
    the crowded cases (many listed people as alike, ties broken by id), where it may answer None but never wrong."""
    with (DATA / "ofac" / "snapshot_2022-01" / "sdn.csv").open(encoding="latin-1") as handle:
        people = {r[0]: r[1] for r in csv.reader(handle) if len(r) > 2 and r[2].strip() == "individual"}
    index = NameIndex.build(
        1, [(key, "person", names_forms([name], "person", listed=True)) for key, name in people.items()]
    )
    customers = [name.title() for name in list(people.values())[::25]]
    customers += ["Pyongchul Ri", "Kim Myomg Chol", "Ying Li", "Kim Chol", "Ri Chol", "Wei Zhang", "Ali Hassan"]
    answered = unknown = kept = 0
    for name in customers:
        forms = names_forms([name], "person")
        found = {entity for entity, _ in index.search(forms, "person")}
        wide = {entity for entity, _ in index.search(forms, "person", limit=60)}
        for entity in sorted(wide | set(list(people)[:5])):
            keeps = index.keeps(forms, "person", entity)
            if keeps is None:
                unknown += 1
                continue
            answered += 1
            kept += keeps
            assert keeps == (entity in found), (name, entity, people.get(entity))
    print(f"\nKEEPS answered {answered} (kept {kept}), could not tell {unknown}")
    assert answered > 10 * max(1, unknown) and kept > 100, (answered, unknown, kept)
