"""Property-based tests: arbitrary Unicode, huge fields and control characters never crash ingest.

Every adapter, fed garbage, yields records or quarantine entries, or refuses the
whole file with an ``IngestError``; nothing else escapes. Cleaners are total.
Examples are few (fast), but each run draws new ones.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from netaddr import IPAddress

from ingest import values
from ingest.formats import FORMATS, get_format
from ingest.fragments import merge_fragments
from ingest.record import Fragment, Name, Provenance, Quarantine, Record, Relation, RelationKind, Schema
from ingest.run import _Accountant, _stream
from ingest.staging import IngestSummary
from sanctiongraph.errors import IngestError
from tests.ingest.conftest import ROOT

# SANCTIONGRAPH_HYPOTHESIS_EXAMPLES=500 for a deeper run; the default keeps the suite quick.
EXAMPLES = int(os.environ.get("SANCTIONGRAPH_HYPOTHESIS_EXAMPLES", "40"))
QUICK = settings(
    database=None,
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Any Unicode text, control characters included, sometimes a huge field (a short text repeated).
WILD = st.one_of(
    st.text(max_size=40),
    st.text(min_size=1, max_size=20).map(lambda t: t * 1_500),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=30),
)
CLEANERS = (
    values.clean_text,
    values.country_code,
    values.iso_date,
    values.email,
    values.phone,
    values.ip_address,
    values.domain,
    values.imo_number,
    values.lei_code,
    values.bic_code,
    values.document_number,
)


@QUICK
@given(WILD)
def test_cleaners_are_total(text: str) -> None:
    for clean in CLEANERS:
        result = clean(text)
        assert result is None or isinstance(result, str)
    script = values.name_script(text)
    assert script is None or isinstance(script, str)


@settings(max_examples=200, deadline=None, database=None)
@given(st.from_regex(r"[A-Za-z0-9._+-]{1,20}@[A-Za-z0-9-]{1,12}(\.[A-Za-z0-9-]{1,8}){1,3}", fullmatch=True))
def test_email_fast_path_agrees_with_email_validator(address: str) -> None:
    from email_validator import EmailNotValidError, validate_email

    try:
        expected: str | None = str(validate_email(address, check_deliverability=False).normalized).lower()
    except EmailNotValidError:
        expected = None
    assert values.email(address) == expected


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.integers(0, 255), min_size=4, max_size=4))
def test_ipv4_fast_path_agrees_with_netaddr(octets: list[int]) -> None:
    text = ".".join(map(str, octets))
    assert values.ip_address(text) == str(IPAddress(text))


def drain(path: Path, format_name: str, mapping: Path | None = None) -> list[Record | Quarantine]:
    """Run a format over ``path`` the way run_ingest does (fragments merged), without staging."""
    fmt = get_format(format_name, mapping=mapping)
    summary = IngestSummary("prop", "v", format_name, [str(path)])
    items = list(_stream(fmt.iter_records(path, "prop"), _Accountant(summary, None)))
    assert summary.rows_read == sum(i.rows if isinstance(i, Quarantine) else i.provenance.rows for i in items)
    return items


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


ROWS = st.lists(st.lists(WILD, min_size=1, max_size=14), min_size=1, max_size=8)


@QUICK
@given(ROWS)
def test_csv_adapters_never_crash(rows: list[list[str]]) -> None:
    with TemporaryDirectory() as folder:
        base = Path(folder)
        cases: list[tuple[Path, str, Path | None]] = []
        (base / "ofac").mkdir()
        (base / "ofac" / "sdn.csv").write_text(csv_text([["1", *r] for r in rows]), encoding="utf-8")
        cases.append((base / "ofac", "ofac-csv", None))
        headers = {
            "gleif-lei-bic": ["LEI", "BIC"],
            "gleif-rr": [
                "Relationship.StartNode.NodeID",
                "Relationship.EndNode.NodeID",
                "Relationship.RelationshipType",
            ],
            "gleif-lei": ["LEI", "Entity.LegalName", "Entity.LegalJurisdiction"],
            "uk-fcdo": ["Unique ID", "Name", "Regime Name", "Type", "Date Designated"],
        }
        for name, header in headers.items():
            path = base / f"{name}.csv"
            path.write_text(csv_text([header, *rows]), encoding="utf-8")
            cases.append((path, name, None))
        icij = base / "icij"
        icij.mkdir()
        (icij / "Officers.csv").write_text(csv_text([["node_id", "name"], *rows]), encoding="utf-8")
        (icij / "all_edges.csv").write_text(csv_text([["node_1", "rel_type", "node_2"], *rows]), encoding="utf-8")
        cases.append((icij, "icij", None))
        customers = base / "customers.csv"
        from ingest.generate.customers import HEADER

        customers.write_text(csv_text([list(HEADER), *rows]), encoding="utf-8")
        cases.append((customers, "mapping", ROOT / "mappings" / "customers.yaml"))
        for path, name, mapping in cases:
            try:
                drain(path, name, mapping)
            except IngestError:
                pass  # refusing the whole file is allowed; any other exception is a bug


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | WILD,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "schema",
                    "properties",
                    "data",
                    "name",
                    "owner",
                    "asset",
                    "kind",
                    "company_number",
                    "links",
                    "self",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
)


@QUICK
@given(st.lists(JSON, min_size=1, max_size=6), st.sampled_from(["Ownership", "Person", "Sanction", "Company", "Nope"]))
def test_json_adapters_never_crash(values_: list[Any], schema: str) -> None:
    lines = [json.dumps(v) for v in values_]
    lines.append(
        json.dumps(
            {
                "id": "x1",
                "schema": schema,
                "properties": {"owner": ["x1"], "asset": ["y"], "name": [str(values_[0])[:50]]},
            }
        )
    )
    with TemporaryDirectory() as folder:
        path = Path(folder) / "data.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        for name in ("ftm", "ftm-entities", "ch-psc"):
            try:
                drain(path, name)
            except IngestError:
                pass


@QUICK
@given(st.lists(st.tuples(WILD, WILD, WILD), min_size=1, max_size=5))
def test_xml_adapters_never_crash(entries: list[tuple[str, str, str]]) -> None:
    from xml.sax.saxutils import escape

    def text(value: str) -> str:  # XML 1.0 cannot carry most control characters: the parser would refuse the file
        return escape(
            "".join(
                c
                for c in value
                if c in "\t\n\r" or ord(c) >= 0x20 and not 0xD800 <= ord(c) <= 0xDFFF and c not in "\ufffe\uffff"
            )
        )

    un = "".join(
        f"<INDIVIDUAL><DATAID>{i}</DATAID><FIRST_NAME>{text(a)}</FIRST_NAME><REFERENCE_NUMBER>{text(b)}</REFERENCE_NUMBER>"
        f"<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>{text(c)}</NUMBER></INDIVIDUAL_DOCUMENT>"
        f"</INDIVIDUAL>"
        for i, (a, b, c) in enumerate(entries)
    )
    ofac = "".join(
        f"<sdnEntry><uid>{text(b)}</uid><lastName>{text(a)}</lastName><sdnType>Individual</sdnType>"
        f"<idList><id><idType>{text(c)}</idType><idNumber>{text(a)}</idNumber></id></idList></sdnEntry>"
        for a, b, c in entries
    )
    with TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "un.xml").write_text(
            f"<CONSOLIDATED_LIST><INDIVIDUALS>{un}</INDIVIDUALS></CONSOLIDATED_LIST>", encoding="utf-8"
        )
        (base / "sdn.xml").write_text(f"<sdnList>{ofac}</sdnList>", encoding="utf-8")
        for path, name in ((base / "un.xml", "un-xml"), (base / "sdn.xml", "ofac-xml")):
            for item in drain(path, name):
                assert isinstance(item, Record | Quarantine)


FRAGMENTS = st.lists(
    st.tuples(st.sampled_from("abcde"), st.integers(0, 3), st.booleans(), st.booleans()), min_size=1, max_size=40
)


@settings(max_examples=100, deadline=None, database=None)
@given(FRAGMENTS, st.integers(1, 7))
def test_merging_fragments_keeps_every_row(spec: list[tuple[str, int, bool, bool]], chunk: int) -> None:
    fragments = [
        Fragment(
            Record(
                "s",
                key,
                Schema.LEGAL_ENTITY,
                [Name(f"n{i}")],
                Provenance("f", i, rows),
                relations=[Relation(RelationKind.OWNS, target_key=f"t{i % 3}")],
            ),
            complete=complete,
            needs_complete=needs,
        )
        for i, (key, rows, complete, needs) in enumerate(spec)
    ]
    out = list(merge_fragments(fragments, chunk_size=chunk))  # small chunks: the spill-to-disk path runs too
    records = [o for o in out if isinstance(o, Record)]
    assert sum(r.provenance.rows for r in records) + sum(q.rows for q in out if isinstance(q, Quarantine)) == sum(
        rows for _, rows, _, _ in spec
    )
    assert len({r.source_key for r in records}) == len(records)
    assert [r.source_key for r in records] == sorted(r.source_key for r in records)
    for record in records:
        assert record == Record.from_dict(record.to_dict())


def test_every_format_is_covered_here() -> None:
    covered = {
        "ofac-csv",
        "gleif-lei-bic",
        "gleif-rr",
        "gleif-lei",
        "uk-fcdo",
        "icij",
        "mapping",
        "ftm",
        "ftm-entities",
        "ch-psc",
        "un-xml",
        "ofac-xml",
    }
    assert covered == set(FORMATS)


@settings(max_examples=500, deadline=None)
@given(st.ip_addresses(v=4).map(str) | st.from_regex(r"\A[0-9]{1,4}(\.[0-9]{1,4}){2,3}\Z"))
def test_ip_network_fast_path_agrees_with_netaddr(value: str) -> None:
    """``ip_network`` skips parsing canonical dotted IPv4; it must answer exactly as parsing does."""
    from netaddr import AddrFormatError, IPAddress, IPNetwork

    from ingest.values import ip_network

    try:
        expected: object = str(IPNetwork(f"{IPAddress(value)}/24").cidr)
    except (AddrFormatError, ValueError) as error:
        expected = type(error)
    try:
        found: object = ip_network(value)
    except (AddrFormatError, ValueError) as error:
        found = type(error)
    assert found == expected
