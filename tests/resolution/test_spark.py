"""``resolve --backend spark``: the same models on pyspark (local mode) give the DuckDB run's entities.

Needs the optional extra (``pip install -e '.[spark]'``) and a Java that
pyspark accepts (17+); skipped with the reason otherwise. It is slow (~2 min:
Spark starts a JVM and plans each family's SQL).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from resolution.models import COMPARISONS
from resolution.run import run_resolve

pytest.importorskip("pyspark", reason="pyspark is not installed: pip install -e '.[spark]' to run the Spark backend")
if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
    pytest.skip("no Java for pyspark (set JAVA_HOME or put java on PATH)", allow_module_level=True)

pytestmark = pytest.mark.slow

Evidence = dict[tuple[str, str], tuple[float, list[dict[str, object]]]]


def resolved(path: Path) -> tuple[dict[str, str], Evidence]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        entities = dict(con.execute("SELECT record_id, entity_id FROM sg_record_entities").fetchall())
        rows = con.execute("SELECT record_l, record_r, match_weight, comparisons FROM sg_match_evidence").fetchall()
    finally:
        con.close()
    return entities, {(a, b): (w, json.loads(parts)) for a, b, w, parts in rows}


@pytest.fixture(scope="module")
def stop_spark() -> Iterator[None]:
    yield
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()


def jw_labels() -> set[str]:
    """Labels of levels decided by Jaro-Winkler similarity, whose Spark UDF differs from DuckDB's."""
    return {lv.label for cs in COMPARISONS.values() for c in cs for lv in c.levels if lv.kind == "jw"}


def test_spark_gives_the_entities_of_duckdb(staged_workspace: Path, tmp_path: Path, stop_spark: None) -> None:
    duck, spark = tmp_path / "duckdb.duckdb", tmp_path / "spark.duckdb"
    shutil.copy(staged_workspace / "staging.duckdb", duck)
    shutil.copy(staged_workspace / "staging.duckdb", spark)
    run_resolve(duck)
    summary = run_resolve(spark, backend="spark")
    duck_entities, duck_evidence = resolved(duck)
    spark_entities, spark_evidence = resolved(spark)
    assert summary.records == 9_920 and summary.entities < 9_500
    # Same clusters, and so the same minted IDs.
    assert spark_entities == duck_entities
    # Same parameters: a pair that lands in the same levels gets the same weight. Levels may differ
    # only where Jaro-Winkler decides (Splink's Spark UDF, Apache commons-text, counts Jaro
    # transpositions differently from DuckDB), and for few pairs.
    shared = set(duck_evidence) & set(spark_evidence)
    assert len(shared) >= 0.99 * max(len(duck_evidence), len(spark_evidence))
    fuzzy = jw_labels()
    differing = 0
    for pair in shared:
        (w_duck, parts_duck), (w_spark, parts_spark) = duck_evidence[pair], spark_evidence[pair]
        changed = [
            (a["label"], b["label"]) for a, b in zip(parts_duck, parts_spark, strict=True) if a["label"] != b["label"]
        ]
        if not changed:
            assert w_spark == pytest.approx(w_duck, abs=1e-6), pair
            continue
        differing += 1
        assert all(fuzzy & {a, b} for a, b in changed), (pair, changed)
    assert differing <= 0.01 * len(shared)
