"""Splink's Spark backend for the same trained models (``resolve --backend spark``).

pyspark is optional (``pip install -e '.[spark]'``); importing this module
without it raises a ``ResolutionError`` that says what to install.
"""

from __future__ import annotations

import logging
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

    return (
        SparkSession.builder.master("local[2]")
        .appName("sanctiongraph")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )


def spark_linker(family: str, rows: pa.Table, model: dict[str, Any]) -> Linker:
    """A Splink linker over ``rows`` on Spark, with the trained ``model``."""
    from splink.backends.spark import SparkAPI

    spark = spark_session()
    api = SparkAPI(spark_session=spark, num_partitions_on_repartition=4)  # type: ignore[no-untyped-call]
    frame = spark.createDataFrame(rows.to_pandas())
    sdf = api.register(frame, dataset_display_name=family)
    return Linker(sdf, model, log_level=logging.WARNING)
