"""Entity IDs that stay stable across runs.

Splink's cluster id is the smallest record id in a component, so it moves when a
record joins; it is never shown. Instead each new cluster inherits the ID its
records had before: an ID goes to the cluster holding most of its former
records (ties to the smaller ID). A cluster with no ID to inherit mints one from
its smallest record id, so a run from an empty workspace is reproducible. IDs
left without a cluster are retired and point at the cluster that took most of
their records (a merge); a cluster that got records from an ID that went
elsewhere records a split.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

ID_PREFIX = "sg-"


@dataclass(frozen=True, slots=True)
class IdEvent:
    entity_id: str
    event: str  # created | merged | split | retired
    other_id: str | None = None


@dataclass(slots=True)
class Assignment:
    entity_of: dict[str, str] = field(default_factory=dict)  # record_id -> entity_id
    events: list[IdEvent] = field(default_factory=list)
    retired: dict[str, str | None] = field(default_factory=dict)  # old id -> successor


def mint_id(members: list[str], taken: set[str]) -> str:
    """A new entity ID from the cluster's smallest record id, unique among ``taken``."""
    seed, attempt = min(members), 0
    while True:
        text = seed if attempt == 0 else f"{seed}#{attempt}"
        candidate = ID_PREFIX + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
        if candidate not in taken:
            return candidate
        attempt += 1


def assign_ids(clusters: list[list[str]], previous: dict[str, str], taken: set[str]) -> Assignment:
    """Give every cluster an ID, inheriting from ``previous`` (record_id -> entity_id).

    ``taken`` holds every ID ever issued, retired ones included, so none is reused.

    Most clusters are single records, so they skip the ``Counter``: a single
    record overlaps its old ID once. Candidates are taken by most shared records,
    then old ID, then cluster; the list is built in cluster order, so a stable
    sort on (count, old ID) gives that order.
    """
    taken = set(taken)
    shared: list[tuple[int, str, int]] = []  # (-records shared, old ID, cluster) of counts above one
    once: list[tuple[str, int]] = []  # (old ID, cluster) sharing one record
    get = previous.get
    for index, members in enumerate(clusters):
        if len(members) == 1:
            old = get(members[0])
            if old is not None:
                once.append((old, index))
            continue
        counts = Counter(previous[m] for m in members if m in previous)
        for old, n in counts.items():
            if n == 1:
                once.append((old, index))
            else:
                shared.append((-n, old, index))
    shared.sort(key=_by_count_then_old)
    once.sort(key=_old_id)
    owner: dict[int, str] = {}
    used: set[str] = set()
    for _, old, index in shared:
        if index not in owner and old not in used:
            owner[index] = old
            used.add(old)  # in place: a copy per cluster made a million-entity run quadratic
    for old, index in once:
        if index not in owner and old not in used:
            owner[index] = old
            used.add(old)
    result = Assignment()
    entity_of, events = result.entity_of, result.events
    for index, members in enumerate(clusters):
        entity_id = owner.get(index)
        if entity_id is None:
            entity_id = mint_id(members, taken)
            taken.add(entity_id)
            events.append(IdEvent(entity_id, "created"))
        for member in members:
            entity_of[member] = entity_id
    _record_retirements(result, previous, used)
    return result


def _by_count_then_old(item: tuple[int, str, int]) -> tuple[int, str]:
    return item[0], item[1]


def _old_id(item: tuple[str, int]) -> str:
    return item[0]


def _record_retirements(result: Assignment, previous: dict[str, str], used: set[str]) -> None:
    """Old IDs that lost their cluster: merged into a successor, or retired for good.

    An old ID of a single record needs no ``Counter``: its one record went to one
    cluster, and when the ID was inherited it went with it (no split).
    """
    entity_of = result.entity_of
    sizes = Counter(previous.values())
    destinations: dict[str, Counter[str]] = {}
    record_of: dict[str, str] = {}  # old ID of a single record -> that record
    for record_id, old in previous.items():
        if sizes[old] == 1:
            record_of[old] = record_id
            continue
        new = entity_of.get(record_id)
        if new is not None:
            destinations.setdefault(old, Counter())[new] += 1
    for old in sorted(sizes.keys() - used):
        if old in record_of:
            successor = entity_of.get(record_of[old])
        else:
            moved = destinations.get(old)
            successor = min(moved.items(), key=lambda kv: (-kv[1], kv[0]))[0] if moved else None
        result.retired[old] = successor
        result.events.append(IdEvent(old, "merged" if successor else "retired", successor))
    for old in sorted(used & destinations.keys()):
        for new in sorted(set(destinations[old]) - {old}):
            result.events.append(IdEvent(new, "split", old))
