"""The set-wise mapping path stages exactly what the row-by-row reference stages.

Both paths run over the bundled mapping tables and over generated customers with
the messiest real rows mixed in (wallets with and without a currency, countries
as codes, names and nonsense, bad dates, empty required keys, short and long
rows, duplicate keys, cells across lines, control characters). They must give
the same items in the same order (record JSON, fragments, quarantine file, row,
field, reason and raw text), at any chunk size, and the same staged tables.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

from ingest import staging, values
from ingest.generate.customers import HEADER, generate_customers
from ingest.mapping import Mapping, load_mapping
from ingest.mapping_setwise import iter_records_setwise
from ingest.record import Fragment, Item, Record
from ingest.run import run_ingest
from sanctiongraph.errors import IngestError
from tests.ingest.conftest import DATA, ROOT

MAPPINGS = ROOT / "mappings"
COLUMN = {name: index for index, name in enumerate(HEADER)}

# A second mapping over the customer table that uses the field options customers.yaml does not:
# quarantine on invalid values, split, normalisers, constants, joined columns, schema from a column,
# identifiers of their own kind, relation columns.
STRICT_MAPPING = """
source: strict_customers
format: csv
entities:
  account:
    schema: {column: account_type, map: {individual: Person, business: Company}, default: LegalEntity}
    key: account_id
    fields:
      name: {columns: [full_name, city], join: " of "}
      alias: {column: full_name, normalise: [ascii, upper]}
      birth_date: {column: date_of_birth, on_invalid: quarantine}
      email: {column: email, on_invalid: drop}
      phone: {column: phone, country: GB, on_invalid: note}
      nationality: {column: country, split: "/"}
      identifier: {column: payment_fingerprint, kind: other, country: DE}
      wallet: {column: wallet_address, currency: XBT}
      website: {column: email, normalise: [lower]}
      note: {constant: "generated for the set-wise test"}
      gender: {constant: unknown}
    properties:
      signup: {column: signup_date, normalise: [date]}
      postcode: {column: postal_code, normalise: [digits]}
      device: {column: device_id, normalise: [alnum, upper]}
  company:
    schema: Company
    key: [company_reg_no, company_country]
    key_prefix: co
    merge: true
    fields:
      name: company_name
      identifier: {column: company_reg_no, kind: lei, on_invalid: note}
      jurisdiction: company_country
relations:
  - {from: account, to: company, kind: owns, role_column: account_type, share_column: postal_code,
     start_date_column: signup_date, end_date_column: date_of_birth}
