"""``load``, ``clusters``, ``export``, ``alerts``, ``alert`` and ``rescreen``: the graph and what is read out of it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from sanctiongraph.cli.common import (
    Workspace,
    app,
    console,
    out,
    progress_bar,
    run,
    settings_for,
)
from sanctiongraph.errors import SanctionGraphError


@app.command()
def load(workspace: Workspace = None) -> None:
    """Write the latest resolution into Neo4j (idempotent; resumes after a crash)."""
    from graph.load.plan import LOAD_PROGRESS_FILE, ProgressFile
    from graph.loader import run_load
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
        print_alerts("alerts", "re-screened", summary.alerts)


def print_alerts(what: str, done: str, a: Any) -> None:
    """One line for an alerts pass (``graph.alerts.AlertSummary``), a load's or a full re-screen's."""
    out.print(
        f"{what}: {a.customers:,} customers {done}, {a.raised:,} alerts raised, {a.reopened:,} reopened, "
        f"{a.closed:,} closed ({a.seconds:.1f} s); `sanctiongraph alerts` lists the open ones",
        highlight=False,
    )


@app.command()
def clusters(
    exposed: Annotated[bool, typer.Option("--exposed", help="Only clusters exposed to a listed party")] = False,
    min_size: Annotated[int, typer.Option("--min-size", help="Only clusters of at least this many members")] = 2,
    first: Annotated[int, typer.Option("--first", help="How many, best ranked first")] = 500,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one line per cluster)")] = False,
    workspace: Workspace = None,
) -> None:
    """Shared-infrastructure clusters, ranked by exposure score then size, with members, values and path to the list."""
    from graph import networks
    from graph.store import GraphStore

    settings = settings_for(workspace)

    def body() -> None:
        with GraphStore(settings) as store:
            for cluster in networks.clusters(store, exposed_only=exposed, min_size=min_size, limit=first):
                members = [m.id for m in networks.cluster_members(store, cluster.id, limit=cluster.size)]
                path = networks.cluster_path(store, cluster)
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


export_app = typer.Typer(
    help="Export what was resolved: entities as FollowTheMoney, the record -> entity map, clusters.",
    no_args_is_help=True,
)


app.add_typer(export_app, name="export")


OutFile = Annotated[Path, typer.Argument(metavar="OUT", help="The file to write")]


def exported(written: Any, what: str) -> None:
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
        run(settings, lambda: refuse(f"unknown format {fmt!r} for entities", "use --format ftm"))
    with progress_bar("exporting entities") as update:
        written = run(settings, lambda: export(settings.staging_path, out_path, lambda n: update("entities", n)))
    exported(written, "FtM entities and links")


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
    exported(written, "records")


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

    exported(run(settings, body), "cluster members")


def refuse(message: str, hint: str) -> None:
    raise SanctionGraphError(message, hint=hint)


@app.command()
def alerts(
    status: Annotated[str, typer.Option("--status", help="OPEN, UNDER_REVIEW or CLOSED")] = "OPEN",
    first: Annotated[int, typer.Option("--first", help="How many, newest first")] = 500,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one line per alert)")] = False,
    workspace: Workspace = None,
) -> None:
    """Ongoing screening's alerts: customers a list change moved, with the decision before and after and why."""
    from graph import alert_views
    from graph import alerts as ongoing
    from graph.store import GraphStore
    from sanctiongraph.errors import ConfigError

    settings = settings_for(workspace)

    def body() -> None:
        if status.upper() not in {s.value for s in ongoing.AlertStatus}:
            raise ConfigError(f"--status {status!r}: use one of {[s.value for s in ongoing.AlertStatus]}")
        with GraphStore(settings) as store:
            for alert in alert_views.list_alerts(store, status.upper(), limit=first):
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


@app.command()
def alert(
    alert_id: Annotated[str, typer.Argument(help="The alert's id (from `alerts`)")],
    status: Annotated[
        str | None, typer.Option("--status", help="Move it: UNDER_REVIEW, or CLOSED (with --note), or OPEN")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Why (needed to close); kept in its history")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON, with the alert's history")] = False,
    workspace: Workspace = None,
) -> None:
    """One alert with its history; with --status, an analyst's move (as the page's and the API's updateAlert)."""
    import getpass

    from graph import alert_views
    from graph.store import GraphStore
    from sanctiongraph.errors import NotFoundError

    settings = settings_for(workspace)

    def body() -> None:
        with GraphStore(settings) as store:
            found: alert_views.AlertView | None
            if status is not None:
                found = alert_views.update_alert(store, alert_id, status.upper(), note, f"cli:{getpass.getuser()}")
            else:
                found = alert_views.get_alert(store, alert_id)
            if found is None:
                raise NotFoundError(f"no alert {alert_id}", hint="`sanctiongraph alerts --json` lists their ids")
            if as_json:
                sys.stdout.write(json.dumps({**found.to_json(), "history": found.history}, ensure_ascii=False) + "\n")
                return
            out.print(f"{found.id} {found.customer_id} {found.previous_decision} -> {found.decision}: {found.reason}")
            out.print(
                f"  status {found.status}"
                + (f", closed by {found.closed_by}: {found.closed_reason}" if found.closed_reason else ""),
                highlight=False,
            )
            for event in found.history:
                out.print(
                    f"  {event['at']} {event['status']} by {event['by']}"
                    + (f": {event['note']}" if event.get("note") else ""),
                    highlight=False,
                )

    run(settings, body)


@app.command()
def rescreen(workspace: Workspace = None) -> None:
    """Re-screen every customer and raise or close alerts for whatever moved (after a retrain, or on a schedule)."""
    from graph import alerts as ongoing
    from graph.screening import Screener
    from graph.store import GraphStore
    from ingest import staging
    from sanctiongraph.errors import GraphStoreError

    settings = settings_for(workspace)

    def body() -> Any:
        with GraphStore(settings) as store, progress_bar("rescreen") as update:
            last = store.read("last_load")
            if not last:
                raise GraphStoreError("nothing is loaded yet", hint="run `sanctiongraph load` first")
            con = staging.connect(settings.staging_path, read_only=True) if settings.staging_path.exists() else None
            try:
                return ongoing.rescreen_everyone(store, Screener.load(), int(last[0]["loadId"]), con, progress=update)
            finally:
                if con is not None:
                    con.close()

    print_alerts("rescreen", "screened", run(settings, body))
