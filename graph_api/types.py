"""GraphQL object types. Names and fields are a public contract: add, never rename.

Resolvers here are a few lines each: they ask a loader or a ``graph`` function
and shape the answer; none of them holds Cypher.
"""

from __future__ import annotations

from typing import Any

import graphene
from graphql import GraphQLResolveInfo
from graphql_relay import cursor_to_offset, offset_to_cursor

from graph import analytics, answers, networks, ownership, queries
from graph.answers import GraphEdge, GraphNode
from graph.queries import EntityRow, RecordRow, SanctionRow
from graph_api.context import RequestContext
from sanctiongraph.errors import ApiError

MAX_PAGE = 100
DEFAULT_PAGE = 20


def window(
    first: int | None, after: str | None, *, default: int = DEFAULT_PAGE, high: int = MAX_PAGE
) -> tuple[int, int]:
    """(skip, size) for a Relay page request, validated."""
    size = default if first is None else first
    if size < 0 or size > high:
        raise ApiError(f"first must be between 0 and {high}", code="BAD_REQUEST")
    skip = 0
    if after is not None:
        offset = cursor_to_offset(after)
        if offset is None or offset < 0:
            raise ApiError(f"invalid cursor {after!r}", code="BAD_REQUEST")
        skip = offset + 1
    return skip, size


def context(info: GraphQLResolveInfo) -> RequestContext:
    ctx: RequestContext = info.context
    return ctx


class PageInfo(graphene.ObjectType):
    has_next_page = graphene.Boolean(required=True)
    end_cursor = graphene.String()


def page(items: list[Any], skip: int, size: int) -> dict[str, Any]:
    """Connection fields from ``size + 1`` fetched items (the extra one tells hasNextPage)."""
    shown = items[:size]
    edges = [{"cursor": offset_to_cursor(skip + i), "node": item} for i, item in enumerate(shown)]
    end = edges[-1]["cursor"] if edges else None
    return {"edges": edges, "page_info": {"has_next_page": len(items) > size, "end_cursor": end}}


def connection(node: type[graphene.ObjectType], name: str) -> type[graphene.ObjectType]:
    """A Relay connection type (edges with cursors, pageInfo) of ``node``."""
    edge = type(
        f"{name}Edge",
        (graphene.ObjectType,),
        {
            "cursor": graphene.String(required=True),
            "node": graphene.Field(node, required=True),
        },
    )
    return type(
        f"{name}Connection",
        (graphene.ObjectType,),
        {
            "edges": graphene.List(graphene.NonNull(edge), required=True),
            "page_info": graphene.Field(PageInfo, required=True),
        },
    )


# --- evidence and records ---------------------------------------------------------------


class ComparisonEvidence(graphene.ObjectType):
    """One comparison of the resolution model, the level it reached and how much it weighed."""

    comparison = graphene.String(required=True)
    level = graphene.Int(required=True)
    label = graphene.String()
    weight = graphene.Float(required=True, description="log2 Bayes factor (Splink match weight part)")


class MergeEvidence(graphene.ObjectType):
    """Why a record belongs to its entity: its strongest link to another record there."""

    partner_record_id = graphene.String(required=True)
    match_probability = graphene.Float()
    match_weight = graphene.Float()
    comparisons = graphene.List(graphene.NonNull(ComparisonEvidence), required=True)


class SourceRecord(graphene.ObjectType):
    class Meta:
        name = "Record"

    id = graphene.ID(required=True)
    source = graphene.String(required=True)
    source_key = graphene.String(required=True, description="The source's own key, e.g. the UN reference KPe.025")
    source_version = graphene.String()
    schema = graphene.String(required=True)
    name = graphene.String(required=True)
    names = graphene.List(graphene.NonNull(graphene.String), required=True)
    match_probability = graphene.Float()
    match_weight = graphene.Float()
    evidence = graphene.Field(MergeEvidence)

    @staticmethod
    def resolve_evidence(row: RecordRow, info: GraphQLResolveInfo) -> dict[str, Any] | None:
        if not row.evidence:
            return None
        return {
            "partner_record_id": row.evidence.get("partner"),
            "match_probability": row.match_probability,
            "match_weight": row.match_weight,
            "comparisons": row.evidence.get("comparisons", []),
        }