"""


# Phone cells as exports write them: the fast path's plain forms and what only the library reads.
PHONES = [
    "12",
    "00850-2-3814410",
    "phone",
    "+1 (555) 010 9999",
    "030 1234567",
    "+49 (0) 30 1234567",
    "8 (495) 123-45-67",
]
PHONES += [
    "+44 7700 900123 ext. 12",
    "1-800-FLOWERS",
    "(555) 010-9999",
    "+39 06 1234 5678",
    "+0 12 345",
    "＋49 30 1234567",
]


def _messy(rows: list[list[str]], rng: random.Random) -> list[list[str]]:
    """The generated rows with bad and unusual ones mixed in, as real exports have them."""
    out: list[list[str]] = []
    for number, row in enumerate(rows):
        row = list(row)
        kind = number % 23
        if kind == 1:
            row[COLUMN["wallet_currency"]], row[COLUMN["wallet_address"]] = "", "1EfMxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        elif kind == 2:
            row[COLUMN["wallet_currency"]], row[COLUMN["wallet_address"]] = "eth", "ETH:0xdeadbeefdeadbeefdeadbeef0000"
        elif kind == 3:
            row[COLUMN["country"]] = rng.choice(["Germany", "germany", "de", "Korea, North", "Narnia", " US ", "-0-"])
        elif kind == 4:
            row[COLUMN["date_of_birth"]] = rng.choice(["31/02/1990", "not a date", "1990-13-01", "Sep 1984", "1799"])
        elif kind == 5:
            row[COLUMN["account_id"]] = rng.choice(["", "   ", "\t"])
        elif kind == 6:
            row = row[:-3]  # a short row
        elif kind == 7:
            row = [*row, "extra", "cells"]
        elif kind == 8:
            row[COLUMN["street"]] = "12 Main  Street\nApt 4"  # a cell across two lines
        elif kind == 9:
            row[COLUMN["full_name"]] = "Zoë\u00a0 Müller\x07 " + row[COLUMN["full_name"]]
        elif kind == 10:
            row[COLUMN["email"]] = rng.choice(["foo@", "no-at-sign", "A.B+tag@GoogleMail.com", "x@localhost"])
        elif kind == 11:
            row[COLUMN["phone"]] = rng.choice(PHONES)
        elif kind == 12 and out:
            row[COLUMN["account_id"]] = out[-1][COLUMN["account_id"]]  # a duplicate key
        elif kind == 13:
            row[COLUMN["company_country"]], row[COLUMN["company_name"]] = "", ""  # partial, nameless company
        elif kind == 14:
            row[COLUMN["signup_date"]] = "2024-02-30"
        elif kind == 15:
            row = [""] * len(HEADER)  # every cell empty: no entity
        elif kind == 16:
            row[COLUMN["company_reg_no"]], row[COLUMN["company_country"]] = "5493001KJTIIGC8Y1R12", "United Kingdom"
        elif kind == 17:
            row[COLUMN["account_type"]] = rng.choice(["BUSINESS", "Person", "robot"])
        out.append(row)
    return out


def write_messy_customers(folder: Path, size: int, seed: int) -> Path:
    """``size`` generated customer rows with the bad and unusual ones of ``_messy`` mixed in, as ``messy.csv``."""
    generate_customers(folder, size, seed=seed, rings=True)
    with (folder / "customers.csv").open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    path = folder / "messy.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(_messy(rows, random.Random(seed)))
    return path


@pytest.fixture(scope="module")
def messy_customers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_messy_customers(tmp_path_factory.mktemp("customers"), 1_200, 25)


def _item(item: Item) -> tuple[Any, ...]:
    if isinstance(item, Record):
        return ("record", item.to_json())
    if isinstance(item, Fragment):
        return ("fragment", item.complete, item.needs_complete, item.record.to_json())
    return ("quarantine", item.file, item.row, item.reason, item.field, item.raw, item.rows)


def _items(items: Iterator[Item]) -> list[tuple[Any, ...]]:
    return [_item(item) for item in items]


def _both(mapping_path: Path, table: Path, chunk_rows: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    reference, setwise = load_mapping(mapping_path), load_mapping(mapping_path)
    expected = _items(reference.iter_records_rowwise(table, reference.source))
    got = _items(iter_records_setwise(setwise, table, setwise.source, chunk_rows=chunk_rows))
    assert setwise.notices() == reference.notices()
    return expected, got


def _strict_mapping(tmp_path: Path) -> Path:
    path = tmp_path / "strict.yaml"
    path.write_text(STRICT_MAPPING, encoding="utf-8")
    return path


def test_mappings_go_set_wise_unless_told_not_to(tmp_path: Path) -> None:
    mapping = load_mapping(MAPPINGS / "customers.yaml")
    table = tmp_path / "c.csv"
    table.write_text(",".join(HEADER) + "\n", encoding="utf-8")
    assert mapping.iter_records(table, "x").__qualname__ == iter_records_setwise.__qualname__
    psc = load_mapping(MAPPINGS / "psc_statements.yaml")
    assert psc.iter_records(tmp_path / "p.jsonl", "x").__qualname__ == iter_records_setwise.__qualname__
    psc.setwise = False
    assert psc.iter_records(tmp_path / "p.jsonl", "x").__qualname__ == Mapping.iter_records_rowwise.__qualname__


def _psc_lines(tmp_path: Path) -> Path:
    lines = []
    for path in sorted((DATA / "companies_house" / "psc_fixtures").glob("*.json")):
        lines.extend(orjson.dumps(value).decode() for value in orjson.loads(path.read_bytes()))
    lines[1:1] = ["{not json", "[1, 2]", '"a string"', "", "  "]
    lines.append(lines[0])  # the same statement twice
    table = tmp_path / "psc.jsonl"
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return table


@pytest.mark.parametrize("chunk_rows", [1, 3, 20_000])
def test_bundled_psc_json_lines_same_items_both_paths(tmp_path: Path, chunk_rows: int) -> None:
    expected, got = _both(MAPPINGS / "psc_statements.yaml", _psc_lines(tmp_path), chunk_rows)
    assert got == expected
    assert {item[3].split(":")[0] for item in expected if item[0] == "quarantine"} >= {
        "not valid JSON",
        "not a JSON object",
    }


@pytest.mark.parametrize("chunk_rows", [7, 20_000])
def test_messy_customers_as_json_lines_same_items_both_paths(
    messy_customers: Path, tmp_path: Path, chunk_rows: int
) -> None:
    """The messy table as JSON objects, some cells as numbers, lists, nulls and nested objects."""
    table = tmp_path / "messy.jsonl"
    with messy_customers.open(encoding="utf-8", newline="") as handle, table.open("w", encoding="utf-8") as out:
        header, *rows = list(csv.reader(handle))
        for number, cells in enumerate(rows):
            value: dict[str, Any] = dict(zip(header, cells, strict=False))
            if number % 11 == 1:
                value["country"] = ["DE", " Germany ", None]
            elif number % 11 == 2:
                value["postal_code"] = 12345
            elif number % 11 == 3:
                value["email"] = None
            elif number % 11 == 4:
                value["company_name"] = {"nested": "object"}
            out.write(orjson.dumps(value).decode() + "\n")
            if number % 97 == 5:
                out.write("{broken\n")
    mapping = tmp_path / "customers-jsonl.yaml"
    mapping.write_text(
        (MAPPINGS / "customers.yaml").read_text(encoding="utf-8").replace("format: csv", "format: jsonl"),
        encoding="utf-8",
    )
    expected, got = _both(mapping, table, chunk_rows)
    assert len(got) == len(expected)
    for index, (want, have) in enumerate(zip(expected, got, strict=True)):
        assert have == want, f"item {index} differs"


@pytest.mark.parametrize("chunk_rows", [1, 7, 20_000])
def test_bundled_icij_table_same_items_both_paths(chunk_rows: int) -> None:
    table = DATA / "icij" / "panama_papers_2016_format" / "Entities_mini.csv"
    expected, got = _both(MAPPINGS / "icij_entities.yaml", table, chunk_rows)
    assert got == expected
    assert sum(1 for item in expected if item[0] == "record") == 13


@pytest.mark.parametrize("chunk_rows", [7, 500, 20_000])
@pytest.mark.parametrize("mapping_name", ["customers.yaml", "strict"])
def test_messy_customers_same_items_both_paths(
    messy_customers: Path, tmp_path: Path, chunk_rows: int, mapping_name: str
) -> None:
    mapping_path = _strict_mapping(tmp_path) if mapping_name == "strict" else MAPPINGS / mapping_name
    expected, got = _both(mapping_path, messy_customers, chunk_rows)
    assert len(got) == len(expected)
    for index, (want, have) in enumerate(zip(expected, got, strict=True)):
        assert have == want, f"item {index} differs"
    reasons = {item[3].split(":")[0] for item in expected if item[0] == "quarantine"}
    # the bad rows mixed in did reach the quarantine, with their own reasons
    assert {"expected 23 cells, found 20", "expected 23 cells, found 25"} <= reasons
    assert any(r.startswith("empty key column(s) for entity 'account'") for r in reasons)
    if mapping_name == "strict":
        assert "invalid birth_date" in reasons


def _staged(path: Path) -> dict[str, Any]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        records = [
            (record_id, content_hash, _without_ingest_time(data))
            for record_id, content_hash, data in con.execute(
                "SELECT record_id, content_hash, data FROM sg_records ORDER BY record_id"
            ).fetchall()
        ]
        return {
            "records": records,
            "quarantine": con.execute(
                "SELECT file, row, field, reason, raw, rows FROM sg_quarantine ORDER BY file, row, reason"
            ).fetchall(),
            "infra": con.execute("SELECT * FROM sg_record_infra ORDER BY ALL").fetchall(),
            "changes": con.execute("SELECT record_id, change FROM sg_changes ORDER BY ALL").fetchall(),
        }
    finally:
        con.close()


def _without_ingest_time(data: str) -> dict[str, Any]:
    parsed: dict[str, Any] = orjson.loads(data)
    parsed["provenance"].pop("ingested_at")
    return parsed


def test_messy_customers_same_staging_both_paths(
    messy_customers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mapping = MAPPINGS / "customers.yaml"
    phases: list[tuple[str, int]] = []
    setwise = run_ingest(
        tmp_path / "a" / "staging.duckdb",
        messy_customers,
        "mapping",
        mapping=mapping,
        phases=lambda phase, rows: phases.append((phase, rows)),
    )
    monkeypatch.setattr(Mapping, "iter_records", Mapping.iter_records_rowwise)
    monkeypatch.setattr(values, "phone", values.phone_library)  # the reference parses every phone with the library
    # one process, so the row-by-row ``iter_records`` patched in is what runs
    reference = run_ingest(tmp_path / "b" / "staging.duckdb", messy_customers, "mapping", mapping=mapping, workers=1)
    rows = 1_200
    assert setwise.rows_read == reference.rows_read == rows
    for name in ("records", "quarantined", "added", "changed", "removed", "reasons", "notices", "version"):
        assert getattr(setwise, name) == getattr(reference, name), name
    assert _staged(tmp_path / "a" / "staging.duckdb") == _staged(tmp_path / "b" / "staging.duckdb")
    assert ("read", rows) in phases and ("cleaned", rows) in phases


def test_set_wise_ingest_keeps_the_invariants(messy_customers: Path, tmp_path: Path) -> None:
    """Rows read = carried + quarantined; the same file twice changes nothing; a bad file changes nothing."""
    target = tmp_path / "staging.duckdb"
    mapping = MAPPINGS / "customers.yaml"
    first = run_ingest(target, messy_customers, "mapping", mapping=mapping)
    con = staging.connect(target)
    try:
        carried = con.execute("SELECT sum((data->>'$.provenance.rows')::BIGINT) FROM sg_records").fetchone()
        quarantined = con.execute("SELECT sum(rows) FROM sg_quarantine").fetchone()
    finally:
        con.close()
    assert carried is not None and quarantined is not None
    assert first.rows_read == int(carried[0]) + int(quarantined[0]) == 1_200
    before = _staged(target)
    again = run_ingest(target, messy_customers, "mapping", mapping=mapping)
    assert again.already_ingested and _staged(target) == before
    broken = tmp_path / "broken.csv"
    text = messy_customers.read_text(encoding="utf-8")
    broken.write_text(text[: len(text) // 2] + '"an unclosed quote,\n' + "x," * 22 + "\n", encoding="utf-8")
    with pytest.raises(IngestError, match="broken.csv"):
        run_ingest(target, broken, "mapping", mapping=mapping)
    assert _staged(target) == before
