"""Shared-infrastructure networks as clusters: the worklist, a cluster's values, paths and exposure.

Clusters are computed at load (``graph.clusters``) and kept with the graph; this
module reads them, and draws the path from a member to its cluster's exposed
member. ``infrastructure_clusters`` is the older whole-graph computation, kept
for the benchmarks that compare the two.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graph.answers import Exposure, GraphEdge, GraphNode, Path, SharedValue, bounded
from graph.model import INFRA, VALUE_KINDS, Label
from graph.store import GraphStore


@dataclass(slots=True)
class InfraCluster:
    entities: list[str]
    score: float  # the strongest link inside the cluster
    values: list[tuple[str, str, float]]  # (label, key, weight) of the values that join it


CLUSTER_LABELS: tuple[str, ...] = tuple(sorted(str(label) for label, _ in INFRA.values()))


def infrastructure_clusters(
    store: GraphStore, *, min_weight: float = 0.2, link_at: float = 0.8, min_size: int = 2, page_size: int = 5000
) -> list[InfraCluster]:
    """Groups of entities joined by strong shared values, over the whole graph.

    Two entities are linked when the values they share add up to ``link_at``
    (``1 - prod(1 - specificity)``: one shared wallet is enough, a shared webmail
    domain never is, a residential IP and an address together are). Values below
    ``min_weight`` and super-nodes are never read, so one common value cannot
    join the world. Groups are the connected components of the links.
    """
    miss: dict[tuple[str, str], float] = {}
    joined_by: dict[tuple[str, str], list[tuple[str, str, float]]] = {}
    for label in CLUSTER_LABELS:
        for key, weight, users in _strong_values(store, label, min_weight, page_size):
            for i, a in enumerate(users):
                for b in users[i + 1 :]:
                    pair = (a, b) if a < b else (b, a)
                    miss[pair] = miss.get(pair, 1.0) * (1.0 - min(weight, 0.999))
                    joined_by.setdefault(pair, []).append((label, key, weight))
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair, remaining in miss.items():
        if 1.0 - remaining >= link_at:
            ra, rb = find(pair[0]), find(pair[1])
            if ra != rb:
                parent[rb] = ra
    groups: dict[str, list[str]] = {}
    for node in parent:
        groups.setdefault(find(node), []).append(node)
    strongest: dict[str, float] = {}
    values: dict[str, set[tuple[str, str, float]]] = {}
    for pair, remaining in miss.items():
        root = find(pair[0]) if pair[0] in parent else None
        if root is None or pair[1] not in parent or find(pair[1]) != root:
            continue
        values.setdefault(root, set()).update(joined_by[pair])
        if 1.0 - remaining >= link_at:
            strongest[root] = max(strongest.get(root, 0.0), 1.0 - remaining)
    clusters = [
        InfraCluster(sorted(members), round(strongest.get(root, 0.0), 6), sorted(values.get(root, set())))
        for root, members in groups.items()
        if len(members) >= min_size
    ]
    clusters.sort(key=lambda c: (-len(c.entities), -c.score))
    return clusters


def _strong_values(
    store: GraphStore, label: str, min_weight: float, page_size: int
) -> Iterable[tuple[str, float, list[str]]]:
    after = ""
    while True:
        rows = store.read(
            "strong_value_users", {"after": after, "batch": page_size, "minWeight": min_weight}, label=label
        )
        for row in rows:
            if row["strong"] and len(row["entities"]) >= 2:
                yield row["key"], float(row["weight"]), sorted(row["entities"])
        if len(rows) < page_size:
            return
        after = rows[-1]["key"]


# Value label -> the relationship from an entity to it, for drawing a cluster's links.
VALUE_REL_OF: dict[str, str] = {str(label): str(rel) for label, rel in INFRA.values()}


CLUSTER_RANK_SIZE = 10_000_000  # graph.clusters.RANK_SIZE: rank = score (4 decimals) * 10^4 * this + size


@dataclass(slots=True)
class ClusterView:
    """A cluster as the load wrote it: its members are read page by page, the rest is on the node."""

    id: str
    size: int
    score: float
    exposed: bool
    listed_id: str | None
    values: list[dict[str, Any]]  # {label, key, weight, degree, users}
    links: list[dict[str, Any]]  # spanning tree: {a, b, values}
    exposure: dict[str, Any] | None  # {member, listedId, score, values}


def _cluster(row: dict[str, Any]) -> ClusterView:
    c = row["cluster"]
    return ClusterView(
        id=c["id"],
        size=int(c["size"]),
        score=float(c.get("score") or 0.0),
        exposed=bool(c.get("exposed")),
        listed_id=c.get("listedId"),
        values=json.loads(c.get("valuesJson") or "[]"),
        links=json.loads(c.get("linksJson") or "[]"),
        exposure=json.loads(c["exposureJson"]) if c.get("exposureJson") else None,
    )


def entity_cluster(store: GraphStore, entity_id: str) -> ClusterView | None:
    """The cluster of an entity (None when it shares no strong value with anyone)."""
    rows = store.read("entity_cluster", {"id": entity_id})
    return _cluster(rows[0]) if rows else None


def cluster_by_id(store: GraphStore, cluster_id: str) -> ClusterView | None:
    rows = store.read("cluster_by_id", {"id": cluster_id})
    return _cluster(rows[0]) if rows else None


def clusters(
    store: GraphStore, *, exposed_only: bool = False, min_size: int = 2, skip: int = 0, limit: int = 50
) -> list[ClusterView]:
    """Clusters ranked by exposure score, then size: the investigators' worklist."""
    bounded(limit, "first", 501, low=0)
    params = {
        "minRank": CLUSTER_RANK_SIZE if exposed_only else 0,
        "minSize": max(min_size, 2),
        "skip": max(skip, 0),
        "limit": limit,
    }
    return [_cluster(r) for r in store.read("list_clusters", params)]


