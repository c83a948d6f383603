"""The GraphQL schema: root queries and mutations. A public contract: add, never rename.

The committed SDL (``graph_api/schema.graphql``) is generated from this module by
``sanctiongraph schema`` and checked for drift by the tests.
"""

from __future__ import annotations

from typing import Any

import graphene
from graphql import GraphQLResolveInfo

from graph import alert_views, analytics, answers, applicants, networks, ownership, queries
from graph import alerts as ongoing
from graph.authors import PartResult, SubmissionResult, screen_submission, submission_from_dict
from graph.ownership import FrontCandidate, Ownership
from graph.queries import EntityRow
from graph_api import views
from graph_api.auth import Role
from graph_api.jobs import IngestJob as Job
from graph_api.limits import allowed_fields
from graph_api.list_types import Alert, AlertConnection, AlertStatusEnum, Source
from graph_api.screening_types import (
    ScreenBatchItem,
    ScreenBatchResult,
    ScreenInput,
    ScreenResult,
    SubmissionInput,
    SubmissionScreen,
    applicant_from,
)
from graph_api.types import (
    Entity,
    EntityConnection,
    ExposureType,
    FrontCandidateType,
    InfraClusterConnection,
    NetworkType,
    OwnershipType,
    PathType,
    SharedValueType,
    context,
    page,
    window,
)
from sanctiongraph.errors import ApiError

MAX_BATCH = 100


class IngestJobType(graphene.ObjectType):
    class Meta:
        name = "IngestJob"

    id = graphene.ID(required=True)
    status = graphene.String(required=True, description="queued, running, done or failed")
    path = graphene.String(required=True)
    format = graphene.String(required=True)
    source = graphene.String()
    rows_read = graphene.Int(required=True)
    records = graphene.Int()
    quarantined = graphene.Int()
    version = graphene.String()
    error = graphene.String()
    started_at = graphene.String()
    finished_at = graphene.String()


class Judgement(graphene.ObjectType):
    record_a = graphene.String(required=True)
    record_b = graphene.String(required=True)
    judgement = graphene.String(required=True, description="same or not_same")
    note = graphene.String()
    author = graphene.String(required=True)


class Caller(graphene.ObjectType):
    """Whose key the request carries: a client offers only what the key may do."""

    name = graphene.String(required=True, description="The key's name (or jwt:<subject>)")
    role = graphene.String(required=True, description="screening, investigator, analyst or admin")
    may = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="The root fields this key may use"
    )


