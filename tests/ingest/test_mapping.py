"""Declarative mappings: validated before any row is read, clear errors, and tables mapped as documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.mapping import load_mapping
from ingest.record import InfraKind, RelationKind, Schema
from sanctiongraph.errors import MappingError
from tests.ingest.conftest import DATA, ROOT, assert_nothing_lost

MAPPINGS = ROOT / "mappings"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("entities: {}", r"entities: .*at least 1"),
        ("entities:\n  a: {schema: Persn, key: id}", r"entities\.a\.schema: .*Person"),
        (
            "entities:\n  a: {schema: Person, key: id, fields: {emial: e}}",
            r"entities\.a\.fields: unknown field 'emial' \(did you mean 'email'\?\)",
        ),
        (
            "entities:\n  a: {schema: Person, key: id, fields: {identifier: {column: n}}}",
            r"entities\.a\.fields\.identifier: identifier needs kind",
        ),
        (
            "entities:\n  a: {schema: Person, key: id, fields: {name: {column: n, constant: x}}}",
            r"exactly one of column, columns, constant, parts",
        ),
        (
            "entities:\n  a: {schema: Person, key: id, fields: {name: {column: n, normalise: [uppr]}}}",
            r"unknown normaliser 'uppr' \(did you mean 'upper'\?\)",
        ),
        (
            "entities:\n  a: {schema: Person, key: id}\nrelations: [{from: a, to: b, kind: owns}]",
            r"relations\[0\]: no entity 'b'",
        ),
        (
            "entities:\n  a: {schema: Person, key: id}\nrelations: [{from: a, to: a, kind: employs}]",
            r"relations\[0\]\.kind: Input should be 'owns'",
        ),
        ("entities:\n  a: {schema: Person, key: id, colour: red}", r"entities\.a\.colour: unknown key"),
        ("source: Bad Name\nentities:\n  a: {schema: Person, key: id}", r"source: String should match pattern"),
        ("entities: [1, 2", r"not valid YAML"),
    ],
)
def test_invalid_mappings_name_file_entity_and_field(tmp_path: Path, body: str, message: str) -> None:
    mapping = write(tmp_path, "bad.yaml", body)
    with pytest.raises(MappingError, match=message) as caught:
        load_mapping(mapping)
    assert str(caught.value).startswith(str(mapping))
    assert "\n" not in str(caught.value)


def test_mapping_is_validated_before_the_data_file_is_opened(ingest, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mapping = write(tmp_path, "m.yaml", "entities:\n  a: {schema: Persn, key: id}")
    with pytest.raises(MappingError, match="m.yaml"):
        ingest(tmp_path / "does-not-exist.csv", "mapping", mapping=mapping)


def test_columns_missing_from_the_file_are_named_before_any_row(ingest, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mapping = write(tmp_path, "m.yaml", "entities:\n  a: {schema: Person, key: id, fields: {email: e_mail}}")
    table = write(tmp_path, "t.csv", "id,email\n1,a@example.org\n")
    with pytest.raises(MappingError, match=r"entity 'a' field 'email': column 'e_mail' is not in the file"):
        ingest(table, "mapping", mapping=mapping)


def test_a_file_of_another_kind_gets_a_short_error_not_every_column(ingest, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The customers' mapping on a two-column file: three columns with where they are read, then a count."""
    table = write(tmp_path, "t.csv", "id,name\n1,Foo\n")
    with pytest.raises(MappingError) as caught:
        ingest(table, "mapping", mapping=MAPPINGS / "customers.yaml")
    message = str(caught.value)
    assert message.count("is not in the file") == 3
    assert "entity 'account' key: column 'account_id' is not in the file" in message
    assert "20 more columns it reads are missing: email, phone," in message and message.count(",") < 20
    assert "(" + str(table) + " has: id, name)" in message


