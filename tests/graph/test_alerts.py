"""Ongoing screening on a real list update: the 2022 OFAC snapshot, then the 2024 SDN file as its next version.

Generated customers (``sanctiongraph generate customers``) get accounts holding
what the 2024 file newly lists (digital currency addresses, e-mails, names of
new entries) and names of entries it removed (``ingest.generate.list_update``).
After each load the alerts must be exactly the customers whose screening moved:
checked against a full re-screen of every customer before and after the update.
Identity resolution (each record its own entity, IDs stable across runs) keeps
the test about screening and the graph, not the Splink model.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from graph import alert_gate, alert_reach, alert_views, alerts, exposure_reach, screen_batch
from graph.alerts import AlertStatus
from graph.applicants import Decision, ScreenResult, value_keys
from graph.connection import bolt_uri, neo4j_auth
from graph.load.plan import LoadSummary
from graph.loader import run_load
from graph.name_index import NameIndex
from graph.name_match import as_screened, names_forms
from graph.screening import Screener, name_query
from graph.store import GraphStore
from graph_api.audit import AUDIT_DIR, AUDIT_FILE
from graph_api.schema import schema
from ingest import staging as staging_db
from ingest.generate.list_update import plant_list_update, plant_named
from ingest.record import Record
from ingest.run import run_ingest
from resolution import store as resolution_store
from resolution.identity import Assignment
from resolution.normalize import PERSON
from sanctiongraph.settings import Settings
from tests.conftest import DATA, ROOT, wipe
from tests.graph_api.test_api import make_api
from tests.test_cli import sanctiongraph

pytestmark = pytest.mark.neo4j

OFAC_2022 = DATA / "ofac" / "snapshot_2022-01"
OFAC_2024 = DATA / "ofac" / "sdn_2024-05-03"


def stable_identity(path: Path) -> dict[str, str]:
    """Each record its own entity, its ID a hash of the record's: the same across runs, as resolution keeps it."""
    con = staging_db.open_for_writing(path)
    try:
        ids = sorted(r[0] for r in con.execute("SELECT record_id FROM sg_records").fetchall())
        entity_of = {rid: "sg-" + hashlib.sha256(rid.encode()).hexdigest()[:16] for rid in ids}
        at = datetime.now(UTC).replace(tzinfo=None)
        resolution_store.write_run(con, f"identity-{at.isoformat()}", at, "identity", Assignment(entity_of), [])
    finally:
        con.close()
    return entity_of


def full_rescreen(store: GraphStore, screener: Screener) -> dict[str, alerts.Screened]:
    """Every customer screened against the lists: what an ongoing screen without alerts would have to do."""
    ids: list[str] = []
    after = ""
    while rows := store.read("customer_ids_page", {"after": after, "limit": 5_000}):
        ids += [r["id"] for r in rows]
        after = ids[-1]
    return alerts.screen_customers(store, screener, ids)


@dataclass
class Update:
    store: GraphStore
    staging: Path
    entity_of: dict[str, str]
    truth: list[dict[str, Any]]
    first: LoadSummary
    second: LoadSummary
    before: dict[str, alerts.Screened]
    after: dict[str, alerts.Screened]
    alerts_after_first: list[alert_views.AlertView]
    second_progress: list[tuple[str, int]]  # what the update's load reported as it went

    def entity(self, account: str) -> str:
        return self.entity_of[f"customer_accounts:{account}"]

    def planted(self, kind: str) -> list[dict[str, Any]]:
        return [line for line in self.truth if line["kind"] == kind]


def all_alerts(store: GraphStore) -> list[alert_views.AlertView]:
    return [a for status in AlertStatus for a in alert_views.list_alerts(store, status, limit=10_000)]


# Customers named as people the 2024 file newly lists, written otherwise (born the listed party's birth date):
# what screening finds by its name forms, and so must the alerts.
RESPELLED = [
    {"kind": "respelled", "name": "Kim Myomg Chol", "entry": "40205", "birth_date": "1972-05-12"},  # typo
    {"kind": "respelled", "name": "Choe Unhyok", "entry": "46449", "birth_date": "1985-10-19"},  # run together
    {"kind": "respelled", "name": "Yi Tong Hyeok", "entry": "47699", "birth_date": "1975-11-27"},  # romanised
]
# Customers sharing only a surname with those parties: screening clears them, so no alert may name them.
UNRELATED = [
    {"kind": "unrelated", "name": "Kim Soo Ah", "entry": "40205", "birth_date": "1994-02-11"},
    {"kind": "unrelated", "name": "Choe Yu Na", "entry": "46449", "birth_date": "1991-08-30"},
    {"kind": "unrelated", "name": "Ri Hye Won", "entry": "47699", "birth_date": "1988-12-03"},
]


