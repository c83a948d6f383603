"""``sanctiongraph evaluate --pairs FILE --json``: the public JSON contract, and the real benchmark."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sanctiongraph.cli import app

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
PAIRS_SAMPLE = SHARED / "opensanctions_pairs" / "sample_1000_shuffled.json"
KEYS = {"pairs", "threshold", "precision", "recall", "f1", "auc", "best"}


def entity(eid: str, schema: str, **props: list[str]) -> dict[str, object]:
    return {"id": eid, "schema": schema, "properties": props}


def synthetic_pairs(path: Path, *, lines: bool) -> Path:
    """Four hand-made pairs (the real sample is CC BY-NC and not part of the repository)."""
    pairs = [
        {
            "left": entity("a1", "Person", name=["KIM Jong Un"], birthDate=["1984-01-08"], nationality=["kp"]),
            "right": entity("b1", "Person", name=["Kim Jong-un", "김정은"], birthDate=["1984-01-08"]),
            "judgement": "positive",
        },
        {
            "left": entity("a2", "Person", name=["Stephen TINDALL"], birthDate=["1970-07-07"]),
            "right": entity("b2", "Person", name=["Lisa TINDALL"], birthDate=["1970-02-21"]),
            "judgement": "negative",
        },
        {
            "left": entity("a3", "Company", name=["KOREA KWANGSON BANKING CORPORATION (KKBC)"], country=["kp"]),
            "right": entity("b3", "Company", name=["KOREA KWANGSON BANKING CORP"], country=["kp"]),
            "judgement": "positive",
        },
        {
            "left": entity("a4", "Company", name=["Daedong Credit Bank"], swiftBic=["DCBKKPPY"]),
            "right": entity("b4", "Company", name=["Foreign Trade Bank"], swiftBic=["FTBDKPPY"]),
            "judgement": "negative",
        },
    ]
    text = "\n".join(json.dumps(p) for p in pairs) if lines else json.dumps(pairs)
    path.write_text(text, encoding="utf-8")
    return path


def run_json(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["evaluate", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


@pytest.mark.parametrize("lines", [False, True])
def test_evaluate_json_contract(tmp_path: Path, lines: bool) -> None:
    data = run_json("--pairs", str(synthetic_pairs(tmp_path / "pairs.json", lines=lines)))
    assert set(data) == KEYS | {"by_schema"}
    assert data["pairs"] == 4
    assert set(data["best"]) == {"threshold", "f1"}  # type: ignore[arg-type]
    by_schema = data["by_schema"]
    assert isinstance(by_schema, dict) and set(by_schema) == {"Person", "Company"}
    for figures in by_schema.values():
        assert set(figures) == KEYS
    assert data["f1"] == 1.0 and data["auc"] == 1.0


def test_schemas_filter_by_left_entity(tmp_path: Path) -> None:
    data = run_json("--pairs", str(synthetic_pairs(tmp_path / "pairs.json", lines=False)), "--schemas", "Company")
    assert data["pairs"] == 2 and set(data["by_schema"]) == {"Company"}  # type: ignore[arg-type]


def test_a_bad_judgement_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"left": entity("a", "Person"), "right": entity("b", "Person"), "judgement": "maybe"}]))
    result = CliRunner().invoke(app, ["evaluate", "--pairs", str(path), "--json"])
    assert result.exit_code == 1
    assert "bad.json:1" in result.output and "maybe" in result.output


@pytest.mark.skipif(not PAIRS_SAMPLE.is_file(), reason="OpenSanctions pairs sample (CC BY-NC) not present")
def test_opensanctions_pairs_sample() -> None:
    data = run_json("--pairs", str(PAIRS_SAMPLE), "--schemas", "Person,Company,Organization,LegalEntity,Vessel")
    assert data["pairs"] == 625
    assert data["f1"] >= 0.96  # type: ignore[operator]
