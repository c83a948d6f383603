"""``ingest``, ``sources``, ``quarantine``, ``changes`` and ``generate``: getting data into staging, and what it did."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from sanctiongraph.cli.common import (
    Workspace,
    app,
    out,
    progress_bar,
    run,
    settings_for,
)


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
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Processes that build a big file's rows: mapped tables, GLEIF golden copy, ICIJ, PSC, FtM"
            " (default: one per core; 1: all in this process)",
        ),
    ] = None,
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
            if phase == "merging":  # every row staged; the version is merged in one transaction
                update("rows staged; merging them into the workspace", rows)
                return
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
                workers=workers,
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


def _staged(settings: Any, read: Callable[[Any], list[Any]]) -> list[Any]:
    """``read(con)`` on the workspace's staging, read-only; nothing when nothing was ever ingested."""
    from ingest import staging

    if not settings.staging_path.exists():
        return []
    con = staging.connect(settings.staging_path, read_only=True)
    try:
        return read(con)
    finally:
        con.close()


def _listing(
    items: list[Any],
    first: int,
    as_json: bool,
    what: str,
    json_of: Callable[[Any], dict[str, Any]],
    line_of: Callable[[Any], str],
) -> None:
    """The first ``first`` of ``items`` (read one past it, 0: all) as JSON lines or text, saying when there are more."""
    for item in items[: first or None]:
        if as_json:
            sys.stdout.write(json.dumps(json_of(item), ensure_ascii=False) + "\n")
        else:
            out.print(line_of(item), highlight=False)
    if not as_json and first and len(items) > first:
        out.print(f"(more {what}: --first 0 lists them all)", highlight=False)


def _quarantine_line(entry: Any) -> str:
    where = f"{entry.file}:{entry.row}" + (f" {entry.field}" if entry.field else "")
    raw = f": {entry.raw[:120]}" if entry.raw else ""
    return f"{entry.source} {entry.version} {where}: {entry.reason}{raw}"


@app.command()
def quarantine(
    source: Annotated[str | None, typer.Option("--source", help="Only this source")] = None,
    version: Annotated[str | None, typer.Option("--version", help="Only this version")] = None,
    first: Annotated[int, typer.Option("--first", help="How many, in file order (0: all)")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one line per quarantined row)")] = False,
    workspace: Workspace = None,
) -> None:
    """Rows an ingest did not stage, each with its file, row, field, reason and text: what to fix at the source."""
    from ingest import staging

    settings = settings_for(workspace)
    limit = first + 1 if first > 0 else None
    entries = run(
        settings, lambda: _staged(settings, lambda con: staging.list_quarantine(con, source, version, limit=limit))
    )
    fields = ("source", "version", "file", "row", "field", "reason", "raw", "rows")
    _listing(
        entries, first, as_json, "quarantined rows", lambda e: {k: getattr(e, k) for k in fields}, _quarantine_line
    )


@app.command()
def changes(
    source: Annotated[str, typer.Argument(help="The source (`sanctiongraph sources` lists them)")],
    version: Annotated[str | None, typer.Option("--version", help="Only this version")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="added, changed or removed (delisted)")] = None,
    first: Annotated[int, typer.Option("--first", help="How many (0: all)")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one line per record)")] = False,
    workspace: Workspace = None,
) -> None:
    """What each version of a source added, changed and removed (delisted), oldest version first."""
    from ingest import staging
    from sanctiongraph.errors import ConfigError

    settings = settings_for(workspace)
    limit = first + 1 if first > 0 else None

    def read() -> list[Any]:
        if kind is not None and kind.lower() not in staging.CHANGE_KINDS:
            raise ConfigError(f"--kind {kind!r}: use one of {list(staging.CHANGE_KINDS)}")
        return _staged(
            settings,
            lambda con: staging.list_changes(con, source, version, kind=kind and kind.lower(), limit=limit),
        )

    _listing(
        run(settings, read),
        first,
        as_json,
        "changes",
        lambda c: {
            "source": c.source,
            "version": c.version,
            "recordId": c.record_id,
            "change": c.change,
            "caption": c.caption,
        },
        lambda c: f"{c.version} {c.change} {c.record_id} {c.caption or ''}",
    )


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
