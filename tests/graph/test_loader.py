"""Loading a resolution run into a real Neo4j: contents, idempotence, schema, recovery."""

from __future__ import annotations

import gc
import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from graph import analytics, cypher, loader, schema, specificity
from graph.load import writer as load_writer
from graph.load.state import STATE_FILE
from graph.loader import run_load
from graph.model import ENTITY_NAME_INDEX, KEYS, constraint_name
from graph.queries import entity_records, get_entity, search_entities
from graph.store import GraphStore
from tests.conftest import Samples, copy_workspace, wipe
from tests.graph.customers import stage_customers

pytestmark = pytest.mark.neo4j


def counts(store: GraphStore) -> dict[str, int]:
    rows = store.read_raw(
        "MATCH (n) WITH count(n) AS nodes CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } RETURN nodes, rels"
    )
    return {"nodes": rows[0]["nodes"], "rels": rows[0]["rels"]}


@pytest.fixture
def loaded(graph_store: GraphStore, resolved_workspace: Path, tmp_path: Path) -> GraphStore:
    home = copy_workspace(resolved_workspace, tmp_path / "ws")
    run_load(graph_store, home / "staging.duckdb")
    return graph_store


def test_kwangson_entity_holds_the_ofac_and_un_entries(loaded: GraphStore) -> None:
    hits = search_entities(loaded, "Korea Kwangson Banking", limit=5)
    assert hits, "full-text search found nothing"
    records = entity_records(loaded, [hits[0].id], skip=0, limit=20)[hits[0].id]
    keys = {(r.source, r.source_key) for r in records}
    assert ("un_sc_sanctions", "KPe.025") in keys
    assert ("us_ofac_sdn", "11581") in keys
    assert hits[0].listed
    evidence = next(r.evidence for r in records if r.source_key == "KPe.025")
    assert evidence is not None and evidence["partner"] == "us_ofac_sdn:11581"


def test_loading_twice_changes_nothing(loaded: GraphStore, resolved_workspace: Path, tmp_path: Path) -> None:
    before = counts(loaded)
    summary = run_load(loaded, copy_workspace(resolved_workspace, tmp_path / "again") / "staging.duckdb")
    assert counts(loaded) == before
    assert summary.swept == 0
    duplicates = loaded.read_raw("MATCH (e:Entity) WITH e.id AS id, count(*) AS n WHERE n > 1 RETURN count(*) AS d")
    assert duplicates[0]["d"] == 0


def test_a_state_with_the_old_text_hashes_is_forgotten_and_the_next_load_rewrites_all(
    graph_store: GraphStore, resolved_workspace: Path, tmp_path: Path
) -> None:
    """States written before 64-bit hashes held SHA-1 hex digests: comparing them would call every row changed."""
    import duckdb

    home = copy_workspace(resolved_workspace, tmp_path / "ws")
    assert run_load(graph_store, home / "staging.duckdb").mode == "fresh"
    before = counts(graph_store)
    with duckdb.connect(str(home / STATE_FILE)) as con:  # the state as the previous version left it
        con.execute(
            "CREATE OR REPLACE TABLE sg_graph_rows AS SELECT kind, key, grp, ref, sha1(key) AS hash FROM sg_graph_rows"
        )
    full = run_load(graph_store, home / "staging.duckdb")
    assert full.mode == "full"
    assert counts(graph_store) == before and full.swept == 0
    with duckdb.connect(str(home / STATE_FILE), read_only=True) as con:
        kind = con.execute("SELECT data_type FROM information_schema.columns WHERE column_name = 'hash'").fetchall()
    assert kind == [("UBIGINT",)]
    again = run_load(graph_store, home / "staging.duckdb")
    assert again.mode == "incremental" and sum(again.written.values()) == 0