def cluster_members(store: GraphStore, cluster_id: str, *, skip: int = 0, limit: int = 20) -> list[Any]:
    """A page of a cluster's members (``graph.queries.EntityRow``), by entity ID."""
    from graph.queries import entity_row

    rows = store.read("cluster_members", {"id": cluster_id, "skip": max(skip, 0), "limit": limit})
    return [entity_row(r) for r in rows]


def _entity_nodes(store: GraphStore, ids: Iterable[str]) -> dict[str, GraphNode]:
    from graph.queries import get_entities

    found = get_entities(store, sorted(set(ids)))
    return {
        i: GraphNode(f"{Label.ENTITY}:{i}", str(Label.ENTITY), e.name, entity_id=i, schema=e.schema, listed=e.listed)
        for i, e in found.items()
    }


def _value_node(value: dict[str, Any]) -> GraphNode:
    return GraphNode(
        node_id=f"{value['label']}:{value['key']}",
        label=value["label"],
        name=value["key"],
        key=value["key"],
        degree=value.get("degree"),
        specificity=value.get("weight"),
    )


def cluster_values(store: GraphStore, cluster: ClusterView, *, first: int = 50) -> list[SharedValue]:
    """The values that join a cluster, most specific first, each with the members using it."""
    chosen = cluster.values[: bounded(first, "first", 500, low=0)]
    names = _entity_nodes(store, (u for v in chosen for u in v["users"]))
    return [
        SharedValue(_value_node(v), VALUE_KINDS.get(v["label"]), [names[u] for u in v["users"] if u in names])
        for v in chosen
    ]


def _tree_path(cluster: ClusterView, start: str, goal: str) -> list[dict[str, Any]]:
    """The cluster's links from ``start`` to ``goal`` along its spanning tree (breadth first)."""
    adjacent: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for link in cluster.links:
        adjacent.setdefault(link["a"], []).append((link["b"], link))
        adjacent.setdefault(link["b"], []).append((link["a"], link))
    came: dict[str, tuple[str, dict[str, Any]] | None] = {start: None}
    frontier = [start]
    while frontier and goal not in came:
        following = []
        for node in frontier:
            for other, link in adjacent.get(node, []):
                if other not in came:
                    came[other] = (node, link)
                    following.append(other)
        frontier = following
    steps: list[dict[str, Any]] = []
    node = goal
    while (step := came.get(node)) is not None:
        before, link = step
        steps.append({"from": before, "to": node, "values": link["values"]})
        node = before
    return list(reversed(steps))


def cluster_path(store: GraphStore, cluster: ClusterView, member: str | None = None) -> Path | None:
    """The path from ``member`` (default: the exposed member) through the cluster's links to the listed party.

    Its score is the cluster's exposure score: the cluster counts as one operator
    (its links passed ``graph.clusters.LINK_AT``), so a long chain is not weaker
    evidence than a short one.
    """
    exposure = cluster.exposure
    if exposure is None:
        return None
    start = member or exposure["member"]
    steps = _tree_path(cluster, start, exposure["member"])
    steps.append({"from": exposure["member"], "to": exposure["listedId"], "values": exposure["values"]})
    names = _entity_nodes(store, [start, *(s["to"] for s in steps)])
    if any(s["to"] not in names for s in steps) or start not in names:
        return None
    nodes, edges, explanation = [names[start]], [], []
    for step in steps:
        value = step["values"][0]
        via, source, target = _value_node(value), names[step["from"]], names[step["to"]]
        rel = VALUE_REL_OF.get(value["label"], "SHARES")
        nodes += [via, target]
        edges.append(GraphEdge(source.node_id, via.node_id, rel, float(value["weight"])))
        edges.append(GraphEdge(target.node_id, via.node_id, rel, float(value["weight"])))
        shared = " and ".join(f"{v['label']} {v['key']}" for v in step["values"])
        listed = " (listed)" if target.listed else ""
        explanation.append(f"{source.name} shares {shared} with {target.name}{listed}")
    return Path(nodes, edges, float(exposure["score"]), explanation)


def cluster_exposure(store: GraphStore, cluster: ClusterView) -> Exposure:
    """A cluster's exposure: its best link to a listed party, from the member that has it."""
    path = cluster_path(store, cluster)
    return Exposure(cluster.id, False, cluster.score if path else 0.0, [path] if path else [])


def with_cluster_path(store: GraphStore, found: Exposure) -> Exposure:
    """An entity's exposure, with its cluster's path to the list first when that scores at least as well."""
    if found.listed:
        return found
    cluster = entity_cluster(store, found.entity_id)
    if cluster is None or cluster.exposure is None or cluster.score < found.score:
        return found
    path = cluster_path(store, cluster, found.entity_id)
    if path is None:
        return found
    return Exposure(found.entity_id, False, max(found.score, path.score), [path, *found.paths])


def exposed_clusters_of(store: GraphStore, entity_ids: list[str]) -> dict[str, ClusterView]:
    """Entity ID -> its cluster, for those of ``entity_ids`` whose cluster is exposed."""
    if not entity_ids:
        return {}
    return {row["entityId"]: _cluster(row) for row in store.read("entities_clusters", {"ids": entity_ids})}