RecordConnection = connection(SourceRecord, "Record")


class Sanction(graphene.ObjectType):
    id = graphene.ID(required=True)
    authority = graphene.String(required=True)
    program = graphene.String()
    list_name = graphene.String()
    listed_on = graphene.String()
    reference = graphene.String()
    record_id = graphene.String(required=True)
    source = graphene.String(required=True)
    delisted_in = graphene.String(description="The list version that no longer has it, when delisted")


# --- graph pictures -------------------------------------------------------------------------


class GraphNodeType(graphene.ObjectType):
    class Meta:
        name = "GraphNode"

    id = graphene.ID(required=True, description="Entity:<id> or <Label>:<value key>; stable across requests")
    label = graphene.String(required=True)
    name = graphene.String(required=True)
    entity_id = graphene.String()
    key = graphene.String()
    schema = graphene.String()
    listed = graphene.Boolean(required=True)
    degree = graphene.Int(description="Entities using this value")
    specificity = graphene.Float(description="How much sharing this value means, 0 to 1")
    super_node = graphene.Boolean(required=True, description="Used by so many that it is never traversed")

    @staticmethod
    def resolve_id(node: GraphNode, info: GraphQLResolveInfo) -> str:
        return node.node_id


class GraphEdgeType(graphene.ObjectType):
    class Meta:
        name = "GraphEdge"

    source = graphene.String(required=True)
    target = graphene.String(required=True)
    type = graphene.String(required=True)
    confidence = graphene.Float(required=True)
    share = graphene.Float()
    role = graphene.String()
    records = graphene.List(graphene.NonNull(graphene.String), required=True)

    @staticmethod
    def resolve_records(edge: GraphEdge, info: GraphQLResolveInfo) -> list[str]:
        return edge.records


class NetworkType(graphene.ObjectType):
    class Meta:
        name = "Network"

    nodes = graphene.List(graphene.NonNull(GraphNodeType), required=True)
    edges = graphene.List(graphene.NonNull(GraphEdgeType), required=True)
    truncated = graphene.Boolean(required=True, description="True when the node cap was reached")


class PathType(graphene.ObjectType):
    class Meta:
        name = "Path"

    nodes = graphene.List(graphene.NonNull(GraphNodeType), required=True)
    edges = graphene.List(graphene.NonNull(GraphEdgeType), required=True)
    score = graphene.Float(required=True)
    explanation = graphene.List(graphene.NonNull(graphene.String), required=True)


class ExposureType(graphene.ObjectType):
    class Meta:
        name = "Exposure"

    entity_id = graphene.String(required=True)
    listed = graphene.Boolean(required=True)
    score = graphene.Float(required=True, description="1 for a listed party; else the best path's score")
    paths = graphene.List(graphene.NonNull(PathType), required=True)


class OwnershipChainType(graphene.ObjectType):
    class Meta:
        name = "OwnershipChain"

    owners = graphene.List(graphene.NonNull(GraphNodeType), required=True)
    shares = graphene.List(graphene.Float, required=True)
    effective_share = graphene.Float()
    listed_owner = graphene.String()


class OwnershipType(graphene.ObjectType):
    class Meta:
        name = "Ownership"

    entity_id = graphene.String(required=True)
    listed_share = graphene.Float(
        required=True, description="Aggregate direct and indirect share held by listed parties"
    )
    blocked = graphene.Boolean(required=True, description="50% rule: blocked parties own 50% or more in aggregate")
    unknown_shares = graphene.Boolean(required=True)
    blocked_owners = graphene.List(graphene.NonNull(graphene.String), required=True)
    chains = graphene.List(graphene.NonNull(OwnershipChainType), required=True)


class IndicatorType(graphene.ObjectType):
    class Meta:
        name = "Indicator"

    name = graphene.String(required=True)
    evidence = graphene.String()
    weight = graphene.Float(required=True)


