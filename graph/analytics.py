"""Investigators' questions of the graph: networks, paths, exposure, ownership, fronts.

Each function runs named, parameterised Cypher (``graph/cypher``) and does the
arithmetic in Python, where it can be read and tested: how much a hop counts,
how ownership aggregates under the 50% rule, how indicators add up. Traversals
never pass through a super-node (a value shared by very many entities), and
every expansion is bounded, so no question touches the whole graph.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graph.model import INFRA, RELATION_TYPES, VALUE_KINDS, Label, Rel
from graph.store import GraphStore
from sanctiongraph.errors import InvalidArgumentError, NotFoundError

# How much one hop through a stated relation passes on (a shared value passes on its specificity).
HOP_WEIGHT: dict[str, float] = {
    Rel.OWNS: 0.9,
    Rel.PARENT_OF: 0.9,
    Rel.DIRECTOR_OF: 0.8,
    Rel.OPERATES: 0.8,
    Rel.OFFICER_OF: 0.7,
    Rel.LINKED_TO: 0.7,
    Rel.FAMILY_OF: 0.6,
    Rel.ASSOCIATE_OF: 0.5,
    Rel.INTERMEDIARY_OF: 0.4,
}
RELATION_RELS: tuple[str, ...] = tuple(sorted(str(r) for r in set(RELATION_TYPES.values()) - {Rel.HAS_ADDRESS}))
VALUE_RELS: tuple[str, ...] = tuple(sorted({str(rel) for _, rel in INFRA.values()}))
# Between two address nodes that are near-identical: a value passing on the link's score, not a value of its own.
SIMILAR_RELS: tuple[str, ...] = (str(Rel.SIMILAR_ADDRESS),)
NETWORK_RELS: tuple[str, ...] = RELATION_RELS + VALUE_RELS + SIMILAR_RELS + (str(Rel.AT_DOMAIN), str(Rel.IN_NETWORK))
EXPOSURE_RELS: tuple[str, ...] = RELATION_RELS + VALUE_RELS + SIMILAR_RELS

MAX_DEPTH = 3
MAX_HOPS = 6
MAX_NODES = 500
PER_NODE = 50
MASS_ADDRESS_DEGREE = 10  # companies at one address: a registration mill
NOMINEE_SEATS = 10  # boards one person sits on: a nominee
RECENT_YEARS = 3


@dataclass(slots=True)
class GraphNode:
    node_id: str  # "Entity:<id>" or "<Label>:<key>", stable across requests
    label: str
    name: str
    entity_id: str | None = None
    key: str | None = None
    schema: str | None = None
    listed: bool = False
    degree: int | None = None
    specificity: float | None = None
    super_node: bool = False


@dataclass(slots=True)
class GraphEdge:
    source: str
    target: str
    type: str
    confidence: float
    share: float | None = None
    role: str | None = None
    records: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Network:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool


@dataclass(slots=True)
class Path:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    score: float
    explanation: list[str]


@dataclass(slots=True)
class Exposure:
    entity_id: str
    listed: bool
    score: float
    paths: list[Path]


@dataclass(slots=True)
class OwnershipChain:
    owners: list[GraphNode]  # from the top owner down to the entity itself
    shares: list[float | None]
    effective_share: float | None
    listed_owner: str | None  # the listed party this chain carries ownership from


@dataclass(slots=True)
class Ownership:
    entity_id: str
    listed_share: float  # aggregate direct + indirect ownership by listed parties, percent
    blocked: bool  # 50% rule: owned 50% or more, in aggregate, by blocked parties
    unknown_shares: bool  # some chain has no share stated
    blocked_owners: list[str]
    chains: list[OwnershipChain]


@dataclass(slots=True)
class Indicator:
    name: str
    evidence: str | None
    weight: float


@dataclass(slots=True)
class FrontCandidate:
    entity: GraphNode
    score: float
    indicators: list[Indicator]
    listed: GraphNode | None = None  # the listed party it points to


@dataclass(slots=True)
class SharedValue:
    node: GraphNode
    kind: str | None
    users: list[GraphNode]


def _check_types(types: Iterable[str] | None, allowed: tuple[str, ...]) -> list[str]:
    if types is None:
        return list(allowed)
    chosen = [str(t).upper() for t in types]
    unknown = sorted(set(chosen) - set(allowed))
    if unknown:
        raise InvalidArgumentError(f"unknown relationship types {unknown}; use some of {list(allowed)}")
    return chosen


def _bounded(value: int, name: str, high: int, low: int = 1) -> int:
    if not low <= value <= high:
        raise InvalidArgumentError(f"{name} must be between {low} and {high}")
    return value


def node_from(row: dict[str, Any]) -> GraphNode:
    """A node from a Cypher map with labels, id/key, name and flags."""
    labels = row.get("labels") or []
    label = str(Label.ENTITY) if str(Label.ENTITY) in labels else (labels[0] if labels else "Node")
    is_entity = label == str(Label.ENTITY)
    ident = row.get("id") if is_entity else row.get("key")
    return GraphNode(
        node_id=f"{label}:{ident}",
        label=label,
        name=str(row.get("name") or ident),
        entity_id=row.get("id") if is_entity else None,
        key=None if is_entity else row.get("key"),
        schema=row.get("schema"),
        listed=bool(row.get("listed")),
        degree=row.get("degree"),
        specificity=row.get("specificity"),
        super_node=bool(row.get("superNode")),
    )


def edge_confidence(rel_type: str, target: GraphNode, score: float | None = None) -> float:
    if rel_type in HOP_WEIGHT:
        return HOP_WEIGHT[rel_type]
    if rel_type in SIMILAR_RELS:
        return score if score is not None else 0.5
    return target.specificity if target.specificity is not None else 0.5


# --- network --------------------------------------------------------------------


def _expand(
    store: GraphStore, frontier: list[GraphNode], types: list[str], min_confidence: float, expand_super: bool
) -> list[tuple[str, dict[str, Any]]]:
    rows: list[tuple[str, dict[str, Any]]] = []
    params = {"types": types, "minConfidence": min_confidence, "perNode": PER_NODE}
    entity_ids = [n.entity_id for n in frontier if n.entity_id]
    if entity_ids:
        rows += [(r["fromNode"], r) for r in store.read("expand_entities", {**params, "ids": entity_ids})]
    by_label: dict[str, list[str]] = {}
    for node in frontier:
        if node.key is not None:
            by_label.setdefault(node.label, []).append(node.key)
    for label, keys in by_label.items():
        found = store.read("expand_values", {**params, "keys": keys, "expandSuperNodes": expand_super}, label=label)
        rows += [(r["fromNode"], r) for r in found]
    return rows


def network(
    store: GraphStore,
    node_id: str,
    *,
    depth: int = 2,
    types: Iterable[str] | None = None,
    min_confidence: float = 0.0,
    first: int = 200,
) -> Network:
    """The neighbourhood of an entity (or a shared value) as nodes and edges, breadth first.

    Super-nodes appear but are not expanded (unless one is the starting node), and
    the walk stops at ``first`` nodes, saying so with ``truncated``. The start and
    the first two hops come in one round trip (``network_walk``); a third hop
    expands what is left of the frontier after ``first`` (``_expand``).
    """
    _bounded(depth, "depth", MAX_DEPTH)
    _bounded(first, "first", MAX_NODES)
    chosen = _check_types(types, NETWORK_RELS)
    start, walked = _walk(store, node_id, chosen, min_confidence, depth)
    nodes: dict[str, GraphNode] = {start.node_id: start}
    edges: dict[tuple[str, str, str], GraphEdge] = {}
    frontier, truncated = [start], False
    for hop in range(depth):
        if hop < len(walked):
            expanded = walked[hop]
            rows = [(n.node_id, row) for n in _frontier_order(frontier) for row in expanded.get(n.node_id, ())]
        else:
            rows = _expand(store, frontier, chosen, min_confidence, expand_super=hop == 0)
        next_frontier: list[GraphNode] = []
        for from_node, row in rows:
            target = node_from(row)
            if target.node_id not in nodes:
                if len(nodes) >= first:
                    truncated = True
                    continue
                nodes[target.node_id] = target
                next_frontier.append(target)
            source, dest = (from_node, target.node_id) if row["outgoing"] else (target.node_id, from_node)
            edges.setdefault(
                (source, dest, row["type"]),
                GraphEdge(
                    source,
                    dest,
                    row["type"],
                    edge_confidence(row["type"], target, row.get("score")),
                    row.get("share"),
                    row.get("role"),
                    list(row.get("records") or []),
                ),
            )
        frontier = [n for n in next_frontier if not n.super_node]
        if not frontier:
            break
    return Network(list(nodes.values()), list(edges.values()), truncated)


def _frontier_order(frontier: list[GraphNode]) -> list[GraphNode]:
    """The order a hop's rows are taken in: entities, then values label by label (as ``_expand`` reads them)."""
    values = [n for n in frontier if n.key is not None]
    labels = list(dict.fromkeys(n.label for n in values))
    return [n for n in frontier if n.entity_id] + [n for label in labels for n in values if n.label == label]


