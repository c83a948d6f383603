"""The ASGI app: ``/graphql`` (GraphiQL for browsers), ``/healthz``, ``/readyz``.

Every GraphQL request goes through the same steps, in this order: size limit,
authentication, rate limit, parse, permission/depth/cost checks, validation,
execution, audit. Nothing reaches Neo4j before the checks pass.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from inspect import isawaitable
from pathlib import Path
from typing import Any

import anyio
import orjson
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from graph.screening import Screener
from graph.store import GraphStore
from graph_api import limits
from graph_api.audit import AuditLog, entity_ids_of, returned_entities
from graph_api.auth import KeyStore, Principal, Role, authenticate_request
from graph_api.context import RequestContext, Services, in_thread
from graph_api.downloads import download
from graph_api.errors import code_for, format_error
from graph_api.graphiql import GRAPHIQL_HTML
from graph_api.jobs import IngestJobs
from graph_api.metrics import Metrics
from graph_api.ratelimit import RateLimiter
from graph_api.schema import schema
from sanctiongraph import logs
from sanctiongraph.errors import ApiError, GraphStoreError
from sanctiongraph.settings import Settings

log = logging.getLogger("sanctiongraph.api")

MAX_BODY_BYTES = 1 << 20
# Longer query texts are parsed and validated afresh each time rather than cached.
CACHED_QUERY_CHARS = 16_384
WEB_ROOT = Path(__file__).resolve().parent.parent / "web" / "dist"
STATUS_OF_CODE = {
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "RATE_LIMITED": 429,
    "SERVICE_UNAVAILABLE": 503,
    "PAYLOAD_TOO_LARGE": 413,
    "METHOD_NOT_ALLOWED": 405,
    "TIMEOUT": 504,
    "INTERNAL": 500,
}


@dataclass
class ApiState:
    settings: Settings
    services: Services
    keys: KeyStore
    audit: AuditLog
    limiter: RateLimiter
    metrics: Metrics


class JsonResponse(JSONResponse):
    """JSON bodies by orjson: a screening answer serialises in a tenth of the stdlib's time."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _error(message: str, code: str, status: int = 400) -> JSONResponse:
    return JsonResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)


async def _read_operation(request: Request) -> dict[str, Any]:
    if request.method == "GET":
        params: dict[str, Any] = dict(request.query_params)
        if "variables" in params:
            try:
                params["variables"] = json.loads(params["variables"])
            except json.JSONDecodeError:
                raise ApiError("variables is not valid JSON", code="BAD_REQUEST") from None
        return params
    body = await _read_body(request)
    try:
        data = orjson.loads(body)
    except (orjson.JSONDecodeError, UnicodeDecodeError):
        raise ApiError("body is not valid JSON", code="BAD_REQUEST") from None
    if not isinstance(data, dict):
        raise ApiError("body must be a JSON object with a query", code="BAD_REQUEST")
    return data


async def _read_body(request: Request) -> bytes:
    """The request body, refused as soon as it is known to be over ``MAX_BODY_BYTES``.

    Reading it whole first let any client make the worker hold any amount of
    memory before the size check: a declared length over the limit is refused
    unread, and a body without one is read only up to the limit.
    """
    too_large = ApiError(f"request body over {MAX_BODY_BYTES} bytes", code="PAYLOAD_TOO_LARGE")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _prepare(state: ApiState, principal: Principal, operation: dict[str, Any]) -> tuple[Any, limits.QueryShape]:
    query = operation.get("query")
    if not isinstance(query, str) or not query.strip():
        raise ApiError("no query given", code="BAD_REQUEST")
    variables = operation.get("variables") or {}
    if not isinstance(variables, dict):
        raise ApiError("variables must be an object", code="BAD_REQUEST")
    settings = state.settings
    # Only short texts are cached: 1,024 entries of up to 1 MiB each could hold 1 GiB per worker.
    check = _parse_and_validate if len(query) <= CACHED_QUERY_CHARS else _parse_and_validate.__wrapped__
    document, problems = check(query, settings.introspection)
    name = operation.get("operationName")
    if problems is None:  # an invalid query is refused below; its variables cannot be coerced
        variables = limits.coerce_variables(document, name, variables)
    try:
        shape = limits.shape_of(document, name, variables)
    except RecursionError:  # nesting the parser took but measuring cannot: far over any depth limit
        raise ApiError(
            f"query nested over the depth limit of {settings.max_query_depth}", code="LIMIT_EXCEEDED"
        ) from None
    limits.check(
        shape,
        principal,
        max_depth=settings.max_query_depth,
        max_cost=settings.max_query_cost,
        introspection=settings.introspection,
    )
    if problems:
        raise ApiError(problems, code="BAD_REQUEST")
    return document, shape