class FrontCandidateType(graphene.ObjectType):
    class Meta:
        name = "FrontCandidate"

    entity = graphene.Field(GraphNodeType, required=True)
    score = graphene.Float(required=True)
    indicators = graphene.List(graphene.NonNull(IndicatorType), required=True)
    listed_party = graphene.Field(GraphNodeType, description="The listed party its indicators point to")

    @staticmethod
    def resolve_listed_party(candidate: ownership.FrontCandidate, info: GraphQLResolveInfo) -> GraphNode | None:
        return candidate.listed


class SharedValueType(graphene.ObjectType):
    class Meta:
        name = "SharedValue"

    node = graphene.Field(GraphNodeType, required=True)
    kind = graphene.String()
    users = graphene.List(graphene.NonNull(GraphNodeType), required=True)


class EntityRelation(graphene.ObjectType):
    type = graphene.String(required=True)
    direction = graphene.String(required=True, description="OUT when this entity is the subject (owns, directs)")
    other = graphene.Field(GraphNodeType, required=True)
    share = graphene.Float()
    role = graphene.String()
    records = graphene.List(graphene.NonNull(graphene.String), required=True)
    start_date = graphene.String()
    end_date = graphene.String()

    @staticmethod
    def resolve_direction(relation: analytics.Relation, info: GraphQLResolveInfo) -> str:
        return "OUT" if relation.outgoing else "IN"


class EntityName(graphene.ObjectType):
    value = graphene.String(required=True)
    kind = graphene.String(required=True, description="primary, alias, weak, former or acronym")
    script = graphene.String(description="The Unicode script most letters are in, e.g. Latin, Hangul")


class EntityIdentifier(graphene.ObjectType):
    kind = graphene.String(required=True, description="passport, national_id, imo, lei, bic, registration, ...")
    value = graphene.String(required=True)
    country = graphene.String()


class JudgementView(graphene.ObjectType):
    class Meta:
        name = "RecordJudgement"

    record_id = graphene.String(required=True, description="This entity's record the judgement is about")
    other_record_id = graphene.String(required=True)
    other_entity_id = graphene.String()
    other_name = graphene.String()
    judgement = graphene.String(required=True, description="same or not_same")
    note = graphene.String()
    author = graphene.String()
    at = graphene.String()


def _split(text: str, parts: int) -> list[str]:
    pieces = text.split("|", parts - 1)
    return pieces + [""] * (parts - len(pieces))


EntityRelationConnection = connection(EntityRelation, "EntityRelation")
SharedValueConnection = connection(SharedValueType, "SharedValue")


