"""The ``sanctiongraph`` command line: one verb per flow, each calling one function.

Errors the project raises on purpose print as one line (plus a hint) and exit 1;
anything unexpected prints one line and leaves the traceback in the workspace log.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from sanctiongraph import logs
from sanctiongraph.errors import SanctionGraphError
from sanctiongraph.settings import Settings

app = typer.Typer(
    help="Entity resolution of sanctions lists, registries and customer data, as a graph.", no_args_is_help=True
)
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
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)  # one line, however wide
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
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
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
    format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="Source format: ofac-csv, ofac-xml, un-xml, uk-fcdo, "
            "ftm, gleif-lei, gleif-rr, gleif-lei-bic, ch-psc, icij, mapping",
        ),
    ],
    mapping: Annotated[
        Path | None, typer.Option("--mapping", "-m", help="YAML mapping file (for --format mapping)")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Source name (default: the format's or the mapping's)")] = None,
    source_version: Annotated[str | None, typer.Option(help="Version label (default: from the file)")] = None,
    allow_mass_removal: Annotated[
        bool,
        typer.Option(
            "--allow-mass-removal",
            help="Stage a new version even if it is empty, removes more than 10% of the source's records,"
            " or changes its format (refused otherwise: a cut file would delist sanctioned parties)",
        ),
    ] = False,
    workspace: Workspace = None,
) -> None:
    """Parse a source file into canonical records staged in the workspace; every row is staged or quarantined."""
    import time

    from ingest.run import run_ingest

    settings = settings_for(workspace)
    started = time.monotonic()
    with progress_bar(f"ingesting {path.name}") as update:
        last = [0.0]
        counts: dict[str, int] = {}

        def progress(rows: int) -> None:
            counts["staged"] = rows
            now = time.monotonic()
            if now - last[0] >= 0.2:  # redraw at most five times a second
                last[0] = now
                if len(counts) == 1:
                    update("rows", rows)
                else:  # a format read in phases: rows read, cleaned and staged so far
                    update(f"rows read {counts.get('read', 0):,}, cleaned {counts.get('cleaned', 0):,}, staged", rows)

        def phases(phase: str, rows: int) -> None:
            counts[phase] = rows
            progress(counts.get("staged", 0))

        summary = run(
            settings,
            lambda: run_ingest(
                settings.staging_path,
                path,
                format,
                source=source,
                version=source_version,
                progress=progress,
                mapping=mapping,
                allow_mass_removal=allow_mass_removal,
                phases=phases,
            ),
        )
    if summary.already_ingested:
        out.print(
            f"{summary.source} {summary.version}: this file was ingested before; nothing changed", highlight=False
        )
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
    for notice, count in summary.notices.items():
        out.print(f"  warning, {count:,} rows: {notice}", highlight=False)


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
            entry["versions"].append(
                {
                    "version": v.version,
                    "rows_read": v.rows_read,
                    "records": v.records,
                    "quarantined": v.quarantined,
                    "added": v.added,
                    "changed": v.changed,
                    "removed": v.removed,
                    "ingested_at": v.ingested_at.isoformat(),
                }
            )
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

generate_app = typer.Typer(
    help="Write synthetic data sets (with ground truth) for demos, tests and benchmarks.", no_args_is_help=True
)
app.add_typer(generate_app, name="generate")


@generate_app.command("customers")
def generate_customers(
    size: Annotated[int, typer.Option("--size", "-n", help="Number of customer rows (1,000 to millions)")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed writes the same files")] = 1,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder")] = Path("customers"),
    rings: Annotated[
        bool, typer.Option("--rings", help="Also plant chained IT-worker rings, offices, households and VPN users")
    ] = False,
) -> None:
    """A cloud-provider customer table with planted DPRK-style networks, and its ground truth."""
    from ingest.generate.customers import generate_customers as generate

    settings = settings_for(None)
    with progress_bar(f"writing {size:,} customers") as update:
        summary = run(settings, lambda: _generate(generate, out_dir, size, seed, update, rings=rings))
    out.print(
        f"wrote {summary.csv_path} ({summary.rows:,} rows) and {summary.truth_path}: {summary.networks} networks "
        f"with {summary.network_accounts:,} accounts, {summary.planted_accounts:,} planted accounts in all",
        highlight=False,
    )
    out.print(
        f"load it with: sanctiongraph ingest {summary.csv_path} --format mapping --mapping mappings/customers.yaml",
        highlight=False,
    )


def _generate(
    generate: Callable[..., Any],
    out_dir: Path,
    size: int,
    seed: int,
    update: Callable[[str, int], None],
    *,
    rings: bool = False,
) -> Any:
    try:
        return generate(out_dir, size, seed, progress=lambda n: update("rows", n), rings=rings)
    except ValueError as error:  # a size the generator cannot honour: the user's input, not a bug
        from sanctiongraph.errors import SanctionGraphError

        raise SanctionGraphError(str(error)) from None


# --- resolve / train -----------------------------------------------------------


@app.command()
def resolve(
    incremental: Annotated[bool, typer.Option(help="Score only records added or changed since the last run")] = False,
    backend: Annotated[str, typer.Option(help="Splink backend: duckdb (embedded) or spark (pyspark)")] = "duckdb",
    threshold: Annotated[float | None, typer.Option(help="Merge threshold (default: the models' shipped one)")] = None,
    workspace: Workspace = None,
) -> None:
    """Resolve staged records into entities with the trained Splink models."""
    from resolution.run import run_resolve

    settings = settings_for(workspace)
    with console.status("resolving") as status:
        summary = run(
            settings,
            lambda: run_resolve(
                settings.staging_path,
                incremental=incremental,
                backend=backend,
                threshold=threshold,
                progress=lambda s: status.update(f"resolving: {s}"),
            ),
        )
    out.print(
        f"run {summary.run_id} ({summary.mode}, {summary.scored_records:,} records scored): "
        f"{summary.records:,} records -> {summary.entities:,} entities "
        f"({summary.merged_records:,} records merged, {summary.created:,} new IDs, {summary.retired:,} retired)",
        highlight=False,
    )


@app.command()
def train(
    models_dir: Annotated[Path | None, typer.Option(help="Where to write the model JSON files")] = None,
    pairs: Annotated[
        Path | None, typer.Option(help="Labelled pairs (OpenSanctions Pairs format) for m and threshold")
    ] = None,
    truth: Annotated[
        Path | None, typer.Option(help="True clusters of staged records (record_id,cluster or generator truth)")
    ] = None,
    families: Annotated[
        str | None, typer.Option(help="Retrain only these families (person,organization,vessel,account)")
    ] = None,
    workspace: Workspace = None,
) -> None:
    """Retrain the resolution models on the staged records (explicit; resolve never retrains)."""
    from resolution.train import run_train

    settings = settings_for(workspace)
    wanted = [f.strip() for f in families.split(",") if f.strip()] if families else None
    with console.status("training"):
        report = run(
            settings,
            lambda: run_train(settings.staging_path, models_dir, pairs_path=pairs, truth_path=truth, families=wanted),
        )
    for path in report.written:
        out.print(f"wrote {path}", highlight=False)
    shown: set[str] = set()
    for figures in report.cv.values():
        together = ", ".join(figures["trained_together"])
        if together in shown:
            continue
        shown.add(together)
        cv, folds = figures["cv"], len(figures["fold_thresholds"])
        out.print(
            f"{together}: in-sample F1 {figures['in_sample_f1']:.4f}; {folds}-fold CV F1 {cv['f1']:.4f} "
            f"(precision {cv['precision']:.4f}, recall {cv['recall']:.4f})",
            highlight=False,
        )


@app.command()
def evaluate(
    pairs: Annotated[
        Path | None, typer.Option(help="Labelled pairs: JSON array or lines of {left, right, judgement}")
    ] = None,
    truth: Annotated[
        Path | None, typer.Option(help="Ground-truth clusters (record_id,cluster) of the workspace's records")
    ] = None,
    schemas: Annotated[str | None, typer.Option(help="Only pairs whose left entity has one of these schemas")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    workspace: Workspace = None,
) -> None:
    """Precision, recall and F1 of the shipped models on labelled pairs or true clusters."""
    from resolution.evaluate import evaluate_pairs, evaluate_truth

    settings = settings_for(workspace)

    def body() -> dict[str, Any]:
        if (pairs is None) == (truth is None):
            from sanctiongraph.errors import ResolutionError

            raise ResolutionError("give exactly one of --pairs FILE and --truth FILE")
        if pairs is not None:
            wanted = {s.strip() for s in schemas.split(",") if s.strip()} if schemas else None
            return evaluate_pairs(pairs, schemas=wanted)
        assert truth is not None
        return evaluate_truth(settings.staging_path, truth)

    result = run(settings, body)
    if as_json:
        sys.stdout.write(json.dumps(result) + "\n")
        return
    rows = [("all", result)] + list(result.get("by_schema", {}).items())
    for name, m in rows:
        best = m.get("best")
        extra = f"; best F1 {best['f1']:.4f} at {best['threshold']:.4g}" if best else ""
        count = m.get("pairs", m.get("records"))
        out.print(
            f"{name}: {count} at threshold {m['threshold']:.4g}: precision {m['precision']:.4f}, "
            f"recall {m['recall']:.4f}, F1 {m['f1']:.4f}{extra}",
            highlight=False,
        )


@app.command()
def explain(
    record_a: Annotated[str, typer.Argument(help="A record id (source:key)")],
    record_b: Annotated[str, typer.Argument(help="Another record id")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
    workspace: Workspace = None,
) -> None:
    """Why two records were (or were not) merged: probability, weight and each comparison."""
    from resolution.explain import explain as explain_pair

    settings = settings_for(workspace)
    result = run(settings, lambda: explain_pair(settings.staging_path, record_a, record_b))
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict()) + "\n")
        return
    where = "stored evidence of the last run" if result.stored else "scored now with the shipped model"
    verdict = {True: "same entity", False: "different entities", None: "not resolved yet"}[result.same_entity]
    out.print(f"{result.record_a} ~ {result.record_b} ({result.family}; {where}; {verdict})", highlight=False)
    out.print(
        f"match probability {result.match_probability:.6f}, match weight {result.match_weight:.3f} "
        f"(merge threshold {result.threshold}){'' if result.blocked else '; no blocking rule pairs them'}",
        highlight=False,
    )
    for c in result.comparisons:
        out.print(f"  {c['comparison']:<12} level {c['level']:>2}  {c['weight']:+8.3f}  {c['label']}", highlight=False)


@app.command()
def judge(
    record_a: Annotated[str, typer.Argument(help="A record id (source:key)")],
    record_b: Annotated[str, typer.Argument(help="Another record id")],
    same: Annotated[bool, typer.Option("--same/--not-same", help="Whether the two records are the same party")],
    note: Annotated[str | None, typer.Option(help="Why (kept with the judgement)")] = None,
    author: Annotated[str | None, typer.Option(help="Who decided")] = None,
    workspace: Workspace = None,
) -> None:
    """Record an analyst judgement that two records are (not) the same party; later runs honour it."""
    from resolution.judgements import record_judgement

    settings = settings_for(workspace)
    made = run(settings, lambda: record_judgement(settings.staging_path, record_a, record_b, same, note, author))
    out.print(
        f"recorded: {made.record_a} and {made.record_b} are {'the same' if made.same else 'not the same'} party; "
        "run `sanctiongraph resolve` to apply",
        highlight=False,
    )


# --- load / serve --------------------------------------------------------------


@app.command()
def load(workspace: Workspace = None) -> None:
    """Write the latest resolution into Neo4j (idempotent; resumes after a crash)."""
    from graph.loader import LOAD_PROGRESS_FILE, ProgressFile, run_load
    from graph.store import GraphStore

    settings = settings_for(workspace)

    def body() -> Any:
        progress = ProgressFile(settings.home / LOAD_PROGRESS_FILE)
        with GraphStore(settings) as store, progress_bar("loading") as update:

            def both(step: str, count: int) -> None:
                update(step, count)
                progress.update(step, count)

            try:
                return run_load(store, settings.staging_path, progress=both)
            finally:
                progress.finish()

    summary = run(settings, body)
    written = sum(summary.written.values())
    removed = sum(summary.deleted.values()) + summary.swept
    out.print(
        f"load {summary.load_id} ({summary.mode}): {summary.entities:,} entities, {summary.records:,} records, "
        f"{summary.sanctions:,} listings, {summary.infra_links:,} infrastructure links, "
        f"{summary.relations:,} relations, {summary.similar_addresses:,} similar-address links; "
        f"{written:,} rows written, {removed:,} removed ({summary.seconds:.1f} s)",
        highlight=False,
    )
    if summary.clusters is not None:
        c = summary.clusters
        out.print(
            f"clusters: {c.clusters:,} ({c.members:,} members, {c.exposed:,} exposed to a listed party); "
            f"{c.written:,} written, {c.deleted:,} deleted",
            highlight=False,
        )
    if summary.alerts is not None:
        a = summary.alerts
        out.print(
            f"alerts: {a.customers:,} customers re-screened, {a.raised:,} raised, {a.reopened:,} reopened, "
            f"{a.closed:,} closed ({a.seconds:.1f} s); `sanctiongraph alerts` lists the open ones",
            highlight=False,
        )


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
    run(settings, lambda: _serve(settings, host, port, mint_dev_key=dev_key, workers=workers))


def _serve(
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
    batch: Annotated[Path | None, typer.Option(help='JSON lines: {"id": ..., "query": {"name": ..., ...}}')] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one line per applicant)")] = False,
    workspace: Workspace = None,
) -> None:
    """Screen one applicant (--name ...) or a batch file against the graph the last load wrote."""
    from graph.screening import Applicant, Screener
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
                        }
                    ),
                )
            ]
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


@app.command()
def clusters(
    exposed: Annotated[bool, typer.Option("--exposed", help="Only clusters exposed to a listed party")] = False,
    min_size: Annotated[int, typer.Option("--min-size", help="Only clusters of at least this many members")] = 2,
    first: Annotated[int, typer.Option("--first", help="How many, best ranked first")] = 500,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one line per cluster)")] = False,
    workspace: Workspace = None,
) -> None:
    """Shared-infrastructure clusters, ranked by exposure score then size, with members, values and path to the list."""
    from graph import analytics
    from graph.store import GraphStore

    settings = settings_for(workspace)

    def body() -> None:
        with GraphStore(settings) as store:
            for cluster in analytics.clusters(store, exposed_only=exposed, min_size=min_size, limit=first):
                members = [m.id for m in analytics.cluster_members(store, cluster.id, limit=cluster.size)]
                path = analytics.cluster_path(store, cluster)
                if as_json:
                    item = {
                        "id": cluster.id,
                        "size": cluster.size,
                        "score": cluster.score,
                        "exposed": cluster.exposed,
                        "listedId": cluster.listed_id,
                        "members": members,
                        "values": [{k: v[k] for k in ("label", "key", "weight", "users")} for v in cluster.values],
                        "exposure": {"score": path.score, "explanation": path.explanation} if path else None,
                    }
                    sys.stdout.write(json.dumps(item, ensure_ascii=False) + "\n")
                else:
                    why = f": {'; '.join(path.explanation)}" if path else ""
                    out.print(f"{cluster.id} ({cluster.size} members, score {cluster.score:g}){why}", highlight=False)

    run(settings, body)


# --- export --------------------------------------------------------------------

export_app = typer.Typer(
    help="Export what was resolved: entities as FollowTheMoney, the record -> entity map, clusters.",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")
OutFile = Annotated[Path, typer.Argument(metavar="OUT", help="The file to write")]


def _exported(written: Any, what: str) -> None:
    out.print(f"wrote {written.path} ({written.rows:,} {what})", highlight=False)


@export_app.command("entities")
def export_entities(
    out_path: OutFile,
    fmt: Annotated[str, typer.Option("--format", "-f", help="ftm: FollowTheMoney JSON lines")] = "ftm",
    workspace: Workspace = None,
) -> None:
    """Every resolved entity as FtM, with its sanctions, wallets, relations and shared values as FtM links."""
    from graph.export import export_entities as export

    settings = settings_for(workspace)
    if fmt != "ftm":
        run(settings, lambda: _refuse(f"unknown format {fmt!r} for entities", "use --format ftm"))
    with progress_bar("exporting entities") as update:
        written = run(settings, lambda: export(settings.staging_path, out_path, lambda n: update("entities", n)))
    _exported(written, "FtM entities and links")


@export_app.command("records")
def export_records(
    out_path: OutFile,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or parquet")] = "csv",
    source: Annotated[str | None, typer.Option("--source", help="Only this source's records")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only records whose entity changed after this run")
    ] = None,
    workspace: Workspace = None,
) -> None:
    """The record -> entity map: source, source key, entity ID, match probability, run ID, listed."""
    from graph.export import export_records as export

    settings = settings_for(workspace)
    with console.status("exporting records"):
        written = run(settings, lambda: export(settings.staging_path, out_path, fmt, source=source, since=since))
    _exported(written, "records")


@export_app.command("clusters")
def export_clusters(
    out_path: OutFile,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or parquet")] = "csv",
    workspace: Workspace = None,
) -> None:
    """Every shared-infrastructure cluster member with its cluster's size and exposure score (from Neo4j)."""
    from graph.cluster_export import export_clusters as export
    from graph.store import GraphStore

    settings = settings_for(workspace)

    def body() -> Any:
        with GraphStore(settings) as store, progress_bar("exporting clusters") as update:
            return export(store, out_path, fmt, lambda n: update("members", n))

    _exported(run(settings, body), "cluster members")


