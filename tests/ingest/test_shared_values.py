"""Shared values derived at ingest (``sg_record_infra``): kept in step with the records, and migrated."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingest import staging
from ingest.run import run_ingest
from ingest.staging import shared_values

MAPPING = (
    "source: shop\nformat: csv\nentities:\n  account:\n    schema: Person\n    key: id\n"
    "    fields:\n      name: name\n      email: email\n      country: country\n"
    "      address: {parts: {street: street, city: city}}\n"
)


def ingest(tmp_path: Path, version: str, rows: str) -> Path:
    mapping = tmp_path / "shop.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    data = tmp_path / f"shop-{version}.csv"
    data.write_text("id,name,email,street,city,country\n" + rows, encoding="utf-8")
    path = tmp_path / "staging.duckdb"
    # A shop of two rows drops one between versions: the point here, not a mass removal.
    run_ingest(path, data, "mapping", mapping=mapping, version=version, allow_mass_removal=True)
    return path


def staged_values(path: Path) -> list[tuple[str, str, str, str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("SELECT record_id, kind, key, value FROM sg_record_infra ORDER BY ALL").fetchall()
        return [tuple(r) for r in rows]
    finally:
        con.close()


@pytest.mark.parametrize("batch", [shared_values.MERGE_BATCH, 1], ids=["one-batch", "a-record-a-batch"])
def test_a_records_shared_values_follow_its_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    """The same, whether a load's changed records have their values replaced at once or in ranges of positions
    (``MERGE_BATCH``, which bounds the merge's memory on a big file)."""
    monkeypatch.setattr(shared_values, "MERGE_BATCH", batch)
    path = ingest(
        tmp_path,
        "v1",
        "a1,Ann Lee,ann@example.org,12 Main St.,London,GB\nb2,Bo Kim,bo@example.org,,Seoul,KR\n",
    )
    assert staged_values(path) == [
        ("shop:a1", "address", "12 london main street", "12 Main St., London"),
        ("shop:a1", "email", "ann@example.org", "ann@example.org"),
        ("shop:b2", "email", "bo@example.org", "bo@example.org"),
    ]
    # v2: Ann changes e-mail, Bo is gone (a delisting keeps the record and what it used), Cy is new.
    ingest(tmp_path, "v2", "a1,Ann Lee,ann@lee.example,12 Main St.,London,GB\nc3,Cy Ng,cy@example.org,,,SG\n")
    assert staged_values(path) == [
        ("shop:a1", "address", "12 london main street", "12 Main St., London"),
        ("shop:a1", "email", "ann@lee.example", "ann@lee.example"),
        ("shop:b2", "email", "bo@example.org", "bo@example.org"),
        ("shop:c3", "email", "cy@example.org", "cy@example.org"),
    ]


def test_staging_from_before_the_derivation_is_derived_when_opened_for_writing(tmp_path: Path) -> None:
    path = ingest(tmp_path, "v1", "a1,Ann Lee,ann@example.org,1 High St,Leeds,GB\nb2,Bo Kim,bo@example.org,,,KR\n")
    derived = staged_values(path)
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE sg_record_infra; DROP TABLE sg_derived")  # as a file of an earlier release
    con.close()
    con = staging.connect(path, read_only=True)
    assert not shared_values.is_current(con)
    con.close()
    staging.open_for_writing(path).close()
    assert staged_values(path) == derived


def test_another_derivation_version_is_replaced_not_added_to(tmp_path: Path) -> None:
    path = ingest(tmp_path, "v1", "a1,Ann Lee,ann@example.org,,,GB\n")
    derived = staged_values(path)
    con = duckdb.connect(str(path))
    con.execute("UPDATE sg_derived SET version = version - 1")
    con.execute("INSERT INTO sg_record_infra VALUES ('shop:a1', 'phone', '+440000', '+440000')")  # stale
    con.close()
    staging.open_for_writing(path).close()
    assert staged_values(path) == derived
