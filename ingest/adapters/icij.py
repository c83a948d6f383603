"""ICIJ Offshore Leaks database: node CSVs (entities, officers, intermediaries, addresses, others) and edges.

Reads a folder holding either release layout: the 2016 one (``Entities.csv``,
``Officers.csv``, ``Intermediaries.csv``, ``Addresses.csv``, ``all_edges.csv``
with ``node_1,rel_type,node_2``) or the current one (``nodes-entities.csv``, ...,
``relationships.csv`` with ``node_id_start,node_id_end,rel_type,link``). Files
are told apart by name. Every node is a record keyed by its ``node_id``; an
edge is a ``Relation`` on the record of its start node whose target key is the
end node, typed from the edge's link text ("shareholder of" is ``owns``,
"director of" is ``director_of``, "intermediary of" is ``intermediary_of``,
"registered address" is ``address_of``). Nodes and edges are fragments merged
with bounded memory; an edge whose start node no file has is quarantined.

ICIJ does not say whether an officer is a person or a company, so officers and
intermediaries are a ``Company`` when their name ends in a legal form and a
``Person`` otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ingest import values
from ingest.chunks import Table
from ingest.record import (
    Address,
    Fragment,
    Item,
    Name,
    NameKind,
    Provenance,
    Quarantine,
    Record,
    Relation,
    RelationKind,
    Schema,
)
from ingest.row_tables import RowTable
from sanctiongraph.errors import IngestError


@dataclass(frozen=True, slots=True)
class NodeFile:
    pattern: str  # lower-case substring of the file name
    schema: Schema | None  # None: decide from the name (officers, intermediaries)


NODE_FILES = (
    NodeFile("entit", Schema.COMPANY),
    NodeFile("officer", None),
    NodeFile("intermediar", None),
    NodeFile("address", Schema.ADDRESS),
    NodeFile("other", Schema.LEGAL_ENTITY),
)
EDGE_PATTERNS = ("edge", "relationship")
# Link text (lower case, underscores as spaces) -> relation kind; first match wins.
LINKS: tuple[tuple[str, RelationKind], ...] = (
    ("intermediary", RelationKind.INTERMEDIARY_OF),
    ("registered address", RelationKind.ADDRESS_OF),
    ("address", RelationKind.ADDRESS_OF),
    ("shareholder", RelationKind.OWNS),
    ("owner", RelationKind.OWNS),
    ("director", RelationKind.DIRECTOR_OF),
    ("secretary", RelationKind.OFFICER_OF),
    ("officer", RelationKind.OFFICER_OF),
    ("protector", RelationKind.OFFICER_OF),
    ("nominee", RelationKind.OFFICER_OF),
    ("beneficiar", RelationKind.OWNS),
    ("related", RelationKind.ASSOCIATE_OF),
    ("connected", RelationKind.ASSOCIATE_OF),
)
_LEGAL_FORM = re.compile(
    r"\b(LTD|LIMITED|INC|INCORPORATED|CORP|CORPORATION|CO|COMPANY|LLC|LLP|PLC|S\.?A|S\.?A\.?S|GMBH|AG|ANSTALT|"
    r"STIFTUNG|TRUST|FOUNDATION|HOLDINGS?|B\.?V|N\.?V|SARL|S\.?R\.?L|BANK|SERVICES|GROUP|PARTNERS)\.?\s*$",
    re.IGNORECASE,
)
_MONTH_DATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{2,4})")


def _kind_of_file(path: Path) -> NodeFile | str | None:
    name = path.name.lower()
    if any(p in name for p in EDGE_PATTERNS):
        return "edges"
    return next((spec for spec in NODE_FILES if spec.pattern in name), None)


def input_files(path: Path) -> list[Path]:
    """The ICIJ CSVs of a folder: node files first, edges last (the order does not matter for the result)."""
    if not path.is_dir():
        raise IngestError(f"{path}: the icij format reads a folder of ICIJ CSV files", hint="pass the folder")
    files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv" and _kind_of_file(p) is not None)
    nodes = [p for p in files if _kind_of_file(p) != "edges"]
    edges = [p for p in files if _kind_of_file(p) == "edges"]
    if not nodes:
        raise IngestError(f"{path}: no ICIJ node files (entities, officers, intermediaries, addresses) in this folder")
    return nodes + edges


def icij_date(text: str | None) -> str | None:
    """ICIJ dates: ``23-Mar-06`` (2016 release), ``23-MAR-2006`` or ISO."""
    text = values.clean_text(text)
    if text is None:
        return None
    match = _MONTH_DATE.fullmatch(text)
    if match:
        day, month, year = match.groups()
        if len(year) == 2:
            year = ("19" if int(year) > 30 else "20") + year
        return values.iso_date(f"{day} {month} {year}")
    return values.iso_date(text)


def _schema(spec: NodeFile, name: str) -> Schema:
    if spec.schema is not None:
        return spec.schema
    return Schema.COMPANY if _LEGAL_FORM.search(name) else Schema.PERSON


def _countries(row: dict[str, str]) -> list[str]:
    codes = [values.country_code(c) for c in re.split(r"[;,]", row.get("country_codes", ""))]
    return sorted({c for c in codes if c})


def build_node(row: dict[str, str], spec: NodeFile, source: str, path: Path, line: int) -> Record | Quarantine:
    """One node row, or a quarantine entry when it has no node_id or name."""
    key = values.clean_text(row.get("node_id"))
    name = values.clean_text(row.get("name")) or (
        values.clean_text(row.get("address")) if spec.schema is Schema.ADDRESS else None
    )
    if key is None or name is None:
        missing = "node_id" if key is None else "name"
        return Quarantine(str(path), line, f"node without {missing}", field=missing, raw=",".join(row.values())[:200])
    schema = _schema(spec, name)
    names = [Name(name, NameKind.PRIMARY, values.name_script(name))]
    for column, kind in (("original_name", NameKind.ALIAS), ("former_name", NameKind.FORMER)):
        other = values.clean_text(row.get(column))
        if other and all(other != n.value for n in names):
            names.append(Name(other, kind, values.name_script(other)))
    record = Record(
        source=source,
        source_key=key,
        schema=schema,
        names=names,
        provenance=Provenance(str(path), line),
        countries=_countries(row),
    )
    address = values.clean_text(row.get("address"))
    if address:
        record.addresses.append(Address(address, country=record.countries[0] if len(record.countries) == 1 else None))
    jurisdiction = values.clean_text(row.get("jurisdiction_description"))
    code = values.country_code(jurisdiction) or values.country_code(row.get("jurisdiction"))
    if code:
        record.jurisdictions.append(code)
    created = icij_date(row.get("incorporation_date"))
    if created:
        record.incorporation_dates.append(created)
    for column, prop in (
        ("status", "status"),
        ("company_type", "legalForm"),
        ("service_provider", "serviceProvider"),
        ("sourceid", "leak"),
        ("inactivation_date", "dissolutionDate"),
        ("struck_off_date", "struckOffDate"),
    ):
        value = values.clean_text(row.get(column))
        if value:
            record.properties[prop] = [value]
    return record


def _link_kind(text: str) -> RelationKind:
    lowered = text.lower().replace("_", " ")
    return next((kind for needle, kind in LINKS if needle in lowered), RelationKind.LINKED_TO)


def build_edge(row: dict[str, str], source: str, path: Path, line: int) -> Fragment | Quarantine:
    """An edge row as a fragment of its start node's record."""
    start = values.clean_text(row.get("node_1") or row.get("node_id_start"))
    end = values.clean_text(row.get("node_2") or row.get("node_id_end"))
    link = values.clean_text(row.get("link")) or values.clean_text(row.get("rel_type"))
    if start is None or end is None or link is None:
        missing = "start node" if start is None else "end node" if end is None else "rel_type"
        return Quarantine(str(path), line, f"edge without {missing}", field=missing, raw=",".join(row.values())[:200])
    relation = Relation(
        _link_kind(link),
        target_key=end,
        role=link,
        start_date=icij_date(row.get("start_date")),
        end_date=icij_date(row.get("end_date")),
    )
    part = Record(
        source=source,
        source_key=start,
        schema=Schema.LEGAL_ENTITY,
        names=[],
        provenance=Provenance(str(path), line),
        relations=[relation],
    )
    return Fragment(part, needs_complete=True)