def stage_2022(work: Path) -> tuple[Path, list[dict[str, Any]]]:
    """Generated customers plus accounts holding what the 2024 file adds or removes, and the 2022 list, staged."""
    data = work / "customers"
    subprocess.run(
        [sys.executable, "-m", "sanctiongraph", "generate", "customers", "--size", "1000", "--seed", "28"]
        + ["--out", str(data)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    truth = plant_list_update(data / "customers.csv", OFAC_2022, OFAC_2024, each=4)
    truth += plant_named(data / "customers.csv", RESPELLED + UNRELATED)
    path = work / "ws" / "staging.duckdb"
    run_ingest(path, OFAC_2022, "ofac-csv", version="2022-01")
    run_ingest(path, data / "customers.csv", "mapping", mapping=ROOT / "mappings" / "customers.yaml")
    stable_identity(path)
    return path, truth


def stage_2024(path: Path) -> dict[str, str]:
    """The 2024 SDN file as the next version of the same list; returns record id -> entity id."""
    run_ingest(path, OFAC_2024, "ofac-csv", version="2024-05-03")
    return stable_identity(path)


@pytest.fixture(scope="module")
def update(tmp_path_factory: pytest.TempPathFactory, neo4j_settings: Settings) -> Iterator[Update]:
    path, truth = stage_2022(tmp_path_factory.mktemp("alerts"))
    screener = Screener.load()
    with GraphStore(neo4j_settings) as store:
        wipe(store)
        first = run_load(store, path)
        alerts_after_first = all_alerts(store)
        before = full_rescreen(store, screener)
        entity_of = stage_2024(path)
        reported: list[tuple[str, int]] = []
        second = run_load(store, path, progress=lambda step, count: reported.append((step, count)))
        screener = Screener.load()  # a fresh name index: the lists changed
        after = full_rescreen(store, screener)
        yield Update(store, path, entity_of, truth, first, second, before, after, alerts_after_first, reported)


def raised_in(store: GraphStore, load: LoadSummary) -> list[alert_views.AlertView]:
    rows = store.read_raw("MATCH (a:Alert) WHERE a.loadId = $id RETURN a.id AS id", {"id": load.load_id})
    found = [alert_views.get_alert(store, row["id"]) for row in rows]
    return [a for a in found if a is not None]


def test_every_customer_holding_a_newly_listed_value_or_name_is_alerted_once_with_its_reason(update: Update) -> None:
    assert update.second.mode == "incremental"
    second = [a for a in raised_in(update.store, update.second) if a.status == AlertStatus.OPEN]
    by_customer: dict[str, list[alert_views.AlertView]] = {}
    for alert in second:
        by_customer.setdefault(alert.customer_id, []).append(alert)
    for kind in ("new-wallet", "new-email", "new-name"):
        planted = update.planted(kind)
        assert planted, kind
        for line in planted:
            found = by_customer.get(update.entity(line["account_id"]), [])
            # One alert per listed party behind it (an e-mail two entries list: two parties, two alerts).
            parties = [a.listed_id for a in found]
            assert len(parties) == len(set(parties)) >= 1, (kind, line, [a.reason for a in found])
            planted_party = update.entity_of[f"us_ofac_sdn:{line['entry']}"]
            assert planted_party in parties, (kind, line, [a.reason for a in found])
            alert = next(a for a in found if a.listed_id == planted_party)
            assert alert.previous_decision == Decision.CLEAR
            assert alert.decision in (Decision.REVIEW, Decision.HIT)
            assert alert.list_change["source"] == "us_ofac_sdn"
            assert alert.list_change["version"].startswith("2024"), alert.list_change
            assert alert.list_change["kind"] in ("ADDED", "CHANGED"), alert.list_change
            if kind == "new-name":
                assert alert.list_change["kind"] == "ADDED"
                assert "name match" in alert.reason
            else:
                assert line["value"].split(":")[-1].lower() in alert.reason.lower(), alert.reason
                assert alert.path is not None and alert.path.nodes[0].entity_id == alert.customer_id
                assert alert.path.nodes[-1].entity_id == alert.listed_id


def test_no_customer_is_alerted_whose_screening_did_not_change(update: Update) -> None:
    """The alerts of the update are exactly the customers a full re-screen before and after tells apart."""
    moved = {
        cid
        for cid, now in update.after.items()
        if {r.key for r in now.reasons} - {r.key for r in update.before[cid].reasons}
    }
    second = raised_in(update.store, update.second)
    raised = {a.customer_id for a in second if a.history[-1]["status"] == AlertStatus.OPEN}

    def why(ids: set[str]) -> list[Any]:
        return [([r.key for r in update.before[c].reasons], [r.text for r in update.after[c].reasons]) for c in ids]

    # Nobody is alerted whose screening did not move.
    assert raised <= moved, why(raised - moved)
    # Everyone it moved is alerted: through a value, a relation, or a name, respellings included ("Pyongchul Ri"
    # for RI, Pyong Chol: the reverse name search uses screening's own name forms).
    missed = moved - raised
    print(f"\nRECALL moved {len(moved)}, alerted {len(raised)}, missed {len(missed)}")
    assert not missed, why(missed)
    gone = {
        cid
        for cid, was in update.before.items()
        if {r.key for r in was.reasons} - {r.key for r in update.after[cid].reasons}
    }
    closed = {a.customer_id for a in second if a.status == AlertStatus.CLOSED}
    # The first load's alerts: customers the 2022 list reached (the same misses: respelled names only).
    first = {a.customer_id for a in update.alerts_after_first}
    reached = {cid for cid, was in update.before.items() if was.reasons}
    assert first <= reached, why(first - reached)
    # What the first load's name search may miss: REVIEW-level name matches whose forms are more than two edits
    # apart, which the screener's similarity still pairs (``Dmitry Ivanov``, IVANOV, Viktor: 0.75) (docs/graph.md).
    for cid in reached - first:
        assert all(r.key.startswith("match:") and r.level == "REVIEW" for r in update.before[cid].reasons), why({cid})
    assert len(reached - first) <= len(reached) // 5, why(reached - first)
    # An alert closes exactly when its reason went: every alerted customer who lost a reason, nobody else.
    assert closed <= gone, why(closed - gone)
    # Not closed: a reason gone although its party is still listed and unchanged (seen once: "Yuxuan Li", REVIEW
    # for YOU, Quan under 2022, CLEAR under 2024; screening keeps only its best name candidates, so a newly listed
    # party may push an old one out). A load re-screens the customers its change reaches, not every shift in retrieval;
    # a full re-screen closes it (the last test of this file).
    for cid in (gone & first) - closed:
        lost = {r.listed_id for r in update.before[cid].reasons} - {r.listed_id for r in update.after[cid].reasons}
        listed = update.store.read_raw(
            "MATCH (e:Entity) WHERE e.id IN $ids AND e.listed RETURN e.id AS id", {"ids": sorted(lost)}
        )
        assert {row["id"] for row in listed} == lost, why({cid})
    assert len((gone & first) - closed) <= 1, why((gone & first) - closed)
    print(f"RECALL first load: reached {len(reached)}, alerted {len(first)}; closed {len(closed)} of {len(gone)} gone")


def test_customers_with_respelled_names_of_a_newly_listed_party_are_alerted_and_unrelated_ones_are_not(
    update: Update,
) -> None:
    """A typo, a given name run together, another romanisation: each customer alerted by the update's load, for
    the party screening finds; customers sharing only a surname with those parties are not alerted."""
    second = raised_in(update.store, update.second)
    by_customer: dict[str, list[alert_views.AlertView]] = {}
    for alert in second:
        by_customer.setdefault(alert.customer_id, []).append(alert)
    for line in update.planted("respelled"):
        customer = update.entity(line["account_id"])
        party = update.entity_of[f"us_ofac_sdn:{line['entry']}"]
        assert any(r.listed_id == party for r in update.after[customer].reasons), ("screening finds it", line)
        found = [a for a in by_customer.get(customer, []) if a.listed_id == party]
        assert len(found) == 1, (line, [a.reason for a in by_customer.get(customer, [])])
        assert found[0].status == AlertStatus.OPEN and "name match" in found[0].reason
        assert found[0].previous_decision == Decision.CLEAR and found[0].list_change["kind"] == "ADDED"
    for line in update.planted("unrelated"):
        customer = update.entity(line["account_id"])
        assert not update.after[customer].reasons, line
        assert customer not in by_customer, (line, [a.reason for a in by_customer[customer]])


def screened_summary(result: ScreenResult, customer_id: str) -> tuple[Any, ...]:
    """What ongoing screening reads of a result: the decision, its reasons, the matches and the exposure score."""
    reasons = [(r.key, r.level, r.text) for r in alerts.reasons_of(result, customer_id)]
    matches = [(m.entity_id, m.probability, m.judged) for m in result.matches]
    return result.decision, reasons, matches, result.exposure_score


def test_batched_screening_gives_every_customer_what_screening_it_alone_gives(update: Update) -> None:
    """``screen_batch`` (alerts, a first load's baseline) against ``Screener.screen_customer`` one at a time, for
    every customer of the updated graph: respelled names, value-only exposure and CLEAR customers alike. Twice
    in one pass: the second time every full-text name query's hits come from the first (``NameQueryHits``)."""
    screener = Screener.load()
    ids = sorted(update.after)
    rows = update.store.read("alert_customer_records", {"ids": ids})
    records = [Record.from_dict(json.loads(row["data"])) for row in rows]
    names = screen_batch.NameQueryHits()
    batched = screen_batch.screen_records(screener, update.store, records, names=names)
    asked_first = len(names.kept)
    again = screen_batch.screen_records(screener, update.store, records, names=names)
    queries = {name_query(as_screened(record)) for record in records if record.names}
    assert asked_first < len(queries) <= len(names.kept), (asked_first, len(queries))
    kinds: dict[str, int] = {}
    for row, record, got, second in zip(rows, records, batched, again, strict=True):
        alone = screener.screen_customer(update.store, record)
        assert screened_summary(got, row["entityId"]) == screened_summary(alone, row["entityId"]), row["recordId"]
        assert screened_summary(second, row["entityId"]) == screened_summary(alone, row["entityId"]), row["recordId"]
        reasons = alerts.reasons_of(got, row["entityId"])
        kind = "clear" if not reasons else "name" if any(r.key.startswith("match:") for r in reasons) else "value"
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"\nBATCHED equal to one at a time: {len(records)} records, {kinds}")
    assert kinds.get("clear", 0) > 500 and kinds.get("name", 0) >= 10 and kinds.get("value", 0) >= 10, kinds
    respelled = {update.entity(line["account_id"]) for line in update.planted("respelled")}
    by_entity = {row["entityId"]: got for row, got in zip(rows, batched, strict=True)}
    assert all(by_entity[c].decision != Decision.CLEAR for c in respelled)


def test_a_name_query_asked_once_stands_in_for_the_full_text_search_of_every_customer_sharing_it(
    update: Update,
) -> None:
    """The candidate rows of every customer of the updated graph, its full-text name query run inside the candidate
    query or its hits asked before (``NameQueryHits``), are the same rows in the same order; with no hits they
    are not (the full text finds candidates here that nothing else does)."""
    screener = Screener.load()
    rows = update.store.read("alert_customer_records", {"ids": sorted(update.after)})
    records = [Record.from_dict(json.loads(row["data"])) for row in rows]
    queries = sorted({name_query(as_screened(record)) for record in records})
    inline, asked, none = screen_batch.NameQueryHits(), screen_batch.NameQueryHits(), screen_batch.NameQueryHits()
    asked.ask(update.store, queries)
    none.kept.update(dict.fromkeys(queries, ()))
    differ = 0
    for start in range(0, len(records), screen_batch.SCREEN_BATCH):
        jobs = screen_batch._jobs(screener, records[start : start + screen_batch.SCREEN_BATCH])
        ran = screen_batch._candidate_rows(screener, update.store, jobs, inline)
        assert screen_batch._candidate_rows(screener, update.store, jobs, asked) == ran
        differ += screen_batch._candidate_rows(screener, update.store, jobs, none) != ran
    assert inline.kept and inline.seen.keys() - inline.kept.keys()  # repeated names asked, the others run inside
    assert differ, "no customer's candidates came from the full-text query: the comparison shows nothing"


def test_screening_skips_the_exposure_search_only_for_customers_it_cannot_expose(update: Update) -> None:
    """With the values that can expose anyone read once (``exposure_reach``), every customer of the updated graph
    screens as with the exposure search for each: decision, reasons, matches and exposure score; the search is
    skipped for most customers and none of the exposed ones."""
    screener = Screener.load()
    exposing = exposure_reach.exposing_values(update.store)
    assert exposing is not None
    rows = update.store.read("alert_customer_records", {"ids": sorted(update.after)})
    records = [Record.from_dict(json.loads(row["data"])) for row in rows]
    searched = screen_batch.screen_records(screener, update.store, records)
    skipping = screen_batch.screen_records(screener, update.store, records, exposing)
    skipped = exposed = 0
    for row, record, full, got in zip(rows, records, searched, skipping, strict=True):
        assert screened_summary(got, row["entityId"]) == screened_summary(full, row["entityId"]), row["recordId"]
        assert got.exposure == full.exposure, row["recordId"]
        may = exposing.may_expose(value_keys(as_screened(record)))
        skipped += not may
        exposed += bool(full.exposure)
        assert may or not full.exposure, row["recordId"]
    print(f"\nEXPOSING {len(exposing.values)} values: {skipped} of {len(records)} records skip, {exposed} exposed")
    assert exposed >= 10 and skipped > len(records) / 2


def test_a_walk_from_the_lists_that_grows_too_far_gives_up(update: Update, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``MAX_NODES`` the walk stops and says so: every customer is then searched in full."""
    monkeypatch.setattr(exposure_reach, "MAX_NODES", 10)
    assert exposure_reach.exposing_values(update.store) is None


def test_a_paged_read_returns_every_row_once_whatever_the_page_size(update: Update) -> None:
    """``GraphStore.pages`` (the next page read while this one is used) against one read of everything."""
    every = [row["id"] for row in update.store.read("customer_ids_page", {"after": "", "limit": 10_000_000})]
    assert len(every) > 200
    for limit in (97, len(every) - 1, len(every), len(every) + 1):
        pages = list(update.store.pages("customer_ids_page", limit=limit))
        assert [row["id"] for rows in pages for row in rows] == every, limit
        assert all(len(rows) <= limit for rows in pages)


def near_listed_people(store: GraphStore) -> dict[str, set[str]]:
    """Each customer with the listed people (any, new or not) whose name forms are near its own, as the reverse
    name search pairs them: a superset of what an update's names reach."""
    listed = [row["id"] for row in store.read("alert_listed_ids")]
    rows = [
        r
        for start in range(0, len(listed), 500)
        for r in store.read("alert_seed_entities", {"ids": listed[start : start + 500]})
    ]
    entries = [(r["id"], PERSON, names_forms(alert_reach._person_names(r) or [], PERSON, listed=True)) for r in rows]
    index = NameIndex.build(None, entries)
    near: dict[str, set[str]] = {}
    for row in store.read("alert_customer_forms", {"after": "", "limit": 100_000}):
        found = index.near(row["forms"].split(), PERSON)
        if found:
            near[row["id"]] = found
    return near


def touched_by_the_update(update: Update) -> set[str]:
    """The entities of every list entry the 2024 file added, changed or removed: what its load touched, near enough
    (the load's own rows are gone once it is recorded)."""
    con = staging_db.connect(update.staging, read_only=True)
    try:
        rows = con.execute("SELECT record_id FROM sg_changes WHERE version = '2024-05-03'").fetchall()
    finally:
        con.close()
    return {update.entity_of[r[0]] for r in rows if r[0] in update.entity_of}


def test_a_listed_name_that_many_customers_share_reaches_every_one_of_them(
    update: Update, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An update's name search asks the full-text index for a first page of customers per listed name: a name
    with more (``ZHANG, Lei`` is a thousand customers' name in a big base) is asked again for more, so no customer
    it reaches is left out. With pages of two, the forms search finds what it finds with the default pages."""
    touched = sorted(touched_by_the_update(update))
    listed = [r for r in update.store.read("alert_seed_entities", {"ids": touched}) if r["listed"]]
    found = alert_reach._by_name(update.store, listed)
    monkeypatch.setattr(alert_reach, "NAME_CANDIDATES", 2)
    paged = alert_reach._by_name(update.store, listed)
    assert paged == found
    per_party: dict[str, int] = {}
    for parties in found.values():
        for party in parties:
            per_party[party] = per_party.get(party, 0) + 1
    assert max(per_party.values()) > 2, per_party  # some listed name reached more customers than a page holds


def clear_before(update: Update) -> set[str]:
    """The customers the full re-screen before the update found CLEAR (the graph now keeps the update's)."""
    return {cid for cid, was in update.before.items() if was.decision == Decision.CLEAR}


def test_the_gate_rules_out_only_customers_whose_screening_new_parties_cannot_move(update: Update) -> None:
    """``alert_gate.plan`` with every customer reached by the names of the touched listed people near it: one it
    rules out had no reason before and has none by name now (the full re-screen after the update); the planted and
    respelled names of newly listed parties are never ruled out."""
    store = update.store
    touched = touched_by_the_update(update)
    by_name = {cid: found & touched for cid, found in near_listed_people(store).items() if found & touched}
    con = staging_db.connect(update.staging, read_only=True)
    try:
        new = alert_gate.new_parties(store, con, sorted({p for found in by_name.values() for p in found}))
        reached = alert_reach.Reach(set(by_name), set(), set(), by_name, parties_known=True, touched=touched)
        planned = alert_gate.plan(store, Screener.load, reached, con, clear_before(update))
    finally:
        con.close()
    near_new = sum(bool(found & new.keys()) for found in by_name.values())
    print(f"\nGATE near a listed person {len(by_name)} (a new one: {near_new}), ", end="")
    print(f"ruled out {len(planned.ruled_out)}, by values {len(planned.by_values)}")
    assert len(new) > 10 and planned.ruled_out
    for cid in planned.ruled_out:
        assert by_name[cid] <= new.keys() and not update.before[cid].reasons, cid
        assert not [r for r in update.after[cid].reasons if r.key.startswith("match:")], (
            cid,
            update.after[cid].reasons,
        )
    kept = {update.entity(line["account_id"]) for kind in ("new-name", "respelled") for line in update.planted(kind)}
    assert kept and not kept & planned.ruled_out and kept & planned.by_values.keys()
    assert update.second.alerts is not None
    a = update.second.alerts
    print(f"GATE at the update's load: re-screened {a.customers} ({a.by_values} by values), ruled out {a.ruled_out}")


def test_screening_by_values_gives_what_a_full_screen_gives(update: Update) -> None:
    """Every customer reached by the walk (here: all of them) whom ``alert_gate.plan`` screens by its values and
    the new parties named near it (``screen_batch.screen_records_by_values``): the same decision and reasons, texts
    included, as the full re-screen after the update; customers holding wallets, e-mails and (respelled) names the
    update newly lists among them."""
    store = update.store
    touched = touched_by_the_update(update)
    by_name = {cid: found & touched for cid, found in near_listed_people(store).items() if found & touched}
    everyone = set(update.after)
    con = staging_db.connect(update.staging, read_only=True)
    try:
        reached = alert_reach.Reach(everyone, set(), everyone, by_name, parties_known=True, touched=touched)
        planned = alert_gate.plan(store, Screener.load, reached, con, clear_before(update))
    finally:
        con.close()
    ids = sorted(planned.by_values)
    cheap = alerts.screen_customers(store, Screener.load(), ids, planned.by_values)
    moved = 0
    for cid in ids:
        full = update.after[cid]
        got = cheap[cid]
        assert (got.decision, [(r.key, r.text) for r in got.reasons]) == (
            full.decision,
            [(r.key, r.text) for r in full.reasons],
        ), cid
        moved += bool(full.reasons)
    cheaply = {
        kind: sum(update.entity(line["account_id"]) in planned.by_values for line in update.planted(kind))
        for kind in ("new-wallet", "new-email", "new-name", "respelled")
    }
    print(f"\nBY VALUES {len(ids)} customers equal to the full screen ({moved} with reasons; planted {cheaply})")
    assert len(ids) > 500 and moved and cheaply["new-wallet"] and cheaply["new-email"], cheaply
    assert cheaply["new-name"] + cheaply["respelled"], cheaply


def test_a_load_reports_how_far_its_alert_pass_has_screened(update: Update) -> None:
    """A first load of a big customer base screens for a long while: the load's progress says how far."""
    assert update.second.alerts is not None and update.second.alerts.customers > 0
    steps = [(step, count) for step, count in update.second_progress if step.startswith("alert_")]
    assert steps[0] == (alerts.TO_SCREEN_STEP, update.second.alerts.customers)
    screened = [count for step, count in steps if step == alerts.SCREENED_STEP]
    assert screened == sorted(screened) and screened[-1] == update.second.alerts.customers


def test_a_delisting_closes_the_alert_it_opened_with_that_reason(update: Update) -> None:
    planted = update.planted("removed-name")
    assert planted
    first = {a.customer_id: a for a in update.alerts_after_first}
    for line in planted:
        customer = update.entity(line["account_id"])
        assert customer in first, line  # the 2022 list named them
        alert = alert_views.get_alert(update.store, first[customer].id)
        assert alert is not None
        assert alert.status == AlertStatus.CLOSED, (line, alert.reason)
        assert alert.closed_by == alerts.SYSTEM
        assert alert.closed_reason is not None and "removed from us_ofac_sdn in 2024" in alert.closed_reason
        assert [h["status"] for h in alert.history] == ["OPEN", "CLOSED"]


def test_a_load_that_changes_nothing_raises_nothing(update: Update) -> None:
    count = len(all_alerts(update.store))
    again = run_load(update.store, update.staging)
    assert again.alerts is not None and again.alerts.raised == 0 and again.alerts.closed == 0
    assert again.alerts.customers == 0
    assert len(all_alerts(update.store)) == count


def test_an_analyst_moves_an_alert_and_its_history_keeps_who_and_why(update: Update) -> None:
    alert = next(a for a in alert_views.list_alerts(update.store) if a.status == AlertStatus.OPEN)
    moved = alert_views.update_alert(update.store, alert.id, "UNDER_REVIEW", "looking at the wallet", "ana")
    assert moved.status == AlertStatus.UNDER_REVIEW
    closed = alert_views.update_alert(update.store, alert.id, "CLOSED", "false positive: other person", "ana")
    assert closed.status == AlertStatus.CLOSED and closed.closed_by == "ana"
    assert closed.closed_reason == "false positive: other person"
    assert [(h["status"], h["by"]) for h in closed.history][-2:] == [("UNDER_REVIEW", "ana"), ("CLOSED", "ana")]
    assert alert.id not in {a.id for a in alert_views.list_alerts(update.store)}
    with pytest.raises(Exception, match="needs a note"):
        alert_views.update_alert(update.store, alert.id, "CLOSED", None, "ana")


# --- the public contract: GraphQL and the CLI -------------------------------------------------------------

ALERTS = """
query($status: AlertStatus, $first: Int, $after: String) {
  alerts(status: $status, first: $first, after: $after) {
    edges { cursor node {
      id customer { id name schema } decision previousDecision reason
      path { nodes { id entityId listed } edges { source target type } score }
      listChange { source version kind } createdAt status
      closedReason closedBy history { at status by note }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
UPDATE = """
mutation($id: ID!, $status: AlertStatus!, $note: String) {
  updateAlert(id: $id, status: $status, note: $note) { id status closedReason closedBy history { status by note } }
}
"""


def test_graphql_alerts_contract() -> None:
    sdl = str(schema)
    assert "alerts(status: AlertStatus = OPEN, first: Int = 50, after: String): AlertConnection!" in sdl
    fields = schema.graphql_schema.get_type("Alert").fields  # type: ignore[union-attr]
    for name in ("id", "customer", "decision", "previousDecision", "reason", "path", "listChange", "createdAt"):
        assert name in fields, name
    assert "status" in fields and str(fields["customer"].type) == "Entity!"
    assert set(schema.graphql_schema.get_type("ListChange").fields) >= {"source", "version", "kind"}  # type: ignore[union-attr]
    assert set(schema.graphql_schema.get_type("AlertStatus").values) == {"OPEN", "UNDER_REVIEW", "CLOSED"}  # type: ignore[union-attr]
    update = schema.graphql_schema.mutation_type.fields["updateAlert"]  # type: ignore[union-attr]
    assert set(update.args) == {"id", "status", "note"}


def test_graphql_lists_alerts_and_an_analyst_moves_one_audited(update: Update, neo4j_settings: Settings) -> None:
    home = update.staging.parent
    with make_api(neo4j_settings, home) as api:
        data = api.data(ALERTS, {"first": 2}, role="investigator")["alerts"]
        assert len(data["edges"]) == 2 and data["pageInfo"]["hasNextPage"]
        rest = api.data(ALERTS, {"first": 200, "after": data["pageInfo"]["endCursor"]}, role="investigator")["alerts"]
        nodes = [e["node"] for e in data["edges"] + rest["edges"]]
        assert {n["id"] for n in nodes} == {a.id for a in alert_views.list_alerts(update.store, limit=10_000)}
        assert all(n["status"] == "OPEN" for n in nodes)
        wallet = next(n for n in nodes if n["path"] and "Wallet" in n["reason"])
        assert wallet["customer"]["schema"] == "CustomerAccount"
        assert wallet["path"]["nodes"][0]["entityId"] == wallet["customer"]["id"]
        assert wallet["path"]["nodes"][-1]["listed"] is True
        assert wallet["listChange"]["source"] == "us_ofac_sdn" and wallet["listChange"]["kind"] in ("ADDED", "CHANGED")
        closed = api.data(ALERTS, {"status": "CLOSED", "first": 200}, role="investigator")["alerts"]["edges"]
        assert any("removed from us_ofac_sdn" in (e["node"]["closedReason"] or "") for e in closed)

        denied = api.post(UPDATE, {"id": wallet["id"], "status": "UNDER_REVIEW"}, role="investigator")
        assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        moved = api.data(UPDATE, {"id": wallet["id"], "status": "UNDER_REVIEW", "note": "checking"}, role="analyst")
        assert moved["updateAlert"]["status"] == "UNDER_REVIEW"
        assert moved["updateAlert"]["history"][-1] == {
            "status": "UNDER_REVIEW",
            "by": "test-analyst",
            "note": "checking",
        }
        review = api.data(ALERTS, {"status": "UNDER_REVIEW"}, role="investigator")["alerts"]["edges"]
        assert [e["node"]["id"] for e in review] == [wallet["id"]]
        bad = api.post(UPDATE, {"id": wallet["id"], "status": "CLOSED"}, role="analyst")
        assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
        log = (home / AUDIT_DIR / AUDIT_FILE).read_text(encoding="utf-8")
        updates = [json.loads(line) for line in log.splitlines() if '"updateAlert"' in line]
        assert [(e["principal"], e["status"]) for e in updates if e["principal"] == "test-analyst"] == [
            ("test-analyst", "OK"),
            ("test-analyst", "BAD_REQUEST"),
        ]
        entries = [json.loads(line) for line in log.splitlines()]
        assert any(e["principal"] == "test-investigator" and e["status"] == "FORBIDDEN" for e in entries)
        assert "checking" not in log  # the note is hashed like every variable


def test_cli_alerts_json(update: Update, neo4j_settings: Settings) -> None:
    user, password = neo4j_auth(neo4j_settings)
    env = {"NEO4J_URI": bolt_uri(neo4j_settings), "NEO4J_USER": user, "NEO4J_PASSWORD": password}
    result = sanctiongraph("alerts", "--json", home=update.staging.parent, env=env)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert {line["id"] for line in lines} == {a.id for a in alert_views.list_alerts(update.store, limit=10_000)}
    for line in lines:
        assert set(line) >= {"id", "customerId", "decision", "previousDecision", "reason", "listChange", "createdAt"}
        assert line["status"] == "OPEN" and set(line["listChange"]) == {"source", "version", "kind"}
    closed = sanctiongraph("alerts", "--status", "CLOSED", "--json", home=update.staging.parent, env=env)
    assert closed.returncode == 0 and all(json.loads(x)["status"] == "CLOSED" for x in closed.stdout.splitlines())


def test_cli_alert_shows_one_alert_and_an_analyst_moves_it(update: Update, neo4j_settings: Settings) -> None:
    user, password = neo4j_auth(neo4j_settings)
    env = {"NEO4J_URI": bolt_uri(neo4j_settings), "NEO4J_USER": user, "NEO4J_PASSWORD": password}
    home = update.staging.parent
    alert_id = alert_views.list_alerts(update.store, limit=1)[0].id
    try:
        shown = sanctiongraph("alert", alert_id, "--json", home=home, env=env)
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["status"] == "OPEN"
        refused = sanctiongraph("alert", alert_id, "--status", "CLOSED", home=home, env=env)
        assert refused.returncode != 0 and "needs a note" in refused.stderr, refused.stderr
        moved = sanctiongraph("alert", alert_id, "--status", "under_review", "--note", "checking", home=home, env=env)
        assert moved.returncode == 0 and "UNDER_REVIEW" in moved.stdout, moved.stderr
        closed = sanctiongraph(
            "alert", alert_id, "--status", "CLOSED", "--note", "KYC says unrelated", "--json", home=home, env=env
        )
        assert closed.returncode == 0, closed.stderr
        line = json.loads(closed.stdout)
        assert (line["status"], line["closedReason"]) == ("CLOSED", "KYC says unrelated")
        assert line["closedBy"].startswith("cli:")
        assert [event["status"] for event in line["history"]][-2:] == ["UNDER_REVIEW", "CLOSED"]
        missing = sanctiongraph("alert", "no-such-alert", home=home, env=env)
        assert missing.returncode != 0 and "no alert no-such-alert" in missing.stderr
    finally:  # the tests after this one read the update's alerts as the load left them
        alert_views.update_alert(update.store, alert_id, "OPEN", None, "test")


def test_a_full_rescreen_closes_what_no_load_reached_and_raises_only_what_the_record_lacks(
    update: Update, neo4j_settings: Settings
) -> None:
    """`sanctiongraph rescreen` (last here: it changes the alerts): every customer screened again.

    A load re-screens the customers its change reaches; a reason can go without any load reaching its
    customer (a newly listed party pushing an older one out of the best name candidates). After a full
    re-screen the graph records exactly what screening says now: no alert stays open without its reason,
    every reason has its alert, and alerts are raised only for customers whose recorded screening lacked one.
    """
    store = update.store
    now = {cid: {r.key for r in screened.reasons} for cid, screened in update.after.items()}
    recorded = {row["id"]: row for row in store.read("alert_screenings", {"ids": sorted(now)})}

    def recorded_keys(cid: str) -> set[str]:
        return {r["key"] for r in json.loads((recorded.get(cid) or {}).get("reasons") or "[]")}

    lacking = {cid for cid, keys in now.items() if keys - recorded_keys(cid)}
    before = {a.id for a in all_alerts(store)}
    user, password = neo4j_auth(neo4j_settings)
    env = {"NEO4J_URI": bolt_uri(neo4j_settings), "NEO4J_USER": user, "NEO4J_PASSWORD": password}
    result = sanctiongraph("rescreen", home=update.staging.parent, env=env)
    assert result.returncode == 0, result.stderr
    assert f"rescreen: {len(now):,} customers screened" in result.stdout, result.stdout
    print(f"\nRESCREEN {result.stdout.strip()} (customers whose record lacked a reason: {len(lacking)})")
    after = all_alerts(store)
    assert {a.customer_id for a in after if a.id not in before} <= lacking
    for alert in after:
        if alert.status != AlertStatus.CLOSED:
            assert any(alert.id == alerts.alert_id(alert.customer_id, key) for key in now[alert.customer_id]), alert
    ids = {a.id for a in after}
    for cid, keys in now.items():
        assert {alerts.alert_id(cid, key) for key in keys} <= ids, cid
    stored = {row["id"]: row for row in store.read("alert_screenings", {"ids": sorted(now)})}
    assert {cid: {r["key"] for r in json.loads(row.get("reasons") or "[]")} for cid, row in stored.items()} == {
        cid: keys for cid, keys in now.items() if cid in stored
    }