def test_staging_from_before_the_shared_values_table_loads_the_same_graph(
    graph_store: GraphStore, resolved_workspace: Path, tmp_path: Path
) -> None:
    """The loader reads shared values derived at ingest; a staging file without them gets them first."""
    import duckdb

    home = copy_workspace(resolved_workspace, tmp_path / "ws")
    assert run_load(graph_store, home / "staging.duckdb").mode == "fresh"
    before = graph_snapshot(graph_store)
    shared = graph_store.read_raw("MATCH (:Entity)-[:HAS_ADDRESS]->(a:Address) RETURN count(DISTINCT a) AS n")
    assert shared[0]["n"] > 1000
    with duckdb.connect(str(home / "staging.duckdb")) as con:  # as an earlier release left it
        con.execute("DROP TABLE sg_record_infra; DROP TABLE sg_derived")
    again = run_load(graph_store, home / "staging.duckdb")
    assert again.mode == "incremental" and sum(again.written.values()) == 0 and not any(again.deleted.values())
    assert graph_snapshot(graph_store) == before


def test_a_customers_new_email_moves_its_link_on_the_next_load(loaded: GraphStore, tmp_path: Path) -> None:
    """Shared values are derived when a version changes a record; the incremental load follows them."""
    from ingest.run import run_ingest
    from resolution.run import run_resolve

    mapping = tmp_path / "shop.yaml"
    mapping.write_text(
        "source: shop\nformat: csv\nentities:\n  account:\n    schema: Person\n    key: id\n"
        "    fields:\n      name: name\n      email: email\n",
        encoding="utf-8",
    )
    staging = tmp_path / "ws" / "staging.duckdb"  # the workspace the fixture loaded

    def load_version(version: str, rows: str) -> None:
        data = tmp_path / f"shop-{version}.csv"
        data.write_text("id,name,email\n" + rows, encoding="utf-8")
        run_ingest(staging, data, "mapping", mapping=mapping, version=version)
        run_resolve(staging)
        assert run_load(loaded, staging).mode == "incremental"

    def emails() -> dict[str, list[str]]:
        rows = loaded.read_raw(
            "MATCH (r:Record {source: 'shop'})-[:RESOLVES_TO]->(e:Entity) "
            "OPTIONAL MATCH (e)-[:HAS_EMAIL]->(v:Email) RETURN r.sourceKey AS key, collect(v.key) AS emails"
        )
        return {row["key"]: sorted(row["emails"]) for row in rows}

    load_version("v1", "a1,Ann Lee,ann.lee.7@shop.example\nb2,Bo Kim,bo.kim.9@shop.example\n")
    assert emails() == {"a1": ["ann.lee.7@shop.example"], "b2": ["bo.kim.9@shop.example"]}
    load_version("v2", "a1,Ann Lee,ann.lee.8@shop.example\nb2,Bo Kim,bo.kim.9@shop.example\n")
    assert emails() == {"a1": ["ann.lee.8@shop.example"], "b2": ["bo.kim.9@shop.example"]}
    stale = loaded.read_raw("MATCH (v:Email {key: 'ann.lee.7@shop.example'}) RETURN count(v) AS n")
    assert stale[0]["n"] == 0  # nobody uses it any more


def test_the_cycle_collector_is_paused_while_rows_stream_and_back_after(
    graph_store: GraphStore, resolved_workspace: Path, tmp_path: Path
) -> None:
    """Its walks over the load's live rows were a quarter of the loader's CPU at 200k customers.

    With it paused, nothing the load no longer needs may wait for it: the driver keeps
    each query's parameters in reference cycles, and at 1M customers the written batches
    held there grew the loader by gigabytes.
    """
    enabled_during: list[bool] = []
    waiting: list[int] = []

    def progress(kind: str, count: int) -> None:
        enabled_during.append(gc.isenabled())
        waiting.append(gc.collect())  # what only the cycle collector would have freed, since the last call

    home = copy_workspace(resolved_workspace, tmp_path / "ws")
    summary = run_load(graph_store, home / "staging.duckdb", progress=progress)
    assert enabled_during and not any(enabled_during)
    assert gc.isenabled()
    rows = sum(summary.written.values())
    # What is left is the driver's bookkeeping, a few dozen objects per query (schema statements included);
    # with every written batch kept, this load left 162k objects.
    assert sum(waiting) < rows / 10, f"{sum(waiting)} objects waited for the cycle collector during {rows} rows"
    with pytest.raises(RuntimeError), loader.cyclic_gc_paused():
        raise RuntimeError("a load that fails half-way")
    assert gc.isenabled()


