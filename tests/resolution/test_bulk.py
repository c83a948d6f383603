"""``resolution.bulk`` (DuckDB) gives exactly the rows ``build_features`` (Python) defines.

Every bundled sample file of every format is staged, plus generated customers
(accounts, billing companies, directors: the data bulk exists for), and each
record's row is compared column by column under every family it is compared in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest import staging
from ingest.generate.customers import generate_customers
from ingest.run import run_ingest
from resolution.bulk import features_of, read_records
from resolution.features import build_features, features_table, record_families
from resolution.vocabulary import MODELS_DIR, load_vocabulary

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
MAPPING = ROOT / "mappings" / "customers.yaml"

# (path, format, extra arguments): one of each bundled sample.
BUNDLED: list[tuple[Path, str, dict[str, Any]]] = [
    (DATA / "ofac" / "snapshot_2022-01", "ofac-csv", {}),
    (DATA / "ofac" / "consolidated_non_sdn_2025-03-28.xml", "ofac-xml", {}),
    (DATA / "un" / "consolidated.xml", "un-xml", {}),
    (DATA / "un" / "consolidated_2024-09-26.xml", "un-xml", {"source": "un_2024"}),
    (DATA / "uk" / "FCDO_SL_Mon_Aug_11_2025.ods", "uk-fcdo", {}),
    (DATA / "gleif" / "lei-data.xml", "gleif-lei", {}),
    (DATA / "gleif" / "rr-data.xml", "gleif-rr", {}),
    (DATA / "gleif" / "lei-bic-20260130T000000-first3000.csv", "gleif-lei-bic", {}),
    (DATA / "companies_house" / "psc_fixtures", "ch-psc", {}),
    (DATA / "icij" / "panama_papers_2016_format", "icij", {}),
]
CUSTOMERS, CUSTOMER_SEED = 3000, 11


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A staging file with every bundled sample and a few thousand generated customers."""
    home = tmp_path_factory.mktemp("bulk")
    path = home / "staging.duckdb"
    for sample, format_name, extra in BUNDLED:
        run_ingest(path, sample, format_name, **extra)
    generate_customers(home / "customers", CUSTOMERS, CUSTOMER_SEED)
    run_ingest(path, home / "customers" / "customers.csv", "mapping", mapping=MAPPING)
    return path


def test_bulk_rows_equal_build_features_rows(everything: Path) -> None:
    vocabulary = load_vocabulary(MODELS_DIR)
    con = staging.connect(everything, read_only=True)
    try:
        records = list(staging.iter_current_records(con))
        bulk = features_of(read_records(con), vocabulary)
    finally:
        con.close()
    expected = features_table(build_features(r, f, vocabulary=vocabulary) for r in records for f in record_families(r))
    key = ["unique_id", "family"]
    got_rows = {(r["unique_id"], r["family"]): r for r in bulk.to_pylist()}
    want_rows = {(r["unique_id"], r["family"]): r for r in expected.to_pylist()}
    assert bulk.schema == expected.schema
    assert len(got_rows) == bulk.num_rows  # one row per record and family
    assert set(got_rows) == set(want_rows)
    differences = [
        (k, column, got_rows[k][column], want[column])
        for k, want in sorted(want_rows.items())
        for column in expected.column_names
        if column not in key and got_rows[k][column] != want[column]
    ]
    assert differences[:20] == []
    # The samples reach every kind of record bulk handles.
    sources = {s for s, _ in (k[0].split(":", 1) for k in want_rows)}
    assert {"us_ofac_sdn", "un_sc_sanctions", "customer_accounts"} <= sources
    assert {f for _, f in want_rows} == {"person", "organization", "vessel", "account"}
    assert len(records) > 20_000


def test_bulk_reads_only_the_records_asked_for(everything: Path) -> None:
    con = staging.connect(everything, read_only=True)
    try:
        wanted = ["un_sc_sanctions:KPe.025", "us_ofac_sdn:11581", "no-such:record"]
        rows = features_of(read_records(con, wanted), load_vocabulary(MODELS_DIR))
    finally:
        con.close()
    assert sorted(set(rows["unique_id"].to_pylist())) == wanted[:2]
