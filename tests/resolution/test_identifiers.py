"""Identifiers validated by check digit and cut out of the text sources wrap them in."""

from __future__ import annotations

import pytest

from resolution.identifiers import digits_key, normalize_identifier


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("imo", "IMO 9319466", "IMO9319466"),  # valid check digit
        ("imo", "9319467", None),  # wrong check digit
        ("lei", "5493001KJTIIGC8Y1R12", "5493001KJTIIGC8Y1R12"),
        ("lei", "5493001KJTIIGC8Y1R13", None),
        ("bic", "KKBCKPPYXXX", "KKBCKPPY"),  # branch code dropped: same bank as KKBCKPPY
        ("bic", "KKBCKPPY", "KKBCKPPY"),
        # OpenSanctions: Japanese list text around a Libyan passport number
        ("passport", "リビア旅券番号：B/001897", "B001897"),
        ("passport", "Libya B/002210", "B002210"),
        ("national_id", "Numéro d’identification personnel:  3270882H007PB4", "3270882H007PB4"),
        ("national_id", "72.253.056", "72253056"),
        ("registration", "1", None),  # too short to identify anyone
    ],
)
def test_normalize_identifier(kind: str, raw: str, expected: str | None) -> None:
    assert normalize_identifier(kind, raw) == expected


def test_digits_key_joins_a_number_written_with_and_without_its_series() -> None:
    assert digits_key("B001897") == digits_key("001897") == "1897"
    # OpenSanctions pair: one Iranian national id with and without its leading zeros
    assert digits_key("0042587662") == digits_key("42587662")
    assert digits_key("A12") is None