def test_schema_has_constraints_and_fulltext_index(loaded: GraphStore) -> None:
    """A first load drops the uniqueness constraints and indexes while it creates, and builds them all back."""
    indexes = {row["name"]: row for row in loaded.read_raw("SHOW INDEXES YIELD name, type, state")}
    assert indexes[ENTITY_NAME_INDEX]["type"] == "FULLTEXT"
    assert all(row["state"] == "ONLINE" for row in indexes.values())
    constraints = {row["name"] for row in loaded.read_raw("SHOW CONSTRAINTS YIELD name")}
    assert {constraint_name(label) for label in KEYS} <= constraints
    assert {"entity_id_unique", "record_id_unique", "sanction_id_unique", "email_key_unique"} <= constraints


def test_a_first_load_leaves_the_sweeps_indexes_to_the_first_full_load(graph_store: GraphStore, tmp_path: Path) -> None:
    """The loadId indexes serve only a full load's sweep: a first load does not build them, a full load does."""
    customers = stage_customers(tmp_path, 1000, 4)
    assert run_load(graph_store, customers.staging).mode == "fresh"

    def sweep_indexes() -> dict[str, str]:
        rows = graph_store.read_raw("SHOW INDEXES YIELD name, state WHERE name ENDS WITH '_load_id'")
        return {row["name"]: row["state"] for row in rows}

    assert sweep_indexes() == {}
    graph_store.execute_raw("CREATE (:Email {key: 'stale@example.org', loadId: 1})")  # left by an older load
    full = run_load(graph_store, customers.staging, state_path=tmp_path / "untrusted.duckdb")
    assert full.mode == "full" and full.swept >= 1
    assert graph_store.read_raw("MATCH (v:Email {key: 'stale@example.org'}) RETURN count(v) AS n")[0]["n"] == 0
    built = sweep_indexes()
    assert len(built) == len(schema.sweep_index_statements()) and set(built.values()) == {"ONLINE"}
    for name, labels in (("sweep_stale", {"label": "Email"}), ("sweep_stale_rels", {"rel": "HAS_EMAIL"})):
        operators = graph_store.plan_operators(name, {"loadId": 2, "batch": 10}, **labels)
        assert any("IndexSeekByRange" in op for op in operators), (name, operators)


def test_first_load_queries_find_nodes_by_id_or_key_never_by_scan(loaded: GraphStore) -> None:
    """The CREATE queries of a first load find entities by node id and members by key: no scan per row."""
    cases: list[tuple[str, dict[str, object], dict[str, str]]] = [
        (
            "create_values_links",
            {"rows": [{"key": "x", "nodes": [1], "records": [["r"]]}], "loadId": 1},
            {"label": "Email", "rel": "HAS_EMAIL"},
        ),
        (
            "create_parents_links",
            {"rows": [{"key": "x", "children": ["a@x"]}], "loadId": 1},
            {"label": "Email", "parent": "Domain", "rel": "AT_DOMAIN"},
        ),
        ("create_relations", {"rows": [{"fromNode": 1, "toNode": 2}], "loadId": 1}, {"rel": "OWNS"}),
    ]
    for name, params, labels in cases:
        operators = loaded.plan_operators(name, params, **labels)
        assert not operators & {"AllNodesScan", "NodeByLabelScan"}, (name, operators)
        assert any(op.startswith(("NodeByIdSeek", "NodeUniqueIndexSeek")) for op in operators), (name, operators)


def test_every_named_query_is_valid_cypher(graph_store: GraphStore) -> None:
    """EXPLAIN each .cypher file against the real engine (labels filled from the model)."""
    fills: dict[str, str | int] = {
        "schema": "Person",
        "other_schemas": "Company:Organization",
        "label": "Email",
        "parent": "Domain",
        "start": "Email",
        "rel": "HAS_EMAIL",
        "max_hops": 3,
        "k": 2,
    }
    for name in cypher.names():
        labels = {k: fills[k] for k in (p.lower() for p in cypher.placeholders(name))}
        graph_store.read_raw("EXPLAIN " + cypher.query(name, **labels))


