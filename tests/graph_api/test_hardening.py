"""Issue 24's findings against the API, each as a request a client could send.

Limits (finding 2 and 5): the query check is linear in the query's text, counts
coerced variables, charges screens per applicant and the rate limiter by cost,
and a request has a deadline.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from graph_api.audit import AUDIT_DIR, AUDIT_FILE, AuditLog, verify_chain
from sanctiongraph.settings import Settings
from tests.graph_api.test_api import Api, api_home, code, make_api

pytestmark = pytest.mark.neo4j

__all__ = ["api_home"]  # the module's graph, loaded once


@pytest.fixture(scope="module")
def api(neo4j_settings: Settings, api_home: Path) -> Iterator[Api]:
    with make_api(neo4j_settings, api_home) as ready:
        yield ready


def nested_fragments(levels: int) -> str:
    """``fragment Fi on Query { ...Fi+1 ...Fi+1 }``: 2**levels root fields from a 1 KB text."""
    parts = ["query { ...F0 }"]
    parts += [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    parts.append(f"fragment F{levels} on Query {{ __typename }}")
    return "\n".join(parts)


def test_nested_fragments_are_refused_without_expanding_them(api: Api) -> None:
    response = api.post(nested_fragments(24), role="screening")
    assert response.status_code == 400 and code(response) == "LIMIT_EXCEEDED"
    assert "cost" in response.json()["errors"][0]["message"]


def test_fragment_spreads_and_aliases_are_capped(api: Api) -> None:
    spreads = "query { ...F } fragment F on Query { " + " ".join(["__typename"] * 1) + " }"
    many_spreads = "query { " + " ".join(["...F"] * 300) + " } fragment F on Query { __typename }"
    assert api.post(spreads).status_code == 200
    response = api.post(many_spreads)
    assert code(response) == "LIMIT_EXCEEDED" and "fragment spreads" in response.json()["errors"][0]["message"]
    aliases = "query { " + " ".join(f"a{i}: __typename" for i in range(150)) + " }"
    response = api.post(aliases)
    assert code(response) == "LIMIT_EXCEEDED" and "aliases" in response.json()["errors"][0]["message"]


COSTLY = (
    'query($n: Int = 100) { search(query: "korea", first: $n) '
    "{ edges { node { records(first: $n) { edges { node { id } } } } } } }"
)


def test_cost_counts_defaulted_and_float_variables(api: Api) -> None:
    assert code(api.post(COSTLY)) == "LIMIT_EXCEEDED"  # the default, 100, not a page of 20
    assert code(api.post(COSTLY, {"n": 100.0})) == "LIMIT_EXCEEDED"  # coerced to the Int 100
    assert api.post(COSTLY, {"n": 5}).status_code == 200


BATCH = "screenBatch(inputs: $v) { id result { decision } }"


def test_aliased_screen_batches_add_up(api: Api) -> None:
    applicants = [{"id": str(i), "query": {"name": f"Applicant {i}"}} for i in range(100)]
    aliased = "query($v: [ScreenBatchItem!]!) { " + " ".join(f"b{i}: {BATCH}" for i in range(33)) + " }"
    response = api.post(aliased, {"v": applicants}, role="screening")
    assert code(response) == "LIMIT_EXCEEDED"
    two = "query($v: [ScreenBatchItem!]!) { a: " + BATCH + " b: " + BATCH + " }"
    response = api.post(two, {"v": applicants[:60]}, role="screening")  # 120 applicants in one request
    assert code(response) == "LIMIT_EXCEEDED" and "applicants" in response.json()["errors"][0]["message"]
    one = "query($v: [ScreenBatchItem!]!) { " + BATCH + " }"
    assert api.post(one, {"v": applicants[:5]}, role="screening").status_code == 200


def test_rate_limiter_charges_the_query_cost(neo4j_settings: Settings, api_home: Path) -> None:
    costly = '{ search(query: "korea", first: 50) { edges { node { records(first: 50) { edges { node { id } } } } } } }'
    with make_api(neo4j_settings, api_home, rate_limit=0.001, rate_burst=20) as slow:
        first = slow.post(costly)  # cost about 5,000: 50 tokens, more than the burst of 20
        cheap = [slow.post("{ __typename }").status_code for _ in range(3)]
    assert first.status_code == 429 and code(first) == "RATE_LIMITED"
    assert cheap == [200, 200, 200]


def test_a_request_over_its_deadline_is_stopped_and_audited(neo4j_settings: Settings, api_home: Path) -> None:
    with make_api(neo4j_settings, api_home, request_timeout=0.000001) as hurried:
        response = hurried.post('{ search(query: "korea") { edges { node { id name } } } }')
    assert response.status_code == 504 and code(response) == "TIMEOUT"


# --- what each role sees (finding 4) ---------------------------------------------------------------

SCREEN_FULL = """
query($input: ScreenInput!) { screen(input: $input) {
  decision exposureScore indicators { name evidence }
  matches { entityId name listed records { source sourceKey } }
  exposure { kind value score entity { id name listed } path { nodes { name } explanation } } } }