@lru_cache(maxsize=1024)
def _parse_and_validate(query: str, introspection: bool) -> tuple[DocumentNode, str | None]:
    """Parse and validate a query text once: clients send the same few queries over and over.

    Validation against the schema costs milliseconds per request, more than a
    screening's scoring; the schema never changes while the app runs, so the
    verdict for a given text does not either. Variables are checked at execution.
    """
    try:
        document = parse(query, max_tokens=20_000)
    except GraphQLError as error:
        raise ApiError(f"syntax error: {error.message}", code="BAD_REQUEST") from None
    except RecursionError:  # brackets nested thousands deep, within the token limit
        raise ApiError("query nested too deeply to read; flatten it", code="BAD_REQUEST") from None
    graphql_schema: GraphQLSchema = schema.graphql_schema
    rules = list(specified_rules) + ([] if introspection else [NoSchemaIntrospectionCustomRule])
    errors = validate(graphql_schema, document, rules)
    return document, ("; ".join(e.message for e in errors[:5]) if errors else None)


def _is_mutation(document: DocumentNode, name: Any) -> bool:
    operation = get_operation_ast(document, name if isinstance(name, str) else None)
    return operation is not None and operation.operation == OperationType.MUTATION


async def graphql_endpoint(request: Request) -> Response:
    if (
        request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    ):
        return HTMLResponse(GRAPHIQL_HTML)
    state: ApiState = request.app.state.api
    started = time.perf_counter()
    principal: Principal | None = None
    operation: dict[str, Any] = {}
    shape: limits.QueryShape | None = None
    try:
        with anyio.fail_after(state.settings.request_timeout):
            principal = _authenticate(state, request)
            if not state.limiter.allow(principal.name):
                raise ApiError("rate limit exceeded; slow down", code="RATE_LIMITED")
            operation = await _read_operation(request)
            # Off the event loop: a costly query text must not stall every other request of the worker.
            document, checked = await in_thread(_prepare, state, principal, operation)
            shape = checked
            if request.method == "GET" and _is_mutation(document, operation.get("operationName")):
                # A link or an image tag can make a browser send a GET: what changes data must come by POST.
                raise ApiError("a mutation must be sent by POST", code="METHOD_NOT_ALLOWED")
            if checked.tokens > 1 and not state.limiter.allow(principal.name, checked.tokens - 1):
                raise ApiError(
                    f"rate limit exceeded by this query's cost ({checked.cost}); slow down or ask for less",
                    code="RATE_LIMITED",
                )
            request_context = RequestContext(state.services, principal)
            outcome = execute(
                schema.graphql_schema,
                document,
                variable_values=operation.get("variables") or {},
                operation_name=operation.get("operationName"),
                context_value=request_context,
                middleware=[record_entities],
            )
            result = await outcome if isawaitable(outcome) else outcome
    except ApiError as error:
        _audit(state, principal, operation, shape, None, error.code, started)
        return _error(str(error), error.code, STATUS_OF_CODE.get(error.code, 400))
    except TimeoutError:
        _audit(state, principal, operation, shape, None, "TIMEOUT", started)
        seconds = state.settings.request_timeout
        return _error(f"request took over {seconds:g} s and was stopped; ask for less", "TIMEOUT", 504)
    except Exception as error:  # every outcome is audited, an unexpected one too; the client gets no trace
        log.error("request failed: %s", type(error).__name__, exc_info=error)
        _audit(state, principal, operation, shape, None, "INTERNAL", started)
        return _error("internal error; the server log has details", "INTERNAL", 500)
    payload: dict[str, Any] = {"data": result.data}
    status, codes = 200, []
    if result.errors:
        payload["errors"] = [format_error(e) for e in result.errors]
        codes = [e["extensions"]["code"] for e in payload["errors"]]
        if "SERVICE_UNAVAILABLE" in codes:
            status = 503
    status_text = ",".join(sorted(set(codes))) or "OK"
    _audit(state, principal, operation, shape, result.data, status_text, started, request_context.shown)
    return JsonResponse(payload, status_code=status)