def test_label_outside_the_model_is_refused() -> None:
    from sanctiongraph.errors import GraphStoreError

    with pytest.raises(GraphStoreError, match="not a label"):
        cypher.query("sweep_stale", label="Entity) DETACH DELETE (x")


def test_paths_between_linked_parties_on_the_real_lists(loaded: GraphStore) -> None:
    jo = search_entities(loaded, "JO, Chol Song", limit=1)[0].id
    kwangson = search_entities(loaded, "Korea Kwangson Banking", limit=1)[0].id
    found = analytics.paths(loaded, jo, kwangson, max_hops=2)
    assert found and found[0].edges[0].type == "LINKED_TO"
    assert analytics.paths(loaded, jo, kwangson, max_hops=2, types=["OWNS"]) == []


@pytest.mark.slow
def test_a_new_list_version_is_loaded_incrementally(graph_store: GraphStore, samples: Samples, tmp_path: Path) -> None:
    """UN 2024-09 then UN 2025-04: only what changed is written; delistings stay, marked."""
    from ingest.run import run_ingest
    from resolution.run import run_resolve

    staging = tmp_path / "staging.duckdb"
    run_ingest(staging, samples.ofac_dir, "ofac-csv")
    run_ingest(staging, samples.un_xml_2024, "un-xml")
    run_resolve(staging)
    first = run_load(graph_store, staging)
    assert first.mode == "fresh"
    again = run_load(graph_store, staging)
    assert again.mode == "incremental"
    assert sum(again.written.values()) == 0 and sum(again.deleted.values()) == 0
    version = run_ingest(staging, samples.un_xml, "un-xml")
    assert (version.added, version.removed) == (4, 2)
    run_resolve(staging)
    update = run_load(graph_store, staging)
    assert update.mode == "incremental"
    assert 0 < update.written["record"] < first.written["record"] / 10
    delisted = graph_store.read_raw(
        "MATCH (r:Record) WHERE r.removedIn IS NOT NULL "
        "OPTIONAL MATCH (r)-[:RESOLVES_TO]->(e:Entity)-[:HAS_SANCTION]->(s:Sanction {recordId: r.id}) "
        "RETURN r.id AS id, r.removedIn AS removedIn, s.delistedIn AS delistedIn"
    )
    assert len({row["id"] for row in delisted}) == 2
    assert all(row["removedIn"] == "2025-04-19" for row in delisted)
    added = graph_store.read_raw(
        "UNWIND $ids AS id MATCH (r:Record {id: id})-[:RESOLVES_TO]->(:Entity) RETURN count(r) AS n",
        {"ids": [f"un_sc_sanctions:{k}" for k in version_keys(staging, "added")]},
    )
    assert added[0]["n"] == 4
    duplicates = graph_store.read_raw(
        "MATCH (r:Record) WITH r.id AS id, count(*) AS n WHERE n > 1 RETURN count(*) AS d"
    )
    assert duplicates[0]["d"] == 0


def version_keys(staging: Path, change: str) -> list[str]:
    import duckdb

    with duckdb.connect(str(staging), read_only=True) as con:
        rows = con.execute(
            "SELECT record_id FROM sg_changes WHERE change = ? AND version = '2025-04-19'", [change]
        ).fetchall()
    return [r[0].split(":", 1)[1] for r in rows]


INJECTION = "'}) MATCH (n) DETACH DELETE n //"


