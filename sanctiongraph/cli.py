"""The ``sanctiongraph`` command line: one verb per flow, each calling one function.

Errors the project raises on purpose print as one line (plus a hint) and exit 1;
anything unexpected prints one line and leaves the traceback in the workspace log.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from sanctiongraph.errors import SanctionGraphError
from sanctiongraph.settings import Settings

app = typer.Typer(help="Entity resolution of sanctions lists, registries and customer data, as a graph.", no_args_is_help=True)
neo4j_app = typer.Typer(help="Start, stop and check the Neo4j server sanctiongraph manages.", no_args_is_help=True)
app.add_typer(neo4j_app, name="neo4j")

console = Console(stderr=True)
out = Console(soft_wrap=True)
T = TypeVar("T")

Workspace = Annotated[
    Path | None,
    typer.Option("--workspace", help="Workspace directory (default: $SANCTIONGRAPH_HOME or ./.sanctiongraph)"),
]
Host = Annotated[str, typer.Option(help="Address to listen on")]
Port = Annotated[int, typer.Option(help="Port to listen on")]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = PROJECT_ROOT / "data"


def settings_for(workspace: Path | None) -> Settings:
    return Settings.from_env(home=workspace)


def _log_path(settings: Settings) -> Path:
    return settings.home / "logs" / "sanctiongraph.log"


def _fail(message: str, hint: str | None) -> None:
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    if hint:
        console.print(f"[dim]hint: {hint}[/]", highlight=False)


def run(settings: Settings, func: Callable[[], T]) -> T:
    """Run one command body with the CLI's error policy."""
    try:
        return func()
    except SanctionGraphError as error:
        _fail(str(error), error.hint)
    except KeyboardInterrupt:
        _fail("interrupted", None)
    except Exception as error:  # the CLI's top level: one line here, the traceback in the log
        log = _log_path(settings)
        try:
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as handle:
                handle.write(traceback.format_exc())
        except OSError:
            log = Path("(log not writable)")
        _fail(f"unexpected {type(error).__name__}: {error}", f"details in {log}")
    raise typer.Exit(1)


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[str, int], None]]:
    """A spinner with a counter; yields ``update(step, count)``."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(description)

        def update(step: str, count: int) -> None:
            bar.update(task, description=f"{description}: {step} {count:,}")

        yield update


# --- neo4j ---------------------------------------------------------------------


@neo4j_app.command("start")
def neo4j_start(workspace: Workspace = None) -> None:
    """Start the managed Neo4j (idempotent; waits until Bolt answers)."""
    from graph import server

    settings = settings_for(workspace)
    with console.status("starting Neo4j"):
        status = run(settings, lambda: server.start(settings))
    out.print(status.detail, highlight=False)


@neo4j_app.command("stop")
def neo4j_stop(workspace: Workspace = None) -> None:
    """Stop the managed Neo4j."""
    from graph import server

    settings = settings_for(workspace)
    out.print(run(settings, lambda: server.stop(settings)).detail, highlight=False)


@neo4j_app.command("status")
def neo4j_status(workspace: Workspace = None) -> None:
    """Say whether Neo4j is running and where; exit 1 when it is not."""
    from graph import server

    settings = settings_for(workspace)
    status = run(settings, lambda: server.status(settings))
    out.print(status.detail, highlight=False)
    if not status.running:
        raise typer.Exit(1)


# --- ingest --------------------------------------------------------------------


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="The file (or folder: ofac-csv, icij, ch-psc) to load")],
    format: Annotated[str, typer.Option("--format", "-f", help="Source format: ofac-csv, ofac-xml, un-xml, uk-fcdo, "
                                        "ftm, gleif-lei, gleif-rr, gleif-lei-bic, ch-psc, icij, mapping")],
    mapping: Annotated[
        Path | None, typer.Option("--mapping", "-m", help="YAML mapping file (for --format mapping)")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Source name (default: the format's or the mapping's)")] = None,
    source_version: Annotated[str | None, typer.Option(help="Version label (default: from the file)")] = None,
    workspace: Workspace = None,
) -> None:
    """Parse a source file into canonical records staged in the workspace; every row is staged or quarantined."""
    import time

    from ingest.run import run_ingest

    settings = settings_for(workspace)
    started = time.monotonic()
    with progress_bar(f"ingesting {path.name}") as update:
        last = [0.0]

        def progress(rows: int) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.2:  # redraw at most five times a second
                last[0] = now
                update("rows", rows)

        summary = run(settings, lambda: run_ingest(
            settings.staging_path, path, format, source=source, version=source_version, progress=progress,
            mapping=mapping,
        ))
    if summary.already_ingested:
        out.print(f"{summary.source} {summary.version}: this file was ingested before; nothing changed",
                  highlight=False)
        return
    seconds = time.monotonic() - started
    out.print(
        f"{summary.source} {summary.version}: {summary.rows_read:,} rows read, {summary.records:,} records staged, "
        f"{summary.quarantined:,} rows quarantined; {summary.added:,} added, {summary.changed:,} changed, "
        f"{summary.removed:,} removed ({seconds:.1f} s)",
        highlight=False,
    )
    for reason, count in summary.reasons.items():
        out.print(f"  quarantined {count:,}: {reason}", highlight=False)


@app.command()
def sources(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    workspace: Workspace = None,
) -> None:
    """List staged sources and their versions."""
    from ingest import staging

    settings = settings_for(workspace)

    def collect() -> list[dict[str, Any]]:
        if not settings.staging_path.exists():
            return []
        con = staging.connect(settings.staging_path, read_only=True)
        try:
            versions = staging.list_versions(con)
        finally:
            con.close()
        grouped: dict[str, dict[str, Any]] = {}
        for v in versions:
            entry = grouped.setdefault(v.source, {"name": v.source, "format": v.format, "versions": []})
            entry["versions"].append({
                "version": v.version, "rows_read": v.rows_read, "records": v.records, "quarantined": v.quarantined,
                "added": v.added, "changed": v.changed, "removed": v.removed, "ingested_at": v.ingested_at.isoformat(),
            })
        return list(grouped.values())

    result = run(settings, collect)
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    for entry in result:
        out.print(f"{entry['name']} ({entry['format']})", highlight=False)
        for v in entry["versions"]:
            out.print(f"  {v['version']}: {v['records']:,} records, {v['quarantined']:,} quarantined", highlight=False)


# --- generate ------------------------------------------------------------------

generate_app = typer.Typer(help="Write synthetic data sets (with ground truth) for demos, tests and benchmarks.",
                           no_args_is_help=True)
app.add_typer(generate_app, name="generate")


@generate_app.command("customers")
def generate_customers(
    size: Annotated[int, typer.Option("--size", "-n", help="Number of customer rows (1,000 to millions)")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed writes the same files")] = 1,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder")] = Path("customers"),
) -> None:
    """A cloud-provider customer table with planted DPRK-style networks, and its ground truth."""
    from ingest.generate.customers import generate_customers as generate

    settings = settings_for(None)
    with progress_bar(f"writing {size:,} customers") as update:
        summary = run(settings, lambda: _generate(generate, out_dir, size, seed, update))
    out.print(
        f"wrote {summary.csv_path} ({summary.rows:,} rows) and {summary.truth_path}: {summary.networks} networks "
        f"with {summary.network_accounts:,} accounts, {summary.planted_accounts:,} planted accounts in all",
        highlight=False,
    )
    out.print(f"load it with: sanctiongraph ingest {summary.csv_path} --format mapping "
              "--mapping mappings/customers.yaml", highlight=False)


def _generate(generate: Callable[..., Any], out_dir: Path, size: int, seed: int,
              update: Callable[[str, int], None]) -> Any:
    try:
        return generate(out_dir, size, seed, progress=lambda n: update("rows", n))
    except ValueError as error:  # a size the generator cannot honour: the user's input, not a bug
        from sanctiongraph.errors import SanctionGraphError

        raise SanctionGraphError(str(error)) from None


# --- resolve / train -----------------------------------------------------------


@app.command()
def resolve(workspace: Workspace = None) -> None:
    """Resolve staged records into entities with the trained Splink models."""
    from resolution.run import run_resolve

    settings = settings_for(workspace)
    with console.status("resolving") as status:
        summary = run(settings, lambda: run_resolve(settings.staging_path, progress=lambda s: status.update(f"resolving: {s}")))
    out.print(
        f"run {summary.run_id}: {summary.records:,} records -> {summary.entities:,} entities "
        f"({summary.merged_records:,} records merged, {summary.created:,} new IDs, {summary.retired:,} retired)",
        highlight=False,
    )


@app.command()
def train(
    models_dir: Annotated[Path | None, typer.Option(help="Where to write the model JSON files")] = None,
    workspace: Workspace = None,
) -> None:
    """Retrain the resolution models on the staged records (explicit; resolve never retrains)."""
    from resolution.train import run_train

    settings = settings_for(workspace)
    with console.status("training"):
        paths = run(settings, lambda: run_train(settings.staging_path, models_dir))
    for path in paths:
        out.print(f"wrote {path}", highlight=False)


# --- load / serve --------------------------------------------------------------


@app.command()
def load(workspace: Workspace = None) -> None:
    """Write the latest resolution into Neo4j (idempotent; resumes after a crash)."""
    from graph.loader import run_load
    from graph.store import GraphStore

    settings = settings_for(workspace)

    def body() -> Any:
        with GraphStore(settings) as store, progress_bar("loading") as update:
            return run_load(store, settings.staging_path, progress=update)

    summary = run(settings, body)
    out.print(
        f"load {summary.load_id}: {summary.entities:,} entities, {summary.records:,} records, "
        f"{summary.sanctions:,} listings written; {summary.swept:,} stale nodes removed ({summary.seconds:.1f} s)",
        highlight=False,
    )


@app.command()
def serve(host: Host = "127.0.0.1", port: Port = 8000, workspace: Workspace = None) -> None:
    """Serve the GraphQL API at /graphql."""
    settings = settings_for(workspace)
    run(settings, lambda: _serve(settings, host, port))


def _serve(settings: Settings, host: str, port: int, banner: Callable[[], None] | None = None) -> None:
    import uvicorn

    from graph_api.app import create_app

    config = uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    out.print(f"GraphQL API at http://{host}:{port}/graphql (Ctrl-C stops)", highlight=False)
    if banner is not None:
        banner()
    server.run()


# --- demo ----------------------------------------------------------------------

DEMO_QUERIES = [
    '{ search(query: "Korea Kwangson Banking", first: 5) { edges { node { id name schema '
    "records(first: 20) { edges { node { source sourceKey } } } } } } }",
    '{ search(query: "Mansudae Overseas Project", first: 3) { edges { node { id name listed '
    "sanctions { authority program listedOn reference } } } } }",
]


def demo_sources() -> list[tuple[Path, str]]:
    return [
        (SAMPLES / "ofac" / "snapshot_2022-01", "ofac-csv"),
        (SAMPLES / "un" / "consolidated.xml", "un-xml"),
    ]


@app.command()
def demo(host: Host = "127.0.0.1", port: Port = 8000, workspace: Workspace = None) -> None:
    """The whole flow on the bundled real samples: Neo4j up, ingest, resolve, load, serve."""
    from graph import server
    from graph.loader import run_load
    from graph.store import GraphStore
    from ingest.run import run_ingest
    from resolution.run import run_resolve

    settings = settings_for(workspace)

    def prepare() -> None:
        with console.status("starting Neo4j"):
            out.print(server.start(settings).detail, highlight=False)
        for path, fmt in demo_sources():
            summary = run_ingest(settings.staging_path, path, fmt)
            out.print(f"ingested {path.name}: {summary.records:,} records ({summary.source} {summary.version})", highlight=False)
        with console.status("resolving"):
            resolved = run_resolve(settings.staging_path)
        out.print(f"resolved {resolved.records:,} records into {resolved.entities:,} entities", highlight=False)
        with GraphStore(settings) as store, progress_bar("loading") as update:
            loaded = run_load(store, settings.staging_path, progress=update)
        out.print(f"loaded {loaded.entities:,} entities and {loaded.records:,} records into Neo4j", highlight=False)

    def banner() -> None:
        out.print("Try these queries (POST {\"query\": ...} to /graphql, or paste them into GraphiQL):", highlight=False)
        for query in DEMO_QUERIES:
            out.print(f"  {query}", highlight=False, soft_wrap=True)

    run(settings, prepare)
    run(settings, lambda: _serve(settings, host, port, banner))


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
