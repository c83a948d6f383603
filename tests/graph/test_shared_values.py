"""One value, one node, on the real OFAC list: a customer sharing a listed party's value is linked to it.

The bundled OFAC snapshot (its remarks' digital currency addresses, e-mails,
websites and phones, and its address file) is loaded beside a customer table
that holds each of those values written the way a customer would write it:
a bare wallet or another currency code, an e-mail in capitals, a website as a
URL, a phone in national form with the row's country, an address with the
country as a code, the city repeated and the street abbreviated. Each customer
must be linked to the listed party in Neo4j, through one value node or two
near-identical addresses, and screening the value alone must answer REVIEW with
the listed party in its exposure. Addresses that only share a street or a
building name with a listed one (another house number) must link to nothing.
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers
import pytest

from graph import answers
from graph.applicants import Applicant, Decision
from graph.loader import run_load
from graph.screening import Screener
from graph.store import GraphStore
from ingest import keys, values
from ingest.adapters import ofac_csv
from ingest.record import InfraKind, Record
from ingest.run import run_ingest
from sanctiongraph.settings import Settings
from tests.conftest import Samples, wipe
from tests.graph.customers import assign_identity

MAPPING = """source: shop
format: csv
entities:
  account:
    schema: CustomerAccount
    key: id
    fields:
      name: name
      email: email
      website: website
      phone: {column: phone, country_column: country}
      wallet: {column: wallet, currency_column: currency}
      address: address
      country: country
