"""The format names ``sanctiongraph ingest --format`` accepts (a public contract)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.adapters import ofac_csv, un_xml
from ingest.record import Item
from sanctiongraph.errors import IngestError


def _no_version(path: Path) -> str | None:
    return None


@dataclass(frozen=True, slots=True)
class SourceFormat:
    name: str
    default_source: str
    description: str
    iter_records: Callable[[Path, str], Iterator[Item]]
    input_files: Callable[[Path], list[Path]]
    version_of: Callable[[Path], str | None] = _no_version
    # A snapshot source lists everything it holds, so what a new version lacks was removed.
    snapshot: bool = True
    # Every entry is a different party (a sanctions list): never merge two of them.
    distinct_entries: bool = True


FORMATS: dict[str, SourceFormat] = {
    f.name: f
    for f in (
        SourceFormat(
            "ofac-csv", "us_ofac_sdn", "OFAC SDN legacy CSV trio (folder with sdn.csv, add.csv, alt.csv)",
            ofac_csv.iter_records, ofac_csv.input_files,
        ),
        SourceFormat(
            "un-xml", "un_sc_sanctions", "UN Security Council consolidated list XML",
            un_xml.iter_records, un_xml.input_files, un_xml.list_version,
        ),
    )
}


def get_format(name: str) -> SourceFormat:
    try:
        return FORMATS[name]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise IngestError(f"unknown format {name!r}", hint=f"use one of: {known}") from None
