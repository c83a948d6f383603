"""Which shared values can expose a customer at all: read once, so a big screening pass skips the rest.

A customer's exposure (``screen_exposure_batch``) is found from its values and the
addresses near-identical to its own (``similar_addresses.near_addresses_of``, a
full-text query each): every *user* of one of them that is listed, or has a path
of at most ``EXPOSURE_HOPS`` hops to a listed party over ``answers.EXPOSURE_RELS``
through no super-node, or belongs to an exposed cluster (``graph.clusters``). Per
customer that is two round trips and a shortest-path search per user; on a first
load's alert pass, where most of the customers screened are reached by their names
only, it finds nothing for almost all of them.

The other way round it is one walk for everyone: breadth first from every listed
party, ``EXPOSURE_HOPS`` hops over the same relationships and never into a
super-node, which finds each entity whose shortest such path is that short (the
walk is the search reversed, and entities are never super-nodes); with the
members of exposed clusters, these are every user that can give a hit. The values
they use (``exposure_values``) are the only ones that can. So a customer none of
whose values is one of them, and none of whose addresses could have one as a
near-identical address (``address_similarity`` above 0 needs the numbers of one
among the other's, so only such addresses are compared, by the same rule), has no
exposure hit: its exposure is empty without asking. Anyone else gets the full
exposure search. The answer equals a full screen's either way
(``tests/graph/test_alerts.py`` checks both on a graph where some customers are
exposed).

A walk that grows past ``MAX_NODES`` (a list tied into a dense registry) gives up:
``None``, and every customer gets the full search.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations

from graph.alert_reach import hops_from
from graph.model import Label
from graph.store import GraphStore
from ingest.keys import address_similarity, is_number_token

# Hops of the walk: screening's exposure search reaches listed parties this far from a user of a value.
HOPS = 3
# Nodes the walk may visit before it gives up (every customer is then searched in full).
MAX_NODES = 500_000
# Ids or nodes per round trip.
BATCH = 500


@dataclass(frozen=True, slots=True)
class ExposingValues:
    """The values some user of which can give a customer an exposure hit (label, key), and those of them that
    are addresses (``_Addresses``), to find the ones near-identical to a customer's."""

    values: frozenset[tuple[str, str]]
    addresses: _Addresses

    def may_expose(self, keys: Iterable[dict[str, str]]) -> bool:
        """Whether a customer with these value keys (``applicants.value_keys``) can have any exposure hit."""
        keys = list(keys)
        if any((item["label"], item["key"]) in self.values for item in keys):
            return True
        exact = {item["key"] for item in keys if item["label"] == str(Label.ADDRESS)}
        return any(self.addresses.near_one(address, exact) for address in exact)


class _Addresses:
    """Addresses filed by the numbers they hold, to compare an address only with those it can be near.

    ``address_similarity`` is above 0 only when every number of one address is in the
    other, so the numbers of one are a subset of the other's: an address is filed
    under its own set of numbers and under each subset of it, and a lookup reads the
    addresses holding all of its numbers and those whose numbers are a subset of its
    own. An address with more than ``MAX_NUMBERS`` numbers is compared with every
    other (``crowded``), and a customer's with more than that may be near any.
    """

    MAX_NUMBERS = 8

    def __init__(self, keys: Iterable[str]) -> None:
        self.holding: dict[frozenset[str], list[tuple[str, frozenset[str]]]] = {}
        self.exactly: dict[frozenset[str], list[tuple[str, frozenset[str]]]] = {}
        self.crowded: list[tuple[str, frozenset[str]]] = []
        for key in keys:
            tokens = frozenset(key.split())
            numbers = _numbers(tokens)
            if len(numbers) > self.MAX_NUMBERS:
                self.crowded.append((key, tokens))
                continue
            self.exactly.setdefault(numbers, []).append((key, tokens))
            for subset in _subsets(numbers):
                self.holding.setdefault(subset, []).append((key, tokens))

    def near_one(self, address: str, exact: set[str]) -> bool:
        """Whether one of these addresses that is not one of ``exact`` is near-identical to ``address``."""
        tokens = frozenset(address.split())
        numbers = _numbers(tokens)
        if not numbers:
            return False
        if len(numbers) > self.MAX_NUMBERS:
            return True
        candidates = [*self.holding.get(numbers, ()), *self.crowded]
        for subset in _subsets(numbers):
            candidates += self.exactly.get(subset, ())
        return any(key not in exact and address_similarity(tokens, other) > 0 for key, other in candidates)


def _numbers(tokens: frozenset[str]) -> frozenset[str]:
    return frozenset(t for t in tokens if is_number_token(t))


def _subsets(numbers: frozenset[str]) -> Iterator[frozenset[str]]:
    """Every non-empty subset."""
    ordered = sorted(numbers)
    for size in range(1, len(ordered) + 1):
        for chosen in combinations(ordered, size):
            yield frozenset(chosen)


def exposing_values(store: GraphStore) -> ExposingValues | None:
    """The values that can expose a customer, as the graph stands (None: the walk grew past ``MAX_NODES``)."""
    listed = [row["id"] for row in store.read("alert_listed_ids")]
    users = _near_listed(store, listed)
    if users is None:
        return None
    users |= {row["id"] for row in store.read("exposed_cluster_members")}
    values: set[tuple[str, str]] = set()
    ids = sorted(users)
    for start in range(0, len(ids), BATCH):
        for row in store.read("exposure_values", {"ids": ids[start : start + BATCH]}):
            values.update((label, row["key"]) for label in row["labels"])
    addresses = _Addresses(key for label, key in values if label == str(Label.ADDRESS))
    return ExposingValues(frozenset(values), addresses)


def _near_listed(store: GraphStore, listed: list[str]) -> set[str] | None:
    """The ids of the entities at most ``HOPS`` hops from a listed party (the listed ones too), or None."""
    starts: list[str] = []
    for start in range(0, len(listed), BATCH):
        starts += [row["node"] for row in store.read("alert_seed_entities", {"ids": listed[start : start + BATCH]})]
    entities = set(listed)
    for rows, seen in hops_from(store, starts, HOPS):
        entities.update(row["id"] for row in rows if row["entity"])
        if len(seen) > MAX_NODES:
            return None
    return entities
