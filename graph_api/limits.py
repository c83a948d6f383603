"""Checks on a parsed query before anything runs: permissions, depth and cost.

Cost is an estimate of how many objects a query can return: every field costs
one, and a field that returns a page (``first: N``, a network of ``first``
nodes, a batch of N screens) multiplies what is below it by N. A query over the
limit is refused whole, with the figure, so a client can split it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    Visitor,
    visit,
)
from graphql.execution.values import get_variable_values

from graph_api.auth import Principal, Role
from sanctiongraph.errors import ApiError

# Root fields and the least role that may use them; anything not listed is admin only.
FIELD_ROLES: dict[str, Role] = {
    "screen": Role.SCREENING,
    "screenBatch": Role.SCREENING,
    "screenAuthors": Role.SCREENING,
    "entity": Role.INVESTIGATOR,
    "search": Role.INVESTIGATOR,
    "network": Role.INVESTIGATOR,
    "paths": Role.INVESTIGATOR,
    "exposure": Role.INVESTIGATOR,
    "ownership": Role.INVESTIGATOR,
    "frontCompanies": Role.INVESTIGATOR,
    "clusters": Role.INVESTIGATOR,
    "sharedInfrastructure": Role.INVESTIGATOR,
    "sources": Role.INVESTIGATOR,
    "relationshipTypes": Role.INVESTIGATOR,
    "ingestJob": Role.ANALYST,
    "recordJudgement": Role.ANALYST,
    "alerts": Role.INVESTIGATOR,
    "updateAlert": Role.ANALYST,
    "startIngest": Role.ANALYST,
    "me": Role.SCREENING,
    "__schema": Role.SCREENING,
    "__type": Role.SCREENING,
    "__typename": Role.SCREENING,
}


def allowed_fields(role: Role) -> list[str]:
    """The root fields a key of ``role`` may use (introspection aside), for a client to offer only those."""
    return sorted(field for field, needed in FIELD_ROLES.items() if role >= needed and not field.startswith("__"))


# Arguments that say how many items a field returns (the multiplier of its children).
PAGE_ARGUMENTS = ("first", "limit")
# Arguments that carry a batch (screenBatch's applicants, screenAuthors' submissions): the multiplier is their size.
BATCH_ARGUMENTS = ("inputs", "submissions")
DEFAULT_PAGE = 20
# Fields that return many items, and how many when the query does not say.
PAGED_FIELDS: dict[str, int] = {
    "search": 20,
    "records": 20,
    "relations": 20,
    "infrastructure": 20,
    "network": 200,
    "paths": 3,
    "exposure": 20,
    "frontCompanies": 50,
    "sharedInfrastructure": 100,
    "users": 10,
}


# Caps that bound the work of the check itself and of what a request can fan out to. A query may name a
# fragment many times; each spread is counted once here, so the check stays linear in the query's text.
MAX_FRAGMENT_SPREADS = 200
MAX_ALIASES = 100
# A screen runs several graph reads and a scoring per applicant: it costs this much on top of its fields,
# so aliased screenBatch calls add up to a cost the limit sees (33 x 100 applicants is not one request).
SCREEN_COST = 20
SCREEN_FIELDS = ("screen", "screenBatch")
# Applicants screened in one request, over all screen and screenBatch fields and their aliases.
MAX_APPLICANTS = 100
# The rate limiter takes one token per this much cost: an ordinary query is one request, the costliest a hundred.
COST_PER_TOKEN = 100


@dataclass(frozen=True, slots=True)
class QueryShape:
    root_fields: list[str]
    depth: int
    cost: int
    applicants: int = 0

    @property
    def tokens(self) -> int:
        """What the request takes from its client's rate-limit bucket: its cost, in tokens."""
        return max(1, -(-self.cost // COST_PER_TOKEN))


@dataclass(frozen=True, slots=True)
class _Measure:
    """What a selection set adds up to: depth below it, cost, applicants screened, root field names."""

    depth: int
    cost: int
    applicants: int
    names: frozenset[str]


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == name]
    if len(operations) != 1:
        raise ApiError("give exactly one operation (or operationName)", code="BAD_REQUEST")
    return operations[0]


class _Counter(Visitor):
    """Counts fragment spreads and aliases in the whole document, in one pass over its nodes."""

    def __init__(self) -> None:
        super().__init__()
        self.spreads = 0
        self.aliases = 0

    def enter_fragment_spread(self, node: FragmentSpreadNode, *args: Any) -> None:
        self.spreads += 1

    def enter_field(self, node: FieldNode, *args: Any) -> None:
        if node.alias is not None:
            self.aliases += 1


class _Walker:
    """Measures a query in time linear in its text: each fragment is measured once and its result reused.

    Expanding every spread on every path took time exponential in the nesting
    (``fragment Fi { ...Fi+1 ...Fi+1 }``: four times more per two levels), so a
    1 KB query held a worker for minutes before any limit answered.
    """

    def __init__(self, document: DocumentNode, variables: dict[str, Any]) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.variables = variables
        self.measured: dict[str, _Measure] = {}
        self.open: set[str] = set()

    def measure(self, selection_set: SelectionSetNode | None) -> _Measure:
        """Depth, cost, applicants and field names of a selection set; fragments come from the memo."""
        depth = cost = applicants = 0
        names: set[str] = set()
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                below = self.measure(selection.selection_set)
                times = self.multiplier(selection)
                name = selection.name.value
                own = SCREEN_COST if name in SCREEN_FIELDS else 0
                depth = max(depth, below.depth + 1)
                cost += 1 + times * (own + below.cost)
                applicants += times * below.applicants + (times if name in SCREEN_FIELDS else 0)
                names.add(name)
                continue
            if isinstance(selection, InlineFragmentNode):
                part = self.measure(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                part = self.fragment(selection.name.value)
            else:  # pragma: no cover - the three kinds of selection GraphQL has
                continue
            depth = max(depth, part.depth)
            cost += part.cost
            applicants += part.applicants
            names |= part.names
        return _Measure(depth, cost, applicants, frozenset(names))

    def fragment(self, name: str) -> _Measure:
        if name in self.measured:
            return self.measured[name]
        if name in self.open or name not in self.fragments:
            raise ApiError(f"fragment {name} is unknown or cyclic", code="BAD_REQUEST")
        self.open.add(name)
        result = self.measure(self.fragments[name].selection_set)
        self.open.discard(name)
        self.measured[name] = result
        return result

    def multiplier(self, node: FieldNode) -> int:
        """How many items the field returns: its page argument, a batch's size, or its default page."""
        for argument in node.arguments:
            value = argument.value
            if argument.name.value in PAGE_ARGUMENTS:
                return max(1, self._int(value))
            if argument.name.value in BATCH_ARGUMENTS:
                items = value.values if isinstance(value, ListValueNode) else self._variable(value)
                return max(1, len(items)) if isinstance(items, (list, tuple)) else 1
        return PAGED_FIELDS.get(node.name.value, 1)

    def _variable(self, value: object) -> object:
        return self.variables.get(value.name.value) if isinstance(value, VariableNode) else None

    def _int(self, value: object) -> int:
        if isinstance(value, IntValueNode):
            return int(value.value)
        found = self._variable(value)
        # Variables are coerced (a JSON 100.0 is the Int 100, a missing one takes its default) before
        # they get here; one still absent is null, for which the field takes its default page.
        return found if isinstance(found, int) and not isinstance(found, bool) else DEFAULT_PAGE


def coerce_variables(document: DocumentNode, operation_name: str | None, variables: dict[str, Any]) -> dict[str, Any]:
    """The operation's variables as execution will see them: coerced, with defaults filled in.

    The cost must be that of the query that will run: counting a defaulted or a
    float variable as a default page let a query costing 30,301 pass as 1,261.
    """
    from graph_api.schema import schema  # the schema imports this module's neighbours; import late

    operation = _operation(document, operation_name)
    coerced = get_variable_values(schema.graphql_schema, operation.variable_definitions or (), variables)
    if isinstance(coerced, list):
        raise ApiError("; ".join(e.message for e in coerced[:5]), code="BAD_REQUEST")
    return coerced


def shape_of(document: DocumentNode, operation_name: str | None, variables: dict[str, Any]) -> QueryShape:
    """Root fields, depth, cost and applicants of the operation, after the caps on spreads and aliases.

    Raises:
        ApiError: LIMIT_EXCEEDED when the query has too many fragment spreads or
            aliases; BAD_REQUEST for an unknown or cyclic fragment.
    """
    counter = _Counter()
    visit(document, counter)
    if counter.spreads > MAX_FRAGMENT_SPREADS:
        raise ApiError(
            f"query has {counter.spreads} fragment spreads, over the limit of {MAX_FRAGMENT_SPREADS};"
            " inline the fragments or split the query",
            code="LIMIT_EXCEEDED",
        )
    if counter.aliases > MAX_ALIASES:
        raise ApiError(
            f"query has {counter.aliases} aliases, over the limit of {MAX_ALIASES}; split the query",
            code="LIMIT_EXCEEDED",
        )
    operation = _operation(document, operation_name)
    walker = _Walker(document, variables)
    measured = walker.measure(operation.selection_set)
    return QueryShape(sorted(measured.names), measured.depth, measured.cost, measured.applicants)


def check(shape: QueryShape, principal: Principal, *, max_depth: int, max_cost: int, introspection: bool) -> None:
    """Refuse a query its caller may not run or that is too deep or too costly."""
    for field in shape.root_fields:
        if field in ("__schema", "__type") and not introspection:
            raise ApiError("introspection is switched off on this server", code="FORBIDDEN")
        needed = FIELD_ROLES.get(field, Role.ADMIN)
        if principal.role < needed:
            raise ApiError(
                f"{field} needs the {needed.name.lower()} role; this key has {principal.role.name.lower()}",
                code="FORBIDDEN",
            )
    if shape.depth > max_depth:
        raise ApiError(f"query depth {shape.depth} is over the limit of {max_depth}", code="LIMIT_EXCEEDED")
    if shape.applicants > MAX_APPLICANTS:
        raise ApiError(
            f"{shape.applicants} applicants in one request, over the limit of {MAX_APPLICANTS};"
            " send them in several requests",
            code="LIMIT_EXCEEDED",
        )
    if shape.cost > max_cost:
        raise ApiError(
            f"query cost {shape.cost} is over the limit of {max_cost}; ask for smaller pages", code="LIMIT_EXCEEDED"
        )
