"""Investigators' questions of the graph: networks, paths, exposure, ownership, fronts.

Each function runs named, parameterised Cypher (``graph/cypher``) and does the
arithmetic in Python, where it can be read and tested: how much a hop counts,
how ownership aggregates under the 50% rule, how indicators add up. Traversals
never pass through a super-node (a value shared by very many entities), and
every expansion is bounded, so no question touches the whole graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graph.answers import (
    EXPOSURE_RELS,
    HOP_WEIGHT,
    MAX_DEPTH,
    MAX_HOPS,
    MAX_NODES,
    NETWORK_RELS,
    PER_NODE,
    RELATION_RELS,
    SIMILAR_RELS,
    VALUE_RELS,
    Exposure,
    GraphEdge,
    GraphNode,
    Network,
    Path,
    SharedValue,
    bounded,
    check_types,
    edge_confidence,
    node_from,
)
from graph.model import INFRA, VALUE_KINDS, Label
from graph.networks import with_cluster_path
from graph.store import GraphStore
from sanctiongraph.errors import InvalidArgumentError, NotFoundError

# How much one hop through a stated relation passes on (a shared value passes on its specificity).


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
    bounded(depth, "depth", MAX_DEPTH)
    bounded(first, "first", MAX_NODES)
    chosen = check_types(types, NETWORK_RELS)
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
    bounded(max_hops, "maxHops", MAX_HOPS)
    chosen = check_types(types, NETWORK_RELS)
    rows = store.read(
        "paths_between", {"fromId": from_id, "toId": to_id, "types": chosen}, max_hops=max_hops, k=bounded(k, "k", 10)
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
    bounded(max_hops, "maxHops", MAX_HOPS)
    chosen = check_types(types, EXPOSURE_RELS)
    found = store.read("entity_by_id", {"id": entity_id})
    if not found:
        raise NotFoundError(f"no entity {entity_id}")
    listed = bool(found[0].get("listed"))
    rows = store.read(
        "exposure_paths",
        {"id": found[0]["id"], "types": chosen, "limit": bounded(limit, "limit", 100)},
        max_hops=max_hops,
    )
    found_paths = sorted((path_from_row(r) for r in rows), key=lambda p: (-p.score, len(p.edges)))
    score = 1.0 if listed else (found_paths[0].score if found_paths else 0.0)
    result = Exposure(found[0]["id"], listed, score, found_paths)
    # A cluster member's exposure is its cluster's, however many hops away the exposed member is.
    return with_cluster_path(store, result) if types is None else result


# --- ownership: the 50% rule ---------------------------------------------------------


# --- front companies ------------------------------------------------------------------


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
            "perValue": bounded(per_value, "perValue", 100),
            "limit": bounded(limit, "limit", 501),
            "skip": max(skip, 0),
        },
    )
    return [_shared(r) for r in rows]


def value_users(store: GraphStore, label: str, key: str, *, per_value: int = 50) -> SharedValue | None:
    rows = store.read("value_users", {"key": key, "perValue": bounded(per_value, "perValue", 500)}, label=label)
    return _shared(rows[0]) if rows else None


def _shared(row: dict[str, Any]) -> SharedValue:
    node = node_from({**row, "labels": [row["label"]]})
    users = [node_from({**o, "labels": [str(Label.ENTITY)]}) for o in row["others"]]
    return SharedValue(node, VALUE_KINDS.get(row["label"]), users)


# --- shared-infrastructure clusters ------------------------------------------------------


# --- clusters kept with the graph (graph.clusters) ------------------------------------------