def record_entities(next_: Any, root: Any, info: Any, **args: Any) -> Any:
    """Middleware: note the entity IDs each resolver returns in the request's context, for the audit."""
    value = next_(root, info, **args)
    shown: set[str] = info.context.shown
    if isawaitable(value):

        async def recorded() -> Any:
            resolved = await value
            entity_ids_of(resolved, shown)
            return resolved

        return recorded()
    entity_ids_of(value, shown)
    return value


def _authenticate(state: ApiState, request: Request) -> Principal:
    return authenticate_request(state.keys, state.limiter, request)


def _decisions(data: Any) -> list[str]:
    """Screening decisions in a response, for the decision counter."""
    if not isinstance(data, dict):
        return []
    found = [data["screen"].get("decision")] if isinstance(data.get("screen"), dict) else []
    for item in data.get("screenBatch") or []:
        if isinstance(item, dict) and isinstance(item.get("result"), dict):
            found.append(item["result"].get("decision"))
    return [d for d in found if isinstance(d, str)]


def _audit(
    state: ApiState,
    principal: Principal | None,
    operation: dict[str, Any],
    shape: limits.QueryShape | None,
    data: Any,
    status: str,
    started: float,
    shown: set[str] | None = None,
) -> None:
    """Record the request in the audit log, the metrics and the service log (never a value in clear)."""
    seconds = time.perf_counter() - started
    fields = shape.root_fields if shape else []
    state.metrics.observe(fields, status, seconds)
    for decision in _decisions(data):
        state.metrics.decisions.labels(decision).inc()
    who = principal.name if principal else None
    log.info(
        "graphql request", extra={"principal": who, "fields": fields, "status": status, "ms": round(seconds * 1000, 2)}
    )
    query = operation.get("query") if isinstance(operation.get("query"), str) else ""
    operation_name = operation.get("operationName")
    state.audit.record(
        {
            "principal": who,
            "role": principal.role.name.lower() if principal else None,
            "operation": operation_name if isinstance(operation_name, str) else None,
            "fields": fields,
            "query_sha256": state.audit.query_hash(str(query)),  # HMAC-SHA256 with the audit key
            "variables": state.audit.hash_values(operation.get("variables") or {}),
            "entities": sorted(set(returned_entities(data)) | (shown or set())),
            "status": status,
            "ms": round(seconds * 1000, 2),
        }
    )


# How long shutdown waits for the warm-up queries before closing the store.
WARM_UP_WAIT_SECONDS = 30.0
# How often what has survived since is moved out of the garbage collector's sight (see _freeze_heap).
HEAP_FREEZE_SECONDS = 60.0


def _freeze_heap() -> None:
    """Collect, then move every surviving object to the collector's permanent generation.

    The screening cache holds hundreds of thousands of long-lived objects. A
    full collection walks all of them with the GIL held: 0.6 s measured on the
    1M-customer graph's warm cache, a stall of every request in the process, and
    p95 spikes past 100 ms. Frozen objects are still freed by reference counting
    (cache entries have no cycles); only the collector no longer visits them, so
    each later collection walks just what arrived since the last freeze.
    """
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    log.debug("heap frozen", extra={"objects": gc.get_freeze_count(), "ms": (time.perf_counter() - started) * 1000})


def _warm_up_and_freeze(services: Services, stop: threading.Event) -> None:
    """Warm up, then keep the long-lived heap frozen until the server stops."""
    _warm_up(services, stop)
    _freeze_heap()
    while not stop.wait(HEAP_FREEZE_SECONDS):
        _freeze_heap()


