"""Graph analytics against a real Neo4j: ownership (50% rule), exposure, paths, fronts, networks.

Two graphs are used. The bundled OFAC + UN lists (real data) give "Linked To"
relations between listed parties. A small ownership registry
(``fixtures/ownership.csv``, loaded through a declarative mapping) sets up the
cases real lists do not state: shares along chains and shell companies that
share an address and phone with a listed owner. It reads:

    Mirae Ocean Holdings (listed) --30%--> Haeju Coastal Trading <--25%-- Sonbong Investment (listed)
    Haeju Coastal Trading --60%--> Golden Dawn Logistics <--40%-- Clearwater Capital Partners
    Mirae Ocean Holdings --45%--> Blue Lotus Shipping <--55%-- Seaview Holdings
    Amber Crest Shipping Agency: registered 2025 at Mirae's address, with Mirae's phone number
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from graph import analytics, answers, cypher, networks, ownership
from graph.applicants import Applicant, Decision
from graph.loader import run_load
from graph.queries import search_entities
from graph.screening import Screener
from graph.store import GraphStore
from graph_api.auth import Principal, Role
from graph_api.views import for_principal
from ingest.generate.vocab import WEBMAIL
from ingest.run import run_ingest
from resolution.run import run_resolve
from sanctiongraph.errors import InvalidArgumentError, NotFoundError
from sanctiongraph.settings import Settings
from tests.conftest import wipe
from tests.graph.customers import stage_customers

pytestmark = pytest.mark.neo4j

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def ownership_graph(neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    home = tmp_path_factory.mktemp("ownership")
    staging = home / "staging.duckdb"
    run_ingest(staging, FIXTURES / "ownership.csv", "mapping", mapping=FIXTURES / "ownership.yaml")
    run_resolve(staging)
    with GraphStore(neo4j_settings) as store:
        wipe(store)
        run_load(store, staging)
        yield store


def entity_id(store: GraphStore, name: str) -> str:
    hits = search_entities(store, name, limit=1)
    assert hits and hits[0].name.lower() == name.lower(), hits
    return hits[0].id


class TestOwnership:
    def test_two_listed_minority_owners_block_a_company_together(self, ownership_graph: GraphStore) -> None:
        haeju = ownership.ownership(ownership_graph, entity_id(ownership_graph, "Haeju Coastal Trading Ltd"))
        assert haeju.listed_share == pytest.approx(55.0)
        assert haeju.blocked
        owners = {entity_id(ownership_graph, n) for n in ("Mirae Ocean Holdings", "Sonbong Investment Corporation")}
        assert set(haeju.blocked_owners) == owners

    def test_blocking_flows_down_a_majority_chain(self, ownership_graph: GraphStore) -> None:
        golden = ownership.ownership(ownership_graph, entity_id(ownership_graph, "Golden Dawn Logistics Co"))
        # Effective listed stake is only 30%*60% + 25%*60% = 33%, but its 60% owner is itself blocked.
        assert golden.listed_share == pytest.approx(33.0)
        assert golden.blocked
        assert golden.blocked_owners == [entity_id(ownership_graph, "Haeju Coastal Trading Ltd")]
        chain_names = {tuple(n.name for n in c.owners) for c in golden.chains}
        assert ("Mirae Ocean Holdings", "Haeju Coastal Trading Ltd", "Golden Dawn Logistics Co") in chain_names

    def test_a_listed_minority_stake_alone_does_not_block(self, ownership_graph: GraphStore) -> None:
        lotus = ownership.ownership(ownership_graph, entity_id(ownership_graph, "Blue Lotus Shipping Ltd"))
        assert lotus.listed_share == pytest.approx(45.0)
        assert not lotus.blocked

    def test_screening_takes_a_company_the_50_percent_rule_blocks_as_listed(self, ownership_graph: GraphStore) -> None:
        """An applicant that is a blocked company (no list names it) is a HIT with its blocking owners named; one
        with a listed minority stake only stays CLEAR; the screening role sees the blocked match as a listed one."""
        screener = Screener.load()
        haeju = entity_id(ownership_graph, "Haeju Coastal Trading Ltd")
        for name, blocked_by in (("Golden Dawn Logistics Co", [haeju]), ("Haeju Coastal Trading Ltd", None)):
            result = screener.screen(ownership_graph, Applicant(name=name, schema="Company"))
            best = result.matches[0]
            assert (result.decision, best.name, best.listed) == (Decision.HIT, name, False), result
            owners = {entity_id(ownership_graph, n) for n in ("Mirae Ocean Holdings", "Sonbong Investment Corporation")}
            assert best.blocked_by == blocked_by or set(best.blocked_by) == owners
            seen = for_principal(result, Principal("onboarding", Role.SCREENING), [])
            assert seen.decision == Decision.HIT and seen.matches[0].entity_id == best.entity_id
        lotus = screener.screen(ownership_graph, Applicant(name="Blue Lotus Shipping Ltd", schema="Company"))
        assert lotus.decision == Decision.CLEAR and not lotus.matches[0].blocked_by, lotus


class TestExposure:
    def test_a_company_owned_through_a_chain_is_exposed_with_the_path_explained(
        self, ownership_graph: GraphStore
    ) -> None:
        golden = analytics.exposure(ownership_graph, entity_id(ownership_graph, "Golden Dawn Logistics Co"))
        assert not golden.listed
        assert 0.0 < golden.score < 1.0
        assert any("OWNS" in step for step in golden.paths[0].explanation)
        assert golden.paths[0].nodes[-1].listed

    def test_a_shared_value_on_the_path_says_how_many_use_it(self, ownership_graph: GraphStore) -> None:
        amber = analytics.exposure(ownership_graph, entity_id(ownership_graph, "Amber Crest Shipping Agency"))
        steps = [step for path in amber.paths for step in path.explanation if " uses " in step]
        assert steps and all(re.search(r"\(used by \d+\)$", step) for step in steps), steps

    def test_a_listed_party_scores_one(self, ownership_graph: GraphStore) -> None:
        mirae = analytics.exposure(ownership_graph, entity_id(ownership_graph, "Mirae Ocean Holdings"))
        assert mirae.listed and mirae.score == 1.0

    def test_closer_parties_score_higher(self, ownership_graph: GraphStore) -> None:
        haeju = analytics.exposure(ownership_graph, entity_id(ownership_graph, "Haeju Coastal Trading Ltd")).score
        clearwater = analytics.exposure(
            ownership_graph, entity_id(ownership_graph, "Clearwater Capital Partners")
        ).score
        assert haeju > clearwater > 0.0


class TestFrontCompanies:
    def test_the_shell_at_the_listed_address_ranks_first_with_evidence(self, ownership_graph: GraphStore) -> None:
        mirae = entity_id(ownership_graph, "Mirae Ocean Holdings")
        fronts = ownership.front_companies(ownership_graph, mirae, today=date(2026, 11, 28))
        assert fronts[0].entity.name == "Amber Crest Shipping Agency"
        indicators = {i.name: i.evidence for i in fronts[0].indicators}
        assert "15 Haebang Street" in (indicators["shared_address"] or "")
        assert "shared_phone" in indicators and "recently_registered" in indicators
        owned = {c.entity.name for c in fronts if any(i.name == "owned_by_listed" for i in c.indicators)}
        assert {"Haeju Coastal Trading Ltd", "Blue Lotus Shipping Ltd", "Golden Dawn Logistics Co"} <= owned


class TestNetwork:
    def test_two_hops_reach_the_shell_through_the_shared_address(self, ownership_graph: GraphStore) -> None:
        mirae = entity_id(ownership_graph, "Mirae Ocean Holdings")
        net = analytics.network(ownership_graph, f"Entity:{mirae}", depth=2)
        names = {n.name for n in net.nodes}
        assert "Amber Crest Shipping Agency" in names
        assert any(n.label == "Address" for n in net.nodes)
        assert {e.type for e in net.edges} >= {"OWNS", "HAS_ADDRESS"}
        node_ids = {n.node_id for n in net.nodes}
        assert all(e.source in node_ids and e.target in node_ids for e in net.edges)

    def test_relationship_filter_and_node_cap(self, ownership_graph: GraphStore) -> None:
        mirae = entity_id(ownership_graph, "Mirae Ocean Holdings")
        owners_only = analytics.network(ownership_graph, f"Entity:{mirae}", depth=3, types=["OWNS"])
        assert {e.type for e in owners_only.edges} == {"OWNS"}
        capped = analytics.network(ownership_graph, f"Entity:{mirae}", depth=3, first=3)
        assert len(capped.nodes) == 3 and capped.truncated

    def test_bad_arguments_are_refused(self, ownership_graph: GraphStore) -> None:
        with pytest.raises(InvalidArgumentError, match="depth"):
            analytics.network(ownership_graph, "Entity:x", depth=9)
        with pytest.raises(InvalidArgumentError, match="unknown relationship types"):
            analytics.network(ownership_graph, "Entity:x", types=["DETACH DELETE"])

    def test_shared_values_list_who_else_uses_them(self, ownership_graph: GraphStore) -> None:
        mirae = entity_id(ownership_graph, "Mirae Ocean Holdings")
        values = analytics.shared_values(ownership_graph, mirae)
        phone = next(v for v in values if v.node.label == "Phone")
        assert [u.name for u in phone.users] == ["Amber Crest Shipping Agency"]


def _network_hop_by_hop(
    store: GraphStore, start: answers.GraphNode, depth: int, types: list[str], min_confidence: float, first: int
) -> answers.Network:
    """The walk as it was before ``network_walk``: one ``_expand`` per hop (the reference it must equal)."""
    nodes = {start.node_id: start}
    edges: dict[tuple[str, str, str], answers.GraphEdge] = {}
    frontier, truncated = [start], False
    for hop in range(depth):
        next_frontier = []
        for from_node, row in analytics._expand(store, frontier, types, min_confidence, expand_super=hop == 0):
            target = answers.node_from(row)
            if target.node_id not in nodes:
                if len(nodes) >= first:
                    truncated = True
                    continue
                nodes[target.node_id] = target
                next_frontier.append(target)
            source, dest = (from_node, target.node_id) if row["outgoing"] else (target.node_id, from_node)
            edges.setdefault(
                (source, dest, row["type"]),
                answers.GraphEdge(
                    source,
                    dest,
                    row["type"],
                    answers.edge_confidence(row["type"], target),
                    row.get("share"),
                    row.get("role"),
                    list(row.get("records") or []),
                ),
            )
        frontier = [n for n in next_frontier if not n.super_node]
        if not frontier:
            break
    return answers.Network(list(nodes.values()), list(edges.values()), truncated)


def test_the_one_query_walk_equals_the_hop_by_hop_expansion(ownership_graph: GraphStore) -> None:
    """``network`` walks two hops in one round trip; it finds what expanding hop by hop finds, in order."""
    mirae = entity_id(ownership_graph, "Mirae Ocean Holdings")
    around = analytics.network(ownership_graph, f"Entity:{mirae}", depth=1)
    starts = [f"Entity:{mirae}"] + [n.node_id for n in around.nodes if n.key is not None]
    starts += [f"Entity:{r['id']}" for r in ownership_graph.read_raw("MATCH (e:Entity) RETURN e.id AS id LIMIT 40")]
    assert any(s.startswith("Address:") for s in starts) and any(s.startswith("Phone:") for s in starts)
    options: list[dict[str, object]] = [
        {"depth": 1},
        {"depth": 2},
        {"depth": 3},
        {"depth": 2, "first": 4},
        {"depth": 3, "first": 7},
        {"depth": 2, "types": ["OWNS", "HAS_PHONE"]},
        {"depth": 2, "min_confidence": 0.7},
    ]
    for start_id in starts:
        for option in options:
            walked = analytics.network(ownership_graph, start_id, **option)  # type: ignore[arg-type]
            types = list(option.get("types", answers.NETWORK_RELS))  # type: ignore[call-overload]
            reference = _network_hop_by_hop(
                ownership_graph,
                walked.nodes[0],
                int(option["depth"]),  # type: ignore[call-overload]
                types,
                float(option.get("min_confidence", 0.0)),  # type: ignore[arg-type]
                int(option.get("first", 200)),  # type: ignore[call-overload]
            )
            assert walked == reference, (start_id, option)


def test_network_starts_at_a_shared_value_or_a_retired_id(ownership_graph: GraphStore) -> None:
    mirae = entity_id(ownership_graph, "Mirae Ocean Holdings")
    phone = next(n for n in analytics.network(ownership_graph, f"Entity:{mirae}", depth=1).nodes if n.label == "Phone")
    from_phone = analytics.network(ownership_graph, phone.node_id, depth=1)
    assert from_phone.nodes[0].node_id == phone.node_id
    assert {n.name for n in from_phone.nodes} >= {"Mirae Ocean Holdings", "Amber Crest Shipping Agency"}
    with pytest.raises(NotFoundError, match="no Phone"):
        analytics.network(ownership_graph, "Phone:+0000")
    with pytest.raises(NotFoundError, match="no entity"):
        analytics.network(ownership_graph, "Entity:sg-none")
    with pytest.raises(InvalidArgumentError, match="not a kind of node"):
        analytics.network(ownership_graph, "Record:x")


def test_network_queries_spell_exactly_the_network_relationship_types() -> None:
    """The expansions name their relationship types in the pattern; they must be the API's whitelist."""
    for name in ("network_walk", "expand_entities", "expand_values"):
        spelled = set(re.findall(r"\[r:([A-Z_|]+)\]", cypher.query(name, start="Email", label="Email")))
        assert spelled == {"|".join(answers.NETWORK_RELS)}, name


