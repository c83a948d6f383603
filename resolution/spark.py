"""Splink's Spark backend for the same trained models (``resolve --backend spark``).

pyspark is optional (``pip install -e '.[spark]'``); using the backend without
it raises a ``ResolutionError`` that says what to install.
"""

from __future__ import annotations

import atexit
import json
import logging
import shutil
import tempfile
from typing import Any

import pyarrow as pa
from splink import Linker

from sanctiongraph.errors import ResolutionError


def spark_session() -> Any:
    """A local Spark session sized for this machine, created once per process."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ResolutionError("the spark backend needs pyspark", hint="pip install -e '.[spark]'") from None
    from splink.backends.spark import similarity_jar_location

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("sanctiongraph")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
        # size(NULL) is NULL, as DuckDB's array_length: the levels' COALESCE(..., 0) relies on it.
        .config("spark.sql.legacy.sizeOfNull", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    if spark.sparkContext.getCheckpointDir() is None:
        # Splink breaks lineage by writing parquet into the checkpoint directory.
        spark.sparkContext.setCheckpointDir(_scratch_dir())
    return spark


def _scratch_dir() -> str:
    """A private temporary directory for Spark's checkpoints, removed when the process ends."""
    path = tempfile.mkdtemp(prefix="sanctiongraph-spark-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def spark_linker(family: str, rows: pa.Table, model: dict[str, Any]) -> Linker:
    """A Splink linker over ``rows`` on Spark, with the trained ``model``."""
    from splink.backends.spark import SparkAPI

    spark = spark_session()
    api = SparkAPI(spark_session=spark, num_partitions_on_repartition=4)  # type: ignore[no-untyped-call]
    sdf = api.register(spark_frame(spark, rows), dataset_display_name=family)
    return Linker(sdf, spark_model(family, model), log_level=logging.WARNING)


def spark_model(family: str, model: dict[str, Any]) -> dict[str, Any]:
    """The trained ``model`` with its SQL rendered for Spark; m, u and the prior untouched.

    The JSON stores each level's SQL in DuckDB's dialect, which Splink runs as
    written. The levels and blocking rules are declared once in code
    (``resolution.models``, ``resolution.blocking``), so they are rendered again
    for Spark and the trained parameters are carried over level by level.
    """
    from resolution.blocking import BLOCKING_RULES
    from resolution.models import COMPARISONS

    rendered: dict[str, Any] = json.loads(json.dumps(model))
    rendered["sql_dialect"] = "spark"
    declared = {c.name: c for c in COMPARISONS[family]}
    for entry in rendered["comparisons"]:
        spec = declared.get(entry["output_column_name"])
        levels = entry["comparison_levels"]
        if spec is None or len(spec.levels) != len(levels):
            raise ResolutionError(
                f"{family} model: comparison {entry['output_column_name']!r} does not match the code",
                hint="retrain with `sanctiongraph train` after changing comparisons",
            )
        spark_levels = spec.splink().get_comparison("spark").as_dict()["comparison_levels"]  # type: ignore[no-untyped-call]
        for level, spark_level in zip(levels, spark_levels, strict=True):
            level["sql_condition"] = spark_level["sql_condition"]
    rendered["blocking_rules_to_generate_predictions"] = [
        rule.splink("spark").get_blocking_rule("spark").as_dict()  # type: ignore[no-untyped-call]
        for rule in BLOCKING_RULES[family]
    ]
    return rendered


def spark_frame(spark: Any, rows: pa.Table) -> Any:
    """A Spark DataFrame of an Arrow table, without pandas (which the project does not install).

    pyspark 4 reads Arrow tables directly; pyspark 3.5 takes rows as dicts with
    an explicit schema (every feature column is a string or a list of strings).
    """
    import pyspark
    from pyspark.sql.types import ArrayType, StringType, StructField, StructType

    if int(pyspark.__version__.split(".")[0]) >= 4:
        return spark.createDataFrame(rows)
    schema = StructType(
        [
            StructField(f.name, ArrayType(StringType()) if pa.types.is_list(f.type) else StringType())
            for f in rows.schema
        ]
    )
    return spark.createDataFrame(rows.to_pylist(), schema=schema)
