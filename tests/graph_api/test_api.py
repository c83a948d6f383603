"""The GraphQL API against a real Neo4j holding the bundled lists and a small ownership registry.

Requests go through the whole ASGI app (auth, limits, audit) with Starlette's
test client; ``tests/test_e2e.py`` does the same over real HTTP.
"""

from __future__ import annotations

import gc
import json
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from graph.applicants import Applicant
from graph.loader import run_load
from graph.screening import Screener
from graph.store import GraphStore
from graph_api.app import create_app
from graph_api.audit import AUDIT_DIR, AUDIT_FILE, verify_chain
from graph_api.auth import Role, create_key, list_keys
from graph_api.limits import FIELD_ROLES
from graph_api.schema import schema
from ingest.run import run_ingest
from resolution.run import run_resolve
from sanctiongraph.settings import Settings
from tests.conftest import ROOT, wipe

pytestmark = pytest.mark.neo4j

FIXTURES = Path(__file__).parent.parent / "graph" / "fixtures"
SDL = Path(__file__).parent.parent.parent / "graph_api" / "schema.graphql"


class CountingStore(GraphStore):
    """Counts the named queries a request runs (to check DataLoader batching)."""

    calls: list[str]

    def read(self, name: str, params: dict[str, Any] | None = None, **labels: str | int) -> list[dict[str, Any]]:
        self.calls.append(name)
        return super().read(name, params, **labels)


@dataclass
class Api:
    client: TestClient
    keys: dict[str, str]
    settings: Settings
    store: CountingStore

    def post(self, query: str, variables: dict[str, Any] | None = None, role: str | None = "admin") -> Any:
        headers = {"Authorization": f"Bearer {self.keys[role]}"} if role else {}
        return self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)

    def data(self, query: str, variables: dict[str, Any] | None = None, role: str = "admin") -> Any:
        response = self.post(query, variables, role)
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        return body["data"]


