"""The Networks tab, driven in headless Chromium on generated customers with chained rings and the real lists:
the worklist of exposed clusters and front candidates, and a cluster drawn with its values and path to the list.

Screenshots land in ``test-output/web/networks-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from graph.store import GraphStore
from sanctiongraph.settings import Settings
from tests.conftest import wipe
from tests.graph.customers import StagedCustomers, stage_customers
from tests.web.conftest import CHROMIUM, OUTPUT, WEB_DIST, Served, load, serving, signed_in

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: run scripts/setup.sh --browser"),
]


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> StagedCustomers:
    return stage_customers(tmp_path_factory.mktemp("web-rings"), 5_000, 23, rings=True)


@pytest.fixture(scope="module")
def rings_served(request: pytest.FixtureRequest, staged: StagedCustomers) -> Iterator[Served]:
    assert (WEB_DIST / "index.html").is_file(), "web/dist is not built: run npm run build in web/"
    neo4j_settings: Settings = request.getfixturevalue("neo4j_settings")
    with GraphStore(neo4j_settings) as store:
        wipe(store)
    home = staged.staging.parent
    load(neo4j_settings, home)
    with serving(neo4j_settings, home) as served:
        yield served


def test_worklist_lists_exposed_clusters_and_draws_one_with_its_path_to_the_list(
    browser: Any, rings_served: Served, staged: StagedCustomers
) -> None:
    context, page, errors = signed_in(browser, rings_served, "networks")
    page.wait_for_selector("#cluster-list li")
    exposed_rings = [line for line in staged.ring_lines().values() if line["exposed_to"]]
    items = page.locator("#cluster-list li")
    assert items.count() >= len(exposed_rings)
    listed_names = {line["exposed_to"]["name"] for line in exposed_rings}
    texts = items.all_inner_texts()
    assert any(name in text for name in listed_names for text in texts), texts
    assert page.locator("#front-list li").count() >= 1
    (OUTPUT).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "networks-01-worklist.png"))
    biggest = max(exposed_rings, key=lambda line: line["size"])
    item = page.locator("#cluster-list li", has_text=biggest["exposed_to"]["name"]).first
    item.locator("button").click()
    page.wait_for_function("() => { const v = window.sanctiongraph.view; return !v.busy && !v.empty }")
    page.wait_for_timeout(300)
    drawn = page.evaluate(
        "() => window.sanctiongraph.view.cy.nodes().map(n => n.data('node'))"
        ".map(n => ({label: n.label, name: n.name, listed: n.listed}))"
    )
    labels = {n["label"] for n in drawn}
    assert {"Entity", "PaymentInstrument"} & labels and len(labels) >= 3, labels
    assert any(n["listed"] for n in drawn), "the listed party the cluster is exposed to is drawn"
    status = page.locator("#status").inner_text()
    assert "shares" in status and "(listed)" in status, status
    page.screenshot(path=str(OUTPUT / "networks-02-cluster.png"))
    assert not errors, errors
    context.close()