def test_api_queries_never_scan_all_nodes(ownership_graph: GraphStore) -> None:
    """EXPLAIN every query the API runs: each starts from an index seek, never a scan."""
    types = list(answers.NETWORK_RELS)
    walk = {"types": types, "minConfidence": 0.0, "perNode": 5, "depth": 2}
    cases: list[tuple[str, dict[str, object], dict[str, str | int]]] = [
        ("entity_by_id", {"id": "x"}, {}),
        ("expand_entities", {"ids": ["x"], "types": types, "minConfidence": 0.0, "perNode": 5}, {}),
        ("expand_values", {"keys": ["x"], "types": types, "perNode": 5, "expandSuperNodes": False}, {"label": "Email"}),
        ("network_walk", {**walk, "id": "x", "key": None}, {"start": "Address"}),
        ("network_walk", {**walk, "id": None, "key": "x"}, {"start": "Phone"}),
        ("exposure_paths", {"id": "x", "types": types, "limit": 5}, {"max_hops": 4}),
        ("paths_between", {"fromId": "x", "toId": "y", "types": types}, {"max_hops": 4, "k": 3}),
        ("ownership_chains", {"id": "x", "limit": 10}, {"max_hops": 6}),
        ("front_candidates", {"id": "x", "valueTypes": list(answers.VALUE_RELS), "limit": 10}, {}),
        ("front_details", {"ids": ["x"], "nomineeSeats": 10}, {}),
        ("entity_values", {"id": "x", "types": types, "perValue": 5, "limit": 5}, {}),
        ("value_users", {"key": "x", "perValue": 5}, {"label": "Phone"}),
        ("entity_records", {"ids": ["x"], "skip": 0, "limit": 5}, {}),
        ("entity_sanctions", {"ids": ["x"]}, {}),
    ]
    for name, params, labels in cases:
        operators = ownership_graph.plan_operators(name, params, **labels)
        assert not operators & {"AllNodesScan", "NodeByLabelScan"}, (name, operators)