def _refuse(message: str, hint: str) -> None:
    raise SanctionGraphError(message, hint=hint)


@app.command()
def alerts(
    status: Annotated[str, typer.Option("--status", help="OPEN, UNDER_REVIEW or CLOSED")] = "OPEN",
    first: Annotated[int, typer.Option("--first", help="How many, newest first")] = 500,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one line per alert)")] = False,
    workspace: Workspace = None,
) -> None:
    """Ongoing screening's alerts: customers a list change moved, with the decision before and after and why."""
    from graph import alerts as ongoing
    from graph.store import GraphStore
    from sanctiongraph.errors import ConfigError

    settings = settings_for(workspace)
    if status.upper() not in {s.value for s in ongoing.AlertStatus}:
        raise ConfigError(f"--status {status!r}: use one of {[s.value for s in ongoing.AlertStatus]}")

    def body() -> None:
        with GraphStore(settings) as store:
            for alert in ongoing.list_alerts(store, status.upper(), limit=first):
                if as_json:
                    sys.stdout.write(json.dumps(alert.to_json(), ensure_ascii=False) + "\n")
                else:
                    change = alert.list_change
                    out.print(
                        f"{alert.id} {alert.customer_id} {alert.previous_decision} -> {alert.decision}: {alert.reason}"
                        f" [{change['source']} {change['version']} {change['kind']}] {alert.status}",
                        highlight=False,
                    )

    run(settings, body)


