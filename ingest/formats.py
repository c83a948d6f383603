"""The format names ``sanctiongraph ingest --format`` accepts (a public contract).

``ofac-csv``, ``ofac-xml``, ``un-xml``, ``uk-fcdo``, ``ftm``, ``gleif-lei``,
``gleif-rr``, ``gleif-lei-bic``, ``ch-psc``, ``icij`` and ``mapping`` (which needs
``--mapping M.yaml``). Once released a name is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from ingest.adapters import ch_psc, ftm, gleif, icij, ofac_csv, ofac_xml, uk_fcdo, un_xml
from ingest.chunks import PhaseCallback
from ingest.record import Item
from ingest.row_tables import Tables
from ingest.staging import StagedPart, Stamp
from sanctiongraph.errors import IngestError

# ``iter_staged(path, source, stamp, workers, folder)``: items whose records may come as the parts worker processes
# wrote in ``folder``.
StagedItems = Callable[[Path, str, Stamp, int, Path], Iterator[Item | StagedPart]]


def _no_version(path: Path) -> str | None:
    return None


def _fixed_source(path: Path) -> str | None:
    return None


def _single_file(path: Path) -> list[Path]:
    if not path.is_file():
        raise IngestError(f"{path}: not a file", hint="this format reads one file")
    return [path]


def _no_phases(phases: Callable[[str, int], None] | None) -> None:
    return None


@dataclass(frozen=True, slots=True)
class SourceFormat:
    name: str
    default_source: str
    description: str
    iter_records: Callable[[Path, str], Iterator[Item]]
    input_files: Callable[[Path], list[Path]] = _single_file
    version_of: Callable[[Path], str | None] = _no_version
    # A snapshot source lists everything it holds, so what a new version lacks was removed.
    snapshot: bool = True
    # Every entry is a different party (a sanctions list): never merge two of them.
    distinct_entries: bool = True
    # After the rows are read: what was left out of them and why, with how many rows (a mapping's notices).
    notices: Callable[[], dict[str, int]] = dict
    # The source a file is a version of when none is named, for formats that carry many lists (FtM):
    # ``None`` means ``default_source``. Unrelated files must never become versions of one another.
    source_of: Callable[[Path], str | None] = _fixed_source
    # Progress per phase (``phase, rows``) while rows are read, for formats that read in phases (a mapping's CSV).
    watch: Callable[[Callable[[str, int], None] | None], None] = _no_phases
    # Formats that build big files in worker processes (a mapped table): ``iter_records``' items, with
    # records as stamped staged rows when workers built them.
    iter_staged: StagedItems | None = None
    # The input's files as tables of rows the adapter builds one at a time, which worker processes build
    # (``get_format`` sets ``iter_staged`` from it); ``None`` from it: read in one process.
    tables: Tables | None = None

    def source_for(self, path: Path) -> str:
        """The source name ``path`` is a version of when the user names none."""
        return self.source_of(path) or self.default_source


MAPPING = "mapping"

FORMATS: dict[str, SourceFormat] = {
    f.name: f
    for f in (
        SourceFormat(
            "ofac-csv",
            "us_ofac_sdn",
            "OFAC SDN legacy CSV trio (folder with sdn.csv, add.csv, alt.csv)",
            ofac_csv.iter_records,
            ofac_csv.input_files,
        ),
        SourceFormat(
            "ofac-xml",
            "us_ofac_xml",
            "OFAC list in the sdn.xml schema (SDN or consolidated non-SDN list)",
            ofac_xml.iter_records,
            version_of=ofac_xml.list_version,
        ),
        SourceFormat(
            "un-xml",
            "un_sc_sanctions",
            "UN Security Council consolidated list XML",
            un_xml.iter_records,
            un_xml.input_files,
            un_xml.list_version,
        ),
        SourceFormat(
            "uk-fcdo",
            "gb_fcdo_sanctions",
            "UK FCDO sanctions list summary export (.ods or .csv)",
            uk_fcdo.iter_records,
            version_of=uk_fcdo.list_version,
        ),
        SourceFormat(
            "ftm",
            "ftm",
            "FollowTheMoney entities as JSON lines (OpenSanctions exports); edges become relations",
            ftm.iter_records,
            distinct_entries=False,
            source_of=ftm.source_of,
            tables=ftm.tables,
        ),
        SourceFormat(
            "ftm-entities",
            "sanctiongraph_entities",
            "FollowTheMoney entities that are one party each (`sanctiongraph export entities`): never merged together",
            ftm.iter_records,
            source_of=ftm.file_source_of,
            tables=ftm.tables,
        ),
        SourceFormat(
            "gleif-lei",
            "gleif_lei",
            "GLEIF level-1 LEI records (LEI-CDF XML or golden-copy CSV)",
            gleif.iter_lei_records,
            version_of=gleif.content_date,
            tables=gleif.lei_tables,
        ),
        SourceFormat(
            "gleif-rr",
            "gleif_rr",
            "GLEIF level-2 relationship records (RR-CDF XML or golden-copy CSV)",
            gleif.iter_rr_records,
            version_of=gleif.content_date,
            tables=gleif.rr_tables,
        ),
        SourceFormat(
            "gleif-lei-bic",
            "gleif_lei_bic",
            "GLEIF LEI-to-BIC (SWIFT) mapping CSV",
            gleif.iter_bic_records,
            version_of=gleif.content_date,
            tables=gleif.bic_tables,
        ),
        SourceFormat(
            "ch-psc",
            "gb_coh_psc",
            "UK Companies House PSC snapshot (JSON lines, a JSON array, or a folder of them)",
            ch_psc.iter_records,
            ch_psc.input_files,
            distinct_entries=False,
            tables=ch_psc.tables,
        ),
        SourceFormat(
            "icij",
            "icij_offshoreleaks",
            "ICIJ Offshore Leaks folder: node CSVs and edges CSV",
            icij.iter_records,
            icij.input_files,
            distinct_entries=False,
            tables=icij.tables,
        ),
        SourceFormat(
            MAPPING,
            "mapped",
            "any CSV or JSON-lines table, described by a YAML mapping file (--mapping)",
            lambda path, source: iter(()),
            distinct_entries=False,
        ),
    )
}


def get_format(name: str, *, mapping: Path | None = None) -> SourceFormat:
    """The format called ``name``; for ``mapping``, bound to the mapping file, validated before any row is read.

    Raises:
        IngestError: unknown format, ``--mapping`` missing for ``mapping`` or given for another format.
        MappingError: the mapping file is invalid.
    """
    try:
        fmt = FORMATS[name]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise IngestError(f"unknown format {name!r}", hint=f"use one of: {known}") from None
    if name != MAPPING:
        if mapping is not None:
            raise IngestError(f"--mapping is only for --format {MAPPING}, not {name}")
        if fmt.tables is None:
            return fmt
        by_workers = _ByWorkers(fmt, fmt.tables)
        return replace(fmt, iter_staged=by_workers.iter_staged, watch=by_workers.watch)
    if mapping is None:
        raise IngestError(
            f"--format {MAPPING} needs a mapping file", hint="pass --mapping M.yaml (see mappings/ for examples)"
        )
    from ingest.mapping import load_mapping
    from ingest.mapping_setwise import MappedTable
    from ingest.parallel import staged_files

    spec = load_mapping(mapping)

    def iter_staged(path: Path, source: str, mark: Stamp, workers: int, folder: Path) -> Iterator[Item | StagedPart]:
        if not spec.setwise or workers < 2:  # in this process, set-wise or (the reference) row by row
            return spec.iter_records(path, source)
        files = [(MappedTable(spec), path)]
        return staged_files(path, files, source, mark, folder, workers=workers, progress=spec.phases)

    return replace(
        fmt,
        default_source=spec.source,
        iter_records=spec.iter_records,
        snapshot=spec.snapshot,
        distinct_entries=spec.distinct_entries,
        notices=spec.notices,
        watch=spec.watch,
        iter_staged=iter_staged,
    )


@dataclass(slots=True)
class _ByWorkers:
    """A format whose files worker processes build (``ingest.row_tables``), its progress per phase reported."""

    fmt: SourceFormat
    tables: Tables
    phases: PhaseCallback | None = None

    def watch(self, phases: PhaseCallback | None) -> None:
        self.phases = phases

    def iter_staged(
        self, path: Path, source: str, mark: Stamp, workers: int, folder: Path
    ) -> Iterator[Item | StagedPart]:
        """In worker processes when the format has tables for the input; otherwise (GLEIF's XML, ``--workers 1``)
        the adapter in this process."""
        files = None if workers < 2 else self.tables(path)
        if files is None:
            return self.fmt.iter_records(path, source)
        from ingest.parallel import staged_files

        return staged_files(path, files, source, mark, folder, workers=workers, progress=self.phases)