"""
SHELL = "Amber Crest Shipping Agency"  # an unlisted company: a customer, as far as screening knows


def test_a_phone_in_does_not_give_the_screening_role_another_customers_name(api: Api) -> None:
    applicant = {"input": {"name": "Orchid Lane Consulting", "schema": "Company", "phone": "+850 2 381 4410"}}
    full = api.data(SCREEN_FULL, applicant, role="investigator")["screen"]
    assert SHELL in str(full)  # investigators see who else uses the phone
    response = api.post(SCREEN_FULL, applicant, role="screening")
    shown = response.json()["data"]["screen"]
    assert SHELL not in response.text
    assert shown["decision"] == full["decision"] == "REVIEW"
    assert shown["exposure"], shown
    assert all(hit["entity"]["listed"] and hit["path"] is None for hit in shown["exposure"]), shown
    assert {hit["kind"] for hit in shown["exposure"]} == {"Phone"}
    assert all(hit["value"].replace(" ", "") in ("+85023814410", "(withheld)") for hit in shown["exposure"]), shown


def test_unlisted_matches_are_withheld_from_the_screening_role(api: Api) -> None:
    applicant = {"input": {"name": SHELL, "schema": "Company", "country": "KP"}}
    full = api.data(SCREEN_FULL, applicant, role="investigator")["screen"]
    assert any(not m["listed"] and m["name"] == SHELL for m in full["matches"])
    shown = api.data(SCREEN_FULL, applicant, role="screening")["screen"]
    assert all(m["listed"] for m in shown["matches"])
    assert "owner-" + SHELL not in str(shown)  # the internal record key of the unlisted party
    assert shown["decision"] == full["decision"]


# --- audit (finding 6) -----------------------------------------------------------------------------


def last_audit_line(api: Api) -> dict[str, Any]:
    lines = (api.settings.home / AUDIT_DIR / AUDIT_FILE).read_bytes().splitlines()
    return dict(orjson.loads(lines[-1]))


def test_audit_records_entities_behind_aliases_and_in_networks(api: Api) -> None:
    found = api.data('{ search(query: "Korea Kwangson Banking", first: 1) { edges { node { id } } } }')
    entity_id = found["search"]["edges"][0]["node"]["id"]
    api.data('{ search(query: "Korea Kwangson Banking", first: 1) { edges { node { who: id name } } } }')
    assert entity_id in last_audit_line(api)["entities"]  # an alias does not hide it
    api.data('{ search(query: "Korea Kwangson Banking", first: 1) { edges { node { name } } } }')
    assert entity_id in last_audit_line(api)["entities"]  # nor does leaving the id out
    network = api.data("query($id: ID!) { network(entityId: $id) { nodes { name } } }", {"id": entity_id})
    assert network["network"]["nodes"]
    assert entity_id in last_audit_line(api)["entities"]  # network nodes are Entity:sg-... ids


def test_audit_hashes_the_query_with_its_key(api: Api) -> None:
    query = '{ search(query: "Zebedee Quillfeather", first: 1) { edges { node { name } } } }'
    api.data(query)
    assert last_audit_line(api)["query_sha256"] != hashlib.sha256(query.encode()).hexdigest()


def test_a_query_too_deep_to_parse_is_a_400_and_audited(api: Api) -> None:
    deep = "{ " + "__typename { " * 3000 + "}" * 3001
    response = api.post(deep)
    assert response.status_code == 400 and code(response) == "BAD_REQUEST"
    assert last_audit_line(api)["status"] == "BAD_REQUEST"


def test_the_chain_continues_after_a_line_longer_than_64_kib(tmp_path: Path) -> None:
    log = AuditLog.open(tmp_path)
    log.record({"variables": log.hash_values({"many": list(range(10_000))})})  # a line of about 280 KB
    log.close()
    again = AuditLog.open(tmp_path)  # a restart, or another worker process
    again.record({"status": "OK"})
    again.close()
    path = tmp_path / AUDIT_DIR / AUDIT_FILE
    assert max(len(line) for line in path.read_bytes().splitlines()) > 65536
    assert verify_chain(path)


# --- point 7: super-nodes, /metrics, body size, unauthenticated requests ----------------------------


def test_a_super_node_gives_its_degree_not_its_users(api: Api) -> None:
    (row,) = api.store.read_raw(
        "MATCH (v:Phone)<--(e:Entity {name: $name}) RETURN v.key AS key LIMIT 1", {"name": SHELL}
    )
    query = "query($v: String!) { sharedInfrastructure(value: $v) { node { label } users { name } } }"
    before = api.data(query, {"v": "Phone:" + row["key"]})["sharedInfrastructure"]
    assert before[0]["users"]  # an ordinary shared phone lists its users
    api.store.execute_raw("MATCH (v:Phone {key: $key}) SET v.superNode = true", {"key": row["key"]})
    try:
        after = api.data(query, {"v": "Phone:" + row["key"]})["sharedInfrastructure"]
        assert after and after[0]["users"] == []
    finally:
        api.store.execute_raw("MATCH (v:Phone {key: $key}) REMOVE v.superNode", {"key": row["key"]})


def test_metrics_need_a_key(api: Api) -> None:
    assert api.client.get("/metrics").status_code == 401
    screening = {"Authorization": f"Bearer {api.keys['screening']}"}
    assert api.client.get("/metrics", headers=screening).status_code == 403
    investigator = {"Authorization": f"Bearer {api.keys['investigator']}"}
    assert "sanctiongraph_requests_total" in api.client.get("/metrics", headers=investigator).text


def test_a_body_over_the_limit_is_refused_by_its_declared_length_or_as_it_streams(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.keys['admin']}", "Content-Type": "application/json"}

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server must stop counting at the limit
        yield b'{"query": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    assert api.client.post("/graphql", content=chunks(), headers=headers).status_code == 413
    declared = {**headers, "Content-Length": str(1 << 30)}
    assert api.client.post("/graphql", content=b"{}", headers=declared).status_code == 413


def test_requests_without_a_key_are_rate_limited(neo4j_settings: Settings, api_home: Path) -> None:
    with make_api(neo4j_settings, api_home, rate_limit=0.001, rate_burst=2) as slow:
        statuses = [slow.post("{ __typename }", role=None).status_code for _ in range(4)]
    assert statuses[:2] == [401, 401] and statuses[-1] == 429


def test_a_mutation_sent_by_get_is_refused_and_a_query_is_answered(api: Api) -> None:
    """A browser sends GETs for links and images: nothing that changes data may run from one (405)."""
    headers = {"Authorization": f"Bearer {api.keys['admin']}"}
    judge = 'mutation { recordJudgement(input: {recordA: "a", recordB: "b", same: true}) { judgement } }'
    refused = api.client.get("/graphql", params={"query": judge}, headers=headers)
    assert refused.status_code == 405 and refused.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    named = 'query Q { __typename } mutation M { updateAlert(id: "x", status: CLOSED, note: "n") { id } }'
    assert api.client.get("/graphql", params={"query": named, "operationName": "M"}, headers=headers).status_code == 405
    answered = api.client.get("/graphql", params={"query": named, "operationName": "Q"}, headers=headers)
    assert answered.status_code == 200 and answered.json()["data"] == {"__typename": "Query"}