def _warm_up(services: Services, stop: threading.Event) -> None:
    """Plan the common queries once, in the background, so the first users do not wait seconds.

    Neo4j plans a query the first time it sees it; a fresh server also has cold
    caches. Then the screening cache takes the listed parties' records. Failures
    (Neo4j not up yet) are fine: the first requests then pay.
    """
    from graph import analytics, queries
    from graph.applicants import Applicant

    try:
        hits = queries.search_entities(services.store, "korea trading company", limit=3)
        for hit in hits[:1]:
            queries.get_entity(services.store, hit.id)
            queries.entity_records(services.store, [hit.id], skip=0, limit=21)
            queries.entity_sanctions(services.store, [hit.id])
            analytics.network(services.store, f"Entity:{hit.id}", depth=2)
            analytics.exposure(services.store, hit.id)
        services.screener.screen(services.store, Applicant(name="warm up", email="warm.up@example.org"))
        cached = services.screener.warm(services.store, stop)
        log.info("screening cache warmed", extra={"records": cached})
    except Exception as error:  # warming is best effort; it must never stop the server
        log.info("warm-up skipped", extra={"reason": type(error).__name__})


# The least role that may read /metrics: its decision counts are the bank's business, not a screening client's.
METRICS_ROLE = Role.INVESTIGATOR


async def metrics(request: Request) -> Response:
    """Prometheus metrics, for a key of ``METRICS_ROLE`` or above (scrapers send it as a Bearer token)."""
    state: ApiState = request.app.state.api
    try:
        principal = _authenticate(state, request)
    except ApiError as error:
        return _error(str(error), error.code, STATUS_OF_CODE.get(error.code, 400))
    if principal.role < METRICS_ROLE:
        return _error(f"/metrics needs the {METRICS_ROLE.name.lower()} role", "FORBIDDEN", 403)
    body = state.metrics.render(state.services.jobs.counts())
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    state: ApiState = request.app.state.api
    try:
        await in_thread(state.services.store.verify)
    except GraphStoreError as error:
        return JSONResponse({"status": "unavailable", "code": code_for(error)}, status_code=503)
    return JSONResponse({"status": "ready"})


WORKERS_ENV = "SANCTIONGRAPH_API_WORKERS"


def app_from_env() -> Starlette:
    """The app of one of ``serve --workers N``'s processes: settings from the environment ``serve`` set."""
    logs.configure(json_lines=os.environ.get("SANCTIONGRAPH_LOG_FORMAT", "json") != "text")
    return create_app(Settings.from_env(), workers=int(os.environ.get(WORKERS_ENV, "1")))


def create_app(settings: Settings, store: GraphStore | None = None, *, workers: int = 1) -> Starlette:
    """The API app; it opens (and closes) its own Neo4j driver unless given one.

    ``workers`` is how many processes serve the workspace: each enforces its
    share of the rate limit, so together they never allow more than the setting.
    """
    owned = store is None
    workers = max(1, workers)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # A request must fail fast when Neo4j is down (503), not retry for the loader's 15 s.
        graph_store = store if store is not None else GraphStore(settings, timeout=10.0, retry_seconds=1.0)
        settings.inbox.mkdir(parents=True, exist_ok=True)
        services = Services(
            graph_store, Screener.load(), IngestJobs(settings.staging_path, settings.inbox), settings.staging_path
        )
        stop_warming = threading.Event()
        warmer = threading.Thread(
            target=_warm_up_and_freeze, args=(services, stop_warming), name="warm-up", daemon=True
        )
        warmer.start()
        app.state.api = ApiState(
            settings,
            services,
            KeyStore.load(
                settings.home, settings.jwt_secret, jwt_audience=settings.jwt_audience, jwt_issuer=settings.jwt_issuer
            ),
            AuditLog.open(settings.home),
            RateLimiter(settings.rate_limit / workers, max(1, settings.rate_burst // workers)),
            Metrics(settings.home),
        )
        try:
            yield
        finally:
            # The store must outlive the warm-up's queries: closing a driver under a running
            # query fails in the driver (BufferError), and the warm-up ends within seconds.
            stop_warming.set()
            await in_thread(warmer.join, WARM_UP_WAIT_SECONDS)
            app.state.api.audit.close()
            if owned:
                graph_store.close()

    routes: list[BaseRoute] = [
        Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        Route("/export/{name}", download),
    ]
    if (WEB_ROOT / "index.html").is_file():
        # The investigator page: static files built from web/ by the setup; it only talks to /graphql.
        routes.append(Mount("/", app=StaticFiles(directory=WEB_ROOT, html=True), name="web"))
    return Starlette(routes=routes, lifespan=lifespan)
