"""Every adapter on real published files: the facts analysts look for arrive, and no row is lost.

Expected row counts are computed here with plain parsers (csv, json, a regex
over the XML), independently of the adapters.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from ingest.record import InfraKind, NameKind, RelationKind, Schema
from tests.ingest.conftest import DATA, assert_nothing_lost, shared_file


def csv_rows(path: Path, header: bool = True) -> int:
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        rows = [r for r in csv.reader(handle) if r and "".join(r).strip("\x1a ")]
    return len(rows) - (1 if header else 0)


def xml_count(path: Path, tag: str) -> int:
    return len(re.findall(rf"<(?:\w+:)?{tag}[\s>]", path.read_text(encoding="utf-8")))


def json_values(path: Path) -> int:
    data = json.loads(path.read_text(encoding="utf-8"))
    return len(data) if isinstance(data, list) else 1


def test_ofac_csv_kwangson_has_alias_and_pyongyang_address(ingest, samples) -> None:  # type: ignore[no-untyped-def]
    staged = ingest(samples.ofac_dir, "ofac-csv")
    expected = sum(csv_rows(samples.ofac_dir / name, header=False) for name in ("sdn.csv", "add.csv", "alt.csv"))
    assert_nothing_lost(staged, expected)
    kwangson = staged.record("11581")
    assert kwangson.caption == "KOREA KWANGSON BANKING CORP"
    assert "KKBC" in {n.value for n in kwangson.names if n.kind is NameKind.ALIAS}
    assert any("Pyongyang" in a.full and a.country == "KP" for a in kwangson.addresses)
    assert staged.summary.reasons == {"no such entry in sdn.csv": 1, "duplicate key": 1}


def test_ofac_xml_parses_identifiers_and_contacts(ingest) -> None:  # type: ignore[no-untyped-def]
    path = DATA / "ofac" / "consolidated_non_sdn_2025-03-28.xml"
    staged = ingest(path, "ofac-xml")
    assert_nothing_lost(staged, xml_count(path, "sdnEntry"))
    assert staged.summary.version == "2025-03-28"
    vtb = staged.record("17013")
    assert {("lei", "253400V1H6ART1UQ0N98"), ("bic", "VTBRRUMM")} <= {(i.kind, i.value) for i in vtb.identifiers}
    assert {"vtb.com", "vtb.ru"} <= {i.value for i in vtb.infra if i.kind is InfraKind.DOMAIN}
    assert vtb.incorporation_dates == ["1990-10-17"]


def test_un_xml_individual_has_passport(ingest, samples) -> None:  # type: ignore[no-untyped-def]
    staged = ingest(samples.un_xml, "un-xml")
    text = samples.un_xml.read_text(encoding="utf-8")
    assert_nothing_lost(staged, text.count("<INDIVIDUAL>") + text.count("<ENTITY>"))
    with_passport = [
        r for r in staged.records() if r.schema is Schema.PERSON and any(i.kind == "passport" for i in r.identifiers)
    ]
    assert len(with_passport) > 50
    kwangson = staged.record("KPe.025")
    assert "KKBC" in {n.value for n in kwangson.names if n.kind is NameKind.ACRONYM}
    assert kwangson.sanctions[0].program == "DPRK"


def test_un_xml_comments_citing_other_entries_become_relations(ingest, samples) -> None:  # type: ignore[no-untyped-def]
    """Entries cite each other by reference number in their comments; each citation is a relation to that entry."""
    staged = ingest(samples.un_xml, "un-xml")
    jalaluddin = staged.record("TAi.040")  # "Father of Sirajuddin Jallaloudine Haqqani (TAi.144), ..."
    cited = {(r.kind, r.target_key) for r in jalaluddin.relations}
    assert {(RelationKind.FAMILY_OF, "TAi.144"), (RelationKind.FAMILY_OF, "TAi.146")} <= cited
    assert all(r.role and r.target_key in r.role for r in jalaluddin.relations)
    # Counted apart with a plain regex over the file: every citation of another entry the file has.
    text = samples.un_xml.read_text(encoding="utf-8")
    keys = set(re.findall(r"<REFERENCE_NUMBER>([^<]+)</REFERENCE_NUMBER>", text))
    expected = 0
    for entry in re.findall(r"<(?:INDIVIDUAL|ENTITY)>(.*?)</(?:INDIVIDUAL|ENTITY)>", text, re.DOTALL):
        me = re.search(r"<REFERENCE_NUMBER>([^<]+)</REFERENCE_NUMBER>", entry)
        comment = re.search(r"<COMMENTS1>(.*?)</COMMENTS1>", entry, re.DOTALL)
        if me and comment:
            expected += len(set(re.findall(r"\b[A-Z]{2}[ie]\.\d{3}\b", comment.group(1))) - {me.group(1)})
    relations = [r for record in staged.records() for r in record.relations]
    assert len(relations) == expected > 400
    assert sum(r.target_key in keys for r in relations) >= expected - 5  # a few cite entries no longer listed
    assert {r.kind for r in relations} == {RelationKind.FAMILY_OF, RelationKind.LINKED_TO}


def test_uk_fcdo_ods_and_csv_export_give_the_same_records(ingest, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ods = DATA / "uk" / "FCDO_SL_Mon_Aug_11_2025.ods"
    staged = ingest(ods, "uk-fcdo")
    assert_nothing_lost(staged, 5302)  # data rows of the sheet, header excluded (the shared PROVENANCE.md count)
    kkbc = staged.record("DPR0155")
    assert kkbc.sanctions[0].listed_on == "2016-03-02"
    assert kkbc.sanctions[0].program == "Democratic People's Republic of Korea"
    assert "KKBC" in {n.value for n in kkbc.names if n.kind is NameKind.ACRONYM}
    assert staged.summary.reasons == {"row without Name": 2}  # BEL0174 and RUS1467 have no name in this export

    from ingest.spreadsheet import iter_sheet_rows

    exported = tmp_path / "fcdo.csv"
    with exported.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(row for _, row in iter_sheet_rows(ods))
    again = ingest(exported, "uk-fcdo", source="uk_csv")
    assert again.summary.records == staged.summary.records
    assert again.record("DPR0155").sanctions == kkbc.sanctions


def test_ftm_ownership_and_directorship_become_relations_with_share(ingest) -> None:  # type: ignore[no-untyped-def]
    path = shared_file("opensanctions/yente_zala_entities.ftm.json")
    staged = ingest(path, "ftm")
    lines = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    assert_nothing_lost(staged, lines)
    records = {r.source_key: r for r in staged.records()}
    owns = [(r.source_key, rel) for r in records.values() for rel in r.relations if rel.kind is RelationKind.OWNS]
    assert any(rel.share == 100.0 for _, rel in owns)
    assert all(rel.target_key in records for _, rel in owns)  # targets are records of the same source
    directors = [rel for r in records.values() for rel in r.relations if rel.kind is RelationKind.DIRECTOR_OF]
    assert directors and all(rel.target_key in records for rel in directors)
    assert any(r.sanctions for r in records.values())  # Sanction entities attached to their entity


def test_ftm_payments_and_addresses(ingest) -> None:  # type: ignore[no-untyped-def]
    path = shared_file("opensanctions/yente_parteispenden_entities.ftm.json")
    staged = ingest(path, "ftm")
    assert_nothing_lost(staged, sum(1 for line in path.open(encoding="utf-8") if line.strip()))
    payments = [rel for r in staged.records() for rel in r.relations if rel.role and "payment" in rel.role.lower()]
    assert len(payments) > 100


def test_gleif_lei_xml(ingest) -> None:  # type: ignore[no-untyped-def]
    path = DATA / "gleif" / "lei-data.xml"
    staged = ingest(path, "gleif-lei")
    assert_nothing_lost(staged, xml_count(path, "LEIRecord"))
    fund = staged.record("001GPB6A9XPE8XJICC14")
    assert fund.caption == "Fidelity Advisor Leveraged Company Stock Fund"
    assert ("registration", "S000005113", "US") in {(i.kind, i.value, i.country) for i in fund.identifiers}
    assert NameKind.FORMER in {n.kind for n in fund.names}


def test_gleif_rr_csv_parent_owns_child(ingest) -> None:  # type: ignore[no-untyped-def]
    path = DATA / "gleif" / "20260123-0800-gleif-goldencopy-rr-first500.csv"
    staged = ingest(path, "gleif-rr")
    assert_nothing_lost(staged, 500)
    with path.open(encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    parent = staged.record(first["Relationship.EndNode.NodeID"])
    owned = {rel.target_key for rel in parent.relations if rel.kind is RelationKind.OWNS}
    assert first["Relationship.StartNode.NodeID"] in owned
    child = staged.record(first["Relationship.StartNode.NodeID"])  # a stub, so the target is a record too
    assert child.identifiers[0].kind == "lei"


def test_gleif_rr_xml(ingest) -> None:  # type: ignore[no-untyped-def]
    path = DATA / "gleif" / "rr-data.xml"
    staged = ingest(path, "gleif-rr")
    assert_nothing_lost(staged, xml_count(path, "RelationshipRecord"))
    manager = staged.record("5493001Z012YSB2A0K51")  # manages the Fidelity fund of the LEI file
    assert ("001GPB6A9XPE8XJICC14", RelationKind.LINKED_TO) in {(r.target_key, r.kind) for r in manager.relations}


def test_gleif_lei_bic_merges_rows_per_lei(ingest) -> None:  # type: ignore[no-untyped-def]
    path = DATA / "gleif" / "lei-bic-20260130T000000-first3000.csv"
    staged = ingest(path, "gleif-lei-bic")
    assert_nothing_lost(staged, 3000)
    many = staged.record("21380081EP12LC86CB82")
    assert sum(1 for i in many.identifiers if i.kind == "bic") == 1819
    assert many.provenance.rows == 1819


def test_ch_psc_owners_with_share(ingest) -> None:  # type: ignore[no-untyped-def]
    folder = DATA / "companies_house" / "psc_fixtures"
    staged = ingest(folder, "ch-psc")
    assert_nothing_lost(staged, sum(json_values(p) for p in folder.glob("*.json")))
    feldman = next(r for r in staged.records() if r.caption == "Mr Marc Anthony Feldman")
    owns = [rel for rel in feldman.relations if rel.kind is RelationKind.OWNS]
    assert owns and owns[0].target_key == "08209948" and owns[0].share == 75.0
    assert feldman.birth_dates == ["1961-12"] and feldman.nationalities == ["GB"]
    company = staged.record("08209948")  # stub with the statement as a note
    assert any("no-individual-or-entity" in note for note in company.notes)
    assert set(staged.summary.reasons) == {"snapshot totals line, not a PSC record"}


def test_icij_edges_become_relations(ingest) -> None:  # type: ignore[no-untyped-def]
    folder = DATA / "icij" / "panama_papers_2016_format"
    staged = ingest(folder, "icij")
    expected = sum(csv_rows(p) for p in folder.glob("*.csv"))
    assert_nothing_lost(staged, expected)
    officer = staged.record("12000001")
    assert officer.caption == "KIM SOO IN" and officer.schema is Schema.PERSON
    assert ("10000001", RelationKind.INTERMEDIARY_OF) in {(r.target_key, r.kind) for r in officer.relations}
    entity = staged.record("10000001")
    assert entity.jurisdictions == ["WS"] and entity.incorporation_dates == ["2006-03-23"]
