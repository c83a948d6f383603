"""Shared-infrastructure clusters kept with the graph, on generated customers with chained rings and the real lists.

The generator's rings chain 4 to 12 accounts one shared value per link; in half
of them one member pays from a listed party's wallet (``--rings``). Identity
resolution keeps each record its own entity, so the tests are about the graph.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph import alert_views, alerts, analytics, networks
from graph.applicants import Applicant, Decision
from graph.loader import run_load
from graph.screening import Screener
from graph.store import GraphStore
from sanctiongraph.settings import Settings
from tests.conftest import wipe
from tests.graph.customers import StagedCustomers, stage_customers

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> StagedCustomers:
    return stage_customers(tmp_path_factory.mktemp("rings"), 5_000, 23, rings=True)


@pytest.fixture(scope="module")
def graph(neo4j_settings: Settings, staged: StagedCustomers) -> Iterator[GraphStore]:
    with GraphStore(neo4j_settings) as store:
        wipe(store)
        summary = run_load(store, staged.staging)
        assert summary.clusters is not None and summary.clusters.exposed > 0
        yield store


def rows_by_account(staged: StagedCustomers) -> dict[str, dict[str, str]]:
    path = staged.staging.parent.parent / "customers" / "customers.csv"
    with path.open(encoding="utf-8") as table:
        return {row["account_id"]: row for row in csv.DictReader(table)}


def test_every_unexposed_ring_is_one_cluster_holding_only_its_accounts(
    graph: GraphStore, staged: StagedCustomers
) -> None:
    lines = staged.ring_lines()
    unexposed = {ring: members for ring, members in staged.rings().items() if lines[ring]["exposed_to"] is None}
    assert unexposed
    for ring, members in unexposed.items():
        found = {member: networks.entity_cluster(graph, member) for member in members}
        ids = {c.id if c else None for c in found.values()}
        assert len(ids) == 1 and None not in ids, (ring, ids)
        cluster = next(iter(found.values()))
        assert cluster is not None
        listed_members = networks.cluster_members(graph, cluster.id, limit=50)
        assert {m.id for m in listed_members} == set(members), ring
        assert cluster.id == f"cl-{min(members)}"  # stable: the smallest member's entity ID
        assert not cluster.exposed and cluster.score == 0.0


def test_every_member_of_an_exposed_ring_reaches_its_listed_party_however_far(
    graph: GraphStore, staged: StagedCustomers
) -> None:
    lines = staged.ring_lines()
    exposed = {ring: members for ring, members in staged.rings().items() if lines[ring]["exposed_to"]}
    assert exposed
    for ring, members in exposed.items():
        listed = staged.entity_of_party(lines[ring]["exposed_to"])
        for member in members:
            found = analytics.exposure(graph, member)
            assert found.score >= 0.8, (ring, member)
            best = found.paths[0]
            assert best.nodes[0].entity_id == member and best.nodes[-1].entity_id == listed, (ring, member)
            assert best.nodes[-1].listed
            assert best.explanation and "Wallet" in best.explanation[-1]


def test_vpn_users_and_offices_have_no_cluster_exposure(graph: GraphStore, staged: StagedCustomers) -> None:
    """A VPN egress IP is a super-node: it joins nobody; offices and households form clusters without exposure."""
    vpn = [staged.entity_of[f"customer_accounts:{line['account_id']}"] for line in staged.accounts("vpn-user")]
    assert len(vpn) >= 150
    assert sum(1 for e in vpn if networks.entity_cluster(graph, e) is not None) <= len(vpn) // 100
    for role in ("household-member", "office-staff"):
        for line in staged.accounts(role):
            cluster = networks.entity_cluster(graph, staged.entity_of[f"customer_accounts:{line['account_id']}"])
            assert cluster is None or not cluster.exposed


def test_clusters_worklist_ranks_exposed_first_then_by_size(graph: GraphStore, staged: StagedCustomers) -> None:
    everything = networks.clusters(graph, limit=500)
    ranked = [(c.score, c.size) for c in everything]
    assert ranked == sorted(ranked, reverse=True)
    exposed = networks.clusters(graph, exposed_only=True, limit=500)
    assert exposed and all(c.exposed and c.score > 0 for c in exposed)
    assert networks.clusters(graph, min_size=6, limit=500) == [c for c in everything if c.size >= 6]
    lines = staged.ring_lines()
    ring_clusters = {
        c.id
        for ring, members in staged.rings().items()
        if lines[ring]["exposed_to"]
        for c in [networks.entity_cluster(graph, members[0])]
        if c is not None
    }
    assert ring_clusters <= {c.id for c in exposed}


def test_a_second_load_rewrites_no_cluster(graph: GraphStore, staged: StagedCustomers) -> None:
    before = {c.id for c in networks.clusters(graph, limit=500)}
    summary = run_load(graph, staged.staging)
    assert summary.clusters is not None and summary.clusters.written == 0 and summary.clusters.deleted == 0
    assert {c.id for c in networks.clusters(graph, limit=500)} == before


def test_cluster_values_name_the_links_and_their_members(graph: GraphStore, staged: StagedCustomers) -> None:
    members = next(iter(staged.rings().values()))
    cluster = networks.entity_cluster(graph, members[0])
    assert cluster is not None
    values = networks.cluster_values(graph, cluster)
    assert values and all(len(v.users) >= 2 for v in values)
    assert {u.entity_id for v in values for u in v.users} == set(members)
    assert all(v.node.specificity is not None and v.node.specificity >= 0.8 for v in values)


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.load()


def test_screening_a_ring_members_contact_values_answers_review(
    graph: GraphStore, staged: StagedCustomers, screener: Screener
) -> None:
    rows = rows_by_account(staged)
    lines = staged.ring_lines()
    exposed_rings = {line["group_id"] for line in staged.accounts("ring-member")} & {
        ring for ring, line in lines.items() if line["exposed_to"]
    }
    members = [line for line in staged.accounts("ring-member") if line["group_id"] in exposed_rings]
    flagged = 0
    for line in members:
        row = rows[line["account_id"]]
        applicant = Applicant.from_dict(
            {"name": "Jordan Example", "email": row["email"], "phone": row["phone"], "country": row["country"]}
        )
        result = screener.screen(graph, applicant)
        flagged += result.decision in (Decision.REVIEW, Decision.HIT)
    assert flagged >= 0.95 * len(members), (flagged, len(members))


def test_the_first_load_alerts_every_exposed_ring_member_screening_moves(
    graph: GraphStore, staged: StagedCustomers, screener: Screener
) -> None:
    """Ongoing screening reaches a ring's far end through its cluster, not only the member holding the wallet."""
    lines = staged.ring_lines()
    members = [m for ring, ms in staged.rings().items() if lines[ring]["exposed_to"] for m in ms]
    screened = alerts.screen_customers(graph, screener, members)
    moved = {m for m, s in screened.items() if s.reasons}
    alerted = {a.customer_id for a in alert_views.list_alerts(graph, limit=10_000)}
    assert len(moved) >= 0.9 * len(members), (len(moved), len(members))
    assert moved <= alerted, sorted(moved - alerted)