def test_a_missing_property_column_says_where_it_is_read(ingest, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mapping = write(tmp_path, "m.yaml", "entities:\n  a: {schema: Person, key: id, properties: {signupDate: signed}}")
    table = write(tmp_path, "t.csv", "id\n1\n")
    with pytest.raises(MappingError, match=r"entity 'a' property 'signupDate': column 'signed' is not in the file"):
        ingest(table, "mapping", mapping=mapping)


def test_every_example_mapping_is_valid() -> None:
    examples = sorted(MAPPINGS.glob("*.yaml"))
    assert {p.name for p in examples} >= {"customers.yaml", "icij_entities.yaml", "psc_statements.yaml"}
    for path in examples:
        assert load_mapping(path).source


def test_registry_mapping_on_real_icij_entities(ingest) -> None:  # type: ignore[no-untyped-def]
    table = DATA / "icij" / "panama_papers_2016_format" / "Entities_mini.csv"
    staged = ingest(table, "mapping", mapping=MAPPINGS / "icij_entities.yaml")
    assert_nothing_lost(staged, 13)
    company = staged.record("10000001")
    assert company.schema is Schema.COMPANY and company.jurisdictions == ["WS"]
    assert company.incorporation_dates == ["2006-03-23"]
    agent = staged.record("agent-Mossack Fonseca")
    assert agent.schema is Schema.COMPANY  # the service provider, merged over the rows that name it
    assert agent.provenance.rows == 0
    assert (RelationKind.INTERMEDIARY_OF, "10000001") in {(r.kind, r.target_key) for r in agent.relations}


def test_json_lines_mapping_with_nested_fields_on_real_psc_records(ingest, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    lines = []
    for path in sorted((DATA / "companies_house" / "psc_fixtures").glob("*.json")):
        lines.extend(json.dumps(value) for value in json.loads(path.read_text(encoding="utf-8")))
    table = write(tmp_path, "psc.jsonl", "\n".join(lines) + "\n")
    staged = ingest(table, "mapping", mapping=MAPPINGS / "psc_statements.yaml")
    assert_nothing_lost(staged, len(lines))
    feldman = next(r for r in staged.records() if r.caption == "Mr Marc Anthony Feldman")
    assert feldman.addresses[0].city == "Harrogate"
    assert (RelationKind.OWNS, "08209948") in {(r.kind, r.target_key) for r in feldman.relations}


def test_split_constant_normalise_and_invalid_values(ingest, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mapping = write(
        tmp_path,
        "m.yaml",
        """
source: vendors
entities:
  vendor:
    schema: {column: kind, map: {person: Person, firm: Company}}
    key: [code, country]
    key_prefix: v
    fields:
      name: {column: name, normalise: [upper]}
      alias: {column: aliases, split: ";"}
      email: {column: emails, split: "|"}
      ip: {column: ip, on_invalid: quarantine}
      wallet: {column: btc, currency: XBT}
      note: {constant: vendor master data}
      identifier: {column: lei, kind: lei, on_invalid: drop}
""",
    )
    table = write(
        tmp_path,
        "v.csv",
        (
            "code,country,kind,name,aliases,emails,ip,btc,lei\n"
            "1,GB,firm,Acme Ltd,ACME;Acme Limited,a@acme.example.org|not-an-email,10.0.0.1,bc1qxyz,bad\n"
            "2,GB,person,Jane Roe,,,999.1.1.1,,\n"
            "3,GB,robot,R2,,,,,\n"
            ",,firm,No Key,,,,,\n"
        ),
    )
    staged = ingest(table, "mapping", mapping=mapping)
    assert_nothing_lost(staged, 4)
    (acme,) = staged.records()
    assert acme.source_key.startswith("v-") and acme.schema is Schema.COMPANY
    assert [n.value for n in acme.names] == ["ACME LTD", "ACME", "Acme Limited"]
    assert [i.value for i in acme.infra if i.kind is InfraKind.EMAIL] == ["a@acme.example.org"]
    assert "invalid email: not-an-email" in acme.notes  # kept as a note: nothing lost
    assert "XBT:bc1qxyz" in {i.value for i in acme.infra}
    assert not acme.identifiers  # on_invalid: drop
    assert "vendor master data" in acme.notes
    assert staged.summary.reasons == {
        "invalid ip": 1,
        "unknown schema value for entity 'vendor'": 1,
        "empty key column(s) for entity 'vendor'": 1,
    }


def test_ragged_rows_and_bad_json_lines_are_quarantined(ingest, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    mapping = write(tmp_path, "m.yaml", "entities:\n  a: {schema: Person, key: id, fields: {name: name}}")
    csv_table = write(tmp_path, "t.csv", "id,name\n1,Ann\n2,Bob,extra\n3\n")
    staged = ingest(csv_table, "mapping", mapping=mapping)
    assert_nothing_lost(staged, 3)
    assert staged.summary.reasons == {"expected 2 cells, found 3": 1, "expected 2 cells, found 1": 1}
    jsonl = write(tmp_path, "t.jsonl", '{"id": 1, "name": "Ann"}\n{"id": 2, "name": \n[1, 2]\n')
    staged = ingest(jsonl, "mapping", mapping=mapping, source="json_people")
    assert_nothing_lost(staged, 3)
    assert set(staged.summary.reasons) == {"not valid JSON", "not a JSON object"}


def test_a_nameless_entity_with_a_partly_empty_key_is_left_out_with_a_warning(ingest, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Individual accounts leave the company's number empty but fill its country: no one company of them all."""
    mapping = write(
        tmp_path,
        "m.yaml",
        """
source: shop
entities:
  account:
    schema: Person
    key: id
    fields: {name: name, email: email}
  company:
    schema: Company
    key: [reg_no, company_country]
    key_prefix: co
    fields: {name: company}
relations:
  - {from: account, to: company, kind: linked_to}
""",
    )
    rows = [f"a{i},Person {i},p{i}@example.org,,,US" for i in range(40)] + ["b1,Firm Owner,o@example.org,R-77,Acme,US"]
    table = write(tmp_path, "t.csv", "id,name,email,reg_no,company,company_country\n" + "\n".join(rows) + "\n")
    staged = ingest(table, "mapping", mapping=mapping)
    assert_nothing_lost(staged, 41)
    companies = [r for r in staged.records() if r.schema is Schema.COMPANY]
    assert [c.caption for c in companies] == ["Acme"]  # the named company stays; no nameless hub of 40 accounts
    assert sum(len(r.relations) for r in staged.records()) == 1
    (notice,) = staged.summary.notices.items()
    assert notice[1] == 40 and "entity 'company' left out" in notice[0] and "reg_no, company_country" in notice[0]
