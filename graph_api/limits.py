"""Checks on a parsed query before anything runs: permissions, depth and cost.

Cost is an estimate of how many objects a query can return: every field costs
one, and a field that returns a page (``first: N``, a network of ``first``
nodes, a batch of N screens) multiplies what is below it by N. A query over the
limit is refused whole, with the figure, so a client can split it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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
)

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
    "sharedInfrastructure": Role.INVESTIGATOR,
    "sources": Role.INVESTIGATOR,
    "relationshipTypes": Role.INVESTIGATOR,
    "ingestJob": Role.ANALYST,
    "recordJudgement": Role.ANALYST,
    "alerts": Role.INVESTIGATOR,
    "updateAlert": Role.ANALYST,
    "startIngest": Role.ANALYST,
    "__schema": Role.SCREENING,
    "__type": Role.SCREENING,
    "__typename": Role.SCREENING,
}
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


@dataclass(frozen=True, slots=True)
class QueryShape:
    root_fields: list[str]
    depth: int
    cost: int


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == name]
    if len(operations) != 1:
        raise ApiError("give exactly one operation (or operationName)", code="BAD_REQUEST")
    return operations[0]


class _Walker:
    def __init__(self, document: DocumentNode, variables: dict[str, object]) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.variables = variables

    def fields(self, selection_set: SelectionSetNode | None, seen: frozenset[str] = frozenset()) -> Iterable[FieldNode]:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self.fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in seen or name not in self.fragments:
                    raise ApiError(f"fragment {name} is unknown or cyclic", code="BAD_REQUEST")
                yield from self.fields(self.fragments[name].selection_set, seen | {name})

    def multiplier(self, node: FieldNode) -> int:
        """How many items the field returns: its page argument, a batch's size, or its default page."""
        for argument in node.arguments:
            value = argument.value
            if argument.name.value in PAGE_ARGUMENTS:
                return max(1, self._int(value))
            if argument.name.value in BATCH_ARGUMENTS and isinstance(value, ListValueNode):
                return max(1, len(value.values))
            if argument.name.value in BATCH_ARGUMENTS and isinstance(value, VariableNode):
                items = self.variables.get(value.name.value)
                return max(1, len(items)) if isinstance(items, list) else 1
        return PAGED_FIELDS.get(node.name.value, 1)

    def _int(self, value: object) -> int:
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            found = self.variables.get(value.name.value)
            return found if isinstance(found, int) else DEFAULT_PAGE
        return DEFAULT_PAGE

    def measure(self, selection_set: SelectionSetNode | None, depth: int) -> tuple[int, int]:
        """(depth, cost) of a selection set."""
        deepest, cost = depth, 0
        for node in self.fields(selection_set):
            child_depth, child_cost = self.measure(node.selection_set, depth + 1)
            deepest = max(deepest, child_depth)
            cost += 1 + self.multiplier(node) * child_cost
        return deepest, cost


def shape_of(document: DocumentNode, operation_name: str | None, variables: dict[str, object]) -> QueryShape:
    operation = _operation(document, operation_name)
    walker = _Walker(document, variables)
    roots = [f.name.value for f in walker.fields(operation.selection_set)]
    depth, cost = walker.measure(operation.selection_set, 0)
    return QueryShape(roots, depth, cost)


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
    if shape.cost > max_cost:
        raise ApiError(
            f"query cost {shape.cost} is over the limit of {max_cost}; ask for smaller pages", code="LIMIT_EXCEEDED"
        )
