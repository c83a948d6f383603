"""Stable IDs: the fast paths of ``assign_ids`` give what the plain definition gives.

``reference_assign_ids`` is the definition (a ``Counter`` per cluster and per
old ID, every candidate sorted by shared records, old ID, cluster); the fast
``assign_ids`` skips both for single records. Random partitions before and
after, with records added and removed, must get the same IDs and events.
"""

from __future__ import annotations

import random
from collections import Counter

from resolution.identity import Assignment, IdEvent, assign_ids, mint_id


def reference_assign_ids(clusters: list[list[str]], previous: dict[str, str], taken: set[str]) -> Assignment:
    taken = set(taken)
    overlap: list[tuple[int, str, int]] = []
    for index, members in enumerate(clusters):
        counts = Counter(previous[m] for m in members if m in previous)
        overlap.extend((n, old, index) for old, n in counts.items())
    owner: dict[int, str] = {}
    used: set[str] = set()
    for _, old, index in sorted(overlap, key=lambda t: (-t[0], t[1], t[2])):
        if index not in owner and old not in used:
            owner[index] = old
            used.add(old)
    result = Assignment()
    for index, members in enumerate(clusters):
        entity_id = owner.get(index)
        if entity_id is None:
            entity_id = mint_id(members, taken)
            taken.add(entity_id)
            result.events.append(IdEvent(entity_id, "created"))
        for member in members:
            result.entity_of[member] = entity_id
    destinations: dict[str, Counter[str]] = {}
    for record_id, old in previous.items():
        new = result.entity_of.get(record_id)
        if new is not None:
            destinations.setdefault(old, Counter())[new] += 1
    for old in sorted(set(previous.values()) - used):
        moved = destinations.get(old)
        successor = min(moved.items(), key=lambda kv: (-kv[1], kv[0]))[0] if moved else None
        result.retired[old] = successor
        result.events.append(IdEvent(old, "merged" if successor else "retired", successor))
    for old in sorted(used):
        for new in sorted(set(destinations.get(old, Counter())) - {old}):
            result.events.append(IdEvent(new, "split", old))
    return result


def random_partition(rng: random.Random, records: list[str]) -> list[list[str]]:
    """Mostly single records, some pairs and larger groups, as resolve makes them."""
    shuffled = records[:]
    rng.shuffle(shuffled)
    clusters: list[list[str]] = []
    while shuffled:
        size = rng.choice([1, 1, 1, 1, 1, 2, 2, 3, 5])
        clusters.append(sorted(shuffled[:size]))
        del shuffled[:size]
    return sorted(clusters)


def test_fast_assignment_equals_the_definition() -> None:
    rng = random.Random(7)
    for _ in range(300):
        records = [f"r{i:03d}" for i in range(rng.randint(1, 60))]
        before = random_partition(rng, records)
        first = reference_assign_ids(before, {}, set())
        assert assign_ids(before, {}, set()) == first
        # The next run: some records gone, some new, the rest regrouped.
        kept = [r for r in records if rng.random() > 0.1]
        after = random_partition(rng, kept + [f"n{i:03d}" for i in range(rng.randint(0, 10))])
        taken = set(first.entity_of.values()) | set(first.retired)
        expected = reference_assign_ids(after, first.entity_of, taken)
        assert assign_ids(after, first.entity_of, taken) == expected
        # And a third run on top, with retired IDs among the taken ones.
        again = random_partition(rng, [r for r in kept if rng.random() > 0.05])
        taken |= set(expected.entity_of.values())
        assert assign_ids(again, expected.entity_of, taken) == reference_assign_ids(again, expected.entity_of, taken)
