"""The investigator page against the real app: ``sanctiongraph load`` + ``serve`` on the
bundled OFAC and UN samples, in the session's Neo4j, driven by Debian's Chromium.

Screenshots and exported files go to ``test-output/web/`` for a person to look at.
Playwright only drives the browser; it downloads none (``/usr/bin/chromium`` is used).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sanctiongraph.settings import Settings
from tests.conftest import ROOT, copy_workspace, free_port, stop_server, wipe
from tests.test_e2e import cli_env, wait_for_http

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = ROOT / "test-output" / "web"
WEB_DIST = ROOT / "web" / "dist"
# Without the background-networking flags Chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}


@dataclass(frozen=True)
class Served:
    url: str
    key: str
    home: Path


@pytest.fixture(scope="module")
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``sanctiongraph load`` then ``sanctiongraph serve`` on the resolved samples.

    For working on the page, ``SANCTIONGRAPH_WEB_TEST_URL`` (with ``SANCTIONGRAPH_WEB_TEST_HOME``,
    the workspace holding its ``dev-api-key``) points the tests at a server already running
    the demo data instead.
    """
    assert (WEB_DIST / "index.html").is_file(), "web/dist is not built: run scripts/setup.sh (npm ci && npm run build)"
    if os.environ.get("SANCTIONGRAPH_WEB_TEST_URL"):
        home = Path(os.environ["SANCTIONGRAPH_WEB_TEST_HOME"])
        yield Served(os.environ["SANCTIONGRAPH_WEB_TEST_URL"], (home / "dev-api-key").read_text().strip(), home)
        return
    from graph.store import GraphStore

    neo4j_settings: Settings = request.getfixturevalue("neo4j_settings")
    resolved_workspace: Path = request.getfixturevalue("resolved_workspace")

    with GraphStore(neo4j_settings) as store:
        wipe(store)
    home = copy_workspace(resolved_workspace, tmp_path_factory.mktemp("web") / "workspace")
    load(neo4j_settings, home)
    with serving(neo4j_settings, home) as served:
        yield served


def load(neo4j_settings: Settings, home: Path) -> str:
    """``sanctiongraph load`` of a workspace into the session's Neo4j, as a user runs it; returns what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "sanctiongraph", "load"],
        env=cli_env(neo4j_settings, home),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@contextmanager
def serving(neo4j_settings: Settings, home: Path) -> Iterator[Served]:
    """``sanctiongraph serve`` of a workspace on a free port, stopped as a user would when the block ends."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sanctiongraph", "serve", "--port", str(port)],
        env=cli_env(neo4j_settings, home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/healthz", process)
        yield Served(url, (home / "dev-api-key").read_text().strip(), home)
    finally:
        stop_server(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def signed_in(browser: Any, served: Served, tab: str) -> tuple[Any, Any, list[str]]:
    """A new browser context signed in with ``served``'s key, on the tab ``#tab-<tab>``; page errors collect."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(served.url + "/")
    page.locator("#api-key").fill(served.key)
    page.locator("#api-key").press("Enter")
    page.wait_for_selector("#sign-out")
    page.locator(f"#tab-{tab}").click()
    return context, page, errors
