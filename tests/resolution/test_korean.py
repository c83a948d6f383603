"""Table tests for the pure Korean folding and the compact name forms screening retrieves by."""

from __future__ import annotations

import pytest

from resolution.korean import fold_token, reads_as_korean, romanize_hangul
from resolution.name_keys import name_forms, singular, typo_evidence, unglue, within_typos
from resolution.normalize import ORGANIZATION, PERSON

# Spellings of one Korean word across McCune-Reischauer, Revised Romanisation and custom.
FOLDS = [
    ({"ri", "yi", "lee", "rhee", "li"}, "i"),
    ({"pak", "park", "bak"}, "pak"),
    ({"jong", "chong", "jung"}, "chong"),
    ({"kim", "gim"}, "kim"),
    ({"o", "oh"}, "o"),
    ({"chol", "cheol", "chul"}, "chor"),
    ({"kwang", "gwang"}, "kwang"),
    ({"ryong", "ryeong", "yong"}, "yong"),
    ({"song", "seong"}, "song"),
    ({"un", "eun"}, "un"),
    ({"choe", "choi"}, "choe"),
    ({"thaek", "taek"}, "taek"),
    ({"hyok", "hyuk"}, "hyok"),
]


@pytest.mark.parametrize(("spellings", "folded"), FOLDS, ids=[f for _, f in FOLDS])
def test_every_spelling_of_a_korean_word_folds_to_one_skeleton(spellings: set[str], folded: str) -> None:
    assert {fold_token(s) for s in spellings} == {folded}


@pytest.mark.parametrize(
    ("hangul", "latin"),
    [("황석화", "hwang seok hwa"), ("김영철", "gim yeong cheol"), ("박춘일", "bak chun il"), ("리만건", "ri man geon")],
)
def test_hangul_is_romanised_one_word_per_syllable(hangul: str, latin: str) -> None:
    assert romanize_hangul(hangul) == latin


# Names that must share a compact form (one party), and names that must not.
SAME = [
    ("Kim Tong Chol", "KIM TONGCHOL", PERSON),
    ("Kim Tong-chol", "KIM TONG CHOL", PERSON),
    ("Yi Eun-Seong", "RI UN SONG", PERSON),
    ("Park Chun-il", "PAK CHUN IL", PERSON),
    ("Chol Kim Tong", "KIM TONG CHOL", PERSON),
    ("황석화", "HWANG SOK-HWA", PERSON),
    ("김영철", "KIM YONG CHOL", PERSON),
    ("박춘일", "PAK CHUN IL", PERSON),
    ("Korea Ryonbong Gen. Corp.", "KOREA RYONBONG GENERAL CORPORATION", ORGANIZATION),
    ("Ryonbong General Corporation", "KOREA RYONBONG GENERAL CORPORATION", ORGANIZATION),
    ("KOREA KWANGSONG TRADINGCORPORATION", "KOREA KWANGSONG TRADING CORPORATION", ORGANIZATION),
    ("LLCGUDZON SHIPPING CO", "LLC GUDZON SHIPPING CO", ORGANIZATION),
    ("Electronic Component Industries (ECI)", "ELECTRONIC COMPONENTS INDUSTRIES CO", ORGANIZATION),
    ("Korea Mining Development Trading Corp", "KOREA MINING DEVELOPMENT TRADING CORPORATION", ORGANIZATION),
]
DIFFERENT = [
    ("Kim Yong Chol", "Kim Yong Chun", PERSON),
    ("Pak Jae-Gyong", "Park Chae-young", PERSON),
    ("Ri Man Gon", "Ri Man Son", PERSON),
    ("Korea Ryonbong General Corporation", "Korea Ryongbong Trading Corporation", ORGANIZATION),
    ("Richard Barbieri", "Richard Barbiere", PERSON),  # persons keep every letter
]


@pytest.mark.parametrize(("a", "b", "family"), SAME, ids=[f"{a}={b}" for a, b, _ in SAME])
def test_spellings_of_one_name_share_a_form(a: str, b: str, family: str) -> None:
    assert set(name_forms(a, family)) & set(name_forms(b, family))


@pytest.mark.parametrize(("a", "b", "family"), DIFFERENT, ids=[f"{a}!={b}" for a, b, _ in DIFFERENT])
def test_different_names_share_no_form(a: str, b: str, family: str) -> None:
    assert not set(name_forms(a, family)) & set(name_forms(b, family))


def test_a_glued_legal_form_is_split_off() -> None:
    assert unglue(["kwangsong", "tradingcorporation"]) == ["kwangsong", "trading"]
    assert unglue(["llcgudzon", "shipping"]) == ["gudzon", "shipping"]
    assert unglue(["zinc", "industry"]) == ["zinc", "industry"]  # too short to hold a legal form


def test_a_word_no_romanisation_writes_is_taken_for_a_slip() -> None:
    assert all(reads_as_korean(t) for t in ("man", "gon", "chae", "young", "kyong"))
    assert not reads_as_korean("mnagon")
    assert typo_evidence(["Ri Mnagon"]) and not typo_evidence(["Park Chae-young"])


def test_slips_allowed_grow_with_the_name_and_its_evidence() -> None:
    assert within_typos(["imangon"], ["imnagon"], two=False)  # one swap
    assert not within_typos(["imangon"], ["imnaogn"], two=False)
    assert within_typos(["imangon"], ["imnaogn"], two=True)
    assert not within_typos(["kim"], ["kin"], two=True)  # too short for any slip


@pytest.mark.parametrize(
    ("word", "folded"),
    [
        ("components", "component"),
        ("industries", "industry"),
        ("services", "service"),
        ("businesses", "business"),
        ("ryonbong", "ryonbong"),
        ("glass", "glass"),  # -ss
        ("status", "status"),  # -us
        ("analysis", "analysis"),  # -is
        ("arms", "arms"),  # too short to tell
    ],
)
def test_an_organisation_word_loses_its_english_plural(word: str, folded: str) -> None:
    assert singular(word) == folded
