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
    """
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
            used.add(old)  # in place: a copy per cluster made a million-entity run quadratic
    result = Assignment()
    for index, members in enumerate(clusters):
        entity_id = owner.get(index)
        if entity_id is None:
            entity_id = mint_id(members, taken)
            taken.add(entity_id)
            result.events.append(IdEvent(entity_id, "created"))
        for member in members:
            result.entity_of[member] = entity_id
    _record_retirements(result, previous, used)
    return result


def _record_retirements(result: Assignment, previous: dict[str, str], used: set[str]) -> None:
    """Old IDs that lost their cluster: merged into a successor, or retired for good."""
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