def test_screening_with_only_a_vpn_ip_or_webmail_domain_stays_clear(
    graph: GraphStore, staged: StagedCustomers, screener: Screener
) -> None:
    rows = rows_by_account(staged)
    ring_member = staged.accounts("ring-member")
    vpn_ips = {rows[line["account_id"]]["last_login_ip"] for line in staged.accounts("vpn-user")}
    for ip in sorted(vpn_ips):
        result = screener.screen(graph, Applicant.from_dict({"name": "Jordan Example", "ipAddress": ip}))
        assert result.decision == Decision.CLEAR, ip
    domain = rows[ring_member[0]["account_id"]]["email"].split("@")[1]
    result = screener.screen(graph, Applicant.from_dict({"name": "Jordan Example", "domain": domain}))
    assert result.decision == Decision.CLEAR


def test_cli_lists_exposed_clusters_as_json(graph: GraphStore, neo4j_settings: Settings, tmp_path: Path) -> None:
    from graph.connection import bolt_uri, neo4j_auth

    user, password = neo4j_auth(neo4j_settings)
    env = {"NEO4J_URI": bolt_uri(neo4j_settings), "NEO4J_USER": user, "NEO4J_PASSWORD": password}
    import os

    environment = {**{k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}, **env}
    environment["SANCTIONGRAPH_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "sanctiongraph", "clusters", "--exposed", "--json"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    items: list[dict[str, Any]] = [json.loads(line) for line in result.stdout.splitlines()]
    expected = networks.clusters(graph, exposed_only=True, limit=500)
    assert [i["id"] for i in items] == [c.id for c in expected]
    first = items[0]
    assert first["exposed"] and first["listedId"] and len(first["members"]) == first["size"]
    assert first["exposure"]["explanation"]


CLUSTER_QUERY = """
query($id: ID!) {
  entity(id: $id) {
    cluster {
      id size score
      members(first: 2) { edges { node { id name } } pageInfo { hasNextPage endCursor } }
      values(first: 3) { node { id label specificity } kind users { entityId } }
      exposure { score paths { score explanation nodes { id listed } } }
    }
  }
  clusters(exposedOnly: true, minSize: 2, first: 2) {
    edges { cursor node { id size score exposure { score } } }
    pageInfo { hasNextPage endCursor }
  }
  frontCompanies(first: 5) { entity { id name } score indicators { name evidence weight } listedParty { id listed } }
}
"""


def test_graphql_contract_for_clusters_and_fronts(
    graph: GraphStore, staged: StagedCustomers, neo4j_settings: Settings, tmp_path: Path
) -> None:
    """The public names the issue fixed: Entity.cluster, InfraCluster, clusters(...), frontCompanies(first)."""
    from tests.graph_api.test_api import make_api

    lines = staged.ring_lines()
    ring, members = next((r, m) for r, m in staged.rings().items() if lines[r]["exposed_to"])
    listed = staged.entity_of_party(lines[ring]["exposed_to"])
    with make_api(neo4j_settings, tmp_path) as api:
        data = api.data(CLUSTER_QUERY, {"id": members[-1]})
        cluster = data["entity"]["cluster"]
        assert cluster["size"] == len(members) and cluster["score"] >= 0.8
        assert len(cluster["members"]["edges"]) == 2 and cluster["members"]["pageInfo"]["hasNextPage"]
        assert cluster["values"] and all(len(v["users"]) >= 2 for v in cluster["values"])
        best = cluster["exposure"]["paths"][0]
        assert best["nodes"][-1] == {"id": f"Entity:{listed}", "listed": True}
        page = data["clusters"]
        assert len(page["edges"]) == 2 and page["pageInfo"]["hasNextPage"]
        assert all(e["node"]["score"] > 0 for e in page["edges"])
        after = api.data(
            "query($after: String) { clusters(exposedOnly: true, first: 50, after: $after) { edges { node { id } } } }",
            {"after": page["pageInfo"]["endCursor"]},
        )
        seen = [e["node"]["id"] for e in page["edges"]] + [e["node"]["id"] for e in after["clusters"]["edges"]]
        assert seen == [c.id for c in networks.clusters(graph, exposed_only=True, limit=500)]
        fronts = data["frontCompanies"]
        assert fronts and all(f["listedParty"]["listed"] for f in fronts)
        assert [f["score"] for f in fronts] == sorted((f["score"] for f in fronts), reverse=True)
        # An entity that shares no strong value has no cluster.
        loner = next(
            staged.entity_of[f"customer_accounts:{line['account_id']}"] for line in staged.accounts("vpn-user")
        )
        assert api.data("query($id: ID!) { entity(id: $id) { cluster { id } } }", {"id": loner})["entity"] == {
            "cluster": None
        }


def test_export_clusters_lists_every_member_with_its_exposure(graph: GraphStore, tmp_path: Path) -> None:
    from graph.cluster_export import export_clusters

    written = export_clusters(graph, tmp_path / "clusters.csv")
    with written.path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["cluster_id", "entity_id", "cluster_size", "exposure_score", "exposed"]
    by_cluster: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_cluster.setdefault(row["cluster_id"], []).append(row)
    ranked = networks.clusters(graph, exposed_only=False, min_size=1, limit=500)
    assert len(ranked) < 500 and {c.id for c in ranked} == set(by_cluster)
    for cluster in ranked:
        members = by_cluster[cluster.id]
        assert len(members) == cluster.size and all(int(m["cluster_size"]) == cluster.size for m in members)
        assert {float(m["exposure_score"]) for m in members} == {cluster.score}
        assert {m["exposed"] for m in members} == {"True" if cluster.exposed else "False"}
    assert any(m["exposed"] == "True" for m in rows)
    parquet = export_clusters(graph, tmp_path / "clusters.parquet", "parquet")
    import pyarrow.parquet as pq

    assert parquet.rows == written.rows == pq.read_table(parquet.path).num_rows
