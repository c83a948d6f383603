"""``serve``, ``apikey``, ``schema``, ``screen`` and ``screen-authors``: the API and screening."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from sanctiongraph import logs
from sanctiongraph.cli.common import (
    Host,
    Port,
    Workspace,
    app,
    out,
    run,
    settings_for,
)
from sanctiongraph.errors import SanctionGraphError
from sanctiongraph.settings import Settings


@app.command()
def serve(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    dev_key: Annotated[
        bool,
        typer.Option(
            "--dev-key/--no-dev-key",
            envvar="SANCTIONGRAPH_DEV_KEY",
            help="Mint a development admin key into the workspace (the Docker image sets SANCTIONGRAPH_DEV_KEY=0)",
        ),
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            envvar="SANCTIONGRAPH_API_WORKERS",
            help="API processes sharing the port (one per core: one process is bound to one core by its GIL)",
        ),
    ] = 1,
    workspace: Workspace = None,
) -> None:
    """Serve the GraphQL API at /graphql (clients send Authorization: Bearer <API key>)."""
    settings = settings_for(workspace)
    run(settings, lambda: serve_api(settings, host, port, mint_dev_key=dev_key, workers=workers))


def serve_api(
    settings: Settings,
    host: str,
    port: int,
    banner: Callable[[], None] | None = None,
    *,
    mint_dev_key: bool = True,
    show_key: bool = False,
    workers: int = 1,
) -> None:
    import uvicorn

    from graph_api.app import WORKERS_ENV, create_app
    from graph_api.auth import DEV_KEY_FILE, dev_key

    logs.configure(json_lines=os.environ.get("SANCTIONGRAPH_LOG_FORMAT", "json") != "text")
    # No access log: a GraphQL GET carries the query (perhaps a name) in its URL; the app logs requests itself.
    options: dict[str, Any] = dict(
        host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=10, log_config=None
    )
    if workers > 1:
        # Each worker process builds its app from the environment: the workspace this command resolved.
        os.environ.update({"SANCTIONGRAPH_HOME": str(settings.home.resolve()), WORKERS_ENV: str(workers)})
        config = uvicorn.Config("graph_api.app:app_from_env", factory=True, workers=workers, **options)
    else:
        config = uvicorn.Config(create_app(settings), **options)
    out.print(
        f"GraphQL API at http://{host}:{port}/graphql ({workers} process{'es' if workers > 1 else ''}; Ctrl-C stops)",
        highlight=False,
    )
    if mint_dev_key:
        key = dev_key(settings.home)
        # The key itself goes only to an interactive terminal (demo); logs get the file it is in.
        shown = key if show_key else "see the file"
        out.print(f"development API key (admin) in {settings.home / DEV_KEY_FILE}: {shown}", highlight=False)
    if banner is not None:
        banner()
    if workers > 1:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        uvicorn.Server(config).run()


apikey_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)


app.add_typer(apikey_app, name="apikey")


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Option(help="Who the key is for (shown in the audit log)")],
    role: Annotated[str, typer.Option(help="screening, investigator, analyst or admin")] = "screening",
    workspace: Workspace = None,
) -> None:
    """Mint an API key; only its hash is stored, so this is the one time it is shown."""
    from graph_api.auth import Role, create_key

    settings = settings_for(workspace)
    key = run(settings, lambda: create_key(settings.home, name, Role.parse(role)))
    sys.stdout.write(key + "\n")


@apikey_app.command("list")
def apikey_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one line per key)")] = False,
    workspace: Workspace = None,
) -> None:
    """The workspace's API keys by name and role (the keys themselves are not kept)."""
    from graph_api.auth import list_keys

    settings = settings_for(workspace)
    for principal in run(settings, lambda: list_keys(settings.home)):
        role = principal.role.name.lower()
        if as_json:
            sys.stdout.write(json.dumps({"name": principal.name, "role": role}) + "\n")
        else:
            out.print(f"{principal.name} ({role})", highlight=False)


@apikey_app.command("revoke")
def apikey_revoke(
    name: Annotated[str, typer.Argument(help="The key's name (`sanctiongraph apikey list`)")],
    workspace: Workspace = None,
) -> None:
    """Revoke a key: running servers refuse it from their next request, no restart needed."""
    from graph_api.auth import revoke_key

    settings = settings_for(workspace)

    def body() -> None:
        if not revoke_key(settings.home, name):
            raise SanctionGraphError(f"no API key named {name!r}", hint="`sanctiongraph apikey list` names them")

    run(settings, body)
    out.print(f"revoked {name}", highlight=False)


