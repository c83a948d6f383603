"""``ingest``: one file (or OFAC trio) into staging, every row accounted for."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from ingest import staging
from ingest.formats import SourceFormat, get_format
from ingest.record import Item, Quarantine, Record
from sanctiongraph.errors import IngestError

ProgressCallback = Callable[[int], None]


def files_sha256(files: list[Path]) -> str:
    """One hash over all input files, so a changed alias file is a new version."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _version_label(fmt: SourceFormat, path: Path, sha256: str, requested: str | None) -> str:
    return requested or fmt.version_of(path) or sha256[:12]


def _split(
    items: Iterator[Item], summary: staging.IngestSummary, quarantine: list[Quarantine], progress: ProgressCallback | None
) -> Iterator[Record]:
    """Pass records on to staging, keep quarantine entries, count every row."""
    reasons: Counter[str] = Counter()
    for item in items:
        if isinstance(item, Record):
            summary.records += 1
            summary.rows_read += item.provenance.rows
            item.source_version = summary.version
            yield item
        else:
            quarantine.append(item)
            summary.quarantined += item.rows
            summary.rows_read += item.rows
            reasons[item.reason.split(",")[0][:80]] += item.rows
        if progress is not None:
            progress(summary.rows_read)
    summary.reasons = dict(reasons.most_common())


def run_ingest(
    staging_path: Path,
    path: Path,
    format_name: str,
    *,
    source: str | None = None,
    version: str | None = None,
    progress: ProgressCallback | None = None,
) -> staging.IngestSummary:
    """Stage one file as a new version of its source; a file seen before changes nothing."""
    fmt = get_format(format_name)
    if not path.exists():
        raise IngestError(f"{path}: no such file or folder")
    files = fmt.input_files(path)
    sha256 = files_sha256(files)
    source_name = source or fmt.default_source
    con = staging.connect(staging_path)
    try:
        label = _version_label(fmt, path, sha256, version)
        summary = staging.IngestSummary(source_name, label, fmt.name, [str(f) for f in files])
        seen = staging.find_version_by_hash(con, source_name, sha256)
        if seen is not None:
            summary.version, summary.already_ingested = seen, True
            return summary
        if staging.version_exists(con, source_name, label):
            summary.version = f"{label}+{sha256[:8]}"
        quarantine: list[Quarantine] = []
        records = _split(fmt.iter_records(path, source_name), summary, quarantine, progress)
        return staging.stage_version(con, summary, records, quarantine, sha256)
    finally:
        con.close()
