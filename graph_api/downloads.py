"""The exports as plain HTTP downloads, for the analyst role (no GraphQL client needed).

``GET /export/records.csv`` (or ``.parquet``, with ``?source=`` and ``?since=``),
``GET /export/entities.ftm.json`` and ``GET /export/clusters.csv`` (or
``.parquet``) write the export to a private temporary file in a worker thread,
stream it back and delete it: memory stays flat at any size, and a request in
flight never holds the event loop. Every download is audited like a query.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from graph.cluster_export import export_clusters
from graph.export import Written, export_entities, export_records
from graph_api.auth import Principal, Role, authenticate_request
from graph_api.context import in_thread
from sanctiongraph.errors import ApiError, SanctionGraphError

NEEDED_ROLE = Role.ANALYST
MEDIA_TYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "json": "application/x-ndjson"}
STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "RATE_LIMITED": 429, "NOT_FOUND": 404}


def _exporter(state: Any, name: str, request: Request) -> Callable[[Path], Written]:
    """The export a download name asks for, as a function of the file to write."""
    params = request.query_params
    staging_path: Path = state.settings.staging_path
    if name in ("records.csv", "records.parquet"):
        fmt = name.rsplit(".", 1)[1]
        source, since = params.get("source"), params.get("since")
        return lambda out: export_records(staging_path, out, fmt, source=source, since=since)
    if name == "entities.ftm.json":
        return lambda out: export_entities(staging_path, out)
    if name in ("clusters.csv", "clusters.parquet"):
        fmt = name.rsplit(".", 1)[1]
        return lambda out: export_clusters(state.services.store, out, fmt)
    raise ApiError(
        f"no export named {name!r}; there are records.csv, records.parquet, entities.ftm.json, clusters.csv,"
        " clusters.parquet",
        code="NOT_FOUND",
    )


def _authorised(state: Any, request: Request) -> Principal:
    principal = authenticate_request(state.keys, state.limiter, request)
    if not state.limiter.allow(principal.name):
        raise ApiError("rate limit exceeded; slow down", code="RATE_LIMITED")
    if principal.role < NEEDED_ROLE:
        raise ApiError(
            f"exports need the {NEEDED_ROLE.name.lower()} role; this key has {principal.role.name.lower()}",
            code="FORBIDDEN",
        )
    return principal


async def download(request: Request) -> Response:
    state = request.app.state.api
    name = str(request.path_params["name"])
    started = time.perf_counter()
    principal: Principal | None = None
    try:
        principal = _authorised(state, request)
        export = _exporter(state, name, request)
        handle, raw = tempfile.mkstemp(prefix="sanctiongraph-export-", suffix=f"-{name}")  # private: 0600
        os.close(handle)
        path = Path(raw)
        try:
            written = await in_thread(export, path)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    except ApiError as error:
        _audit(state, principal, name, request, error.code, started)
        return JSONResponse({"error": str(error), "code": error.code}, status_code=STATUS.get(error.code, 400))
    except SanctionGraphError as error:  # an unknown run, nothing resolved yet, a bad format
        _audit(state, principal, name, request, "BAD_REQUEST", started)
        return JSONResponse({"error": str(error), "hint": error.hint, "code": "BAD_REQUEST"}, status_code=400)
    _audit(state, principal, name, request, "OK", started, rows=written.rows)
    return FileResponse(
        written.path,
        media_type=MEDIA_TYPES[name.rsplit(".", 1)[1]],
        filename=f"sanctiongraph-{name}",
        background=BackgroundTask(written.path.unlink, missing_ok=True),
    )


def _audit(
    state: Any,
    principal: Principal | None,
    name: str,
    request: Request,
    status: str,
    started: float,
    rows: int | None = None,
) -> None:
    query = str(request.url.query)
    state.audit.record(
        {
            "principal": principal.name if principal else None,
            "role": principal.role.name.lower() if principal else None,
            "operation": f"export {name}",
            "fields": ["export"],
            "query_sha256": state.audit.query_hash(query),  # HMAC-SHA256 with the audit key
            "variables": state.audit.hash_values(dict(request.query_params)),
            "entities": [],
            "status": status,
            "rows": rows,
            "ms": round((time.perf_counter() - started) * 1000, 2),
        }
    )