def _walk(
    store: GraphStore, node_id: str, types: list[str], min_confidence: float, depth: int
) -> tuple[GraphNode, list[dict[str, list[dict[str, Any]]]]]:
    """The start node and, for each of the first two hops, what each node expands to (by node ID)."""
    label, _, ident = node_id.partition(":")
    if not ident:
        label, ident = str(Label.ENTITY), node_id
    is_entity = label == str(Label.ENTITY)
    if not is_entity and label not in {str(lab) for lab, _ in INFRA.values()} | {str(Label.IP_NETWORK)}:
        raise InvalidArgumentError(f"{label} is not a kind of node that has a network")
    params = {
        "id": ident if is_entity else None,
        "key": None if is_entity else ident,
        "types": types,
        "minConfidence": min_confidence,
        "perNode": PER_NODE,
        "depth": depth,
    }
    # From an entity the value seek has a null key and finds nothing: any value label will do.
    found = store.read("network_walk", params, start=str(Label.ADDRESS) if is_entity else label)
    if not found:
        raise NotFoundError(f"no {'entity' if is_entity else label} {ident}")
    row = found[0]
    start = node_from(row)
    second: dict[str, list[dict[str, Any]]] = {}
    for expanded in row["hop2"]:
        second.setdefault(expanded["fromNode"], []).append(expanded)
    return start, [{start.node_id: row["hop1"]}, second]


