"""Shared-infrastructure clusters out of the graph, one row per member, streamed a page of clusters at a time.

The rows carry the cluster's ID, size, exposure score and whether it is exposed
to a listed party, so a screening team can join them onto its customers the
way it joins the record → entity map (``graph.export``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from graph.export import FORMATS, Written
from graph.store import GraphStore
from sanctiongraph.errors import ExportError

CLUSTERS_PER_PAGE = 500
COLUMNS = ("cluster_id", "entity_id", "cluster_size", "exposure_score", "exposed")
ARROW_SCHEMA = pa.schema(
    [
        ("cluster_id", pa.string()),
        ("entity_id", pa.string()),
        ("cluster_size", pa.int64()),
        ("exposure_score", pa.float64()),
        ("exposed", pa.bool_()),
    ]
)


def iter_cluster_rows(store: GraphStore) -> Iterator[list[tuple[Any, ...]]]:
    """Pages of (cluster, entity, size, score, exposed) rows in cluster then entity order."""
    after = ""
    while True:
        rows = store.read("export_cluster_members", {"after": after, "limit": CLUSTERS_PER_PAGE})
        if not rows:
            return
        yield [(r["cluster"], r["entity"], r["size"], r["score"], bool(r["exposed"])) for r in rows]
        after = rows[-1]["cluster"]


def export_clusters(
    store: GraphStore, out: Path, fmt: str = "csv", progress: Callable[[int], None] | None = None
) -> Written:
    """Write every cluster member with its cluster's exposure to ``out`` (CSV with a header, or Parquet)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    if fmt == "csv":
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for page in iter_cluster_rows(store):
                writer.writerows(page)
                count += len(page)
                if progress is not None:
                    progress(count)
        return Written(out, count)
    with pq.ParquetWriter(out, ARROW_SCHEMA, compression="zstd") as writer:
        for page in iter_cluster_rows(store):
            writer.write_table(
                pa.Table.from_pylist([dict(zip(COLUMNS, row, strict=True)) for row in page], ARROW_SCHEMA)
            )
            count += len(page)
            if progress is not None:
                progress(count)
    return Written(out, count)