@app.command("schema")
def schema_sdl(
    out_path: Annotated[Path | None, typer.Option("--out", help="Write the SDL here instead of stdout")] = None,
) -> None:
    """Print the GraphQL schema as SDL (the committed graph_api/schema.graphql is this output)."""
    from graph_api.schema import schema

    text = str(schema).rstrip() + "\n"
    if out_path is None:
        sys.stdout.write(text)
    else:
        out_path.write_text(text, encoding="utf-8")


@app.command()
def screen(
    name: Annotated[str | None, typer.Option(help="The applicant's name")] = None,
    schema: Annotated[str, typer.Option(help="Person, Organization, Company, ...")] = "Person",
    birth_date: Annotated[str | None, typer.Option(help="Birth or incorporation date")] = None,
    country: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    identifier: Annotated[
        list[str] | None, typer.Option("--identifier", help="A passport, registration or tax number (repeatable)")
    ] = None,
    address: Annotated[str | None, typer.Option()] = None,
    ip: Annotated[str | None, typer.Option("--ip", help="An IP address the applicant used")] = None,
    domain: Annotated[str | None, typer.Option()] = None,
    wallet: Annotated[str | None, typer.Option(help="A digital currency address")] = None,
    payment: Annotated[str | None, typer.Option("--payment", help="A payment instrument's fingerprint")] = None,
    batch: Annotated[
        Path | None,
        typer.Option(
            help='JSON lines ({"id": ..., "query": {"name": ..., ...}}), or a CSV with a header (id, name, schema,'
            " birthDate, identifiers, email, ...)"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one line per applicant)")] = False,
    workspace: Workspace = None,
) -> None:
    """Screen one applicant (--name, --wallet, ...) or a batch file (JSON lines or CSV) against the graph the last
    load wrote."""
    from graph.applicants import Applicant
    from graph.screening import Screener
    from graph.store import GraphStore

    settings = settings_for(workspace)

    def requests() -> list[tuple[Any, Applicant]]:
        if batch is None:
            return [
                (
                    None,
                    Applicant.from_dict(
                        {
                            "name": name,
                            "schema": schema,
                            "birthDate": birth_date,
                            "country": country,
                            "email": email,
                            "phone": phone,
                            "identifiers": identifier or [],
                            "address": address,
                            "ipAddress": ip,
                            "domain": domain,
                            "wallet": wallet,
                            "paymentFingerprint": payment,
                        }
                    ),
                )
            ]
        if batch.suffix.lower() == ".csv":
            from graph.applicants import applicants_from_csv

            if not batch.is_file():
                raise SanctionGraphError(f"{batch}: no such file")
            return list(applicants_from_csv(batch))
        return list(_batch_requests(batch))

    def body() -> None:
        items = requests()
        screener = Screener.load()
        with GraphStore(settings) as store:
            for request_id, applicant in items:
                result = screener.screen(store, applicant)
                if as_json:
                    # A batch line's keys are a frozen contract; one applicant's JSON also has the indicators.
                    line = result.to_contract(request_id) if batch is not None else result.to_single(request_id)
                    sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
                else:
                    best = result.matches[0] if result.matches else None
                    where = f": {best.name} ({best.probability:.3f})" if best else ""
                    out.print(f"{request_id or applicant.name}: {result.decision}{where}", highlight=False)
                    for indicator in result.indicators:
                        out.print(f"  {indicator.name} ({indicator.weight}): {indicator.evidence}", highlight=False)

    run(settings, body)


@app.command("screen-authors")
def screen_authors(
    path: Annotated[Path, typer.Argument(help="Submissions: CSV (a row per author) or JSON lines (one per line)")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one line per submission)")] = False,
    workspace: Workspace = None,
) -> None:
    """Screen a conference's or journal's submissions: each author and affiliation, a decision per submission."""
    from graph.authors import read_submissions, screen_submission
    from graph.screening import Screener
    from graph.store import GraphStore

    settings = settings_for(workspace)

    def body() -> None:
        submissions = read_submissions(path)
        screener = Screener.load()
        seen: dict[str, Any] = {}
        with GraphStore(settings) as store:
            for submission in submissions:
                result = screen_submission(store, screener, submission, seen)
                if as_json:
                    sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
                else:
                    out.print(f"{result.id}: {result.decision}  {result.title or ''}", highlight=False)
                    for reason in result.reasons:
                        out.print(f"  {reason}", highlight=False)

    run(settings, body)


def _batch_requests(path: Path) -> Iterator[tuple[Any, Any]]:
    from graph.applicants import Applicant

    if not path.is_file():
        raise SanctionGraphError(f"{path}: no such file")
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                query = item["query"]
                if not isinstance(query, dict):
                    raise TypeError("query is not an object")
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise SanctionGraphError(
                    f"{path}:{number}: not a screening request ({error})",
                    hint='each line is {"id": ..., "query": {"name": ..., "schema": "Person"}}',
                ) from None
            yield item.get("id"), Applicant.from_dict(query)
