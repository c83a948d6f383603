"""Every error a client sees, mapped to a stable code in one place.

The layers below raise their own errors (the graph layer's ``NotFoundError`` and
``InvalidArgumentError``); only this module knows which API code each one is.

Clients get ``{"message", "extensions": {"code"}}``; never a stack trace. Codes
are looked up along the exception's class hierarchy, so a subclass inherits its
base's code unless it has its own.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

from sanctiongraph.errors import (
    ApiError,
    GraphStoreError,
    GraphUnavailableError,
    InvalidArgumentError,
    NotFoundError,
    SanctionGraphError,
)

log = logging.getLogger("sanctiongraph.api")

CODES: dict[type[BaseException], str] = {
    GraphUnavailableError: "SERVICE_UNAVAILABLE",
    GraphStoreError: "GRAPH_ERROR",
    NotFoundError: "NOT_FOUND",
    InvalidArgumentError: "BAD_REQUEST",
    ApiError: "BAD_REQUEST",
    SanctionGraphError: "INTERNAL",
}

# Codes whose message is safe and useful to show the client as it is.
PUBLIC_MESSAGES = {"SERVICE_UNAVAILABLE", "BAD_REQUEST", "FORBIDDEN", "UNAUTHENTICATED", "NOT_FOUND", "LIMIT_EXCEEDED"}


def code_for(error: BaseException) -> str:
    if isinstance(error, ApiError):
        return error.code
    for cls in type(error).__mro__:
        if cls in CODES:
            return CODES[cls]
    return "INTERNAL"


def format_error(error: GraphQLError) -> dict[str, Any]:
    """One GraphQL error as the client sees it."""
    original = error.original_error
    if original is None:
        code = "BAD_REQUEST" if not error.path else "INTERNAL"
        return {"message": error.message, "extensions": {"code": code}, **_where(error)}
    code = code_for(original)
    if code in PUBLIC_MESSAGES:
        message = str(original)
    else:
        log.error("internal error in %s: %s", error.path, type(original).__name__, exc_info=original)
        message = "internal error; the server log has details"
    return {"message": message, "extensions": {"code": code}, **_where(error)}


def _where(error: GraphQLError) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if error.path:
        out["path"] = error.path
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return out
