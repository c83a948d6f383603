"""``values.phone`` (a fast path for plain forms) answers exactly as ``values.phone_library`` (phonenumbers).

A table of messy real-world forms, every region the generator and the lists use,
and random strings over the characters phone cells hold: the fast path must give
the library's E.164 (or its ``None``) every time, and must take the common forms
itself (else it is no fast path).
"""

from __future__ import annotations

import random

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest import values
from tests.ingest.test_properties import QUICK

# (text, default region): as customer exports, registries and lists write numbers.
MESSY = [
    ("+49 912 13010841", "DE"),
    ("+49 (0) 30 1234567", "DE"),  # the national prefix in brackets after the country code
    ("+49 030 1234567", None),
    ("0049 30 1234567", "DE"),  # international dialling prefix
    ("030 1234567", "DE"),  # national prefix
    ("030-123 45 67", "DE"),
    ("(555) 010-9999", "US"),
    ("555.010.9999", "US"),
    ("1 (555) 010-9999", "US"),  # the region's own country code in front
    ("1-800-FLOWERS", "US"),  # vanity
    ("011 44 20 7946 0958", "US"),
    ("+1 (555) 010 9999", "GB"),
    ("+44 20 7946 0958", None),
    ("+44 (0)20 7946 0958", "GB"),
    ("020 7946 0958", "GB"),
    ("07700 900123", "GB"),
    ("+44 7700 900123 ext. 12", "GB"),
    ("tel:+44-20-7946-0958", None),
    ("+39 06 1234 5678", None),  # Italy keeps the leading zero
    ("06 1234 5678", "IT"),
    ("+7 495 123-45-67", "RU"),
    ("8 (495) 123-45-67", "RU"),  # Russia's national prefix 8
    ("+86 10 6552 9988", "CN"),
    ("+850 2 381 4410", None),
    ("00850-2-3814410", "KP"),
    ("02 381 4410", "KP"),
    ("+54 9 11 1234-5678", None),  # Argentina's mobile 9
    ("011 15 1234-5678", "AR"),  # Argentina's transform rule
    ("+52 1 55 1234 5678", None),
    ("+81 3-1234-5678", None),
    ("03-1234-5678", "JP"),
    ("+82 2-312-3456", None),
    ("+61 (02) 9876 5432", None),
    ("+800 1234 5678", None),  # a non-geographic code
    ("+882 34 1234 5678", None),
    ("+0 123 456 789", None),  # no country code starts with 0
    ("+999 123 456 789", None),  # an unassigned code
    ("+1 555", None),
    ("+12", None),
    ("12", "US"),
    ("123", "US"),
    ("12345", "US"),
    ("1234567890123456789012", "DE"),  # too long
    ("+49 1234567890123456789", None),
    ("(555) 010-9999", None),  # a national number without a region
    ("(555) 010-9999", "XX"),  # an unknown region
    ("(555) 010-9999", "001"),
    ("phone", None),
    ("-", "US"),
    ("", "US"),
    ("  +49   30  1234567  ", "DE"),
    ("+49\u00a030 1234567", "DE"),
    ("＋49 30 1234567", "DE"),  # a full-width plus
    ("+49 ３０ 1234567", "DE"),  # full-width digits
    ("+49 30 1234567 / +49 30 7654321", "DE"),  # two numbers in one cell
    ("+49 30 1234567;ext=5", "DE"),
    ("(+49) 30 1234567", "DE"),
    ("++49 30 1234567", "DE"),
    ("+49-30-1234567.", "DE"),
    ("00 850 2 381 4410", "CN"),
    ("0 0850 2 381 4410", "CN"),
]


@pytest.mark.parametrize(("text", "region"), MESSY)
def test_messy_forms_give_the_librarys_answer(text: str, region: str | None) -> None:
    assert values.phone(text, region) == values.phone_library(text, region)


# Regions of the generator's and the lists' numbers, and a few with unusual national prefixes.
REGIONS: list[str | None] = [*"DE US GB FR IT ES PL RU CN JP KP KR IN BR AR MX CA LA".split(), None]
REGIONS += "HK SG AE NL CH AU NZ ZA NG TR UA VN TH ID PH IR SY".split()


@given(
    st.text(alphabet="0123456789 ()-.+", min_size=1, max_size=24),
    st.sampled_from(REGIONS),
)
@QUICK
def test_random_digit_strings_give_the_librarys_answer(text: str, region: str | None) -> None:
    assert values.phone(text, region) == values.phone_library(text, region)


def test_every_country_code_and_length_gives_the_librarys_answer() -> None:
    """International numbers of every calling code, 4 to 18 digits after it, random digits, fixed seed."""
    rng = random.Random(25)
    for code in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        for length in range(4, 19):
            national = "".join(rng.choice("0123456789") for _ in range(length))
            for text in (f"+{code} {national}", f"+{code}{national}", f"+{code} ({national[:3]}) {national[3:]}"):
                assert values.phone(text) == values.phone_library(text), text


def test_every_region_national_numbers_give_the_librarys_answer() -> None:
    rng = random.Random(7)
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for length in (6, 8, 9, 10, 11, 12):
            for _ in range(4):
                national = "".join(rng.choice("0123456789") for _ in range(length))
                text = f"{national[:3]} {national[3:]}"
                assert values.phone(text, region) == values.phone_library(text, region), (text, region)


def test_the_common_forms_take_the_fast_path() -> None:
    for text, region in [("+49 912 13010841", "DE"), ("(555) 010-9999", "US"), ("+7 495 123-45-67", None)]:
        assert values._phone_fast(text, region) != values._UNSURE
