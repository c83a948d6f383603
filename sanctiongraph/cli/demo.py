"""``demo``: the whole flow on the bundled real samples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sanctiongraph.cli.api import serve_api
from sanctiongraph.cli.common import (
    PROJECT_ROOT,
    SAMPLES,
    Host,
    Port,
    Workspace,
    app,
    console,
    out,
    progress_bar,
    run,
    settings_for,
)

DEMO_QUERIES = [
    '{ search(query: "Korea Kwangson Banking", first: 5) { edges { node { id name schema '
    "records(first: 20) { edges { node { source sourceKey } } } } } } }",
    '{ search(query: "Mansudae Overseas Project", first: 3) { edges { node { id name listed '
    "sanctions { authority program listedOn reference } } } } }",
    # A bare wallet, as a customer table holds it; OFAC lists it as "XBT 1DT3tenf...": one node.
    '{ screen(input: {wallet: "1DT3tenf14cxz9WFNxmYrXFbB6TFiVWA9U"}) { decision '
    "exposure { kind value score entity { name listed } } } }",
]


@dataclass(frozen=True)
class DemoSource:
    path: Path
    format: str
    mapping: Path | None = None


# Generated customers the demo adds to the real lists and registries: enough for the
# planted DPRK-style networks to show on the page, few enough to resolve in seconds.
DEMO_CUSTOMERS = 2_000


DEMO_SEED = 1


def demo_sources(workspace: Path | None = None) -> list[DemoSource]:
    """The bundled real samples: three sanctions lists and four registries; with a workspace,
    also generated customer accounts (written there) whose planted networks imitate listed parties."""
    sources = [
        DemoSource(SAMPLES / "ofac" / "snapshot_2022-01", "ofac-csv"),
        DemoSource(SAMPLES / "un" / "consolidated.xml", "un-xml"),
        DemoSource(SAMPLES / "uk" / "FCDO_SL_Mon_Aug_11_2025.ods", "uk-fcdo"),
        DemoSource(SAMPLES / "gleif" / "lei-data.xml", "gleif-lei"),
        DemoSource(SAMPLES / "gleif" / "rr-data.xml", "gleif-rr"),
        DemoSource(SAMPLES / "companies_house" / "psc_fixtures", "ch-psc"),
        DemoSource(SAMPLES / "icij" / "panama_papers_2016_format", "icij"),
    ]
    if workspace is not None:
        from ingest.generate.customers import CSV_NAME, generate_customers

        folder = workspace / "demo-customers"
        if not (folder / CSV_NAME).exists():
            generate_customers(folder, DEMO_CUSTOMERS, DEMO_SEED)
        sources.append(DemoSource(folder / CSV_NAME, "mapping", PROJECT_ROOT / "mappings" / "customers.yaml"))
    return sources


@app.command()
def demo(host: Host = "127.0.0.1", port: Port = 8000, workspace: Workspace = None) -> None:
    """The whole flow on the bundled real samples: Neo4j up, ingest, resolve, load, serve."""
    from graph.loader import run_load
    from graph.store import GraphStore
    from ingest.run import run_ingest
    from resolution.run import run_resolve
    from sanctiongraph import neo4j_server as server

    settings = settings_for(workspace)

    def prepare() -> None:
        with console.status("starting Neo4j"):
            out.print(server.start(settings).detail, highlight=False)
        for source in demo_sources(settings.home):
            summary = run_ingest(settings.staging_path, source.path, source.format, mapping=source.mapping)
            out.print(
                f"ingested {source.path.name}: {summary.records:,} records ({summary.source} {summary.version})",
                highlight=False,
            )
        with console.status("resolving"):
            resolved = run_resolve(settings.staging_path)
        out.print(f"resolved {resolved.records:,} records into {resolved.entities:,} entities", highlight=False)
        with GraphStore(settings) as store, progress_bar("loading") as update:
            loaded = run_load(store, settings.staging_path, progress=update)
        out.print(f"loaded {loaded.entities:,} entities and {loaded.records:,} records into Neo4j", highlight=False)

    def banner() -> None:
        out.print(
            'Try these queries (POST {"query": ...} to /graphql with the header Authorization: Bearer <key>, '
            "or paste them into GraphiQL):",
            highlight=False,
        )
        for query in DEMO_QUERIES:
            out.print(f"  {query}", highlight=False, soft_wrap=True)

    run(settings, prepare)
    run(settings, lambda: serve_api(settings, host, port, banner, show_key=True))
