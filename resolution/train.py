"""``train``: re-estimate the resolution models from the staged records.

Training is explicit and writes model JSON files; ``resolve`` only reads them,
so a resolution never changes because data arrived.
"""

from __future__ import annotations

from pathlib import Path

from ingest import staging
from resolution.features import Features, build_features, features_table
from resolution.models import FAMILIES, MODELS_DIR, model_path, train_model
from sanctiongraph.errors import ResolutionError

MIN_RECORDS = 50


def run_train(staging_path: Path, models_dir: Path | None = None) -> list[Path]:
    """Train one model per family that has enough staged records; return the files written."""
    target = models_dir or MODELS_DIR
    con = staging.connect(staging_path, read_only=True)
    try:
        by_family: dict[str, list[Features]] = {}
        for record in staging.iter_current_records(con):
            features = build_features(record)
            by_family.setdefault(features.family, []).append(features)
    finally:
        con.close()
    written = []
    for family in FAMILIES:
        rows = by_family.get(family, [])
        if len(rows) < MIN_RECORDS:
            continue
        written.append(train_model(family, features_table(rows), model_path(family, target)))
    if not written:
        raise ResolutionError(f"{staging_path}: fewer than {MIN_RECORDS} records in every family; nothing to train on")
    return written
