"""What investigators' questions return: nodes, edges, networks, paths, exposure; and their bounds.

The graph layer's answers are these plain dataclasses, whatever query built them, so
the API and the CLI render one shape. Argument checks raise the graph layer's
``InvalidArgumentError``, which the API maps to ``BAD_REQUEST``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graph.model import INFRA, RELATION_TYPES, Label, Rel
from sanctiongraph.errors import InvalidArgumentError

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
class SharedValue:
    node: GraphNode
    kind: str | None
    users: list[GraphNode]


def check_types(types: Iterable[str] | None, allowed: tuple[str, ...]) -> list[str]:
    if types is None:
        return list(allowed)
    chosen = [str(t).upper() for t in types]
    unknown = sorted(set(chosen) - set(allowed))
    if unknown:
        raise InvalidArgumentError(f"unknown relationship types {unknown}; use some of {list(allowed)}")
    return chosen


def bounded(value: int, name: str, high: int, low: int = 1) -> int:
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
