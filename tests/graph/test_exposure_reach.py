"""Which customers' values can expose them: the test ``exposure_reach.ExposingValues`` makes without Neo4j.

The walk that finds the values is checked on a real graph in ``tests/graph/test_alerts.py``; here, the rule
that says a customer's own address can lead to an exposing one only when the two are near-identical, written
as real sources write addresses.
"""

from __future__ import annotations

from graph.exposure_reach import ExposingValues, _Addresses
from graph.model import Label
from ingest.keys import address_key

LISTED_ADDRESS = address_key("12 Ryugyong Street, Pyongyang, North Korea", None, None, None)
assert LISTED_ADDRESS is not None
WALLET = ("Wallet", "0x03129e37fd1edc71ad93968bd6fe2892870c32e7")


def exposing() -> ExposingValues:
    return ExposingValues(frozenset({WALLET, (str(Label.ADDRESS), LISTED_ADDRESS)}), _Addresses([LISTED_ADDRESS]))


def keys(*addresses: str, wallet: str | None = None) -> list[dict[str, str]]:
    found = [{"label": str(Label.ADDRESS), "key": address_key(a, None, None, None) or ""} for a in addresses]
    return found + ([{"label": "Wallet", "key": wallet}] if wallet else [])


def test_a_customer_sharing_an_exposing_value_may_be_exposed() -> None:
    assert exposing().may_expose(keys("7 Cedar Lane, Vancouver", wallet=WALLET[1]))
    assert exposing().may_expose(keys("12 Ryugyong St., Pyongyang, KP"))  # the same address, written otherwise


def test_a_customer_whose_address_is_near_identical_to_an_exposing_one_may_be_exposed() -> None:
    assert exposing().may_expose(keys("Flat 3, 12 Ryugyong Street, Pyongyang"))


def test_an_address_is_near_one_with_more_numbers_or_fewer() -> None:
    """Numbers of the less detailed address must all be in the other: found whichever side says more."""
    detailed = address_key("Room 1204, 7 Haebangsan-dong, Central District, Pyongyang 21", None, None, None)
    assert detailed is not None
    near = _Addresses([detailed])
    assert near.near_one(address_key("7 Haebangsan-dong, Pyongyang", None, None, None) or "", set())
    assert not near.near_one(address_key("8 Haebangsan-dong, Pyongyang", None, None, None) or "", set())
    flat = address_key("Flat 3, 12 Ryugyong Street, Pyongyang", None, None, None) or ""
    assert _Addresses([LISTED_ADDRESS]).near_one(flat, set())
    assert not _Addresses([LISTED_ADDRESS]).near_one(flat, {LISTED_ADDRESS})  # its own exact address is not "near"


def test_a_customer_with_neither_cannot_be_exposed() -> None:
    assert not exposing().may_expose(keys("14 Ryugyong Street, Pyongyang"))  # another house on the street
    assert not exposing().may_expose(keys("12 Cedar Lane, Vancouver"))  # the same number elsewhere
    assert not exposing().may_expose(keys(wallet="0x03129e37fd1edc71ad93968bd6fe2892870c32e8"))
    assert not exposing().may_expose([])
