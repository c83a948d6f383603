"""Bulk registry files of any size made from the bundled samples, for benchmarks and tests of big files.

GLEIF's golden copy (2.8M LEI records) and Companies House's PSC snapshot (over
ten million statements) are far too big to bundle. The golden copy's columns are
the LEI-CDF XML paths joined with dots, so the bundled XML's records
(``data/gleif/lei-data.xml``), flattened the way the adapter flattens XML, are
rows of it; repeated with new, valid LEIs they make a file of any length
(``write_lei_csv``). The PSC snapshot is JSON lines, one statement a line, in
parts; the bundled statements (``data/companies_house/psc_fixtures``) repeated
under other company numbers make one of any length (``write_psc_snapshot``).
An OpenSanctions-style FtM export (``write_ftm_entities``) is made of people,
companies, ownerships, sanctions and wallets written the way FtM writes them.
``faults`` mixes in what a bulk file gets wrong: an invalid LEI, no legal name,
a row cut short, extra cells, a name across lines and in Hangul; a line cut
short, blank lines, a birth month that is not a number.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson
from lxml import etree

from ingest.adapters import gleif

DATA = Path(__file__).resolve().parents[2] / "data"
LEI_XML = DATA / "gleif" / "lei-data.xml"
PSC_FIXTURES = DATA / "companies_house" / "psc_fixtures"


def lei(number: int) -> str:
    """A valid LEI (ISO 17442: with its check digits the code is 1 mod 97)."""
    base = f"5493{number:014d}"
    digits = int("".join(str(int(c, 36)) for c in base + "00"))
    return f"{base}{98 - digits % 97:02d}"


def write_lei_csv(path: Path, rows: int, *, faults: bool = False) -> Path:
    """``rows`` LEI records in golden-copy columns at ``path``."""
    records = [
        gleif.flatten(element)
        for element in etree.parse(str(LEI_XML)).iter()
        if isinstance(element.tag, str) and etree.QName(element).localname == "LEIRecord"
    ]
    columns = sorted({name for record in records for name in record})
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for number in range(rows):
            row = dict(records[number % len(records)], LEI=lei(number))
            cells = [row.get(name, "") for name in columns]
            writer.writerow(_faulty(row, columns, number) if faults else cells)
    return path


def _faulty(row: dict[str, str], columns: list[str], number: int) -> list[str]:
    if number % 53 == 3:
        row["LEI"] = row["LEI"][:-1] + "X"
    if number % 61 == 4:
        row["Entity.LegalName"] = ""
    if number % 47 == 5:
        row["Entity.LegalName"] = "조선 무역\n회사"
    cells = [row.get(name, "") for name in columns]
    if number % 71 == 6:
        return cells[:5]
    if number % 73 == 7:
        return [*cells, "extra", "cells"]
    return cells


def write_psc_snapshot(folder: Path, statements: int, *, parts: int = 2, faults: bool = False) -> Path:
    """A PSC snapshot of ``statements`` statements in ``parts`` files in ``folder`` (created), each part ending in
    its totals line as Companies House writes it; with ``faults``, bad and blank lines too. Written as made."""
    fixtures = sorted(PSC_FIXTURES.iterdir())
    found = [value for path in fixtures for value in orjson.loads(path.read_bytes())]  # each file is an array
    totals = next(v for v in found if str(v.get("data", {}).get("kind", "")).startswith("totals#"))
    found = [v for v in found if v.get("company_number") and not str(v["data"].get("kind", "")).startswith("totals#")]
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-statements // parts)
    for part in range(parts):
        with (folder / f"psc-snapshot-2026-01-01_{part + 1}of{parts}.txt").open("wb") as out:
            for number in range(part * size, min(statements, (part + 1) * size)):
                out.write(orjson.dumps(_statement(found[number % len(found)], number // len(found), faults)) + b"\n")
                if faults and number % 37 == 3:
                    out.write(b'{"company_number": "0123", "data": {\n')
                if faults and number % 41 == 5:
                    out.write(b"   \n")
            out.write(orjson.dumps(totals) + b"\n")
    return folder


def _statement(value: dict[str, Any], copy: int, faults: bool) -> dict[str, Any]:
    """A bundled statement about another company: its number (and the statement's link) made unique to ``copy``."""
    company = value["company_number"]
    number = f"{copy:06d}{company}"
    data = dict(value["data"])
    links = data.get("links") or {}
    if links.get("self"):
        data["links"] = {**links, "self": links["self"].replace(company, number)}
    if faults and copy % 43 == 6:
        data["date_of_birth"] = {"month": "x", "year": 1961}
    return {**value, "company_number": number, "data": data}


def write_ftm_entities(path: Path, groups: int, *, faults: bool = False) -> Path:
    """FtM JSON lines at ``path``: per group a person, a company, the person's ownership of it, a sanction on the
    person and the company's wallet (an edge often before its nodes, as exports order them by id); with
    ``faults``, lines that are not JSON, entities without an id, unsupported schemas and malformed properties."""
    with path.open("wb") as out:
        for group in range(groups):
            person, company = f"gen-p-{group}", f"gen-c-{group}"
            entities: list[dict[str, Any]] = [
                {
                    "id": f"gen-o-{group}",
                    "schema": "Ownership",
                    "properties": {"owner": [person], "asset": [company], "percentage": ["51"]},
                },
                {
                    "id": person,
                    "schema": "Person",
                    "properties": {
                        "name": [f"Kim Chol {group}", f"김철 {group}"],
                        "birthDate": [f"19{60 + group % 40}-0{1 + group % 9}"],
                        "nationality": ["kp"],
                        "email": [f"kc{group}@example.com"],
                        "idNumber": [f"P{group:07d}"],
                    },
                },
                {
                    "id": company,
                    "schema": "Company",
                    "properties": {
                        "name": [f"Korea Trading {group} Co Ltd"],
                        "jurisdiction": ["kp"],
                        "registrationNumber": [f"R{group:06d}"],
                        "address": [f"{group} Sungri Street, Pyongyang"],
                    },
                },
                {
                    "id": f"gen-s-{group}",
                    "schema": "Sanction",
                    "properties": {"entity": [person], "program": ["DPRK3"], "authority": ["OFAC"]},
                },
                {
                    "id": f"gen-w-{group}",
                    "schema": "CryptoWallet",
                    "properties": {"holder": [company], "publicKey": [f"0x{group:040x}"], "currency": ["ETH"]},
                },
            ]
            for entity in entities:
                out.write(orjson.dumps({**entity, "datasets": ["generated"]}) + b"\n")
            if faults and group % 7 == 3:
                out.write(b'{"id": "gen-broken", "schema": "Person", "properties": {\n')
            if faults and group % 11 == 4:
                out.write(orjson.dumps({"schema": "Person", "properties": {"name": ["No Id"]}}) + b"\n")
            if faults and group % 13 == 5:
                out.write(orjson.dumps({"id": f"gen-n-{group}", "schema": "Note", "properties": {}}) + b"\n")
            if faults and group % 17 == 6:
                out.write(orjson.dumps({"id": f"gen-m-{group}", "schema": "Person", "properties": {"name": [["x"]]}}))
                out.write(b"\n")
    return path