def test_cypher_injection_through_every_ingested_field_changes_nothing_else(loaded: GraphStore, tmp_path: Path) -> None:
    """A customer file whose every field is an injection attempt: it loads as data, and nothing else moves."""
    from ingest.run import run_ingest
    from resolution.run import run_resolve

    before = counts(loaded)
    mapping = tmp_path / "evil.yaml"
    mapping.write_text(
        "source: evil_source\nformat: csv\nentities:\n  account:\n    schema: Person\n    key: id\n"
        "    fields:\n      name: name\n      email: email\n      address: address\n      note: note\n"
        "      country: country\n      device: device\n",
        encoding="utf-8",
    )
    data = tmp_path / "evil.csv"
    evil = INJECTION.replace('"', "")
    data.write_text(
        "id,name,email,address,note,country,device\n"
        f'"{evil}","{evil}","{evil}@example.org","{evil}","{evil}","{evil}","{evil}"\n'
        f'"x{evil}","Robert\'); DROP TABLE sg_records;--","a@example.org","1 Main St","note","GB","dev-1"\n',
        encoding="utf-8",
    )
    staging = tmp_path / "ws" / "staging.duckdb"  # the workspace the fixture loaded
    run_ingest(staging, data, "mapping", mapping=mapping)
    run_resolve(staging)
    assert run_load(loaded, staging).mode == "incremental"
    after = loaded.read_raw("MATCH (r:Record {source: 'evil_source'}) RETURN r.name AS name ORDER BY name")
    assert [row["name"] for row in after] == sorted(["Robert'); DROP TABLE sg_records;--", evil])
    total = counts(loaded)
    assert total["nodes"] > before["nodes"]  # the lists are all still there, plus the new records
    assert loaded.read_raw("MATCH (e:Entity) WHERE 'us_ofac_sdn' IN e.sources RETURN count(e) AS n")[0]["n"] > 9000


@pytest.mark.slow
def test_a_fresh_load_of_customers_writes_every_row_with_its_links(graph_store: GraphStore, tmp_path: Path) -> None:
    """Thousands of generated accounts, each its own entity: every record, value and link arrives."""
    customers = stage_customers(tmp_path, 3000, 11)
    ids = list(customers.entity_of)
    summary = run_load(graph_store, customers.staging)
    assert summary.mode == "fresh"
    records = graph_store.read_raw("MATCH (r:Record)-[:RESOLVES_TO]->(:Entity) RETURN count(r) AS n")[0]["n"]
    assert records == len(ids) == summary.records
    orphans = graph_store.read_raw("MATCH (e:Entity) WHERE NOT EXISTS { (e)<-[:RESOLVES_TO]-() } RETURN count(e) AS n")
    assert orphans[0]["n"] == 0
    links = graph_store.read_raw("MATCH (:Entity)-[l]->(v) WHERE v.key IS NOT NULL RETURN count(l) AS n")[0]["n"]
    assert links == summary.infra_links
    # An empty list is stored as no property (each list costs Neo4j a record), and read back as an empty list.
    empty = graph_store.read_raw(
        "MATCH (e:Entity) WHERE e.aliases = [] OR e.identifiers = [] OR e.incorporationDates = [] OR e.birthDates = []"
        " RETURN count(e) AS n"
    )
    assert empty[0]["n"] == 0
    bare = graph_store.read_raw(
        "MATCH (e:Entity) WHERE e.aliases IS NULL AND e.countries IS NOT NULL RETURN e.id AS id, e.identifiers AS i"
    )
    assert len(bare) > len(ids) / 2
    entity = get_entity(graph_store, next(row["id"] for row in bare if row["i"] is None))
    assert entity is not None and entity.aliases == [] and entity.identifiers == [] and entity.countries
    # A value written as its key is not stored twice, and a value's kind is its label's; both read back as before.
    shapes = graph_store.read_raw(
        "MATCH (v) WHERE v.key IS NOT NULL RETURN count(CASE WHEN v.value = v.key THEN 1 END) AS twice,"
        " count(v.value) AS spelled, count(v.kind) AS kinds"
    )[0]
    assert shapes["twice"] == shapes["kinds"] == 0
    assert shapes["spelled"] > 0  # addresses keep the spelling their key was normalised from
    user = graph_store.read_raw(
        "MATCH (r:Record)-[:RESOLVES_TO]->(e:Entity)-[:HAS_EMAIL]->(v:Email) RETURN e.id AS id, r.id AS record,"
        " v.key AS email, coalesce(v.value, v.key) AS spelled LIMIT 1"
    )[0]
    # A mailbox keeps the spelling it was first written with (a Gmail address's dots are not in its key).
    around = analytics.network(graph_store, user["id"], depth=1)
    email = next(node for node in around.nodes if node.label == "Email" and node.key == user["email"])
    assert email.name == user["spelled"]
    edge = next(edge for edge in around.edges if edge.type == "HAS_EMAIL")
    assert edge.records == [user["record"]]
    (shared,) = [s for s in analytics.shared_values(graph_store, user["id"]) if s.node.label == "Email"]
    assert (shared.node.name, shared.kind) == (user["spelled"], "email")


