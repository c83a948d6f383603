"""``Record.to_json`` and ``content_hash`` built from plain dicts give the bytes orjson gives for the dataclasses.

Staged JSON and content hashes must not change (a changed hash would make every
staged record look changed at the next version), so the plain form is checked
byte for byte against ``orjson.dumps(record)`` and the hash as first written, on
the records of every bundled source and on records with every field filled.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from ingest.formats import get_format
from ingest.generate.customers import generate_customers
from ingest.mapping import load_mapping
from ingest.record import (
    _CONTENT_FIELDS,
    Address,
    Fragment,
    Identifier,
    Infra,
    InfraKind,
    Name,
    NameKind,
    Provenance,
    Record,
    Relation,
    RelationKind,
    Sanction,
    Schema,
)
from tests.ingest.conftest import DATA, ROOT

BUNDLED = [
    ("ofac-csv", DATA / "ofac" / "snapshot_2022-01"),
    ("ofac-xml", DATA / "ofac" / "consolidated_non_sdn_2025-03-28.xml"),
    ("un-xml", DATA / "un" / "consolidated.xml"),
    ("uk-fcdo", DATA / "uk" / "FCDO_SL_Mon_Aug_11_2025.ods"),
    ("gleif-lei", DATA / "gleif" / "lei-data.xml"),
    ("gleif-rr", DATA / "gleif" / "rr-data.xml"),
    ("gleif-lei-bic", DATA / "gleif" / "lei-bic-20260130T000000-first3000.csv"),
    ("ch-psc", DATA / "companies_house" / "psc_fixtures"),
    ("icij", DATA / "icij" / "panama_papers_2016_format"),
]


def _reference_hash(record: Record) -> str:
    content = {name: value for name in _CONTENT_FIELDS if (value := getattr(record, name)) not in (None, "", [], {})}
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def _records(name: str, path: Path) -> Iterator[Record]:
    fmt = get_format(name)
    for item in fmt.iter_records(path, fmt.source_for(path)):
        if isinstance(item, Record):
            yield item
        elif isinstance(item, Fragment):
            yield item.record


@pytest.mark.parametrize(("name", "path"), BUNDLED, ids=[name for name, _ in BUNDLED])
def test_bundled_records_serialise_as_orjson_serialises_the_dataclasses(name: str, path: Path) -> None:
    checked = 0
    for record in _records(name, path):
        assert record.to_json() == orjson.dumps(record), record.record_id
        assert record.content_hash() == _reference_hash(record), record.record_id
        assert record.json_and_hash() == (record.to_json(), record.content_hash()), record.record_id
        checked += 1
    assert checked > 0


def _full_record() -> Record:
    return Record(
        source="s",
        source_key="k\u00e9\U0001f600",
        schema=Schema.COMPANY,
        names=[Name("Zoë Ltd", NameKind.PRIMARY, "Latin"), Name("조선", NameKind.ALIAS, None)],
        provenance=Provenance("f.csv", 3, 2, "2026-12-07T00:00:00+00:00"),
        source_version="v1",
        birth_dates=["1970"],
        incorporation_dates=["2001-02-03"],
        countries=["KP", "CN"],
        nationalities=["KP"],
        jurisdictions=["HK"],
        addresses=[Address("1 Main St, Pyongyang", "1 Main St", "Pyongyang", "123", "P", "KP"), Address("x")],
        identifiers=[Identifier("imo", "IMO9999999", None), Identifier("registration", "123", "GB")],
        infra=[Infra(InfraKind.EMAIL, "a@b.kp"), Infra(InfraKind.WALLET, "XBT:1abc")],
        sanctions=[Sanction("US OFAC", "DPRK3", "SDN", "2020-01-01", "KPe.1"), Sanction("UN")],
        relations=[
            Relation(RelationKind.OWNS, "t", "T", 25.5, "owner", "2020", None),
            Relation(RelationKind.LINKED_TO),
        ],
        gender="male",
        notes=["a note", ""],
        properties={"zeta": ["1"], "alpha": ["2", "3"], "Émile": ["4"], "beta": []},
    )


def test_a_record_with_every_field_filled_serialises_as_orjson_serialises_it() -> None:
    record = _full_record()
    assert record.to_json() == orjson.dumps(record)
    assert record.content_hash() == _reference_hash(record)
    assert record.json_and_hash() == (orjson.dumps(record), _reference_hash(record))
    empty = Record("s", "k", Schema.PERSON, [], Provenance("f", 1))
    assert empty.to_json() == orjson.dumps(empty) and empty.content_hash() == _reference_hash(empty)


def test_the_plain_form_names_every_field_of_every_dataclass() -> None:
    """A field added to a dataclass must be added to the plain form too (else it would be left out of the JSON)."""
    record = _full_record()
    plain = orjson.loads(record.to_json())
    assert list(plain) == [f.name for f in dataclasses.fields(Record)]
    for field, cls in [
        ("names", Name),
        ("addresses", Address),
        ("identifiers", Identifier),
        ("infra", Infra),
        ("sanctions", Sanction),
        ("relations", Relation),
    ]:
        assert list(plain[field][0]) == [f.name for f in dataclasses.fields(cls)], field
    assert list(plain["provenance"]) == [f.name for f in dataclasses.fields(Provenance)]


def test_mapped_customer_records_serialise_as_orjson_serialises_them(tmp_path: Path) -> None:
    generate_customers(tmp_path, 1_000, seed=3, rings=True)
    mapping = load_mapping(ROOT / "mappings" / "customers.yaml")
    checked = 0
    for item in mapping.iter_records(tmp_path / "customers.csv", mapping.source):
        record = item.record if isinstance(item, Fragment) else item
        if isinstance(record, Record):
            assert record.to_json() == orjson.dumps(record), record.record_id
            assert record.content_hash() == _reference_hash(record), record.record_id
            assert record.json_and_hash() == (orjson.dumps(record), _reference_hash(record)), record.record_id
            checked += 1
    assert checked >= 1_000
