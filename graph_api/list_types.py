"""Sources with their versions, and the alerts a list change raises (ongoing screening)."""

from __future__ import annotations

import graphene
from graphql import GraphQLResolveInfo

from graph import alert_views, alerts
from graph.queries import EntityRow
from graph_api.types import Entity, PathType, connection, context


class SourceVersion(graphene.ObjectType):
    version = graphene.String(required=True)
    rows_read = graphene.Int(required=True)
    records = graphene.Int(required=True)
    quarantined = graphene.Int(required=True)
    added = graphene.Int(required=True)
    changed = graphene.Int(required=True)
    removed = graphene.Int(required=True, description="Entries the previous version had and this one does not")
    ingested_at = graphene.String()


class Source(graphene.ObjectType):
    name = graphene.String(required=True)
    format = graphene.String()
    versions = graphene.List(graphene.NonNull(SourceVersion), required=True)


AlertStatusEnum = graphene.Enum.from_enum(
    alerts.AlertStatus, description="OPEN: to look at; UNDER_REVIEW: an analyst is on it; CLOSED: with a reason"
)


class ListChangeType(graphene.ObjectType):
    class Meta:
        name = "ListChange"

    source = graphene.String(required=True, description="The list (source name), e.g. us_ofac_sdn")
    version = graphene.String(required=True, description="The list version that made the change")
    kind = graphene.String(
        required=True,
        description="ADDED, CHANGED or REMOVED: what the version did to the entry; UNCHANGED: a link changed",
    )


class AlertEvent(graphene.ObjectType):
    at = graphene.String(required=True)
    status = graphene.String(required=True)
    by = graphene.String(required=True)
    note = graphene.String()


class Alert(graphene.ObjectType):
    """A customer whose screening decision or exposure a list change moved (ongoing screening)."""

    id = graphene.ID(required=True)
    customer = graphene.Field(Entity, required=True)
    decision = graphene.String(required=True, description="The customer's decision after the change")
    previous_decision = graphene.String(required=True, description="Before it (CLEAR when never screened)")
    reason = graphene.String(required=True, description="The listed party and the match or shared value behind it")
    path = graphene.Field(PathType, description="From the customer to the listed party, when a path links them")
    list_change = graphene.Field(ListChangeType, required=True)
    created_at = graphene.String(required=True)
    status = graphene.Field(AlertStatusEnum, required=True)
    level = graphene.String(required=True, description="HIT or REVIEW: what this reason alone reaches")
    listed_entity_id = graphene.String(required=True)
    listed_name = graphene.String(required=True)
    updated_at = graphene.String(required=True)
    closed_reason = graphene.String()
    closed_by = graphene.String()
    closed_at = graphene.String()
    note = graphene.String()
    history = graphene.List(graphene.NonNull(AlertEvent), required=True)

    @staticmethod
    async def resolve_customer(alert: alert_views.AlertView, info: GraphQLResolveInfo) -> EntityRow:
        found = await context(info).entities.load(alert.customer_id)
        if found is None:  # the customer's entity is gone (merged away since): still show the alert
            return EntityRow(id=alert.customer_id, name="(entity no longer in the graph)", schema="CustomerAccount")
        return found  # type: ignore[no-any-return]

    @staticmethod
    def resolve_status(alert: alert_views.AlertView, info: GraphQLResolveInfo) -> str:
        return alert.status

    @staticmethod
    def resolve_listed_entity_id(alert: alert_views.AlertView, info: GraphQLResolveInfo) -> str:
        return alert.listed_id

    @staticmethod
    def resolve_list_change(alert: alert_views.AlertView, info: GraphQLResolveInfo) -> dict[str, str]:
        return alert.list_change


AlertConnection = connection(Alert, "Alert")