# --- paths and exposure --------------------------------------------------------------


def path_from_row(row: dict[str, Any]) -> Path:
    """A scored, explained path from a Cypher row of ``nodes`` and ``rels`` maps."""
    nodes = [node_from(n) for n in row["nodes"]]
    by_ident = {n.entity_id or n.key: n for n in nodes}
    edges, explanation, score = [], [], 1.0
    # An address reached through SIMILAR_ADDRESS is the same value as the one before it: the link's score
    # stands for it, not its specificity a second time.
    similar = {i + 1 for i, rel in enumerate(row["rels"]) if rel["type"] in SIMILAR_RELS}
    for index, node in enumerate(nodes):
        if index in similar:
            score *= row["rels"][index - 1].get("score") or 0.5
        elif node.entity_id is None:
            score *= node.specificity if node.specificity is not None else 0.5
        else:
            score *= min(1.0, row_confidence(row, node))
    for rel in row["rels"]:
        source, target = by_ident[rel["fromNode"]], by_ident[rel["toNode"]]
        edges.append(
            GraphEdge(
                source.node_id,
                target.node_id,
                rel["type"],
                edge_confidence(rel["type"], target, rel.get("score")),
                rel.get("share"),
                None,
                list(rel.get("records") or []),
            )
        )
        if rel["type"] in HOP_WEIGHT:
            score *= HOP_WEIGHT[rel["type"]]
            share = f" ({rel['share']:g}%)" if rel.get("share") is not None else ""
            explanation.append(f"{source.name} {rel['type']}{share} {target.name}")
        elif rel["type"] in SIMILAR_RELS:
            explanation.append(f"{source.name} is near-identical to {target.name} (score {rel.get('score') or 0:g})")
        elif target.entity_id is None:
            explanation.append(f"{source.name} uses {target.label} {target.name} (used by {target.degree or '?'})")
    return Path(nodes, edges, round(score, 6), explanation)


