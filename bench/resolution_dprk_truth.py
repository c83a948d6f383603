"""Build the DPRK slice's ground truth: which OFAC 2022 record is each UN 1718 (KPi/KPe) entry.

The truth is built from the lists themselves, never from our model:

1. identifiers both lists give: a passport number, or a company IMO number (the UN
   gives it in its comments, OFAC as an identifier);
2. otherwise the same name (any name or alias, compared on name keys) and, for
   people, birth dates that do not disagree by more than a year, with exactly one
   OFAC record so named;
3. a few entries decided by hand, each with its reason (``DECIDED``).

Writes ``data/resolution/dprk_un_ofac.csv`` (``un_record,ofac_record,basis``; an
empty ``ofac_record`` means the party is not on the OFAC 2022 list). Run it from
the repository root: ``python bench/resolution_dprk_truth.py``.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections import defaultdict
from pathlib import Path

from ingest import staging
from ingest.record import Record, Schema
from ingest.run import run_ingest
from resolution.identifiers import normalize_identifier
from resolution.normalize import ORGANIZATION, PERSON, name_key, sorted_key

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "resolution" / "dprk_un_ofac.csv"
UN, OFAC = "un_sc_sanctions:", "us_ofac_sdn:"
_IMO_NOTE = re.compile(r"IMO number:?\s*(\d{7})", re.IGNORECASE)

# Entries the rules above cannot settle, decided by reading both lists.
DECIDED: dict[str, tuple[str, str]] = {
    "KPi.003": ("", "HWANG SOK-HWA (GBAE) is not on the OFAC SDN list of 2022: no record with his name or birth date"),
    "KPi.005": ("", "HAN YU-RO (Korea Ryongaksan) is not on the OFAC SDN list of 2022: no record with his name"),
    "KPi.024": (
        "17614",
        "KIM YONG CHOL born 1962-02-18 (KOMID, Iran) is OFAC 17614 (same birth date); "
        "OFAC 12211 is another Kim Yong Chol born 1946/47",
    ),
    "KPi.068": (
        "22996",
        "KIM TONG CHOL born 1966-01-27 is OFAC 22996 (same aliases, born 1966-01-28); "
        "OFAC 22702 is another Kim Tong-chol born 1968-08-07",
    ),
    "KPi.078": (
        "23013",
        "RI U'N SO'NG born 1969-07-22 is OFAC 23013 (same three spellings, born 1969-07-23); "
        "OFAC 24997 is RI Song Un born 1955",
    ),
    "KPe.014": (
        "9345",
        "UN: 'used as an alias by KOMID' (KPe.001); OFAC lists it as an a.k.a. of KOMID, 9345. "
        "Two UN entries cannot share an entity, so it stays apart when KPe.001 takes 9345",
    ),
    "KPe.021": (
        "19492",
        "ACADEMY OF NATIONAL DEFENSE SCIENCE is OFAC 19492 (same name); OFAC 12215 is "
        "the Second Academy of Natural Sciences, UN KPe.018",
    ),
    "KPe.054": (
        "22285",
        "UN gives 'Ministry of the People's Armed Forces (MPAF)' as an alias; OFAC 22285 "
        "is the MINISTRY OF PEOPLE'S ARMED FORCES",
    ),
}


def _family(record: Record) -> str:
    return PERSON if record.schema is Schema.PERSON else ORGANIZATION


def _keys(record: Record) -> set[str]:
    return {sorted_key(name_key(n.value, _family(record))) for n in record.names} - {""}


def _documents(record: Record) -> set[str]:
    found = {normalize_identifier(i.kind, i.value) for i in record.identifiers}
    found |= {f"IMO{m}" for note in record.notes for m in _IMO_NOTE.findall(note)}
    return {i.removeprefix("IMO") for i in found if i}


def _years_agree(a: Record, b: Record) -> bool:
    years_a, years_b = {int(d[:4]) for d in a.birth_dates}, {int(d[:4]) for d in b.birth_dates}
    return not years_a or not years_b or any(abs(x - y) <= 1 for x in years_a for y in years_b)


def load(records_path: Path) -> list[Record]:
    con = staging.connect(records_path, read_only=True)
    try:
        return list(staging.iter_current_records(con))
    finally:
        con.close()


def build(records: list[Record]) -> list[tuple[str, str, str]]:
    un = sorted(
        (r for r in records if r.source + ":" == UN and any((s.reference or "").startswith("KP") for s in r.sanctions)),
        key=lambda r: r.source_key,
    )
    ofac = [r for r in records if r.source + ":" == OFAC]
    by_key, by_doc = defaultdict(set), defaultdict(set)
    for record in ofac:
        for key in _keys(record):
            by_key[key].add(record.source_key)
        for doc in _documents(record):
            by_doc[doc].add(record.source_key)
    named = {r.source_key: r for r in ofac}
    rows = []
    for entry in un:
        if entry.source_key in DECIDED:
            match, basis = DECIDED[entry.source_key]
            rows.append((UN + entry.source_key, OFAC + match if match else "", "decided: " + basis))
            continue
        docs = set().union(*(by_doc[d] for d in _documents(entry)))
        names = {k for key in _keys(entry) for k in by_key[key] if _years_agree(entry, named[k])}
        if len(docs) == 1:
            rows.append((UN + entry.source_key, OFAC + docs.pop(), "same passport or IMO number"))
        elif len(names) == 1:
            rows.append((UN + entry.source_key, OFAC + names.pop(), "same name, birth years agree"))
        else:
            raise SystemExit(f"{entry.source_key}: {len(docs)} by document, {len(names)} by name: decide by hand")
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "staging.duckdb"
        run_ingest(path, ROOT / "data" / "ofac" / "snapshot_2022-01", "ofac-csv")
        run_ingest(path, ROOT / "data" / "un" / "consolidated.xml", "un-xml")
        rows = build(load(path))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["un_record", "ofac_record", "basis"])
        writer.writerows(rows)
    matched = sum(1 for _, o, _ in rows if o)
    print(f"{OUT}: {len(rows)} UN 1718 entries, {matched} with an OFAC record, {len(rows) - matched} without")


if __name__ == "__main__":
    main()