def test_new_specificity_rules_rewrite_every_value_and_no_link(
    graph_store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first load stages its values' state set-wise from staging; a release that weighs phones differently
    must still see every value as changed on the next load (and only the values)."""
    customers = stage_customers(tmp_path, 1000, 3)
    first = run_load(graph_store, customers.staging)
    assert first.mode == "fresh" and first.written["value"] > 1000 and first.written["link"] > 1000

    def phone_weights() -> list[float]:
        rows = graph_store.read_raw("MATCH (p:Phone) WHERE p.degree <= 10 RETURN DISTINCT p.specificity AS w")
        return sorted(row["w"] for row in rows)

    assert phone_weights() == [0.9]
    same = run_load(graph_store, customers.staging)
    assert same.mode == "incremental" and sum(same.written.values()) == 0
    monkeypatch.setitem(specificity.BASE_WEIGHT, "phone", 0.7)
    again = run_load(graph_store, customers.staging)
    assert again.mode == "incremental"
    assert again.written["value"] == first.written["value"]
    assert sum(again.written.values()) == again.written["value"] and not any(again.deleted.values())
    assert phone_weights() == [0.7]


def test_a_domain_with_more_members_than_a_batch_is_written_in_bounded_transactions(
    graph_store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A webmail domain's e-mails come in rows of at most a batch, so no transaction outgrows Neo4j's memory."""
    customers = stage_customers(tmp_path, 1000, 7)
    monkeypatch.setattr(load_writer, "FRESH_BATCH_SIZE", 25)
    batches: list[list[int]] = []  # per create_parents_links transaction, each row's member count
    write_once = graph_store.write_once

    def recording(name: str, params: dict[str, Any], **labels: str) -> tuple[dict[str, int], list[dict[str, Any]]]:
        if name == "create_parents_links":
            batches.append([len(row["children"]) for row in params["rows"]])
        return write_once(name, params, **labels)

    monkeypatch.setattr(graph_store, "write_once", recording)
    summary = run_load(graph_store, customers.staging)
    assert summary.mode == "fresh"
    assert batches and all(size <= 25 for batch in batches for size in batch)
    assert all(len(batch) + sum(batch) <= 25 * load_writer.BATCH_ITEMS_PER_ROW + 25 for batch in batches)
    # Every e-mail is linked to its domain exactly once, and some domain was split over several rows.
    counts = graph_store.read_raw(
        "MATCH (v:Email) OPTIONAL MATCH (v)-[l:AT_DOMAIN]->(d:Domain) WITH v, count(l) AS links"
        " RETURN count(v) AS emails, min(links) AS fewest, max(links) AS most"
    )[0]
    assert counts["emails"] > 25 and counts["fewest"] == counts["most"] == 1
    biggest = graph_store.read_raw("MATCH (d:Domain)<-[:AT_DOMAIN]-(v) RETURN count(v) AS n ORDER BY n DESC LIMIT 1")
    assert biggest[0]["n"] > 25
    assert graph_store.read_raw("MATCH (d:Domain) WITH d.key AS key, count(*) AS n WHERE n > 1 RETURN key") == []


def test_the_driver_debug_log_holds_row_counts_not_rows(
    graph_store: GraphStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Should anyone turn the driver's debug log on, a load's rows (names, e-mails) stay out of it."""
    customers = stage_customers(tmp_path, 1000, 7)
    with caplog.at_level(logging.DEBUG, logger="neo4j"):
        summary = run_load(graph_store, customers.staging)
    assert summary.records > 1000
    personal = graph_store.read_raw(
        "MATCH (v:Email) WITH collect(v.key)[..20] AS emails "
        "MATCH (e:Entity) RETURN emails, collect(e.name)[..20] AS names"
    )[0]
    assert len(personal["emails"]) == 20 and len(personal["names"]) == 20
    leaked = [value for value in personal["emails"] + personal["names"] if value in caplog.text]
    assert not leaked
    assert " rows>" in caplog.text  # the batches were logged, as counts


def graph_snapshot(store: GraphStore) -> tuple[Counter[str], Counter[str]]:
    """Every node (labels and properties) and relationship (type, ends, properties), without load bookkeeping
    (nor the times of alerts)."""

    def text(value: object) -> str:
        return json.dumps(value, sort_keys=True, default=str)

    nodes = store.read_raw("MATCH (n) WHERE NOT n:Load RETURN labels(n) AS labels, properties(n) AS props")
    rels = store.read_raw(
        "MATCH (a)-[r]->(b) RETURN type(r) AS type, labels(a) AS fromLabels, coalesce(a.id, a.key) AS fromKey, "
        "labels(b) AS toLabels, coalesce(b.id, b.key) AS toKey, properties(r) AS props"
    )
    for row in nodes + rels:
        row["props"].pop("loadId", None)
        if "Alert" in row.get("labels", ()):  # when an alert was raised, not what it says
            for key in ("createdAt", "updatedAt", "history"):
                row["props"].pop(key, None)
        for key in ("labels", "fromLabels", "toLabels"):
            if key in row:
                row[key] = sorted(row[key])
    return Counter(text(row) for row in nodes), Counter(text(row) for row in rels)


@pytest.mark.slow
def test_concurrent_fresh_load_writes_the_same_graph_as_serial_and_as_merge(
    graph_store: GraphStore, resolved_workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lists and customers sharing values: 1 writer, 2 and 3 concurrent writers, and a full MERGE reload agree."""
    from ingest.run import run_ingest

    customers = stage_customers(tmp_path / "customers", 1500, 5)
    home = copy_workspace(resolved_workspace, tmp_path / "ws")
    from resolution.run import run_resolve

    run_ingest(
        home / "staging.duckdb",
        customers.staging.parent.parent / "customers" / "customers.csv",
        "mapping",
        mapping=Path(__file__).resolve().parents[2] / "mappings" / "customers.yaml",
    )
    run_resolve(home / "staging.duckdb")
    monkeypatch.setattr(load_writer, "FRESH_BATCH_SIZE", 97)  # many small batches, so writers overlap often
    snapshots = []
    for writers in (1, 2, 3):
        wipe(graph_store)
        state = tmp_path / f"state-{writers}.duckdb"
        summary = run_load(graph_store, home / "staging.duckdb", state_path=state, writers=writers)
        assert summary.mode == "fresh"
        snapshots.append(graph_snapshot(graph_store))
    assert snapshots[0] == snapshots[1] == snapshots[2]
    # Values used by entities of two writers (written by one, after the others) were among them.
    shared = graph_store.read_raw(
        "MATCH (e:Entity)-[]->(v) WHERE v.key IS NOT NULL WITH v, collect(e.id) AS ids WHERE size(ids) > 1 RETURN ids"
    )
    assert any(len({load_writer.partition(i, 2) for i in row["ids"]}) == 2 for row in shared)
    nodes, rels = snapshots[0]
    assert sum(nodes.values()) > 20_000 and sum(rels.values()) > 20_000
    assert all(count == 1 for count in nodes.values())  # no node written twice
    # The same graph rewritten by the MERGE queries (a state that cannot be trusted: a full load).
    full = run_load(graph_store, home / "staging.duckdb", state_path=tmp_path / "no-state.duckdb")
    assert full.mode == "full"
    assert graph_snapshot(graph_store) == snapshots[0]
