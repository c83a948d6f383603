"""Screening with DPRK indicators on a real graph: strong signals make REVIEW with their evidence, weak
ones move nothing, a listed match is still a HIT, and customers carry their indicators as properties."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from graph.applicants import Applicant, Decision
from graph.loader import run_load
from graph.screening import Screener
from graph.store import GraphStore
from ingest.generate.customers import HEADER
from ingest.run import run_ingest
from sanctiongraph.settings import Settings
from tests.conftest import Samples, wipe
from tests.graph.customers import ROOT, assign_identity

pytestmark = pytest.mark.neo4j

DEVICE = "6f1c2a9e-41d7-4c1b-9a55-0d6c3e8b7f21"
CARD = "fp_8c41e07d2b9a"
CUSTOMERS = [
    # A DPRK-signal account: +850 phone, .kp mailbox, sign-up from Star JV's block.
    {
        "account_id": "K1",
        "full_name": "Pak Chol Jin",
        "phone": "+850 2 381 4410",
        "email": "pcj@star-co.net.kp",
        "signup_ip": "175.45.177.20",
        "device_id": DEVICE,
        "payment_fingerprint": CARD,
        "country": "KP",
    },
    # VPN-masked: a US address and IP, but the same device and card as K1.
    {
        "account_id": "V1",
        "full_name": "John Miller",
        "phone": "+1 415 555 0134",
        "email": "jmiller.dev@gmail.com",
        "signup_ip": "104.28.7.11",
        "device_id": DEVICE,
        "country": "US",
        "city": "San Francisco",
        "street": "500 Howard Street",
    },
    # Ordinary South Korean customers.
    {
        "account_id": "S1",
        "full_name": "Kim Min-jun",
        "phone": "+82 2 2123 4567",
        "email": "minjun.kim@naver.com",
        "signup_ip": "211.234.10.17",
        "country": "KR",
        "city": "Seoul",
        "street": "152 Teheran-ro, Gangnam-gu",
    },
    {
        "account_id": "S2",
        "full_name": "Lee Ji-eun",
        "phone": "010-3345-9876",
        "email": "jieun@samsung.co.kr",
        "signup_ip": "121.134.2.9",
        "country": "KR",
        "city": "Busan",
        "street": "30 Haeundae-ro",
    },
]


@dataclass(frozen=True)
class Graph:
    store: GraphStore
    screener: Screener
    entity_of: dict[str, str]


@pytest.fixture(scope="module")
def graph(neo4j_settings: Settings, samples: Samples, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Graph]:
    home = tmp_path_factory.mktemp("dprk-indicators")
    with (home / "customers.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, HEADER)
        writer.writeheader()
        for row in CUSTOMERS:
            writer.writerow({"account_type": "individual", "signup_date": "2024-05-01", **row})
    staging = home / "staging.duckdb"
    run_ingest(staging, samples.un_xml, "un-xml")
    run_ingest(staging, home / "customers.csv", "mapping", mapping=ROOT / "mappings" / "customers.yaml")
    entity_of = assign_identity(staging)
    with GraphStore(neo4j_settings) as store:
        wipe(store)
        run_load(store, staging)
        yield Graph(store, Screener.load(), entity_of)


def _names(result: object) -> set[str]:
    return {i.name for i in result.indicators}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("applicant", "indicator"),
    [
        (Applicant(name="Jon Smith", phone="+850 2 18111 3412"), "phone_kp"),
        (Applicant(name="Jon Smith", email="j.smith@silibank.net.kp"), "email_kp"),
        (Applicant(name="Jon Smith", domain="https://www.kcc.edu.kp"), "website_kp"),
        (Applicant(name="Jon Smith", ip_address="175.45.178.3"), "ip_kp"),
        (Applicant(name="Jon Smith", ip_address="77.94.35.200"), "ip_kp"),
        (Applicant(name="Jon Smith", country="Korea, North"), "country_kp"),
        (Applicant(name="Jon Smith", address="Ryongnam-dong, Taesong District, Pyongyang"), "address_kp"),
        (Applicant(name="Jon Smith", affiliations=["Kim Chaek Univ. of Technology"]), "institution_kp"),
    ],
)
def test_a_strong_indicator_alone_is_review_with_its_evidence(
    graph: Graph, applicant: Applicant, indicator: str
) -> None:
    result = graph.screener.screen(graph.store, applicant)
    assert result.decision is Decision.REVIEW
    assert not [m for m in result.matches if m.listed]
    assert indicator in _names(result)
    assert all(i.evidence for i in result.indicators)


@pytest.mark.parametrize(
    "applicant",
    [
        Applicant(
            name="Kim Min-jun",
            phone="+82 10 2345 6789",
            email="mj@korea.ac.kr",
            country="KR",
            address="152 Teheran-ro, Gangnam-gu, Seoul",
        ),
        Applicant(name="Pak Chol", country="Republic of Korea", domain="www.kaist.ac.kr"),
        Applicant(name="Jang Min-ho", affiliations=["Pohang University of Science and Technology"]),
    ],
)
def test_weak_signals_move_nothing(graph: Graph, applicant: Applicant) -> None:
    result = graph.screener.screen(graph.store, applicant)
    assert result.decision is Decision.CLEAR
    assert result.indicators == []


def test_a_listed_match_is_still_a_hit_and_lists_its_indicators(graph: Graph) -> None:
    result = graph.screener.screen(
        graph.store,
        Applicant(name="Korea Kwangson Banking Corporation", schema="Organization", phone="+850 2 381 8161"),
    )
    assert result.decision is Decision.HIT
    assert "phone_kp" in _names(result)


def test_a_vpn_masked_account_shows_through_shared_infrastructure(graph: Graph) -> None:
    masked = next(c for c in CUSTOMERS if c["account_id"] == "V1")
    plain = Applicant(name="John Miller", phone=masked["phone"], ip_address=masked["signup_ip"], country="US")
    assert graph.screener.screen(graph.store, plain).decision is Decision.CLEAR
    with_card = Applicant.from_dict({"name": "John Miller", "paymentFingerprint": CARD, "country": "US"})
    result = graph.screener.screen(graph.store, with_card)
    assert result.decision is Decision.REVIEW
    shared = [i for i in result.indicators if i.name == "shares_infrastructure_kp"]
    assert shared and "Pak Chol Jin" in (shared[0].evidence or "")


def test_customers_carry_their_indicators_as_properties(graph: Graph) -> None:
    rows = graph.store.read_raw(
        "MATCH (e:Entity) WHERE e.id IN $ids RETURN e.id AS id, e.indicators AS indicators, e.indicatorScore AS score",
        {"ids": [graph.entity_of[f"customer_accounts:{c['account_id']}"] for c in CUSTOMERS]},
    )
    by_id = {row["id"]: row for row in rows}
    flagged = by_id[graph.entity_of["customer_accounts:K1"]]
    assert {i.split("|")[0] for i in flagged["indicators"]} >= {"phone_kp", "email_kp", "ip_kp", "country_kp"}
    assert flagged["score"] > 0.99
    for account in ("V1", "S1", "S2"):
        row = by_id[graph.entity_of[f"customer_accounts:{account}"]]
        assert row["indicators"] is None and row["score"] is None