@pytest.fixture(scope="module")
def api_home(neo4j_settings: Settings, staged_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("api")
    shutil.copy(staged_workspace / "staging.duckdb", home / "staging.duckdb")
    run_ingest(home / "staging.duckdb", FIXTURES / "ownership.csv", "mapping", mapping=FIXTURES / "ownership.yaml")
    run_resolve(home / "staging.duckdb")
    with GraphStore(neo4j_settings) as store:
        wipe(store)
        run_load(store, home / "staging.duckdb")
    return home


_MINTED: dict[Path, dict[str, str]] = {}


def minted_keys(home: Path) -> dict[str, str]:
    """One key per role (``test-<role>``) for ``home``, minted once: a running app reads the key file again when it
    changes, so minting them again for a second app would sign the first one's clients out."""
    names = {principal.name for principal in list_keys(home)}
    minted = _MINTED.get(home)
    if minted is None or not all(f"test-{role}" in names for role in minted):
        minted = {role.name.lower(): create_key(home, f"test-{role.name.lower()}", role) for role in Role}
        _MINTED[home] = minted
    return minted


@contextmanager
def make_api(neo4j_settings: Settings, home: Path, **overrides: Any) -> Iterator[Api]:
    settings = replace(neo4j_settings, home=home, **overrides)
    keys = minted_keys(home)
    store = CountingStore(settings)
    store.calls = []
    try:
        with TestClient(create_app(settings, store)) as client:
            yield Api(client, keys, settings, store)
    finally:
        store.close()


@pytest.fixture(scope="module")
def api(neo4j_settings: Settings, api_home: Path) -> Iterator[Api]:
    with make_api(neo4j_settings, api_home) as ready:
        yield ready


def code(response: Any) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


# --- contract -------------------------------------------------------------------------------


def test_committed_sdl_matches_the_schema() -> None:
    assert SDL.read_text(encoding="utf-8") == str(schema).rstrip() + "\n", (
        "run: sanctiongraph schema --out graph_api/schema.graphql"
    )


def test_root_fields_named_in_the_design_exist() -> None:
    fields = set(schema.graphql_schema.query_type.fields)
    assert {
        "entity",
        "search",
        "screen",
        "screenBatch",
        "network",
        "paths",
        "exposure",
        "ownership",
        "frontCompanies",
        "sharedInfrastructure",
        "sources",
        "clusters",
    } <= fields


# --- authentication and roles ----------------------------------------------------------------


NETWORK = "query($id: ID!) { network(entityId: $id, depth: 1) { nodes { id } } }"
SCREEN = '{ screen(input: {name: "Korea Kwangson Banking Corporation", schema: "Organization"}) { decision } }'


def kwangson_id(api: Api) -> str:
    data = api.data('{ search(query: "Korea Kwangson Banking", first: 1) { edges { node { id } } } }')
    return str(data["search"]["edges"][0]["node"]["id"])


def test_no_key_gets_nothing(api: Api) -> None:
    response = api.post(SCREEN, role=None)
    assert response.status_code == 401 and code(response) == "UNAUTHENTICATED"
    response = api.client.post("/graphql", json={"query": SCREEN}, headers={"Authorization": "Bearer sgk_forged"})
    assert response.status_code == 401


def test_a_key_created_or_revoked_while_the_server_runs_counts_from_the_next_request(api: Api) -> None:
    """`apikey create` / `apikey revoke` on a running server: no restart; a broken key file refuses every key."""
    from tests.test_cli import sanctiongraph

    home = api.settings.home
    late = create_key(home, "late-analyst", Role.ANALYST)
    headers = {"Authorization": f"Bearer {late}"}
    assert api.client.post("/graphql", json={"query": SCREEN}, headers=headers).status_code == 200
    listed = sanctiongraph("apikey", "list", "--json", home=home)
    assert listed.returncode == 0, listed.stderr
    assert {"name": "late-analyst", "role": "analyst"} in [json.loads(line) for line in listed.stdout.splitlines()]
    assert "sgk_" not in listed.stdout and "sha256" not in listed.stdout
    revoked = sanctiongraph("apikey", "revoke", "late-analyst", home=home)
    assert revoked.returncode == 0, revoked.stderr
    response = api.client.post("/graphql", json={"query": SCREEN}, headers=headers)
    assert response.status_code == 401 and code(response) == "UNAUTHENTICATED"
    again = sanctiongraph("apikey", "revoke", "late-analyst", home=home)
    assert again.returncode != 0 and "no API key named 'late-analyst'" in again.stderr
    keys = home / "api-keys.json"
    kept = keys.read_text(encoding="utf-8")
    try:
        keys.write_text("{not json", encoding="utf-8")
        assert api.post(SCREEN, role="admin").status_code == 401  # fails closed
    finally:
        keys.with_suffix(".tmp").write_text(kept, encoding="utf-8")
        keys.with_suffix(".tmp").replace(keys)
    assert api.data(SCREEN, role="admin")["screen"]["decision"] == "HIT"


def test_screening_key_screens_but_cannot_read_networks(api: Api) -> None:
    assert api.data(SCREEN, role="screening")["screen"]["decision"] == "HIT"
    response = api.post(NETWORK, {"id": kwangson_id(api)}, role="screening")
    assert response.status_code == 403 and code(response) == "FORBIDDEN"


def test_every_root_field_has_the_role_the_api_docs_give_it() -> None:
    """The roles table of docs/api.md is the contract: a field missing from ``FIELD_ROLES`` would be admin only."""
    table = (ROOT / "docs" / "api.md").read_text(encoding="utf-8").split("| role | may use |", 1)[1].split("\n\n", 1)[0]
    documented: dict[str, str] = {}
    for line in table.splitlines()[2:]:
        role, fields = (cell.strip() for cell in line.strip("|").split("|"))
        for field in re.findall(r"`(\w+)`", fields):
            documented.setdefault(field, role.strip("`"))
    graphql = schema.graphql_schema
    assert graphql.mutation_type is not None
    roots = set(graphql.query_type.fields) | set(graphql.mutation_type.fields)
    assert roots <= set(documented), roots - set(documented)
    assert {field: FIELD_ROLES[field].name.lower() for field in roots} == {field: documented[field] for field in roots}


def test_me_names_the_key_and_offers_exactly_what_its_role_may_run(api: Api) -> None:
    """What ``me.may`` lists, the key may run; a root field it leaves out is refused (the page hides those)."""
    mutation = schema.graphql_schema.mutation_type
    assert mutation is not None
    roots = (set(schema.graphql_schema.query_type.fields) | set(mutation.fields)) - {"__schema", "__type"}
    offered: dict[str, set[str]] = {}
    for role in ("screening", "investigator", "analyst", "admin"):
        me = api.data("{ me { name role may } }", role=role)["me"]
        assert (me["name"], me["role"]) == (f"test-{role}", role)
        offered[role] = set(me["may"])
        assert offered[role] <= roots
    assert offered["screening"] < offered["investigator"] < offered["analyst"] <= offered["admin"] == roots
    assert {"updateAlert", "recordJudgement"} <= offered["analyst"] - offered["investigator"]
    for field in sorted(roots - offered["investigator"]):
        kind = "mutation" if field in mutation.fields else "query"
        response = api.post(f"{kind} {{ {field} }}", role="investigator")
        assert response.status_code == 403 and code(response) == "FORBIDDEN", field


def test_investigator_reads_the_graph_but_cannot_ingest_or_judge(api: Api) -> None:
    assert api.data(NETWORK, {"id": kwangson_id(api)}, role="investigator")["network"]["nodes"]
    # What the page's Networks and Alerts tabs ask for.
    worklist = "{ clusters(first: 5) { edges { node { id size } } } alerts(first: 5) { edges { node { id } } } }"
    assert "clusters" in api.data(worklist, role="investigator")
    ingest = 'mutation { startIngest(input: {path: "x.csv", format: "mapping"}) { id } }'
    assert code(api.post(ingest, role="investigator")) == "FORBIDDEN"
    judge = 'mutation { recordJudgement(input: {recordA: "a", recordB: "b", same: true}) { judgement } }'
    assert code(api.post(judge, role="investigator")) == "FORBIDDEN"


# --- limits -----------------------------------------------------------------------------------


def test_depth_limit(api: Api) -> None:
    deep = (
        '{ search(query: "x") { edges { node { records { edges { node '
        "{ evidence { comparisons { label } } } } } } } } }"
    )
    with make_api(api.settings, api.settings.home, max_query_depth=5) as small:
        response = small.post(deep)
    assert response.status_code == 400 and code(response) == "LIMIT_EXCEEDED"
    assert "depth" in response.json()["errors"][0]["message"]


def test_cost_limit_counts_nested_pages(api: Api) -> None:
    costly = (
        '{ search(query: "korea", first: 100) { edges { node { records(first: 100) { edges { node { id } } } } } } }'
    )
    response = api.post(costly)
    assert code(response) == "LIMIT_EXCEEDED" and "cost" in response.json()["errors"][0]["message"]
    assert api.post('{ search(query: "korea", first: 10) { edges { node { id } } } }').status_code == 200


def test_page_size_and_batch_limits(api: Api) -> None:
    assert code(api.post('{ search(query: "x", first: 500) { edges { cursor } } }')) in (
        "BAD_REQUEST",
        "LIMIT_EXCEEDED",
    )
    big = "x" * (1 << 20)
    response = api.client.post(
        "/graphql", content=json.dumps({"query": big}), headers={"Authorization": f"Bearer {api.keys['admin']}"}
    )
    assert response.status_code == 413


def test_rate_limit(neo4j_settings: Settings, api_home: Path) -> None:
    with make_api(neo4j_settings, api_home, rate_limit=0.001, rate_burst=2) as slow:
        statuses = [slow.post("{ __typename }").status_code for _ in range(4)]
    assert statuses[:2] == [200, 200] and statuses[-1] == 429


def test_introspection_can_be_switched_off(neo4j_settings: Settings, api_home: Path) -> None:
    with make_api(neo4j_settings, api_home, introspection=False) as closed:
        assert code(closed.post("{ __schema { types { name } } }")) == "FORBIDDEN"


# --- screening -------------------------------------------------------------------------------


SCREEN_FULL = """
query($input: ScreenInput!) { screen(input: $input) {
  decision exposureScore
  matches { entityId name listed probability records { source sourceKey } explanation { comparison label weight } }
  exposure { kind value score entity { name listed } path { explanation } } } }
"""


def test_a_listed_bank_is_a_hit_with_its_source_records_and_explanation(api: Api) -> None:
    result = api.data(
        SCREEN_FULL,
        {"input": {"name": "Korea Kwangson Banking Corporation", "schema": "Organization", "country": "KP"}},
    )["screen"]
    assert result["decision"] == "HIT"
    best = result["matches"][0]
    assert best["listed"] and best["probability"] >= 0.9
    assert {"KPe.025", "11581"} <= {r["sourceKey"] for r in best["records"]}
    assert any(e["comparison"] == "names" and e["weight"] > 0 for e in best["explanation"])


def test_the_screening_cache_starts_with_every_listed_partys_records(api: Api) -> None:
    screener = Screener.load()
    listed_records = api.store.read_raw(
        "MATCH (r:Record)-[:RESOLVES_TO]->(e:Entity {listed: true}) WHERE r.removedIn IS NULL RETURN count(r) AS n"
    )[0]["n"]
    assert screener.cache.warm(api.store, page=100) == listed_records > 1000
    api.store.calls.clear()
    result = screener.screen(api.store, Applicant(name="Korea Kwangson Banking Corporation", schema="Organization"))
    assert result.decision == "HIT"
    assert "records_data" not in api.store.calls, api.store.calls  # every candidate record was already cached
    stopped = threading.Event()
    stopped.set()
    assert Screener.load().cache.warm(api.store, stopped) == 0  # a server shutting down stops warming


def test_the_long_lived_heap_is_frozen_out_of_the_collectors_walks(api: Api) -> None:
    """A full collection over a warm screening cache stalls every request for most of a second."""
    cache = api.client.app.state.api.services.screener.cache  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while (gc.get_freeze_count() == 0 or not cache._items) and time.monotonic() < deadline:
        time.sleep(0.5)
    cached = next(iter(cache._items.values())).features
    assert gc.is_tracked(cached)
    assert not any(o is cached for o in gc.get_objects())  # frozen: in no generation the collector walks


def test_an_unknown_applicant_is_clear(api: Api) -> None:
    result = api.data(SCREEN_FULL, {"input": {"name": "Margarethe Vandersloot-Quimby", "country": "NL"}})["screen"]
    assert result["decision"] == "CLEAR"


def test_sharing_a_phone_with_a_listed_party_needs_review(api: Api) -> None:
    result = api.data(
        SCREEN_FULL, {"input": {"name": "Orchid Lane Consulting", "schema": "Company", "phone": "+850 2 381 4410"}}
    )["screen"]
    assert result["decision"] == "REVIEW"
    hit = result["exposure"][0]
    assert hit["kind"] == "Phone" and hit["entity"]["listed"]


def test_screen_batch(api: Api) -> None:
    query = "query($inputs: [ScreenBatchItem!]!) { screenBatch(inputs: $inputs) { id result { decision } } }"
    inputs = [
        {"id": "a1", "query": {"name": "Korea Kwangson Banking Corporation", "schema": "Organization"}},
        {"id": "a2", "query": {"name": "Margarethe Vandersloot-Quimby"}},
    ]
    results = {r["id"]: r["result"]["decision"] for r in api.data(query, {"inputs": inputs})["screenBatch"]}
    assert results == {"a1": "HIT", "a2": "CLEAR"}


def test_a_not_same_judgement_removes_the_match(api: Api) -> None:
    shell = "test_ownership_registry:owner-Amber Crest Shipping Agency"
    mirae = "test_ownership_registry:owner-Mirae Ocean Holdings"
    screen = {"input": {"name": "Mirae Ocean Holdings", "schema": "Company", "recordId": shell}}
    before = api.data(SCREEN_FULL, screen)["screen"]
    assert before["decision"] == "HIT"
    judged = api.data(
        "mutation($a: String!, $b: String!) { recordJudgement(input: {recordA: $a, recordB: $b, same: false, "
        'note: "different firm, same street"}) { judgement author } }',
        {"a": shell, "b": mirae},
        role="analyst",
    )["recordJudgement"]
    assert judged == {"judgement": "not_same", "author": "test-analyst"}
    after = api.data(SCREEN_FULL, screen)["screen"]
    assert "Mirae Ocean Holdings" not in {m["name"] for m in after["matches"]}


# --- investigation ---------------------------------------------------------------------------


def test_entity_profile_with_records_evidence_and_relations(api: Api) -> None:
    query = """query($id: ID!) { entity(id: $id) { id name listed sanctions { authority reference }
      records(first: 5) { edges { node { sourceKey evidence { partnerRecordId comparisons { comparison weight } } } } }
      relations(first: 10) { edges { node { type direction other { name listed } } } } } }"""
    entity = api.data(query, {"id": kwangson_id(api)})["entity"]
    assert entity["listed"] and "KPe.025" in {s["reference"] for s in entity["sanctions"]}
    assert all(e["node"]["evidence"] for e in entity["records"]["edges"])
    assert "JO, Chol Song" in {e["node"]["other"]["name"] for e in entity["relations"]["edges"]}
    # A UN entry's comment citing another by its number: "Father of Sirajuddin Jallaloudine Haqqani (TAi.144)".
    (father,) = api.store.read_raw(
        "MATCH (:Record {source: 'un_sc_sanctions', sourceKey: 'TAi.040'})-[:RESOLVES_TO]->(e) RETURN e.id AS id"
    )
    relations = api.data(query, {"id": father["id"]})["entity"]["relations"]["edges"]
    family = {e["node"]["other"]["name"].upper() for e in relations if e["node"]["type"] == "FAMILY_OF"}
    assert any("SIRAJUDDIN" in name for name in family), relations


def test_search_pages_with_cursors(api: Api) -> None:
    first = api.data(
        '{ search(query: "korea", first: 3) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }'
    )
    page = first["search"]
    assert len(page["edges"]) == 3 and page["pageInfo"]["hasNextPage"]
    second = api.data(
        'query($after: String!) { search(query: "korea", first: 3, after: $after) { edges { node { id } } } }',
        {"after": page["pageInfo"]["endCursor"]},
    )
    assert not {e["node"]["id"] for e in page["edges"]} & {e["node"]["id"] for e in second["search"]["edges"]}


def test_a_page_of_entities_with_listings_costs_few_queries(api: Api) -> None:
    api.store.calls.clear()
    data = api.data('{ search(query: "korea", first: 50) { edges { node { id sanctions { program } } } } }')
    assert len(data["search"]["edges"]) == 50
    assert api.store.calls.count("entity_sanctions") == 1
    assert len(api.store.calls) <= 3, api.store.calls


def test_analytics_fields(api: Api) -> None:
    mirae = api.data('{ search(query: "Mirae Ocean Holdings", first: 1) { edges { node { id } } } }')["search"][
        "edges"
    ][0]["node"]["id"]
    golden = api.data('{ search(query: "Golden Dawn Logistics", first: 1) { edges { node { id } } } }')["search"][
        "edges"
    ][0]["node"]["id"]
    own = api.data(
        "query($id: ID!) { ownership(entityId: $id) { listedShare blocked chains { owners { name } shares } } }",
        {"id": golden},
    )["ownership"]
    assert own["blocked"] and own["listedShare"] == pytest.approx(33.0)
    exposure = api.data("query($id: ID!) { exposure(entityId: $id) { score paths { explanation } } }", {"id": golden})[
        "exposure"
    ]
    assert 0 < exposure["score"] < 1
    fronts = api.data(
        "query($id: ID!) { frontCompanies(listedEntityId: $id) "
        "{ entity { name } score indicators { name evidence } } }",
        {"id": mirae},
    )["frontCompanies"]
    assert fronts[0]["entity"]["name"] == "Amber Crest Shipping Agency"
    shared = api.data(
        "query($id: ID!) { sharedInfrastructure(entityId: $id) { node { label name } users { name } } }", {"id": mirae}
    )["sharedInfrastructure"]
    assert any(v["node"]["label"] == "Phone" for v in shared)
    paths = api.data(
        "query($a: ID!, $b: ID!) { paths(fromId: $a, toId: $b, maxHops: 4) { score explanation } }",
        {"a": golden, "b": mirae},
    )["paths"]
    assert paths and paths[0]["explanation"]
    sources = {
        s["name"]: s for s in api.data("{ sources { name format versions { version records removed } } }")["sources"]
    }
    assert {"us_ofac_sdn", "un_sc_sanctions", "test_ownership_registry"} <= set(sources)


def test_cypher_injection_through_arguments_changes_nothing(api: Api) -> None:
    before = api.store.read_raw("MATCH (n) RETURN count(n) AS n")[0]["n"]
    payload = "'}) MATCH (n) DETACH DELETE n //"
    for query, variables in [
        ("query($q: String!) { search(query: $q) { edges { node { id } } } }", {"q": payload}),
        ("query($q: ID!) { entity(id: $q) { id } }", {"q": payload}),
        ("query($q: String!) { sharedInfrastructure(value: $q) { node { id } } }", {"q": "Email:" + payload}),
        ("query($q: ID!) { network(entityId: $q) { nodes { id } } }", {"q": payload}),
        ("query($q: String!) { screen(input: {name: $q, email: $q, phone: $q}) { decision } }", {"q": payload}),
    ]:
        assert api.post(query, variables).status_code in (200, 400)
    response = api.post(
        '{ network(entityId: "x", relationshipTypes: ["OWNS]->() DETACH DELETE (n"]) { nodes { id } } }'
    )
    assert code(response) == "BAD_REQUEST"
    assert api.store.read_raw("MATCH (n) RETURN count(n) AS n")[0]["n"] == before


def test_graph_errors_reach_the_client_with_their_codes(api: Api) -> None:
    """The graph layer raises its own errors; the API maps them, with the message, to stable codes."""
    missing = api.post('{ network(entityId: "no-such-entity") { nodes { id } } }')
    assert code(missing) == "NOT_FOUND" and "no-such-entity" in missing.json()["errors"][0]["message"]
    too_deep = api.post('{ network(entityId: "x", depth: 99) { nodes { id } } }')
    assert code(too_deep) == "BAD_REQUEST" and "depth" in too_deep.json()["errors"][0]["message"]


def test_ingest_job_runs_a_file_from_the_inbox_only(api: Api) -> None:
    inbox = api.settings.inbox
    shutil.copy(FIXTURES / "ownership.csv", inbox / "owners.csv")
    shutil.copy(FIXTURES / "ownership.yaml", inbox / "owners.yaml")
    start = (
        "mutation($p: String!, $m: String) { startIngest(input: "
        '{path: $p, format: "mapping", mapping: $m, source: "api_owners"}) { id status } }'
    )
    job = api.data(start, {"p": "owners.csv", "m": "owners.yaml"}, role="admin")["startIngest"]
    for _ in range(100):
        state = api.data(
            "query($id: ID!) { ingestJob(id: $id) { status rowsRead records error } }",
            {"id": job["id"]},
            role="analyst",
        )["ingestJob"]
        if state["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert state == {"status": "done", "rowsRead": 7, "records": 12, "error": None}
    assert code(api.post(start, {"p": "../../etc/passwd", "m": None}, role="analyst")) == "FORBIDDEN"


def test_only_an_admin_may_rename_the_source_or_allow_a_mass_removal(api: Api, samples) -> None:  # type: ignore[no-untyped-def]
    """An analyst's UN file named ``us_ofac_sdn`` would delist every OFAC party it lacks (issue 24, finding 1)."""
    shutil.copy(samples.un_xml, api.settings.inbox / "un.xml")
    start = "mutation($i: IngestInput!) { startIngest(input: $i) { id status } }"
    foreign = {"path": "un.xml", "format": "un-xml", "source": "us_ofac_sdn"}
    response = api.post(start, {"i": foreign}, role="analyst")
    assert code(response) == "FORBIDDEN" and "us_ofac_sdn" in response.json()["errors"][0]["message"]
    allow = {"path": "un.xml", "format": "un-xml", "allowMassRemoval": True}
    assert code(api.post(start, {"i": allow}, role="analyst")) == "FORBIDDEN"
    own = {"path": "un.xml", "format": "un-xml", "source": "un_sc_sanctions"}  # the format's own source is fine
    assert api.data(start, {"i": own}, role="analyst")["startIngest"]["id"]


# --- audit ---------------------------------------------------------------------------------------


def test_every_request_is_audited_without_personal_data(api: Api) -> None:
    secret_name = "Zebedee Quillfeather-Smyth"
    api.data(SCREEN_FULL, {"input": {"name": secret_name, "email": "zebedee@example.org"}}, role="screening")
    api.post(SCREEN, role=None)
    log = api.settings.home / AUDIT_DIR / AUDIT_FILE
    text = log.read_text(encoding="utf-8")
    assert secret_name not in text and "zebedee" not in text.lower()
    entries = [json.loads(line) for line in text.splitlines()]
    screened = [e for e in entries if e["fields"] == ["screen"] and e["principal"] == "test-screening"]
    assert screened and screened[-1]["variables"]["input"]["name"].startswith("h:")
    assert any(e["status"] == "UNAUTHENTICATED" and e["principal"] is None for e in entries)
    kwangson = [e for e in entries if e["fields"] == ["screen"] and e["entities"]]
    assert kwangson, "screens that returned entities record their IDs"
    assert verify_chain(log)


def test_readyz(api: Api) -> None:
    assert api.client.get("/readyz").json() == {"status": "ready"}


def test_metrics_count_requests_and_decisions(api: Api) -> None:
    api.data(SCREEN, role="screening")
    text = api.client.get("/metrics", headers={"Authorization": f"Bearer {api.keys['investigator']}"}).text
    assert 'sanctiongraph_requests_total{field="screen",status="OK"}' in text
    assert 'sanctiongraph_screen_decisions_total{decision="HIT"}' in text
    assert "sanctiongraph_request_seconds_bucket" in text
    assert "Korea" not in text  # labels are fields and codes, never values


def test_search_by_identifier_and_contact_value(api: Api) -> None:
    by_passport = api.data('{ search(query: "654320502", first: 3) { edges { node { name } } } }')["search"]
    assert by_passport["edges"][0]["node"]["name"] == "JO, Chol Song"
    by_phone = api.data('{ search(query: "+850 2 381 4410", first: 5) { edges { node { name listed } } } }')
    names = {e["node"]["name"] for e in by_phone["search"]["edges"]}
    assert {"Mirae Ocean Holdings", "Amber Crest Shipping Agency"} <= names


def test_entity_names_with_scripts_identifiers_and_judgements(api: Api) -> None:
    jo = api.data('{ search(query: "654320502", first: 1) { edges { node { id } } } }')["search"]["edges"][0]["node"]
    entity = api.data(
        "query($id: ID!) { entity(id: $id) { names { value kind script } identifiers { kind value country } } }",
        {"id": jo["id"]},
    )["entity"]
    assert {"kind": "passport", "value": "654320502"} in [
        {k: i[k] for k in ("kind", "value")} for i in entity["identifiers"]
    ]
    assert any(n["kind"] == "primary" and n["script"] == "Latin" for n in entity["names"])
    shell = "test_ownership_registry:owner-Amber Crest Shipping Agency"
    mirae = "test_ownership_registry:owner-Mirae Ocean Holdings"
    api.data(
        "mutation($a: String!, $b: String!) { recordJudgement(input: {recordA: $a, recordB: $b, same: false}) "
        "{ judgement } }",
        {"a": shell, "b": mirae},
        role="analyst",
    )
    mirae_id = api.data('{ search(query: "Mirae Ocean Holdings", first: 1) { edges { node { id } } } }')
    judged = api.data(
        "query($id: ID!) { entity(id: $id) { judgements { otherRecordId judgement author } } }",
        {"id": mirae_id["search"]["edges"][0]["node"]["id"]},
    )["entity"]["judgements"]
    assert {"otherRecordId": shell, "judgement": "not_same", "author": "test-analyst"} in judged


def test_relationship_types_are_listed(api: Api) -> None:
    types = api.data("{ relationshipTypes }")["relationshipTypes"]
    assert {"OWNS", "DIRECTOR_OF", "HAS_EMAIL", "LINKED_TO"} <= set(types)


@pytest.mark.parametrize(
    ("name", "schema", "decisions"),
    [
        # a typo in a listed name is flagged (a person looks, or it is blocked outright)
        ("KOREA KWANGSON BANKING CROP", "Organization", {"REVIEW", "HIT"}),
        ("Chol Song JO", "Person", {"HIT"}),  # word order
        ("Alexander Kim", "Person", {"CLEAR"}),  # a common surname shared with listed people is not a match
        ("Horizon Trading LLC", "Organization", {"CLEAR"}),  # generic words shared with a listed firm are not a match
    ],
)
def test_screening_decisions_for_realistic_applicants(api: Api, name: str, schema: str, decisions: set[str]) -> None:
    result = api.data(SCREEN_FULL, {"input": {"name": name, "schema": schema}})["screen"]
    assert result["decision"] in decisions, result["matches"][:3]
