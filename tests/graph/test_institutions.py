"""Institutions of concern in affiliation lines: every one named is found, no ordinary university is."""

from __future__ import annotations

import pytest

from graph.institutions import affiliation_indicators, institutions


@pytest.mark.parametrize(
    ("affiliation", "institution"),
    [
        ("Department of Physics, Kim Il Sung University, Pyongyang", "Kim Il Sung University"),
        ("Kim Il-sung Univ.", "Kim Il Sung University"),
        ("Kim Il Sung Univeristy", "Kim Il Sung University"),  # a typo
        ("김일성종합대학", "Kim Il Sung University"),
        ("Kim Chaek Univ. of Tech., Pyongyang, DPRK", "Kim Chaek University of Technology"),
        ("Pyongyang University of Science & Technology", "Pyongyang University of Science and Technology"),
        ("Institute of Mathematics, State Academy of Sciences, DPR Korea", "State Academy of Sciences"),
        ("Academy of National Defense Science", "Academy of National Defence Science"),
        ("Second Academy of Natural Sciences", "Second Academy of Natural Sciences"),
        ("Korea Computer Center", "Korea Computer Center"),
    ],
)
def test_affiliation_of_concern_is_found(affiliation: str, institution: str) -> None:
    found = affiliation_indicators(affiliation)
    assert [i.evidence.split(" (")[0] for i in found if i.evidence] == [institution]
    assert all(i.name == "institution_kp" and i.weight >= 0.6 for i in found)


@pytest.mark.parametrize(
    "affiliation",
    [
        "Pohang University of Science and Technology (POSTECH)",  # 90% like PUST by letters
        "Pohang Univ. of Sci. and Tech.",
        "Korea University, Seoul",
        "Korea Advanced Institute of Science and Technology",
        "Korea Institute of Science and Technology",
        "Seoul National University",
        "Chosun University, Gwangju",
        "Kyung Hee University",
        "Chinese Academy of Sciences",
        "Russian Academy of Sciences",
        "National Academy of Sciences",
        "Tsinghua University, Beijing",
        "Kim Chaek Street Primary School Alumni Club, Toronto",
        "Lomonosov Moscow State University",
        "Star Ltd",
    ],
)
def test_ordinary_affiliation_is_not_flagged(affiliation: str) -> None:
    assert affiliation_indicators(affiliation) == []


def test_every_row_of_the_data_file_cites_a_dated_source() -> None:
    for institution in institutions().by_id.values():
        assert institution.source and institution.source_date[:2] in ("19", "20"), institution
