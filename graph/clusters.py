"""Shared-infrastructure clusters, computed at every load and kept with the graph.

Investigators ask which customers belong to a network that touches a listed
party, and the answer is a network, not a path: an IT-worker ring chains its
accounts one shared value per link (a card, then a wallet, then a phone...), so
a bounded walk from one member never reaches the far end of the chain. A
cluster is a connected component of the links below, found in one pass over
staging (DuckDB for the set-wise part, a union-find in Python):

- two entities are linked when the values they share add up to ``LINK_AT``
  (``1 - prod(1 - specificity)``, ``graph.specificity``): one wallet, card,
  device, phone, e-mail or identifier is enough; an IP address or an address
  (0.6) only with another value; a webmail domain never;
- a super-node (a value used by more than ``SUPER_NODE_DEGREE`` entities: a VPN
  egress IP, a registered agent's address) weighs nothing, so it links nothing;
- a *hub* entity (one sharing values with more than ``HUB_NEIGHBOURS`` others: a
  placeholder company, an agent with thousands of companies) is left out, so
  it cannot join unrelated groups through itself;
- listed parties are not members: they are what a cluster is exposed to. A
  member that shares values worth ``LIST_LINK_AT`` with a listed party exposes
  the whole cluster, and the cluster's exposure is the best such link.

Every link that joined two groups is kept (``links``: a spanning tree), so the
path from any member to the exposed member is read from the cluster itself,
however many hops it has. The cluster counts as one operator: its exposure
score is the score of its link to the list, not lowered by the chain's length.

IDs: ``cl-`` followed by the smallest member's entity ID. Entity IDs are stable
across runs (``resolution.stable_ids``), so a cluster keeps its ID while its
smallest member stays in it; when two clusters merge, the merged one keeps the
smaller ID. (A hash of the strongest value was the alternative; it changes
whenever a stronger value joins, which happens more often than the smallest
member leaving.)

Writes are incremental: each cluster has a digest of what it holds, the graph's
digests are read back, and only new or changed clusters are written; clusters
that are gone are deleted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import xxhash

from graph.model import INFRA
from graph.specificity import SUPER_NODE_DEGREE, specificity
from graph.store import GraphStore
from ingest.staging import entities

LINK_AT = 0.8
# A listed party's value shared this strongly exposes the cluster: a wallet, card, e-mail, phone or device
# alone, an address or an IP only with another value.
LIST_LINK_AT = 0.8
MIN_WEIGHT = 0.2  # values weaker than this never add to a link (a busy network, a webmail domain)
HUB_NEIGHBOURS = 100
WRITE_BATCH = 500
# Cluster rank: exposure score first (4 decimals), then size; one number, so one index orders the worklist.
RANK_SIZE = 10_000_000

LABEL_OF: dict[str, str] = {str(kind): str(label) for kind, (label, _) in INFRA.items()}


@dataclass(slots=True)
class Value:
    label: str
    key: str
    weight: float
    degree: int
    users: list[str]  # the entities using it (members of one cluster, where kept on a cluster)

    def ref(self) -> dict[str, Any]:
        return {"label": self.label, "key": self.key, "weight": self.weight, "degree": self.degree}


@dataclass(slots=True)
class Cluster:
    id: str
    members: list[str]
    values: list[Value]
    links: list[dict[str, Any]]  # spanning tree: {a, b, values: [value refs]}
    exposure: dict[str, Any] | None  # {member, listedId, score, values: [value refs]}
    score: float = 0.0

    def properties(self) -> dict[str, Any]:
        """The node's properties; JSON for the nested parts (Neo4j properties hold no maps)."""
        values = [{**v.ref(), "users": v.users} for v in self.values]
        props: dict[str, Any] = {
            "id": self.id,
            "size": len(self.members),
            "score": self.score,
            "exposed": self.exposure is not None,
            "rank": int(round(self.score, 4) * 10_000) * RANK_SIZE + min(len(self.members), RANK_SIZE - 1),
            "listedId": self.exposure["listedId"] if self.exposure else None,
            "valuesJson": json.dumps(values, separators=(",", ":")),
            "linksJson": json.dumps(self.links, separators=(",", ":")),
            "exposureJson": json.dumps(self.exposure, separators=(",", ":")) if self.exposure else None,
        }
        props["digest"] = xxhash.xxh3_64_hexdigest(json.dumps([props, self.members], sort_keys=True).encode())
        return props


@dataclass(slots=True)
class ClusterSummary:
    clusters: int = 0
    members: int = 0
    exposed: int = 0
    written: int = 0
    deleted: int = 0
    hubs: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    # Members of the exposed clusters this load wrote (new, or changed): ongoing screening re-screens them, as
    # a cluster's exposure reaches members the walk from a list change does not (graph.alerts).
    exposed_changed: list[str] = field(default_factory=list)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        root = parent.setdefault(x, x)
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        return True


