"""GraphiQL for people exploring the API in a browser.

GraphiQL is bundled from npm into the web build (``web/``, built by
``scripts/setup.sh`` into ``web/dist``), so it works offline: ``GET /graphql``
from a browser answers with ``web/dist/graphiql.html``, whose relative asset
paths resolve under ``/assets/`` where the app serves the build. Without a
build, the page says how to make one; nothing is loaded from a CDN.
"""

from __future__ import annotations

from pathlib import Path

WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"

FALLBACK_HTML = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>sanctiongraph GraphQL (GraphiQL not built)</title></head>
<body style="font: 15px/1.5 system-ui, sans-serif; max-width: 44em; margin: 3em auto">
  <h1>sanctiongraph GraphQL</h1>
  <p>GraphiQL is part of the web build, which is not there yet. Build it with
  <code>scripts/setup.sh</code> (or <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>)
  and restart the server.</p>
  <p>Meanwhile, POST <code>{"query": ...}</code> to <code>/graphql</code> with the header
  <code>Authorization: Bearer &lt;API key&gt;</code>.</p>
</body>
</html>
"""


def graphiql_html(dist: Path = WEB_DIST) -> str:
    """The GraphiQL page of the web build, or a page saying how to build it."""
    page = dist / "graphiql.html"
    try:
        return page.read_text(encoding="utf-8")
    except OSError:
        return FALLBACK_HTML


# Read once when the app is imported, like the app decides once whether to serve web/dist.
GRAPHIQL_HTML = graphiql_html()
