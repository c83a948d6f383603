"""Clustering constraints: one entity never holds two values of an identifier a party has one of."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable

from resolution.cluster import Link, UniqueIds, _conflict, cluster_records

IdsOf = Callable[[str], UniqueIds]

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


class _EagerClusters:
    """The definition: one cluster per record made up front (``cluster_records`` makes them lazily)."""

    def __init__(self, record_ids: list[str], group_of: Callable[[str], str | None], ids_of: IdsOf) -> None:
        self.parent = {r: r for r in record_ids}
        self.members = {r: [r] for r in record_ids}
        self.groups = {r: {g} if (g := group_of(r)) else set() for r in record_ids}
        self.forbidden: dict[str, set[str]] = {r: set() for r in record_ids}
        self.ids = {r: dict(ids_of(r)) for r in record_ids}
        self.ids_of = ids_of

    def find(self, record_id: str) -> str:
        while self.parent[record_id] != record_id:
            record_id = self.parent[record_id]
        return record_id

    def union(self, a: str, b: str, *, check_groups: bool = True) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if check_groups and self.groups[ra] & self.groups[rb]:
            return
        if any(m in self.forbidden[rb] for m in self.members[ra]) or any(
            m in self.forbidden[ra] for m in self.members[rb]
        ):
            return
        if check_groups and _conflict(self.ids[ra], self.ids[rb]) and not _conflict(self.ids_of(a), self.ids_of(b)):
            return
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] += self.members.pop(rb)
        self.groups[ra] |= self.groups.pop(rb)
        self.forbidden[ra] |= self.forbidden.pop(rb)
        for tag, values in self.ids.pop(rb).items():
            self.ids[ra][tag] = self.ids[ra].get(tag, frozenset()) | values


def eager_cluster_records(
    record_ids: list[str],
    links: list[Link],
    threshold: float,
    group_of: Callable[[str], str | None],
    same: list[tuple[str, str]],
    not_same: list[tuple[str, str]],
    ids_of: IdsOf,
) -> list[list[str]]:
    clusters = _EagerClusters(record_ids, group_of, ids_of)
    known = clusters.parent
    for a, b in not_same:
        if a in known and b in known:
            clusters.forbidden[clusters.find(a)].add(b)
            clusters.forbidden[clusters.find(b)].add(a)
    for a, b in same:
        if a in known and b in known:
            clusters.union(a, b, check_groups=False)
    for link in sorted(
        (x for x in links if x.probability >= threshold and x.left in known and x.right in known),
        key=lambda x: (-x.probability, x.left, x.right),
    ):
        clusters.union(link.left, link.right)
    return sorted(sorted(m) for m in clusters.members.values())


def test_lazy_clusters_equal_the_eager_definition() -> None:
    rng = random.Random(11)
    for _ in range(300):
        records = [f"r{i:02d}" for i in range(rng.randint(2, 40))]
        groups = {r: rng.choice(["ofac", "un"]) for r in records if rng.random() < 0.3}
        numbers = {r: {"reg": frozenset({rng.choice(["111111", "111112", "222222", "333333"])})} for r in records}
        ids = {r: numbers[r] for r in records if rng.random() < 0.4}
        pairs = [tuple(rng.sample(records, 2)) for _ in range(rng.randint(0, 50))]
        links = [Link(a, b, round(rng.random(), 2)) for a, b in pairs]
        links += [Link("r00", "unknown", 0.99)]  # a record no longer staged
        same = [tuple(rng.sample(records, 2)) for _ in range(rng.randint(0, 3))]
        not_same = [tuple(rng.sample(records, 2)) for _ in range(rng.randint(0, 3))]
        ids_of = functools.partial(_ids_in, ids)
        expected = eager_cluster_records(records, links, 0.5, groups.get, same, not_same, ids_of)  # type: ignore[arg-type]
        found = cluster_records(
            records,
            links,
            threshold=0.5,
            group_of=groups.get,
            same=same,  # type: ignore[arg-type]
            not_same=not_same,  # type: ignore[arg-type]
            ids_of=ids_of,
        )
        assert found == expected


def _ids_in(ids: dict[str, UniqueIds], record_id: str) -> UniqueIds:
    return ids.get(record_id, {})
