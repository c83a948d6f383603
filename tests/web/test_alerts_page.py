"""The Alerts tab, driven in headless Chromium after a real list update: the 2022 OFAC snapshot loaded with
generated customers, then the 2024 SDN file (``sanctiongraph load`` both times). The worklist shows the
customers the update moved; an alert opens the customer's profile with the path to the listed party drawn;
closed alerts say the delisting that closed them.

Screenshots land in ``test-output/web/alerts-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from graph import alert_views
from graph.store import GraphStore
from graph_api.auth import Role, create_key
from sanctiongraph.settings import Settings
from tests.conftest import wipe
from tests.graph.test_alerts import stage_2022, stage_2024
from tests.web.conftest import CHROMIUM, OUTPUT, WEB_DIST, Served, load, serving, signed_in

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: run scripts/setup.sh --browser"),
]


@pytest.fixture(scope="module")
def alerts_served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Served, list[dict[str, Any]], dict[str, str]]]:
    assert (WEB_DIST / "index.html").is_file(), "web/dist is not built: run npm run build in web/"
    neo4j_settings: Settings = request.getfixturevalue("neo4j_settings")
    with GraphStore(neo4j_settings) as store:
        wipe(store)
    path, truth = stage_2022(tmp_path_factory.mktemp("web-alerts"))
    home = path.parent
    load(neo4j_settings, home)
    entity_of = stage_2024(path)
    printed = load(neo4j_settings, home)
    assert "alerts:" in printed and "raised" in printed, printed
    with serving(neo4j_settings, home) as served:
        yield served, truth, entity_of


def test_alert_worklist_opens_the_customer_with_the_path_to_the_newly_listed_party(
    browser: Any, alerts_served: tuple[Served, list[dict[str, Any]], dict[str, str]]
) -> None:
    served, truth, entity_of = alerts_served
    context, page, errors = signed_in(browser, served, "alerts")
    page.wait_for_selector("#alert-list li")
    texts = page.locator("#alert-list li").all_inner_texts()
    wallets = [line for line in truth if line["kind"] == "new-wallet"]
    assert any(line["value"].split(":")[-1].lower() in text.lower() for line in wallets for text in texts), texts
    assert any("us_ofac_sdn 2024-05-03" in text for text in texts), texts
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "alerts-01-worklist.png"))

    line = wallets[0]
    customer = entity_of[f"customer_accounts:{line['account_id']}"]
    item = page.locator(f"#alert-list li:has-text('{line['value'].split(':')[-1][:12]}')").first
    item.locator("button.link").click()
    page.wait_for_selector("#profile h2")
    page.wait_for_function("() => { const v = window.sanctiongraph.view; return !v.busy && !v.empty }")
    page.wait_for_timeout(500)
    assert customer in page.url
    drawn = page.evaluate(
        "() => window.sanctiongraph.view.cy.nodes().map(n => n.data('node'))"
        ".map(n => ({label: n.label, name: n.name, listed: n.listed, id: n.entityId}))"
    )
    assert any(n["label"] == "Wallet" for n in drawn), drawn
    assert any(n["listed"] and n["id"] == entity_of[f"us_ofac_sdn:{line['entry']}"] for n in drawn), drawn
    status = page.locator("#status").inner_text()
    assert "CLEAR → REVIEW" in status or "CLEAR → HIT" in status, status
    page.screenshot(path=str(OUTPUT / "alerts-02-customer-path.png"))

    page.locator("#tab-alerts").click()
    page.locator("#alert-status").select_option("CLOSED")
    page.wait_for_selector("#alert-list li")
    closed = page.locator("#alert-list li").all_inner_texts()
    assert any("removed from us_ofac_sdn in 2024-05-03" in text for text in closed), closed
    page.screenshot(path=str(OUTPUT / "alerts-03-closed.png"))
    assert not errors, errors
    context.close()


def show_alert(page: Any, status: str, alert_id: str) -> Any:
    """The alert's item in the worklist of ``status``, paging with "More alerts" until it shows."""
    page.locator("#alert-status").select_option(status)
    page.wait_for_selector("#alert-list li")
    item = page.locator(f'#alert-list li[data-alert="{alert_id}"]')
    while not item.count() and page.locator("#alerts-more").count():
        shown = page.locator("#alert-list li").count()
        page.locator("#alerts-more").click()
        page.wait_for_function(f"() => document.querySelectorAll('#alert-list li').length > {shown}")
    item.wait_for()
    return item


def test_an_analyst_takes_an_alert_under_review_then_closes_it_with_a_note(
    browser: Any, alerts_served: tuple[Served, list[dict[str, Any]], dict[str, str]], neo4j_settings: Settings
) -> None:
    """The worklist is worked from the page: under review, then closed with the analyst's note; the history and
    the graph keep both moves, and a close without a note is refused before anything is sent."""
    served, _, _ = alerts_served
    context, page, errors = signed_in(browser, served, "alerts")
    assert "(admin)" in page.locator("#login").inner_text()
    item = page.locator("#alert-list li").first
    item.wait_for()
    alert_id = item.get_attribute("data-alert")
    assert alert_id
    item.locator(".alert-review").click()
    page.wait_for_selector(f'#alert-list li[data-alert="{alert_id}"]', state="detached")
    assert "under review" in page.locator("#status").inner_text()

    item = show_alert(page, "UNDER_REVIEW", alert_id)
    item.locator(".alert-close").click()
    assert "needs a note" in item.locator(".alert-message").inner_text()
    note = "Wallet owner confirmed unrelated (KYC file 4411)"
    item.locator(".alert-note").fill(note)
    page.screenshot(path=str(OUTPUT / "alerts-04-closing.png"))
    item.locator(".alert-close").click()
    page.wait_for_selector(f'#alert-list li[data-alert="{alert_id}"]', state="detached")

    item = show_alert(page, "CLOSED", alert_id)
    assert note in item.inner_text()
    item.locator(".alert-history summary").click()
    history = item.locator(".alert-history li").all_inner_texts()
    assert any("under review" in line for line in history) and any(note in line for line in history), history
    page.screenshot(path=str(OUTPUT / "alerts-05-closed-by-analyst.png"))
    with GraphStore(neo4j_settings) as store:
        stored = alert_views.get_alert(store, alert_id)
    assert stored is not None and stored.status == "CLOSED" and stored.closed_reason == note
    assert [event["status"] for event in stored.history][-2:] == ["UNDER_REVIEW", "CLOSED"]
    assert not errors, errors
    context.close()


def test_an_investigator_reads_the_worklist_without_the_buttons_only_an_analyst_may_use(
    browser: Any, alerts_served: tuple[Served, list[dict[str, Any]], dict[str, str]]
) -> None:
    """The page asks the API who the key is (``me``) and offers only what it may do: an investigator's worklist
    has no Review or Close, and says why; a reload still knows the key's name and role."""
    served, _, _ = alerts_served
    investigator = replace(served, key=create_key(served.home, "page-investigator", Role.INVESTIGATOR))
    context, page, errors = signed_in(browser, investigator, "alerts")
    assert "Signed in as page-investigator (investigator)" in page.locator("#login").inner_text()
    page.wait_for_selector("#alert-list li")
    assert page.locator("#alerts-read-only").is_visible()
    assert page.locator("#alert-list li").count()
    assert page.locator("#alert-list .alert-actions, #alert-list .alert-review, #alert-list .alert-close").count() == 0
    page.screenshot(path=str(OUTPUT / "alerts-06-investigator.png"))
    page.reload()
    page.wait_for_function("() => document.querySelector('#login').innerText.includes('page-investigator')")
    assert not errors, errors
    context.close()