def read_values(con: duckdb.DuckDBPyConnection) -> tuple[list[Value], set[str]]:
    """Every value shared by 2 to ``SUPER_NODE_DEGREE`` entities, weighted, and the listed entities."""
    listed = entities.listed_entities(con)
    values: list[Value] = []
    for rows in entities.batches(entities.shared_values(con, SUPER_NODE_DEGREE), 50_000):
        for kind, key, degree, users in rows:
            weight = specificity(kind, key, int(degree))
            if weight >= MIN_WEIGHT and kind in LABEL_OF:
                values.append(Value(LABEL_OF[kind], key, weight, int(degree), users))
    # In key order: the links a union-find keeps depend on the order it meets values, and a cluster's digest
    # on its links, so an unchanged run must meet them in the same order to write nothing.
    values.sort(key=lambda v: (v.label, v.key))
    return values, listed


def compute(values: Iterable[Value], listed: set[str]) -> tuple[list[Cluster], int]:
    """The clusters of size two or more over ``values``; returns them and how many hubs were left out."""
    values = list(values)
    neighbours: dict[str, int] = {}
    for value in values:
        for user in value.users:
            neighbours[user] = neighbours.get(user, 0) + len(value.users) - 1
    hubs = {user for user, count in neighbours.items() if count > HUB_NEIGHBOURS}
    excluded = hubs | listed
    found = _UnionFind()
    links: list[tuple[str, str, list[Value]]] = []
    weak: dict[tuple[str, str], list[Value]] = {}
    to_list: dict[tuple[str, str], list[Value]] = {}  # (member, listed party) -> the values they share
    for value in values:
        members = [u for u in value.users if u not in excluded]
        for party in (u for u in value.users if u in listed):
            for member in members:
                to_list.setdefault((member, party), []).append(value)
        if len(members) < 2:
            continue
        if value.weight >= LINK_AT:
            for other in members[1:]:
                if found.union(members[0], other):
                    links.append((members[0], other, [value]))
        else:
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    weak.setdefault((a, b), []).append(value)
    for (a, b), shared in sorted(weak.items()):
        if _combined(shared) >= LINK_AT and found.union(a, b):
            links.append((a, b, shared))
    groups: dict[str, list[str]] = {}
    for member in list(found.parent):
        groups.setdefault(found.find(member), []).append(member)
    clusters: dict[str, Cluster] = {}
    for root, members in groups.items():
        if len(members) >= 2:
            members.sort()
            clusters[root] = Cluster(f"cl-{members[0]}", members, [], [], None)
    for a, b, shared in links:
        clusters[found.find(a)].links.append({"a": a, "b": b, "values": [v.ref() for v in shared]})
    for value in values:
        by_root: dict[str, list[str]] = {}
        for user in value.users:
            if user in found.parent:
                by_root.setdefault(found.find(user), []).append(user)
        for root, users in by_root.items():
            if len(users) >= 2 and root in clusters:
                clusters[root].values.append(Value(value.label, value.key, value.weight, value.degree, users))
    for (member, party), shared in sorted(to_list.items()):
        cluster = clusters.get(found.find(member)) if member in found.parent else None
        score = round(_combined(shared), 6)
        if cluster is None or score < LIST_LINK_AT or score <= cluster.score:
            continue
        cluster.score = score
        cluster.exposure = {
            "member": member,
            "listedId": party,
            "score": score,
            "values": [v.ref() for v in shared],
        }
    for cluster in clusters.values():
        cluster.values.sort(key=lambda v: (-v.weight, v.label, v.key))
    return sorted(clusters.values(), key=lambda c: c.id), len(hubs)


def _combined(values: list[Value]) -> float:
    miss = 1.0
    for value in values:
        miss *= 1.0 - min(value.weight, 0.999)
    return 1.0 - miss


def write_clusters(con: duckdb.DuckDBPyConnection, store: GraphStore, load_id: int) -> ClusterSummary:
    """Compute this run's clusters and write those that changed; delete those that are gone."""
    summary = ClusterSummary()
    started = time.monotonic()
    values, listed = read_values(con)
    summary.seconds["read"] = time.monotonic() - started
    clusters, summary.hubs = compute(values, listed)
    summary.seconds["compute"] = time.monotonic() - started - summary.seconds["read"]
    summary.clusters = len(clusters)
    summary.members = sum(len(c.members) for c in clusters)
    summary.exposed = sum(1 for c in clusters if c.exposure is not None)
    written_at = time.monotonic()
    existing = {row["id"]: row["digest"] for row in store.read("cluster_digests")}
    rows: list[dict[str, Any]] = []
    for cluster in clusters:
        props = cluster.properties()
        if existing.pop(cluster.id, None) != props["digest"]:
            rows.append({"id": cluster.id, "props": {**props, "loadId": load_id}, "members": cluster.members})
            if cluster.exposure is not None:
                summary.exposed_changed.extend(cluster.members)
    for start in range(0, len(rows), WRITE_BATCH):
        store.write("merge_clusters", {"rows": rows[start : start + WRITE_BATCH]})
    gone = sorted(existing)
    for start in range(0, len(gone), WRITE_BATCH * 10):
        store.write("delete_clusters", {"ids": gone[start : start + WRITE_BATCH * 10]})
    summary.written, summary.deleted = len(rows), len(gone)
    summary.seconds["write"] = time.monotonic() - written_at
    return summary