class Entity(graphene.ObjectType):
    """A resolved party: one or more source records that are the same party."""

    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    schema = graphene.String(required=True)
    aliases = graphene.List(graphene.NonNull(graphene.String), required=True)
    listed = graphene.Boolean(required=True, description="True when any of its records is on a sanctions list")
    countries = graphene.List(graphene.NonNull(graphene.String), required=True)
    birth_dates = graphene.List(graphene.NonNull(graphene.String), required=True)
    sources = graphene.List(graphene.NonNull(graphene.String), required=True)
    record_count = graphene.Int(required=True)
    score = graphene.Float(description="Search relevance, on search results only")
    sanctions = graphene.List(graphene.NonNull(Sanction), required=True)
    records = graphene.Field(RecordConnection, required=True, first=graphene.Int(), after=graphene.String())
    relations = graphene.Field(EntityRelationConnection, required=True, first=graphene.Int(), after=graphene.String())
    infrastructure = graphene.Field(
        SharedValueConnection,
        required=True,
        first=graphene.Int(),
        after=graphene.String(),
        description="Shared values this entity uses, most specific first, with others using them",
    )
    names = graphene.List(graphene.NonNull(EntityName), required=True, description="Every name, with kind and script")
    identifiers = graphene.List(graphene.NonNull(EntityIdentifier), required=True)
    judgements = graphene.List(
        graphene.NonNull(JudgementView), required=True, description="Analysts' judgements about its records"
    )
    cluster = graphene.Field(
        lambda: InfraClusterType,
        description="Its shared-infrastructure cluster; null when it shares no strong value with anyone",
    )

    @staticmethod
    async def resolve_cluster(row: EntityRow, info: GraphQLResolveInfo) -> networks.ClusterView | None:
        return await context(info).read(networks.entity_cluster, row.id)

    @staticmethod
    def resolve_names(row: EntityRow, info: GraphQLResolveInfo) -> list[dict[str, str | None]]:
        names = []
        for detail in row.name_details:
            kind, script, value = _split(detail, 3)
            names.append({"value": value, "kind": kind, "script": script or None})
        return names or [{"value": row.name, "kind": "primary", "script": None}]

    @staticmethod
    def resolve_identifiers(row: EntityRow, info: GraphQLResolveInfo) -> list[dict[str, str | None]]:
        found = []
        for identifier in row.identifiers:
            kind, value, country = _split(identifier, 3)
            found.append({"kind": kind, "value": value, "country": country or None})
        return found

    @staticmethod
    async def resolve_judgements(row: EntityRow, info: GraphQLResolveInfo) -> list[Any]:
        return await context(info).read(queries.entity_judgements, row.id)

    @staticmethod
    async def resolve_sanctions(row: EntityRow, info: GraphQLResolveInfo) -> list[SanctionRow]:
        result: list[SanctionRow] = await context(info).sanctions.load(row.id)
        return result

    @staticmethod
    async def resolve_records(
        row: EntityRow, info: GraphQLResolveInfo, first: int | None = None, after: str | None = None
    ) -> dict[str, Any]:
        skip, size = window(first, after)
        items: list[RecordRow] = await context(info).records(skip, size + 1).load(row.id)
        return page(items, skip, size)

    @staticmethod
    async def resolve_relations(
        row: EntityRow, info: GraphQLResolveInfo, first: int | None = None, after: str | None = None
    ) -> dict[str, Any]:
        skip, size = window(first, after)
        items = await context(info).read(analytics.relations, row.id, skip=skip, limit=size + 1)
        return page(items, skip, size)

    @staticmethod
    async def resolve_infrastructure(
        row: EntityRow, info: GraphQLResolveInfo, first: int | None = None, after: str | None = None
    ) -> dict[str, Any]:
        skip, size = window(first, after)
        items = await context(info).read(analytics.shared_values, row.id, skip=skip, limit=size + 1)
        return page(items, skip, size)


EntityConnection = connection(Entity, "Entity")


class InfraClusterType(graphene.ObjectType):
    """Entities joined by strong shared values (cards, wallets, devices, phones, e-mails...), kept with the graph."""

    class Meta:
        name = "InfraCluster"

    id = graphene.ID(required=True, description="cl- and the smallest member's entity ID; stable while it stays")
    size = graphene.Int(required=True)
    score = graphene.Float(required=True, description="Exposure score: its best link to a listed party, else 0")
    members = graphene.Field(EntityConnection, required=True, first=graphene.Int(), after=graphene.String())
    values = graphene.List(
        graphene.NonNull(SharedValueType),
        required=True,
        first=graphene.Int(default_value=50),
        description="The values that join it, most specific first, each with the members using it",
    )
    exposure = graphene.Field(
        ExposureType, required=True, description="The best path from any member to a listed party, explained"
    )

    @staticmethod
    async def resolve_members(
        cluster: networks.ClusterView, info: GraphQLResolveInfo, first: int | None = None, after: str | None = None
    ) -> dict[str, Any]:
        skip, size = window(first, after)
        items = await context(info).read(networks.cluster_members, cluster.id, skip=skip, limit=size + 1)
        return page(items, skip, size)

    @staticmethod
    async def resolve_values(
        cluster: networks.ClusterView, info: GraphQLResolveInfo, first: int = 50
    ) -> list[answers.SharedValue]:
        return await context(info).read(networks.cluster_values, cluster, first=50 if first is None else first)

    @staticmethod
    async def resolve_exposure(cluster: networks.ClusterView, info: GraphQLResolveInfo) -> answers.Exposure:
        return await context(info).read(networks.cluster_exposure, cluster)


InfraClusterConnection = connection(InfraClusterType, "InfraCluster")


# --- sources ---------------------------------------------------------------------------------