def _batch_requests(path: Path) -> Iterator[tuple[Any, Any]]:
    from graph.screening import Applicant
    from sanctiongraph.errors import SanctionGraphError

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


# --- demo ----------------------------------------------------------------------

DEMO_QUERIES = [
    '{ search(query: "Korea Kwangson Banking", first: 5) { edges { node { id name schema '
    "records(first: 20) { edges { node { source sourceKey } } } } } } }",
    '{ search(query: "Mansudae Overseas Project", first: 3) { edges { node { id name listed '
    "sanctions { authority program listedOn reference } } } } }",
    # A bare wallet, as a customer table holds it; OFAC lists it as "XBT 1DT3tenf...": one node.
    '{ screen(input: {wallet: "1DT3tenf14cxz9WFNxmYrXFbB6TFiVWA9U"}) { decision '
    "exposure { kind value score entity { name listed } } } }",
]


@dataclass(frozen=True)
class DemoSource:
    path: Path
    format: str
    mapping: Path | None = None


# Generated customers the demo adds to the real lists and registries: enough for the
# planted DPRK-style networks to show on the page, few enough to resolve in seconds.
DEMO_CUSTOMERS = 2_000
DEMO_SEED = 1


def demo_sources(workspace: Path | None = None) -> list[DemoSource]:
    """The bundled real samples: three sanctions lists and four registries; with a workspace,
    also generated customer accounts (written there) whose planted networks imitate listed parties."""
    sources = [
        DemoSource(SAMPLES / "ofac" / "snapshot_2022-01", "ofac-csv"),
        DemoSource(SAMPLES / "un" / "consolidated.xml", "un-xml"),
        DemoSource(SAMPLES / "uk" / "FCDO_SL_Mon_Aug_11_2025.ods", "uk-fcdo"),
        DemoSource(SAMPLES / "gleif" / "lei-data.xml", "gleif-lei"),
        DemoSource(SAMPLES / "gleif" / "rr-data.xml", "gleif-rr"),
        DemoSource(SAMPLES / "companies_house" / "psc_fixtures", "ch-psc"),
        DemoSource(SAMPLES / "icij" / "panama_papers_2016_format", "icij"),
    ]
    if workspace is not None:
        from ingest.generate.customers import CSV_NAME, generate_customers

        folder = workspace / "demo-customers"
        if not (folder / CSV_NAME).exists():
            generate_customers(folder, DEMO_CUSTOMERS, DEMO_SEED)
        sources.append(DemoSource(folder / CSV_NAME, "mapping", PROJECT_ROOT / "mappings" / "customers.yaml"))
    return sources


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
        for source in demo_sources(settings.home):
            summary = run_ingest(settings.staging_path, source.path, source.format, mapping=source.mapping)
            out.print(
                f"ingested {source.path.name}: {summary.records:,} records ({summary.source} {summary.version})",
                highlight=False,
            )
        with console.status("resolving"):
            resolved = run_resolve(settings.staging_path)
        out.print(f"resolved {resolved.records:,} records into {resolved.entities:,} entities", highlight=False)
        with GraphStore(settings) as store, progress_bar("loading") as update:
            loaded = run_load(store, settings.staging_path, progress=update)
        out.print(f"loaded {loaded.entities:,} entities and {loaded.records:,} records into Neo4j", highlight=False)

    def banner() -> None:
        out.print(
            'Try these queries (POST {"query": ...} to /graphql with the header Authorization: Bearer <key>, '
            "or paste them into GraphiQL):",
            highlight=False,
        )
        for query in DEMO_QUERIES:
            out.print(f"  {query}", highlight=False, soft_wrap=True)

    run(settings, prepare)
    run(settings, lambda: _serve(settings, host, port, banner, show_key=True))


def main() -> None:
    logs.configure(json_lines=False, level=logging.WARNING)
    app()
