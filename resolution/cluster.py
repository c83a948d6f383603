"""Clustering scored pairs into entities, honouring constraints.

Plain connected components lets one doubtful link chain two listed parties
together. Here links are taken strongest first and a merge is refused when it
would put two entries of the same sanctions list into one entity (a list never
lists one party twice), join records an analyst said are different, or chain
two different values of an identifier a party has one of into one entity
through other records (without this, a listed "FALCON SYSTEMS" with no number
chains eighteen customers' "Falcon Systems" companies, each with its own
registration number, into one entity; numbers one typo apart do not conflict).
A link between the two conflicting records themselves is kept: the model saw
the conflict (a level of its identifier comparison) and still found a match,
as for a FEBRL duplicate whose social security number was replaced. Analyst "same" judgements are applied
before any scored link and override the constraints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from resolution.comparisons import jaro_winkler
from resolution.identifiers import TYPO_SIMILARITY


@dataclass(frozen=True, slots=True)
class Link:
    left: str
    right: str
    probability: float


# Per identifier tag (``features.unique_tag``), the values a record or entity has.
UniqueIds = dict[str, frozenset[str]]


@dataclass(slots=True)
class _Cluster:
    members: list[str]
    groups: set[str] = field(default_factory=set)
    forbidden: set[str] = field(default_factory=set)
    ids: dict[str, frozenset[str]] = field(default_factory=dict)


def _conflict(a: UniqueIds, b: UniqueIds) -> bool:
    """Some tag both have, with no value in common and no two values one typo apart.

    A typo (``1234567`` / ``1234576``) is the model's "nearly the same
    identifier" level, evidence *for* a match, so it must not block the merge.
    """
    return any(
        a[tag].isdisjoint(b[tag])
        and not any(jaro_winkler(x, y, (TYPO_SIMILARITY,)) >= TYPO_SIMILARITY for x in a[tag] for y in b[tag])
        for tag in a.keys() & b.keys()
    )


class _Clusters:
    """Union-find over record ids with per-cluster constraint sets.

    Clusters are made lazily: a record no link or judgement touches stays an
    implicit singleton (its own root, no ``_Cluster`` object). Of a million
    records only the few tens of thousands that some link names ever need one.
    """

    def __init__(self, group_of: Callable[[str], str | None], ids_of: Callable[[str], UniqueIds]) -> None:
        self.parent: dict[str, str] = {}  # only records that have a ``_Cluster`` or joined one
        self.clusters: dict[str, _Cluster] = {}
        self.group_of = group_of
        self.ids_of = ids_of

    def cluster(self, root: str) -> _Cluster:
        """The cluster of a root, made from the record itself on first use."""
        found = self.clusters.get(root)
        if found is None:
            group = self.group_of(root)
            found = self.clusters[root] = _Cluster([root], {group} if group else set(), ids=dict(self.ids_of(root)))
            self.parent[root] = root
        return found

    def find(self, record_id: str) -> str:
        if record_id not in self.parent:
            return record_id  # an implicit singleton
        root = record_id
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[record_id] != root:
            self.parent[record_id], record_id = root, self.parent[record_id]
        return root

    def forbid(self, a: str, b: str) -> None:
        self.cluster(self.find(a)).forbidden.add(b)
        self.cluster(self.find(b)).forbidden.add(a)

    def allowed(self, a: _Cluster, b: _Cluster, *, check_groups: bool) -> bool:
        if check_groups and a.groups & b.groups:
            return False
        small, large = (a, b) if len(a.members) <= len(b.members) else (b, a)
        return not any(m in large.forbidden for m in small.members) and not any(
            m in small.forbidden for m in large.members
        )

    def union(self, a: str, b: str, *, check_groups: bool = True) -> bool:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return True
        ca, cb = self.cluster(root_a), self.cluster(root_b)
        if not self.allowed(ca, cb, check_groups=check_groups):
            return False
        if check_groups and _conflict(ca.ids, cb.ids) and not _conflict(self.ids_of(a), self.ids_of(b)):
            return False  # the conflict is between other members: only the chain joins them
        if len(ca.members) < len(cb.members):
            root_a, root_b, ca, cb = root_b, root_a, cb, ca
        self.parent[root_b] = root_a
        ca.members.extend(cb.members)
        ca.groups |= cb.groups
        ca.forbidden |= cb.forbidden
        for tag, values in cb.ids.items():
            ca.ids[tag] = ca.ids.get(tag, frozenset()) | values
        del self.clusters[root_b]
        return True


def cluster_records(
    record_ids: Iterable[str],
    links: Iterable[Link],
    *,
    threshold: float,
    group_of: Callable[[str], str | None],
    same: Iterable[tuple[str, str]] = (),
    not_same: Iterable[tuple[str, str]] = (),
    ids_of: Callable[[str], UniqueIds] = lambda _: {},
) -> list[list[str]]:
    """Entities as sorted lists of record ids, every record in exactly one.

    ``group_of`` names the exclusive group of a record (its sanctions list) or
    ``None``; two records of one group never share an entity unless an analyst
    said they are the same. ``ids_of`` gives a record's one-per-party
    identifiers; two different values of one tag join an entity only by a
    link between their own records.
    """
    known = set(record_ids)
    clusters = _Clusters(group_of, ids_of)
    for a, b in not_same:
        if a in known and b in known:
            clusters.forbid(a, b)
    for a, b in same:
        if a in known and b in known:
            clusters.union(a, b, check_groups=False)
    strong = sorted(
        (link for link in links if link.probability >= threshold and link.left in known and link.right in known),
        key=lambda link: (-link.probability, link.left, link.right),
    )
    for link in strong:
        clusters.union(link.left, link.right)
    touched = clusters.parent
    by_first = {m[0]: m for m in (sorted(c.members) for c in clusters.clusters.values())}
    # Disjoint sorted lists in order of their first member (which is their order as lists):
    # sorting the record ids once is far cheaper than sorting a million one-record lists.
    found: list[list[str]] = []
    for record_id in sorted(known):
        if record_id not in touched:
            found.append([record_id])
        elif record_id in by_first:
            found.append(by_first[record_id])
    return found