"""
COLUMNS = ["id", "name", "email", "website", "phone", "country", "wallet", "currency", "address"]
ABBREVIATIONS = [(r"\bStreet\b", "St."), (r"\bRoad\b", "Rd"), (r"\bAvenue\b", "Ave"), (r"\bBuilding\b", "Bldg.")]
ABBREVIATIONS += [(r"\bFloor\b", "Fl."), (r"\bRoom\b", "Rm"), (r"\bNumber\b", "No."), (r"\bBoulevard\b", "Blvd")]
_NUMBER = re.compile(r"\d+")
_POST_BOX = re.compile(r"\b(P\.?\s?O\.?\s?Box|Apartado|Postfach)\b", re.IGNORECASE)  # another box, one building


@dataclass(frozen=True)
class Planted:
    row_id: str
    kind: str  # wallet, email, website, phone, address, or near-miss
    listed_key: str  # the OFAC entry's number
    value: str  # as the customer wrote it


def _customer_wallet(listed: str, rng: random.Random) -> tuple[str, str]:
    currency, _, address = listed.partition(":")
    choice = rng.randrange(3)
    return ("", "BTC" if currency == "XBT" else currency, currency.lower())[choice], address


def _customer_address(street: str, city: str | None, country: str, rng: random.Random) -> str:
    for pattern, short in ABBREVIATIONS:
        street = re.sub(pattern, short, street)
    code = values.country_code(country) or country
    text = ", ".join([street, *([city, city] if city else []), code])
    return text.upper() if rng.random() < 0.3 else text


def _national(phone: str) -> tuple[str, str]:
    number = phonenumbers.parse(phone)
    region = phonenumbers.region_code_for_number(number) or ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL), region


def _rows(samples: Samples) -> Iterator[tuple[Planted, dict[str, str]]]:
    rng = random.Random(22)
    number = 0
    for item in ofac_csv.iter_records(samples.ofac_dir, "us_ofac_sdn"):
        if not isinstance(item, Record):
            continue
        for infra in item.infra:
            if keys.value_key(keys.INFRA_KIND[infra.kind], infra.value) is None:
                continue  # the legacy CSV cuts long remarks: "Digital Currency Address - XBT 1Gq"
            number += 1
            row = {"id": f"c{number}", "name": f"Customer {number}"}
            if infra.kind is InfraKind.WALLET:
                row["currency"], row["wallet"] = _customer_wallet(infra.value, rng)
                yield Planted(row["id"], "wallet", item.source_key, row["wallet"]), row
            elif infra.kind is InfraKind.EMAIL:
                row["email"] = infra.value.upper()
                yield Planted(row["id"], "email", item.source_key, row["email"]), row
            elif infra.kind is InfraKind.DOMAIN:
                row["website"] = f"https://www.{infra.value}/" if rng.random() < 0.5 else infra.value.upper()
                yield Planted(row["id"], "website", item.source_key, row["website"]), row
            elif infra.kind is InfraKind.PHONE:
                row["phone"], row["country"] = _national(infra.value)
                yield Planted(row["id"], "phone", item.source_key, row["phone"]), row
        for address in item.addresses:
            if not address.street or not address.country or address.country == "KP":
                continue
            if keys.record_address_key(address) is None:
                continue  # a bare city or a street without a number: not a value two parties share
            country = address.full.rsplit(", ", 1)[-1]
            number += 1
            written = _customer_address(address.street, address.city, country, rng)
            row = {"id": f"c{number}", "name": f"Customer {number}", "address": written}
            yield Planted(row["id"], "address", item.source_key, written), row
            # The same street and building name, other numbers: another building (or floor of one) on that street.
            moved = _NUMBER.sub(lambda m: str(int(m.group()) + 7), address.street)
            if moved != address.street and not _POST_BOX.search(
                address.street
            ):  # the same street (and building name), another house number
                number += 1
                written = _customer_address(moved, address.city, country, rng)
                row = {"id": f"c{number}", "name": f"Customer {number}", "address": written}
                yield Planted(row["id"], "near-miss", item.source_key, written), row


@dataclass(frozen=True)
class SharedGraph:
    store: GraphStore
    planted: list[Planted]
    entity_of: dict[str, str]
    linked: dict[str, set[str]]  # customer entity -> listed entities it reaches through one shared value


LINKED_QUERY = """
MATCH (c:Entity) WHERE c.id IN $ids
MATCH (c)-[r1]->(v) WHERE type(r1) IN $valueRels
OPTIONAL MATCH (v)-[:SIMILAR_ADDRESS]-(near)
WITH c, collect(DISTINCT v) + collect(DISTINCT near) AS used
UNWIND used AS value
MATCH (value)<-[r2]-(other:Entity) WHERE type(r2) IN $valueRels AND other <> c
RETURN c.id AS id, collect(DISTINCT other.id) AS others
"""


@pytest.fixture(scope="module")
def shared_graph(
    neo4j_settings: Settings, samples: Samples, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SharedGraph]:
    home = tmp_path_factory.mktemp("shared-values")
    planted = []
    with (home / "customers.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        for plant, row in _rows(samples):
            planted.append(plant)
            writer.writerow(row)
    (home / "shop.yaml").write_text(MAPPING, encoding="utf-8")
    staging = home / "staging.duckdb"
    run_ingest(staging, samples.ofac_dir, "ofac-csv")
    run_ingest(staging, home / "customers.csv", "mapping", mapping=home / "shop.yaml")
    entity_of = assign_identity(staging)
    with GraphStore(neo4j_settings) as store:
        wipe(store)
        run_load(store, staging)
        ids = [entity_of[f"shop:{p.row_id}"] for p in planted]
        rows = store.read_raw(LINKED_QUERY, {"ids": ids, "valueRels": list(answers.VALUE_RELS)})
        linked = {row["id"]: set(row["others"]) for row in rows}
        yield SharedGraph(store, planted, entity_of, linked)


def _links_to_its_party(graph: SharedGraph, plant: Planted) -> bool:
    customer = graph.entity_of[f"shop:{plant.row_id}"]
    return graph.entity_of[f"us_ofac_sdn:{plant.listed_key}"] in graph.linked.get(customer, set())


@pytest.mark.parametrize("kind", ["wallet", "email", "website", "phone"])
def test_every_listed_contact_value_links_however_a_customer_writes_it(shared_graph: SharedGraph, kind: str) -> None:
    plants = [p for p in shared_graph.planted if p.kind == kind]
    assert plants, kind
    missed = [p for p in plants if not _links_to_its_party(shared_graph, p)]
    assert not missed, f"{len(missed)} of {len(plants)} {kind}s unlinked, e.g. {missed[:3]}"


def test_listed_addresses_written_a_customers_way_link_and_other_buildings_do_not(shared_graph: SharedGraph) -> None:
    addresses = [p for p in shared_graph.planted if p.kind == "address"]
    near_misses = [p for p in shared_graph.planted if p.kind == "near-miss"]
    found = sum(_links_to_its_party(shared_graph, p) for p in addresses)
    listed = {entity for record, entity in shared_graph.entity_of.items() if record.startswith("us_ofac_sdn:")}
    # Several entries share one listed address, so their near misses share one too: only links to a listed
    # party count.
    wrong = [
        p for p in near_misses if shared_graph.linked.get(shared_graph.entity_of[f"shop:{p.row_id}"], set()) & listed
    ]
    print(f"listed addresses linked: {found} of {len(addresses)}")
    print(f"addresses of other buildings linked: {len(wrong)} of {len(near_misses)}")
    assert len(addresses) > 3000 and len(near_misses) > 1000
    assert found >= 0.95 * len(addresses)
    assert len(wrong) <= 0.01 * len(near_misses), [p.value for p in wrong[:20]]


@pytest.mark.parametrize("kind", ["wallet", "email", "website"])
def test_screening_a_listed_value_alone_answers_review_with_the_party_exposed(
    shared_graph: SharedGraph, kind: str
) -> None:
    screener = Screener.load()
    field = {"wallet": "wallet", "email": "email", "website": "domain"}[kind]
    plants = [p for p in shared_graph.planted if p.kind == kind]
    failed = []
    for plant in plants:
        result = screener.screen(shared_graph.store, Applicant(**{field: plant.value}))
        listed = shared_graph.entity_of[f"us_ofac_sdn:{plant.listed_key}"]
        exposed = {hit.user.entity_id for hit in result.exposure}
        if result.decision is not Decision.REVIEW or listed not in exposed:
            failed.append((plant.value, result.decision))
    assert not failed, f"{len(failed)} of {len(plants)}: {failed[:3]}"


def test_screening_a_listed_address_written_another_way_exposes_the_party(shared_graph: SharedGraph) -> None:
    screener = Screener.load()
    plants = [p for p in shared_graph.planted if p.kind == "address"][:200]
    exposed = 0
    for plant in plants:
        result = screener.screen(shared_graph.store, Applicant(address=plant.value))
        listed = shared_graph.entity_of[f"us_ofac_sdn:{plant.listed_key}"]
        exposed += listed in {hit.user.entity_id for hit in result.exposure}
    assert exposed >= 0.95 * len(plants), exposed