def row_confidence(row: dict[str, Any], node: GraphNode) -> float:
    for n in row["nodes"]:
        if n.get("id") == node.entity_id:
            value = n.get("confidence")
            return float(value) if value is not None else 1.0
    return 1.0


def paths(
    store: GraphStore, from_id: str, to_id: str, *, max_hops: int = 4, types: Iterable[str] | None = None, k: int = 3
) -> list[Path]:
    """The shortest paths between two entities, best-scored first."""
    _bounded(max_hops, "maxHops", MAX_HOPS)
    chosen = _check_types(types, NETWORK_RELS)
    rows = store.read(
        "paths_between", {"fromId": from_id, "toId": to_id, "types": chosen}, max_hops=max_hops, k=_bounded(k, "k", 10)
    )
    return sorted((path_from_row(r) for r in rows), key=lambda p: (-p.score, len(p.edges)))


def exposure(
    store: GraphStore, entity_id: str, *, max_hops: int = 4, types: Iterable[str] | None = None, limit: int = 20
) -> Exposure:
    """How close an entity is to listed parties, with the explained paths.

    The score is the best path's: the product of what each hop passes on (a
    stated relation its type's weight, a shared value its specificity) and the
    confidence of each entity's merge. A listed entity scores 1.
    """
    _bounded(max_hops, "maxHops", MAX_HOPS)
    chosen = _check_types(types, EXPOSURE_RELS)
    found = store.read("entity_by_id", {"id": entity_id})
    if not found:
        raise NotFoundError(f"no entity {entity_id}")
    listed = bool(found[0].get("listed"))
    rows = store.read(
        "exposure_paths",
        {"id": found[0]["id"], "types": chosen, "limit": _bounded(limit, "limit", 100)},
        max_hops=max_hops,
    )
    found_paths = sorted((path_from_row(r) for r in rows), key=lambda p: (-p.score, len(p.edges)))
    score = 1.0 if listed else (found_paths[0].score if found_paths else 0.0)
    result = Exposure(found[0]["id"], listed, score, found_paths)
    # A cluster member's exposure is its cluster's, however many hops away the exposed member is.
    return _with_cluster_path(store, result) if types is None else result


# --- ownership: the 50% rule ---------------------------------------------------------


def ownership(store: GraphStore, entity_id: str, *, max_depth: int = 6) -> Ownership:
    """Aggregate ownership of an entity by listed parties along ownership chains.

    ``listed_share`` sums, over listed owners, the product of shares along each
    chain from that owner down (stopping at the first listed party on a chain, so
    a listed parent's stake is not counted twice). ``blocked`` applies OFAC's 50%
    rule: a party is blocked when listed, or when blocked parties own 50% or more
    of it in aggregate, directly or through other blocked parties.
    """
    _bounded(max_depth, "maxDepth", MAX_HOPS)
    rows = store.read("ownership_chains", {"id": entity_id, "limit": 2000}, max_hops=max_depth)
    chains = [_chain(r) for r in rows]
    owned_by: dict[str, dict[str, float | None]] = {}
    listed: dict[str, bool] = {}
    for row in rows:
        chain = row["chain"]
        for upper, lower, share in zip(chain, chain[1:], row["shares"], strict=False):
            owned_by.setdefault(lower["id"], {})[upper["id"]] = share
            listed[upper["id"]], listed[lower["id"]] = bool(upper["listed"]), bool(lower["listed"])
    blocked = _blocked_set(owned_by, listed)
    listed_share = sum(c.effective_share or 0.0 for c in chains if c.listed_owner is not None)
    direct = owned_by.get(entity_id, {})
    return Ownership(
        entity_id=entity_id,
        listed_share=round(min(listed_share, 100.0), 4),
        blocked=entity_id in blocked,
        unknown_shares=any(None in c.shares for c in chains),
        blocked_owners=sorted(o for o in direct if o in blocked),
        chains=[c for c in chains if c.listed_owner is not None] or chains[:50],
    )