@pytest.mark.slow
def test_shared_infrastructure_clusters_recover_the_planted_networks(graph_store: GraphStore, tmp_path: Path) -> None:
    """Generated accounts (each its own entity): the planted networks come out as clusters.

    The generator's benign sharing (webmail domains, cloud egress addresses, the
    offices of ordinary companies) must not join unrelated accounts into them.
    """
    customers = stage_customers(tmp_path, 4000, 5)
    run_load(graph_store, customers.staging)
    clusters = networks.infrastructure_clusters(graph_store)
    cluster_of = {entity: index for index, cluster in enumerate(clusters) for entity in cluster.entities}
    planted_networks = {net: members for net, members in customers.networks().items() if len(members) >= 2}
    assert len(planted_networks) >= 3
    for net, members in planted_networks.items():  # most of every network's accounts in one cluster
        homes = [cluster_of.get(m) for m in members]
        biggest = max(homes.count(c) for c in set(homes) if c is not None)
        assert biggest >= 0.8 * len(members), (net, homes)
    planted = {m for members in planted_networks.values() for m in members}
    around = [clusters[i] for i in {cluster_of[m] for m in planted if m in cluster_of}]
    strangers = sum(1 for c in around for e in c.entities if e not in planted)
    assert strangers <= 0.2 * len(planted), [c.values for c in around]
    webmail = graph_store.read_raw(
        "MATCH (d:Domain) WHERE d.key IN $keys RETURN count(d) AS n", {"keys": list(WEBMAIL)}
    )
    assert webmail[0]["n"] >= 3  # the webmail domains are in the graph ...
    joined_by = {key for c in clusters for label, key, _ in c.values if label == "Domain"}
    assert not joined_by & set(WEBMAIL)  # ... and join nobody
