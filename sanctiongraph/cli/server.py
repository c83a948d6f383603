"""``sanctiongraph neo4j start|stop|status``: the Neo4j server sanctiongraph manages."""

from __future__ import annotations

import typer

from sanctiongraph.cli.common import (
    Workspace,
    console,
    neo4j_app,
    out,
    run,
    settings_for,
)


@neo4j_app.command("start")
def neo4j_start(workspace: Workspace = None) -> None:
    """Start the managed Neo4j (idempotent; waits until Bolt answers)."""
    from sanctiongraph import neo4j_server as server

    settings = settings_for(workspace)
    with console.status("starting Neo4j"):
        status = run(settings, lambda: server.start(settings))
    out.print(status.detail, highlight=False)


@neo4j_app.command("stop")
def neo4j_stop(workspace: Workspace = None) -> None:
    """Stop the managed Neo4j."""
    from sanctiongraph import neo4j_server as server

    settings = settings_for(workspace)
    out.print(run(settings, lambda: server.stop(settings)).detail, highlight=False)


@neo4j_app.command("status")
def neo4j_status(workspace: Workspace = None) -> None:
    """Say whether Neo4j is running and where; exit 1 when it is not."""
    from sanctiongraph import neo4j_server as server

    settings = settings_for(workspace)
    status = run(settings, lambda: server.status(settings))
    out.print(status.detail, highlight=False)
    if not status.running:
        raise typer.Exit(1)