def _chain(row: dict[str, Any]) -> OwnershipChain:
    owners = [node_from({**n, "labels": [str(Label.ENTITY)]}) for n in row["chain"]]
    shares: list[float | None] = list(row["shares"])
    # The listed owner nearest the entity carries the stake; anything above it is its business.
    listed_at = max((i for i, n in enumerate(owners[:-1]) if n.listed), default=None)
    if listed_at is None or listed_at != 0:
        return OwnershipChain(owners, shares, None, None)
    effective: float | None = 1.0
    for share in shares:
        effective = None if share is None or effective is None else effective * share / 100.0
    return OwnershipChain(owners, shares, None if effective is None else round(effective * 100, 4), owners[0].entity_id)


def _blocked_set(owned_by: dict[str, dict[str, float | None]], listed: dict[str, bool]) -> set[str]:
    """Fixed point of the 50% rule over the ownership graph gathered."""
    blocked = {node for node, is_listed in listed.items() if is_listed}
    changed = True
    while changed:
        changed = False
        for node, owners in owned_by.items():
            if node in blocked:
                continue
            stake = sum(share or 0.0 for owner, share in owners.items() if owner in blocked)
            if stake >= 50.0:
                blocked.add(node)
                changed = True
    return blocked


# --- front companies ------------------------------------------------------------------


def front_companies(
    store: GraphStore, listed_id: str, *, limit: int = 50, today: date | None = None
) -> list[FrontCandidate]:
    """Parties around a listed entity ranked by front-company indicators, each with evidence."""
    _bounded(limit, "limit", 200)
    rows = store.read("front_candidates", {"id": listed_id, "valueTypes": list(VALUE_RELS), "limit": limit * 4})
    if not rows:
        return []
    details = {
        r["id"]: r for r in store.read("front_details", {"ids": [r["id"] for r in rows], "nomineeSeats": NOMINEE_SEATS})
    }
    candidates = [_candidate(row, details.get(row["id"], {}), today or date.today()) for row in rows]
    listed = node_from({**rows[0]["listedParty"], "labels": [str(Label.ENTITY)]})
    for candidate in candidates:
        candidate.listed = listed
    candidates.sort(key=lambda c: (-c.score, c.entity.name))
    return candidates[:limit]


def _candidate(row: dict[str, Any], detail: dict[str, Any], today: date) -> FrontCandidate:
    indicators = [Indicator(i["indicator"], i.get("evidence"), float(i["weight"])) for i in row["indicators"]]
    if (detail.get("addressDegree") or 0) >= MASS_ADDRESS_DEGREE:
        indicators.append(Indicator("mass_registration_address", detail.get("busiestAddress"), 0.4))
    if (detail.get("officerSeats") or 0) >= NOMINEE_SEATS:
        names = ", ".join(n for n in detail.get("nominees") or [] if n)
        indicators.append(Indicator("nominee_officer", names or None, 0.4))
    recent = [
        d for d in row.get("incorporationDates") or [] if d[:4].isdigit() and today.year - int(d[:4]) <= RECENT_YEARS
    ]
    if recent:
        indicators.append(Indicator("recently_registered", min(recent), 0.2))
    miss = 1.0
    for indicator in indicators:
        miss *= 1.0 - min(indicator.weight, 0.99)
    entity = node_from({**row, "labels": [str(Label.ENTITY)]})
    return FrontCandidate(entity, round(1.0 - miss, 6), indicators)


