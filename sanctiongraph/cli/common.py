"""What every command shares: the Typer app, the workspace option, the error policy and progress."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

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


PROJECT_ROOT = Path(__file__).resolve().parents[2]


SAMPLES = PROJECT_ROOT / "data"


def settings_for(workspace: Path | None) -> Settings:
    return Settings.from_env(home=workspace)


def _log_path(settings: Settings) -> Path:
    return settings.home / "logs" / "sanctiongraph.log"


def fail(message: str, hint: str | None) -> None:
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)  # one line, however wide
    if hint:
        console.print(f"[dim]hint: {hint}[/]", highlight=False)


def run(settings: Settings, func: Callable[[], T]) -> T:
    """Run one command body with the CLI's error policy."""
    try:
        return func()
    except SanctionGraphError as error:
        fail(str(error), error.hint)
    except KeyboardInterrupt:
        fail("interrupted", None)
    except Exception as error:  # the CLI's top level: one line here, the traceback in the log
        log = _log_path(settings)
        try:
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as handle:
                handle.write(traceback.format_exc())
        except OSError:
            log = Path("(log not writable)")
        fail(f"unexpected {type(error).__name__}: {error}", f"details in {log}")
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
