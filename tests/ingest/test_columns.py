"""Column-wise and cached forms of the per-value rules give what the per-value rules give.

``values.clean_texts`` (a column cleaned at once) against ``values.clean_text`` cell by
cell, and ``keys.address_tokens`` (segments and tokens cached per part) against the
rule as first written: the parts joined by ``", "`` and the joined text rewritten,
split and tokenised in one go.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest import keys, values
from ingest.generate.customers import generate_customers
from tests.ingest.test_properties import QUICK

# Cells as exports have them: plain, padded, doubled spaces, controls, non-ASCII, the "-0-" placeholder.
CELL = st.one_of(
    st.sampled_from(["", " ", "-0-", " -0- ", "a  b", "Zoë", "x\x07y", "\t", "12 Main St", "DE", "a\u00a0b"]),
    st.text(max_size=12),
    st.text(alphabet="ab -0\t", max_size=8),
)


def _reference_column(texts: list[str]) -> list[str]:
    return [text and (values.clean_text(text) or "") for text in texts]


@given(st.lists(CELL, max_size=30))
@QUICK
def test_a_column_cleaned_at_once_is_each_cell_cleaned(texts: list[str]) -> None:
    assert values.clean_texts(texts) == _reference_column(texts)


@pytest.mark.parametrize(
    "texts",
    [[], [""], ["-0-"], ["a ", " b"], ["a", "-0-", " c "], ["plain", "Zoë"], ["x\ny"], ["  "], ["a", "b  "]],
)
def test_column_edge_cases(texts: list[str]) -> None:
    assert values.clean_texts(texts) == _reference_column(texts)


# --- the address rule as first written (the parts joined, then rewritten and split once) ---


def _reference_segments(full: str, parts: tuple[str | None, ...]) -> list[str]:
    text = ", ".join(p for p in (*parts, full) if p)
    text = keys._POSTCODE_PREFIX.sub(r"\1", keys._FLOOR_SLASH.sub(r"\1 floor", text))
    segments = [s.strip() for s in keys._SEGMENT_BREAK.split(text) if s.strip() and s.strip() != "-0-"]
    for _ in range(2):
        if len(segments) >= 3 and keys._is_country(f"{segments[-2]}, {segments[-1]}"):
            segments = segments[:-2]
        elif len(segments) >= 2 and keys._is_country(segments[-1]):
            segments = segments[:-1]
    if segments:
        segments[-1] = keys._without_country(segments[-1])
    return segments


def _reference_tokens(full: str, parts: tuple[str | None, ...] = ()) -> frozenset[str]:
    found: set[str] = set()
    for segment in _reference_segments(full, parts):
        seen: dict[str, int] = {}
        for token in keys._tokens(segment):
            if token[0].isdigit():
                seen[token] = seen.get(token, 0) + 1
                if seen[token] > 1:
                    token = f"{token}x{seen[token]}"
            found.add(token)
    return frozenset(found)


ADDRESSES = [
    ("Room 9, Unit A, 3rd Floor, 123 Queen's Road, Sheung Wan, Hong Kong", ()),
    ("Unit A, Rm 9, 3/F., 123 Queen's Rd, Sheung Wan, Sheung Wan, HK", ()),
    ("Calle 27 No. 27-104, Medellin, Colombia", ()),
    ("Bahnhofstrasse 1, CH-8022 Zurich, Switzerland", ()),
    ("5 / F, 6-6 Nathan Road, Kowloon, Hong Kong, China", ()),
    ("Pyongyang, Korea, North", ()),
    ("Tverskaya 12, Moscow", ("Tverskaya 12", "Moscow", "125009")),
    ("12 Main Street, Apt 4, Lima PE", ("12 Main Street, Apt 4", "Lima", None)),
    ("1196 Bridge Street, Apt 345, Berlin, 18625, DE", ("1196 Bridge Street, Apt 345", "Berlin", "18625")),
    ("a,, b;;c\n d, -0-, 5/f", ("x 5", "", "-0-")),
    ("Hong Kong, China", ("7 Queen Rd 5/", "f", None)),
]


@pytest.mark.parametrize(("full", "parts"), ADDRESSES)
def test_address_tokens_cached_per_part_are_the_joined_rule(full: str, parts: tuple[str | None, ...]) -> None:
    assert keys.address_tokens(full, parts) == _reference_tokens(full, parts)


ADDRESS_TEXT = st.text(alphabet="ab CHf-/,;\n0123456789.", max_size=30)


@given(ADDRESS_TEXT, st.lists(st.one_of(st.none(), ADDRESS_TEXT), max_size=3))
@QUICK
def test_random_addresses_cached_per_part_are_the_joined_rule(full: str, parts: list[str | None]) -> None:
    assert keys.address_tokens(full, tuple(parts)) == _reference_tokens(full, tuple(parts))


def _generated_addresses(folder: str) -> Iterator[tuple[str, tuple[str | None, ...]]]:
    with open(f"{folder}/customers.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            parts = (row["street"], row["city"], row["postal_code"])
            yield ", ".join(p for p in (*parts, row["country"]) if p), parts
            if row["company_address"]:
                yield row["company_address"], ()


def test_generated_addresses_cached_per_part_are_the_joined_rule(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("addresses")
    generate_customers(folder, 3_000, seed=5, rings=True)
    checked = 0
    for full, parts in _generated_addresses(str(folder)):
        assert keys.address_tokens(full, parts) == _reference_tokens(full, parts), full
        checked += 1
    assert checked >= 3_000 and re.search(r"\d", full)
