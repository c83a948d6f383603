"""The GraphQL schema. Field names here are a public contract: add, never rename.

Lists that can grow without bound (an entity's records) are Relay connections
with ``first``/``after``; ``first`` is capped at ``MAX_PAGE``.
"""

from __future__ import annotations

from typing import Any

import graphene
from graphql import GraphQLResolveInfo
from graphql_relay import cursor_to_offset, offset_to_cursor

from graph import queries
from graph.queries import EntityRow, RecordRow, SanctionRow
from graph_api.context import RequestContext
from sanctiongraph.errors import ApiError

MAX_PAGE = 100
DEFAULT_PAGE = 20


def window(first: int | None, after: str | None) -> tuple[int, int]:
    """(skip, limit) for a Relay page request, validated."""
    size = DEFAULT_PAGE if first is None else first
    if size < 0 or size > MAX_PAGE:
        raise ApiError(f"first must be between 0 and {MAX_PAGE}", code="BAD_REQUEST")
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


class ComparisonEvidence(graphene.ObjectType):
    """One comparison of the resolution model and how strongly it counted."""

    comparison = graphene.String(required=True)
    level = graphene.Int(required=True)
    label = graphene.String()
    weight = graphene.Float(required=True)


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
    source_key = graphene.String(required=True)
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


class RecordEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(SourceRecord, required=True)


class RecordConnection(graphene.ObjectType):
    edges = graphene.List(graphene.NonNull(RecordEdge), required=True)
    page_info = graphene.Field(PageInfo, required=True)


class Sanction(graphene.ObjectType):
    id = graphene.ID(required=True)
    authority = graphene.String(required=True)
    program = graphene.String()
    list_name = graphene.String()
    listed_on = graphene.String()
    reference = graphene.String()
    record_id = graphene.String(required=True)
    source = graphene.String(required=True)


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


class EntityEdge(graphene.ObjectType):
    cursor = graphene.String(required=True)
    node = graphene.Field(Entity, required=True)


class EntityConnection(graphene.ObjectType):
    edges = graphene.List(graphene.NonNull(EntityEdge), required=True)
    page_info = graphene.Field(PageInfo, required=True)


class Query(graphene.ObjectType):
    entity = graphene.Field(
        Entity, id=graphene.ID(required=True), description="An entity by ID (retired IDs follow to their successor)"
    )
    search = graphene.Field(
        EntityConnection,
        required=True,
        query=graphene.String(required=True),
        schema=graphene.String(),
        first=graphene.Int(),
        after=graphene.String(),
        description="Entities whose names or aliases match, best first",
    )

    @staticmethod
    async def resolve_entity(root: None, info: GraphQLResolveInfo, id: str) -> EntityRow | None:
        return await context(info).read(queries.get_entity, id)

    @staticmethod
    async def resolve_search(
        root: None,
        info: GraphQLResolveInfo,
        query: str,
        schema: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> dict[str, Any]:
        skip, size = window(first, after)
        rows = await context(info).read(queries.search_entities, query, schema=schema, skip=skip, limit=size + 1)
        return page(rows, skip, size)


schema = graphene.Schema(query=Query, auto_camelcase=True)
