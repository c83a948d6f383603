"""What screening takes and gives over GraphQL: an applicant in, a decision with its matches and exposure out.

The fields mirror ``graph.screening``'s results; the screening role's views of
them (``graph_api.views``) never name another customer.
"""

from __future__ import annotations

from typing import Any

import graphene
from graphql import GraphQLResolveInfo

from graph import answers, applicants
from graph.authors import PartResult, SubmissionResult
from graph_api.types import (
    ComparisonEvidence,
    GraphNodeType,
    IndicatorType,
    PathType,
)

DecisionEnum = graphene.Enum.from_enum(applicants.Decision, description="HIT: a listed party; REVIEW: look; CLEAR")


class ScreenInput(graphene.InputObjectType):
    """One applicant. Give a name, or at least one identifier or contact value."""

    name = graphene.String()
    names = graphene.List(graphene.NonNull(graphene.String), description="Other names and spellings")
    schema = graphene.String(default_value="Person", description="Person, Organization, Company, ...")
    birth_date = graphene.String(description="Birth or incorporation date, ISO (YYYY, YYYY-MM or YYYY-MM-DD)")
    country = graphene.String()
    identifiers = graphene.List(graphene.NonNull(graphene.String), description="Passport, registration, LEI, ...")
    address = graphene.String()
    email = graphene.String()
    phone = graphene.String()
    ip_address = graphene.String()
    domain = graphene.String()
    wallet = graphene.String()
    payment_fingerprint = graphene.String()
    record_id = graphene.String(description="The applicant's own record in the graph, so judgements about it apply")
    affiliations = graphene.List(
        graphene.NonNull(graphene.String),
        description="Employers, universities, institutes: matched to institutions of concern",
    )


class RecordRef(graphene.ObjectType):
    source = graphene.String(required=True)
    source_key = graphene.String(required=True)


class ScreenMatch(graphene.ObjectType):
    entity_id = graphene.String(required=True)
    name = graphene.String(required=True)
    schema = graphene.String(required=True)
    listed = graphene.Boolean(required=True)
    probability = graphene.Float(required=True)
    match_weight = graphene.Float(required=True)
    explanation = graphene.List(graphene.NonNull(ComparisonEvidence), required=True)
    records = graphene.List(graphene.NonNull(RecordRef), required=True)
    via = graphene.List(graphene.NonNull(graphene.String), required=True, description="Which index found it")
    judged = graphene.String(description="same / not_same when an analyst decided")
    blocked_by = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="An unlisted party that listed or blocked owners own 50% or more of (OFAC's 50% rule): those"
        " owners' entity ids; screening takes it as listed",
    )

    @staticmethod
    def resolve_explanation(match: applicants.Match, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
        return match.comparisons

    @staticmethod
    def resolve_records(match: applicants.Match, info: GraphQLResolveInfo) -> list[dict[str, str]]:
        return [{"source": r["source"], "source_key": r["sourceKey"]} for r in match.records]


class ExposureHit(graphene.ObjectType):
    kind = graphene.String(required=True)
    value = graphene.String(required=True)
    entity = graphene.Field(GraphNodeType, required=True, description="Who else uses the value")
    score = graphene.Float(required=True)
    path = graphene.Field(PathType, description="From that user to a listed party")

    @staticmethod
    def resolve_kind(hit: applicants.ExposureHit, info: GraphQLResolveInfo) -> str:
        return hit.label

    @staticmethod
    def resolve_entity(hit: applicants.ExposureHit, info: GraphQLResolveInfo) -> answers.GraphNode:
        return hit.user


class ScreenResult(graphene.ObjectType):
    decision = graphene.Field(DecisionEnum, required=True)
    matches = graphene.List(graphene.NonNull(ScreenMatch), required=True)
    exposure = graphene.List(graphene.NonNull(ExposureHit), required=True)
    exposure_score = graphene.Float(required=True)
    indicators = graphene.List(
        graphene.NonNull(IndicatorType),
        required=True,
        description="DPRK indicators that fired (a +850 phone, a .kp e-mail, a DPRK network...), strongest first",
    )

    @staticmethod
    def resolve_decision(result: applicants.ScreenResult, info: GraphQLResolveInfo) -> str:
        return result.decision.value


class AuthorInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    affiliations = graphene.List(graphene.NonNull(graphene.String))
    email = graphene.String()
    country = graphene.String()


class SubmissionInput(graphene.InputObjectType):
    """One conference or journal submission: its authors with their affiliations, e-mails and countries."""

    id = graphene.String(required=True)
    title = graphene.String()
    authors = graphene.List(graphene.NonNull(AuthorInput), required=True)


class ScreenedPart(graphene.ObjectType):
    """An author or an affiliation as screened."""

    name = graphene.String(required=True)
    decision = graphene.Field(DecisionEnum, required=True)
    indicators = graphene.List(graphene.NonNull(IndicatorType), required=True)
    matches = graphene.List(graphene.NonNull(ScreenMatch), required=True, description="Listed parties it matches")

    @staticmethod
    def resolve_decision(part: PartResult, info: GraphQLResolveInfo) -> str:
        return part.decision.value


class SubmissionScreen(graphene.ObjectType):
    id = graphene.String(required=True)
    title = graphene.String()
    decision = graphene.Field(
        DecisionEnum, required=True, description="The most severe of its authors' and affiliations'"
    )
    reasons = graphene.List(graphene.NonNull(graphene.String), required=True)
    authors = graphene.List(graphene.NonNull(ScreenedPart), required=True)
    affiliations = graphene.List(graphene.NonNull(ScreenedPart), required=True)

    @staticmethod
    def resolve_decision(result: SubmissionResult, info: GraphQLResolveInfo) -> str:
        return result.decision.value


class ScreenBatchItem(graphene.InputObjectType):
    id = graphene.String(required=True)
    query = graphene.Field(ScreenInput, required=True)


class ScreenBatchResult(graphene.ObjectType):
    id = graphene.String(required=True)
    result = graphene.Field(ScreenResult, required=True)


def applicant_from(data: dict[str, Any]) -> applicants.Applicant:
    snake = {
        "birth_date": "birthDate",
        "ip_address": "ipAddress",
        "payment_fingerprint": "paymentFingerprint",
        "record_id": "recordId",
    }
    return applicants.Applicant.from_dict({snake.get(k, k): v for k, v in data.items()})
