"""The ASGI app: ``/graphql`` (GraphiQL on GET in a browser), ``/healthz``, ``/readyz``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from graph.store import GraphStore
from graph_api.context import RequestContext, in_thread
from graph_api.errors import format_error
from graph_api.graphiql import GRAPHIQL_HTML
from graph_api.schema import schema
from sanctiongraph.errors import GraphStoreError
from sanctiongraph.settings import Settings

MAX_BODY_BYTES = 1 << 20


def _bad_request(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}, status_code=status)


async def _read_operation(request: Request) -> dict[str, Any] | JSONResponse:
    if request.method == "GET":
        params = dict(request.query_params)
        if "variables" in params:
            try:
                params["variables"] = json.loads(params["variables"])
            except json.JSONDecodeError:
                return _bad_request("variables is not valid JSON")
        return params
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _bad_request(f"request body over {MAX_BODY_BYTES} bytes", 413)
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        return _bad_request("body is not valid JSON")
    if not isinstance(data, dict):
        return _bad_request("body must be a JSON object with a query")
    return data


async def graphql_endpoint(request: Request) -> Response:
    if (
        request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    ):
        return HTMLResponse(GRAPHIQL_HTML)
    operation = await _read_operation(request)
    if isinstance(operation, JSONResponse):
        return operation
    query = operation.get("query")
    if not isinstance(query, str) or not query.strip():
        return _bad_request("no query given")
    variables = operation.get("variables") or {}
    if not isinstance(variables, dict):
        return _bad_request("variables must be an object")
    store: GraphStore = request.app.state.store
    result = await schema.execute_async(
        query,
        variable_values=variables,
        operation_name=operation.get("operationName"),
        context_value=RequestContext(store),
    )
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [format_error(e) for e in result.errors]
    return JSONResponse(payload)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    store: GraphStore = request.app.state.store
    try:
        await in_thread(store.verify)
    except GraphStoreError as error:
        return JSONResponse({"status": "unavailable", "detail": str(error)}, status_code=503)
    return JSONResponse({"status": "ready"})


def create_app(settings: Settings, store: GraphStore | None = None) -> Starlette:
    """The API app; it opens (and closes) its own Neo4j driver unless given one."""
    owned = store is None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.store = store if store is not None else GraphStore(settings)
        try:
            yield
        finally:
            if owned:
                app.state.store.close()

    routes = [
        Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
