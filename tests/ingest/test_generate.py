"""The customer generator: deterministic, loadable with its mapping, and its ground truth matches the table."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from pathlib import Path

import pytest

from ingest.generate.customers import HEADER, generate_customers
from ingest.record import InfraKind, RelationKind, Schema
from tests.ingest.conftest import ROOT, assert_nothing_lost

SIZE = 6_000


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("customers")
    generate_customers(out, SIZE, seed=42)
    return out


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def truth(folder: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in (folder / "customers_truth.jsonl").open(encoding="utf-8")]


def table(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "customers.csv").open(encoding="utf-8", newline="") as handle:
        return {row["account_id"]: row for row in csv.DictReader(handle)}


def test_same_seed_same_bytes_other_seed_other_data(generated: Path, tmp_path: Path) -> None:
    again = generate_customers(tmp_path / "again", SIZE, seed=42)
    assert digest(again.csv_path) == digest(generated / "customers.csv")
    assert digest(again.truth_path) == digest(generated / "customers_truth.jsonl")
    other = generate_customers(tmp_path / "other", SIZE, seed=43)
    assert digest(other.csv_path) != digest(generated / "customers.csv")


def test_table_shape(generated: Path) -> None:
    rows = table(generated)
    assert len(rows) == SIZE
    with (generated / "customers.csv").open(encoding="utf-8") as handle:
        assert tuple(next(csv.reader(handle))) == HEADER
    assert len({r["payment_fingerprint"] for r in rows.values()}) > SIZE * 0.9  # most cards are one customer's


def test_planted_networks_share_infrastructure(generated: Path) -> None:
    rows, lines = table(generated), truth(generated)
    networks = {line["network_id"]: line for line in lines if line["kind"] == "network"}
    members: dict[str, list[dict[str, str]]] = defaultdict(list)
    for line in lines:
        if line["kind"] == "account" and line["network_id"]:
            members[line["network_id"]].append(rows[line["account_id"]])
    assert len(networks) >= 3 and set(members) == set(networks)
    for net, accounts in members.items():
        farm = [a for a in accounts if a["last_login_ip"] == networks[net]["laptop_farm_ip"]]
        cards = [a for a in accounts if a["payment_fingerprint"] in networks[net]["payment_fingerprints"]]
        assert len(accounts) >= 2 and (len(farm) >= 2 or len(cards) >= 2), net
    imitations = [line for line in lines if line["kind"] == "account" and line["imitates"]]
    assert imitations, "some accounts use a listed person's name"
    for line in imitations:
        assert line["imitates"]["source"] in ("un_sc_sanctions", "us_ofac_sdn")
        assert rows[line["account_id"]]["full_name"] == line["name"]


def test_benign_shared_infrastructure_is_there_too(generated: Path) -> None:
    rows, lines = table(generated), truth(generated)
    egress = [r for r in rows.values() if r["last_login_ip"].startswith(("34.102.", "52.95.", "13.107.", "104.16."))]
    assert len(egress) > SIZE * 0.02  # cloud/NAT egress shared by unrelated accounts
    families: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        if line["kind"] == "account" and line["role"] == "family-member":
            families[line["group_id"]].add(rows[line["account_id"]]["street"])
    assert families and all(len(streets) == 1 for streets in families.values())


def test_ingested_with_its_mapping_matches_the_ground_truth(generated: Path, ingest) -> None:  # type: ignore[no-untyped-def]
    staged = ingest(generated / "customers.csv", "mapping", mapping=ROOT / "mappings" / "customers.yaml")
    assert_nothing_lost(staged, SIZE)
    records = {r.source_key: r for r in staged.records()}
    lines = truth(generated)
    for line in lines:
        if line["kind"] == "company" and line["network_id"]:
            company = records[line["company_key"]]  # the truth names the key the mapping gives
            assert company.schema is Schema.COMPANY
            director = records[line["director_key"]]
            assert (RelationKind.DIRECTOR_OF, line["company_key"]) in {
                (r.kind, r.target_key) for r in director.relations
            }
    operator = next(line for line in lines if line["kind"] == "account" and line["network_id"])
    account = records[operator["account_id"]]
    assert account.schema is Schema.CUSTOMER_ACCOUNT
    kinds = {i.kind for i in account.infra}
    assert {
        InfraKind.EMAIL,
        InfraKind.PHONE,
        InfraKind.IP_ADDRESS,
        InfraKind.DEVICE_ID,
        InfraKind.PAYMENT_FINGERPRINT,
    } <= kinds
    assert all(i.value.startswith("+") for i in account.infra if i.kind is InfraKind.PHONE)  # E.164


def test_too_small_a_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_customers(tmp_path, 10, seed=1)