@dataclass(slots=True)
class Relation:
    type: str
    outgoing: bool
    other: GraphNode
    share: float | None
    role: str | None
    records: list[str]
    start_date: str | None
    end_date: str | None


def relations(store: GraphStore, entity_id: str, *, skip: int = 0, limit: int = 20) -> list[Relation]:
    """An entity's relations to other entities (ownership, officers, links), a page at a time."""
    rows = store.read(
        "entity_relations", {"id": entity_id, "types": list(RELATION_RELS), "skip": max(skip, 0), "limit": limit}
    )
    return [
        Relation(
            r["type"],
            bool(r["outgoing"]),
            node_from({**r, "labels": [str(Label.ENTITY)]}),
            r.get("share"),
            r.get("role"),
            list(r.get("records") or []),
            r.get("startDate"),
            r.get("endDate"),
        )
        for r in rows
    ]


# --- shared infrastructure ------------------------------------------------------------


def shared_values(
    store: GraphStore, entity_id: str, *, per_value: int = 10, limit: int = 100, skip: int = 0
) -> list[SharedValue]:
    """The values an entity uses, most specific first, each with (some of) the others using it."""
    rows = store.read(
        "entity_values",
        {
            "id": entity_id,
            "types": list(VALUE_RELS),
            "perValue": _bounded(per_value, "perValue", 100),
            "limit": _bounded(limit, "limit", 501),
            "skip": max(skip, 0),
        },
    )
    return [_shared(r) for r in rows]


def value_users(store: GraphStore, label: str, key: str, *, per_value: int = 50) -> SharedValue | None:
    rows = store.read("value_users", {"key": key, "perValue": _bounded(per_value, "perValue", 500)}, label=label)
    return _shared(rows[0]) if rows else None


def _shared(row: dict[str, Any]) -> SharedValue:
    node = node_from({**row, "labels": [row["label"]]})
    users = [node_from({**o, "labels": [str(Label.ENTITY)]}) for o in row["others"]]
    return SharedValue(node, VALUE_KINDS.get(row["label"]), users)


# --- shared-infrastructure clusters ------------------------------------------------------


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


# --- clusters kept with the graph (graph.clusters) ------------------------------------------

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
    _bounded(limit, "first", 501, low=0)
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
    chosen = cluster.values[: _bounded(first, "first", 500, low=0)]
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


def _with_cluster_path(store: GraphStore, found: Exposure) -> Exposure:
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


def front_companies_all(store: GraphStore, *, limit: int = 50, today: date | None = None) -> list[FrontCandidate]:
    """Front-company candidates across the whole graph, ranked, each with the listed party it points to."""
    _bounded(limit, "limit", 200)
    rows = store.read("front_candidates_all", {"valueTypes": list(VALUE_RELS), "limit": FRONT_SCAN})
    if not rows:
        return []
    best: dict[str, dict[str, Any]] = {}
    for row in rows:  # a party near several listed ones: the listed party its indicators say most about
        weight = sum(float(i["weight"]) for i in row["indicators"])
        if row["id"] not in best or weight > best[row["id"]]["_weight"]:
            best[row["id"]] = {**row, "_weight": weight}
    details = {r["id"]: r for r in store.read("front_details", {"ids": sorted(best), "nomineeSeats": NOMINEE_SEATS})}
    candidates = []
    for row in best.values():
        candidate = _candidate(row, details.get(row["id"], {}), today or date.today())
        candidate.listed = node_from({**row["listedParty"], "labels": [str(Label.ENTITY)]})
        candidates.append(candidate)
    candidates.sort(key=lambda c: (-c.score, c.entity.name))
    return candidates[:limit]


FRONT_SCAN = 5_000  # candidate rows read across the graph before ranking


def exposed_clusters_of(store: GraphStore, entity_ids: list[str]) -> dict[str, ClusterView]:
    """Entity ID -> its cluster, for those of ``entity_ids`` whose cluster is exposed."""
    if not entity_ids:
        return {}
    return {row["entityId"]: _cluster(row) for row in store.read("entities_clusters", {"ids": entity_ids})}
