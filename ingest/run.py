"""``ingest``: one file (or OFAC trio, or ICIJ folder) into staging, every row accounted for.

Flow: the format's adapter yields records, fragments and quarantine entries;
records and quarantine entries stream straight into staging, fragments go to a
``FragmentMerger`` (sorted spill files) and their merged records follow once the
adapter is done. All of it happens inside one staging transaction, so an error
or a kill anywhere leaves staging as it was.

Accounting invariant: ``rows_read`` is the sum of ``provenance.rows`` over the
staged records plus the rows of the quarantine entries, and each adapter gives
every input row exactly one of those (relation-target stubs carry 0 rows).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, datetime
from pathlib import Path

from ingest import collector, staging
from ingest.formats import SourceFormat, get_format
from ingest.fragments import FragmentMerger
from ingest.parallel import default_workers
from ingest.record import Fragment, Item, Quarantine, Record
from sanctiongraph.errors import IngestError

ProgressCallback = Callable[[int], None]
# ``phases(phase, rows)``: rows ``read`` and ``cleaned`` by a format that reads in phases (a mapping's CSV).
PhaseCallback = Callable[[str, int], None]


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


class _Accountant:
    """Counts every row into the summary and stamps records with version and ingest time."""

    def __init__(self, summary: staging.IngestSummary, progress: ProgressCallback | None) -> None:
        self.summary = summary
        self.progress = progress
        self.reasons: Counter[str] = Counter()
        self.ingested_at = datetime.now(UTC).isoformat(timespec="seconds")

    @property
    def stamp(self) -> staging.Stamp:
        return staging.Stamp(self.summary.version, self.ingested_at)

    def record(self, record: Record) -> Record:
        self.summary.records += 1
        self.summary.rows_read += record.provenance.rows
        self._tick()
        return staging.stamp(record, self.stamp)

    def staged(self, part: staging.StagedPart) -> staging.StagedPart:
        """Records a worker process built, stamped and wrote as a part of the work tables."""
        self.summary.records += part.count
        self.summary.rows_read += part.rows_read
        self._tick()
        return part

    def quarantine(self, entry: Quarantine) -> Quarantine:
        self.summary.quarantined += entry.rows
        self.summary.rows_read += entry.rows
        self.reasons[_reason_class(entry.reason)] += entry.rows
        self._tick()
        return entry

    def fragment(self, fragment: Fragment) -> None:
        # A fragment's rows are counted when its merged record (or duplicate) comes out.
        if self.progress is not None:
            self.progress(self.summary.rows_read)

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress(self.summary.rows_read)

    def close(self) -> None:
        self.summary.reasons = dict(self.reasons.most_common())


def _reason_class(reason: str) -> str:
    """Group reasons for the summary: drop the part after ':' that names a value or key."""
    head = reason.split(": ", 1)[0] if not reason.startswith("duplicate key") else "duplicate key"
    return head[:100]


def _stream(
    items: Iterator[Item | staging.StagedPart], accountant: _Accountant, phases: PhaseCallback | None = None
) -> Generator[Record | staging.StagedPart | Quarantine, None, None]:
    """Records and quarantine entries in file order, then the records merged from fragments.

    Once they are all out, ``phases("merging", rows)``: the version is merged into staging next, which on a
    big file takes a while of its own.
    """
    merger = FragmentMerger()
    for item in items:
        if isinstance(item, Record):
            yield accountant.record(item)
        elif isinstance(item, staging.StagedPart):
            yield accountant.staged(item)
        elif isinstance(item, Quarantine):
            yield accountant.quarantine(item)
        else:
            merger.add(item)
            accountant.fragment(item)
    for merged in merger.merged():
        yield accountant.record(merged) if isinstance(merged, Record) else accountant.quarantine(merged)
    accountant.close()
    if phases is not None:
        phases("merging", accountant.summary.rows_read)


def run_ingest(
    staging_path: Path,
    path: Path,
    format_name: str,
    *,
    source: str | None = None,
    version: str | None = None,
    progress: ProgressCallback | None = None,
    mapping: Path | None = None,
    allow_mass_removal: bool = False,
    max_removed_share: float = staging.MAX_REMOVED_SHARE,
    phases: PhaseCallback | None = None,
    workers: int | None = None,
) -> staging.IngestSummary:
    """Stage one file as a new version of its source; a file seen before changes nothing.

    Args:
        staging_path: the workspace's DuckDB file (created when missing).
        path: the input file, or folder for folder formats (``ofac-csv``, ``icij``).
        format_name: one of ``ingest.formats.FORMATS``.
        source: source name (default: the format's, or the mapping's ``source``).
        version: version label (default: the date the file carries, else a hash prefix).
        progress: called with the running count of rows read (and staged: carried or quarantined).
        mapping: the YAML mapping file, for ``--format mapping`` only.
        allow_mass_removal: stage a snapshot version even when it is empty, removes more
            than ``max_removed_share`` of the source's current records, or changes its format
            (``--allow-mass-removal``): without it such a file is refused, since an empty or cut
            file would otherwise delist sanctioned parties.
        max_removed_share: the share of current records a new version may remove unasked.
        phases: called with ``("read", rows)`` and ``("cleaned", rows)`` by formats that read a chunk of
            rows before cleaning it (a mapping's CSV), ahead of ``progress``; and, for every format, with
            ``("merging", rows)`` once every row is staged and the version is being merged into staging.

    Returns:
        The summary: rows read, records staged, rows quarantined with reasons, and
        what this version added, changed and removed.

    Raises:
        IngestError: the file is missing, malformed or not of the format, the
            mapping is invalid (``MappingError``), or the version would remove too
            much (``MassRemovalError``); staging is left as it was.
    """
    fmt = get_format(format_name, mapping=mapping)
    if not path.exists():
        raise IngestError(f"{path}: no such file or folder")
    files = fmt.input_files(path)
    sha256 = files_sha256(files + ([mapping] if mapping is not None else []))
    source_name = source or fmt.source_for(path)
    con = staging.open_for_writing(staging_path)
    try:
        label = _version_label(fmt, path, sha256, version)
        summary = staging.IngestSummary(source_name, label, fmt.name, [str(f) for f in files])
        seen = staging.find_version_by_hash(con, source_name, sha256)
        if seen is not None:
            summary.version, summary.already_ingested = seen, True
            return summary
        if staging.version_exists(con, source_name, label):
            summary.version = f"{label}+{sha256[:8]}"
        guard = None if allow_mass_removal else staging.RemovalGuard(str(path), max_removed_share)
        if guard is not None and fmt.snapshot:
            guard.check_format(con, source_name, fmt.name)
        fmt.watch(phases)
        accountant = _Accountant(summary, progress)
        with staging.work_folder(staging_path) as folder, collector.building():
            if fmt.iter_staged is not None:
                found = fmt.iter_staged(path, source_name, accountant.stamp, workers or default_workers(), folder)
            else:
                found = fmt.iter_records(path, source_name)
            items = _stream(found, accountant, phases)
            try:
                staging.stage_version(con, summary, items, sha256, folder, snapshot=fmt.snapshot, guard=guard)
            finally:  # a failure stops the reading (and its worker processes) now, before the folder goes
                items.close()
                if isinstance(found, Generator):
                    found.close()
        summary.notices = fmt.notices()
        return summary
    finally:
        con.close()
