"""Data flows one way, ingest → resolution → graph → graph_api: a layer imports only the layers before it.

Every import counts, the ones inside functions too: a lazy import that reaches
forward is the same knot in the architecture, only harder to see. The shared
base (``sanctiongraph.errors``, ``settings``, ``logs``) sits below every layer
and imports none; the CLI sits above all of them and no layer imports it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["ingest", "resolution", "graph", "graph_api"]
BASE = {"sanctiongraph", "sanctiongraph.errors", "sanctiongraph.settings", "sanctiongraph.logs"}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth of its code (``from a import b`` counts as ``a`` and ``a.b``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def reaches_forward(module: str, later: set[str]) -> bool:
    top = module.split(".")[0]
    if top == "sanctiongraph":
        return module not in BASE and module.split(".")[1] not in {"errors", "settings", "logs"}
    return top in later


def forward_imports(files: list[Path], later: set[str]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in files
        for module in sorted(imported_modules(path))
        if reaches_forward(module, later)
    ]


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_never_imports_a_later_one(layer: str) -> None:
    files = sorted((ROOT / layer).rglob("*.py"))
    assert files, f"no modules under {layer}/"
    assert forward_imports(files, set(LAYERS[LAYERS.index(layer) + 1 :])) == []


def test_the_shared_base_imports_no_layer() -> None:
    files = [ROOT / "sanctiongraph" / f"{name}.py" for name in ("errors", "settings", "logs")]
    assert forward_imports(files, set(LAYERS)) == []


def test_the_check_sees_what_reaches_forward(tmp_path: Path) -> None:
    """The walker sees an import hidden in a function, and the rule tells base modules from the CLI."""
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    from graph_api import schema\n    import sanctiongraph.cli\n")
    assert imported_modules(sneaky) == {"graph_api", "graph_api.schema", "sanctiongraph.cli"}
    assert reaches_forward("graph_api.schema", {"graph_api"})
    assert reaches_forward("sanctiongraph.cli", set())
    assert not reaches_forward("sanctiongraph.errors", set())
    assert not reaches_forward("ingest.record", {"graph", "graph_api"})


STAGING = ROOT / "ingest" / "staging"
PACKAGES = ["sanctiongraph", *LAYERS]


def staging_tables() -> set[str]:
    """Every table name the staging package spells (its DDL, work tables and reads)."""
    return {name for path in STAGING.glob("*.py") for name in re.findall(r"\bsg_\w+", path.read_text())}


def spelled_outside(tables: set[str]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} spells {name}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if STAGING not in path.parents
        for name in sorted(set(re.findall(r"\bsg_\w+", path.read_text())) & tables)
    ]


def test_only_the_staging_package_spells_a_staging_table() -> None:
    """Staging's tables are a contract between three layers: its owner alone writes SQL against them."""
    tables = staging_tables()
    assert {"sg_records", "sg_record_entities", "sg_record_infra", "sg_runs", "sg_changes"} <= tables
    assert spelled_outside(tables) == []


def test_the_staging_check_sees_a_table_spelled_elsewhere() -> None:
    assert spelled_outside({"sg_graph_rows"}) == ["graph/load/state.py spells sg_graph_rows"]
