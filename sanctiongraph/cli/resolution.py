"""``resolve``, ``train``, ``evaluate``, ``explain`` and ``judge``: entity resolution."""

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
    run,
    settings_for,
)


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