def _node_item(spec: NodeFile, row: dict[str, str], source: str, path: Path, line: int) -> Item:
    node = build_node(row, spec, source, path, line)
    return Fragment(node, complete=True) if isinstance(node, Record) else node


# Each kind of file as a table: read here row by row, or built by worker processes (``ingest.row_tables``).
NODE_TABLES = {
    spec.pattern: RowTable(
        f"ingest.adapters.icij:NODE_TABLES:{spec.pattern}",
        ("node_id", "address") if spec.schema is Schema.ADDRESS else ("node_id", "name"),
        partial(_node_item, spec),
    )
    for spec in NODE_FILES
}
EDGE_TABLES = {
    start: RowTable(f"ingest.adapters.icij:EDGE_TABLES:{start}", (start, end, "rel_type"), build_edge)
    for start, end in (("node_1", "node_2"), ("node_id_start", "node_id_end"))
}


def tables(path: Path) -> list[tuple[Table, Path]]:
    """The folder's files, each with its table: node files first, edges last."""
    found: list[tuple[Table, Path]] = []
    for file in input_files(path):
        kind = _kind_of_file(file)
        if kind == "edges":
            found.append((EDGE_TABLES["node_1" if _has_columns(file, "node_1") else "node_id_start"], file))
        elif isinstance(kind, NodeFile):
            found.append((NODE_TABLES[kind.pattern], file))
    return found


def iter_records(path: Path, source: str) -> Iterator[Item]:
    """Node and edge fragments of an ICIJ folder (merged into records by the caller)."""
    for table, file in tables(path):
        assert isinstance(table, RowTable)
        yield from table.read(file, source)


def _has_columns(path: Path, column: str) -> bool:
    with path.open("r", encoding="utf-8-sig", errors="replace") as handle:
        return column in handle.readline().lower()