def _given(value: Any, default: Any) -> Any:
    """An argument's default also when a client sends an explicit null for it."""
    return default if value is None else value


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
    screen = graphene.Field(ScreenResult, required=True, input=graphene.Argument(ScreenInput, required=True))
    screen_batch = graphene.Field(
        graphene.List(graphene.NonNull(ScreenBatchResult)),
        required=True,
        inputs=graphene.List(graphene.NonNull(ScreenBatchItem), required=True),
        description=f"Screen up to {MAX_BATCH} applicants in one request",
    )
    screen_authors = graphene.Field(
        graphene.List(graphene.NonNull(SubmissionScreen)),
        required=True,
        submissions=graphene.List(graphene.NonNull(SubmissionInput), required=True),
        description=f"Screen up to {MAX_BATCH} conference or journal submissions: every author and affiliation",
    )
    network = graphene.Field(
        NetworkType,
        required=True,
        entity_id=graphene.ID(required=True, description="Entity ID, or Label:key of a value"),
        depth=graphene.Int(default_value=2),
        relationship_types=graphene.List(graphene.NonNull(graphene.String)),
        min_confidence=graphene.Float(default_value=0.0),
        first=graphene.Int(default_value=200),
    )
    paths = graphene.Field(
        graphene.List(graphene.NonNull(PathType)),
        required=True,
        from_id=graphene.ID(required=True),
        to_id=graphene.ID(required=True),
        max_hops=graphene.Int(default_value=4),
        relationship_types=graphene.List(graphene.NonNull(graphene.String)),
    )
    exposure = graphene.Field(
        ExposureType, required=True, entity_id=graphene.ID(required=True), max_hops=graphene.Int(default_value=4)
    )
    ownership = graphene.Field(OwnershipType, required=True, entity_id=graphene.ID(required=True))
    front_companies = graphene.Field(
        graphene.List(graphene.NonNull(FrontCandidateType)),
        required=True,
        listed_entity_id=graphene.ID(description="Around this listed party; without it, across the whole graph"),
        first=graphene.Int(default_value=50),
        description="Front-company candidates, ranked, each with its indicators and the listed party it points to",
    )
    clusters = graphene.Field(
        InfraClusterConnection,
        required=True,
        exposed_only=graphene.Boolean(default_value=False),
        min_size=graphene.Int(default_value=2),
        first=graphene.Int(default_value=50),
        after=graphene.String(),
        description="Shared-infrastructure clusters ranked by exposure score, then size",
    )
    alerts = graphene.Field(
        AlertConnection,
        required=True,
        status=graphene.Argument(AlertStatusEnum, default_value=ongoing.AlertStatus.OPEN),
        first=graphene.Int(default_value=50),
        after=graphene.String(),
        description="Ongoing screening's worklist: customers a list change moved, newest first",
    )
    shared_infrastructure = graphene.Field(
        graphene.List(graphene.NonNull(SharedValueType)),
        required=True,
        entity_id=graphene.ID(),
        value=graphene.String(description="A value as Label:key (e.g. Email:x@y.com), instead of an entity"),
        first=graphene.Int(default_value=50, description="How many values"),
        users_first=graphene.Int(default_value=10, description="How many other users per value"),
    )
    relationship_types = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="Relationship types network and paths accept in relationshipTypes",
    )
    sources = graphene.List(graphene.NonNull(Source), required=True)
    ingest_job = graphene.Field(IngestJobType, id=graphene.ID(required=True))
    me = graphene.Field(Caller, required=True, description="The caller: its key's name and role, what it may use")

    @staticmethod
    def resolve_me(root: None, info: GraphQLResolveInfo) -> Caller:
        principal = context(info).principal
        return Caller(name=principal.name, role=principal.role.name.lower(), may=allowed_fields(principal.role))

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

    @staticmethod
    async def resolve_screen(root: None, info: GraphQLResolveInfo, input: dict[str, Any]) -> applicants.ScreenResult:
        ctx = context(info)
        result = await ctx.read(ctx.screener.screen, applicant_from(input))
        return views.for_principal(result, ctx.principal, views.given_values(input))

    @staticmethod
    async def resolve_screen_batch(
        root: None, info: GraphQLResolveInfo, inputs: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        if len(inputs) > MAX_BATCH:
            raise ApiError(f"at most {MAX_BATCH} applicants per batch", code="LIMIT_EXCEEDED")
        ctx = context(info)
        results = []
        for item in inputs:
            result = await ctx.read(ctx.screener.screen, applicant_from(item["query"]))
            shown = views.for_principal(result, ctx.principal, views.given_values(item["query"]))
            results.append({"id": item["id"], "result": shown})
        return results

    @staticmethod
    async def resolve_screen_authors(
        root: None, info: GraphQLResolveInfo, submissions: list[dict[str, Any]]
    ) -> list[SubmissionResult]:
        if len(submissions) > MAX_BATCH:
            raise ApiError(f"at most {MAX_BATCH} submissions per request", code="LIMIT_EXCEEDED")
        ctx = context(info)
        seen: dict[str, PartResult] = {}
        results = []
        for item in submissions:
            submission = submission_from_dict(item)
            screened = await ctx.read(screen_submission, ctx.screener, submission, seen)
            results.append(views.submission_for_principal(screened, ctx.principal))
        return results

    @staticmethod
    async def resolve_network(
        root: None,
        info: GraphQLResolveInfo,
        entity_id: str,
        depth: int = 2,
        relationship_types: list[str] | None = None,
        min_confidence: float = 0.0,
        first: int = 200,
    ) -> answers.Network:
        node_id = entity_id if ":" in entity_id else f"Entity:{entity_id}"
        depth, first = _given(depth, 2), _given(first, 200)
        min_confidence = _given(min_confidence, 0.0)
        return await context(info).read(
            analytics.network,
            node_id,
            depth=depth,
            types=relationship_types,
            min_confidence=min_confidence,
            first=first,
        )

    @staticmethod
    async def resolve_paths(
        root: None,
        info: GraphQLResolveInfo,
        from_id: str,
        to_id: str,
        max_hops: int = 4,
        relationship_types: list[str] | None = None,
    ) -> list[answers.Path]:
        max_hops = _given(max_hops, 4)
        return await context(info).read(analytics.paths, from_id, to_id, max_hops=max_hops, types=relationship_types)

    @staticmethod
    async def resolve_exposure(
        root: None, info: GraphQLResolveInfo, entity_id: str, max_hops: int = 4
    ) -> answers.Exposure:
        return await context(info).read(analytics.exposure, entity_id, max_hops=_given(max_hops, 4))

    @staticmethod
    async def resolve_ownership(root: None, info: GraphQLResolveInfo, entity_id: str) -> Ownership:
        return await context(info).read(ownership.ownership, entity_id)

    @staticmethod
    async def resolve_front_companies(
        root: None, info: GraphQLResolveInfo, listed_entity_id: str | None = None, first: int = 50
    ) -> list[FrontCandidate]:
        if listed_entity_id is None:
            return await context(info).read(ownership.front_companies_all, limit=_given(first, 50))
        return await context(info).read(ownership.front_companies, listed_entity_id, limit=_given(first, 50))

    @staticmethod
    async def resolve_clusters(
        root: None,
        info: GraphQLResolveInfo,
        exposed_only: bool = False,
        min_size: int = 2,
        first: int = 50,
        after: str | None = None,
    ) -> dict[str, Any]:
        skip, size = window(_given(first, 50), after, default=50, high=200)
        rows = await context(info).read(
            networks.clusters,
            exposed_only=bool(exposed_only),
            min_size=_given(min_size, 2),
            skip=skip,
            limit=size + 1,
        )
        return page(rows, skip, size)

    @staticmethod
    async def resolve_alerts(
        root: None,
        info: GraphQLResolveInfo,
        status: str = ongoing.AlertStatus.OPEN,
        first: int = 50,
        after: str | None = None,
    ) -> dict[str, Any]:
        skip, size = window(_given(first, 50), after, default=50, high=200)
        chosen = ongoing.AlertStatus(getattr(status, "value", status) or ongoing.AlertStatus.OPEN)
        rows = await context(info).read(alert_views.list_alerts, chosen, skip=skip, limit=size + 1)
        return page(rows, skip, size)

    @staticmethod
    async def resolve_shared_infrastructure(
        root: None,
        info: GraphQLResolveInfo,
        entity_id: str | None = None,
        value: str | None = None,
        first: int = 50,
        users_first: int = 10,
    ) -> list[answers.SharedValue]:
        first, users_first = _given(first, 50), _given(users_first, 10)
        if (entity_id is None) == (value is None):
            raise ApiError("give exactly one of entityId or value", code="BAD_REQUEST")
        if entity_id is not None:
            return await context(info).read(analytics.shared_values, entity_id, per_value=users_first, limit=first)
        label, _, key = (value or "").partition(":")
        if not key:
            raise ApiError("value must be Label:key, e.g. Email:info@example.com", code="BAD_REQUEST")
        found = await context(info).read(analytics.value_users, label, key, per_value=users_first)
        return [found] if found else []

    @staticmethod
    def resolve_relationship_types(root: None, info: GraphQLResolveInfo) -> list[str]:
        return list(answers.NETWORK_RELS)

    @staticmethod
    async def resolve_sources(root: None, info: GraphQLResolveInfo) -> list[queries.SourceRow]:
        return await context(info).read(queries.list_sources)

    @staticmethod
    def resolve_ingest_job(root: None, info: GraphQLResolveInfo, id: str) -> Job | None:
        return context(info).jobs.get(id)


class JudgementInput(graphene.InputObjectType):
    record_a = graphene.String(required=True)
    record_b = graphene.String(required=True)
    same = graphene.Boolean(required=True, description="true: the same party; false: different parties")
    note = graphene.String()


class IngestInput(graphene.InputObjectType):
    path = graphene.String(required=True, description="A file in the server's ingest folder")
    format = graphene.String(required=True)
    mapping = graphene.String(description="A mapping YAML in the server's ingest folder (format mapping)")
    source = graphene.String(description="Admin only when it differs from the source the file's format gives")
    allow_mass_removal = graphene.Boolean(
        description="Admin only: stage a version even if it is empty, removes more than 10% of the source's"
        " records or changes its format (refused otherwise)"
    )


class RecordJudgement(graphene.Mutation):
    """Record that two records are, or are not, the same party; later resolutions honour it."""

    class Arguments:
        input = JudgementInput(required=True)

    Output = Judgement

    @staticmethod
    async def mutate(root: None, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
        ctx = context(info)
        return await ctx.read(ctx.judge, input["record_a"], input["record_b"], bool(input["same"]), input.get("note"))


class StartIngest(graphene.Mutation):
    """Start ingesting a file already on the server; follow it with ``ingestJob(id)``."""

    class Arguments:
        input = IngestInput(required=True)

    Output = IngestJobType

    @staticmethod
    def mutate(root: None, info: GraphQLResolveInfo, input: dict[str, Any]) -> Job:
        ctx = context(info)
        return ctx.jobs.start(
            input["path"],
            input["format"],
            mapping=input.get("mapping"),
            source=input.get("source"),
            admin=ctx.principal.role >= Role.ADMIN,
            allow_mass_removal=bool(input.get("allow_mass_removal")),
        )


class UpdateAlert(graphene.Mutation):
    """Move an alert: UNDER_REVIEW while an analyst looks, CLOSED with a note saying why (kept in its history)."""

    class Arguments:
        id = graphene.ID(required=True)
        status = AlertStatusEnum(required=True)
        note = graphene.String()

    Output = Alert

    @staticmethod
    async def mutate(
        root: None, info: GraphQLResolveInfo, id: str, status: Any, note: str | None = None
    ) -> alert_views.AlertView:
        ctx = context(info)
        chosen = str(getattr(status, "value", status))
        return await ctx.read(alert_views.update_alert, id, chosen, note, ctx.principal.name)


class Mutation(graphene.ObjectType):
    record_judgement = RecordJudgement.Field()
    start_ingest = StartIngest.Field()
    update_alert = UpdateAlert.Field()


schema = graphene.Schema(query=Query, mutation=Mutation, auto_camelcase=True)
