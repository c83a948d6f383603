"""Clustering constraints: one entity never holds two values of an identifier a party has one of."""

from __future__ import annotations

from resolution.cluster import Link, UniqueIds, cluster_records

IDS: dict[str, UniqueIds] = {
    "co:a": {"registration": frozenset({"76267697"})},
    "co:b": {"registration": frozenset({"9823859803"})},
    "co:c": {"registration": frozenset({"76267697"})},
}


def clusters(links: list[Link], **kwargs: object) -> list[list[str]]:
    return cluster_records(
        ["list:falcon", "co:a", "co:b", "co:c"],
        links,
        threshold=0.5,
        group_of=lambda _: None,
        ids_of=lambda rid: IDS.get(rid, {}),
        **kwargs,
    )  # type: ignore[arg-type]


def test_a_record_without_numbers_does_not_chain_two_numbered_ones() -> None:
    # The listed "FALCON SYSTEMS" has no number; the customers' companies each have one.
    links = [Link("list:falcon", "co:a", 0.99), Link("list:falcon", "co:b", 0.95), Link("list:falcon", "co:c", 0.9)]
    assert clusters(links) == [["co:a", "co:c", "list:falcon"], ["co:b"]]


def test_an_analyst_can_still_merge_them() -> None:
    assert clusters([], same=[("co:a", "co:b")]) == [["co:a", "co:b"], ["co:c"], ["list:falcon"]]


def test_a_direct_link_between_two_numbers_is_the_models_call() -> None:
    # The model scored co:a and co:b themselves, conflict included, as one party (a replaced number).
    assert clusters([Link("co:a", "co:b", 0.97)]) == [["co:a", "co:b"], ["co:c"], ["list:falcon"]]


def test_numbers_one_typo_apart_do_not_conflict() -> None:
    typo = {"co:a": {"registration": frozenset({"76267697"})}, "co:b": {"registration": frozenset({"76267679"})}}
    found = cluster_records(
        ["hub", "co:a", "co:b"],
        [Link("hub", "co:a", 0.9), Link("hub", "co:b", 0.8)],
        threshold=0.5,
        group_of=lambda _: None,
        ids_of=lambda rid: typo.get(rid, {}),
    )
    assert found == [["co:a", "co:b", "hub"]]
