"""A synthetic cloud-provider customer table with planted sanctions-evasion networks, and its ground truth.

Modelled on public reporting (US Treasury, FBI and DOJ advisories, 2022-2024)
about DPRK IT workers: operators who rent cloud accounts under borrowed or
invented identities, reach them through "laptop farms" (a facilitator's
residential IP and address abroad), pay with a few shared cards and crypto
wallets, share VoIP numbers and devices, and bill through front companies that
share a director and a registered address; some use spellings of listed
persons' and entities' names. Around them is ordinary customer data with
benign shared infrastructure: webmail domains, cloud/NAT egress IPs shared by
thousands of unrelated accounts, families at one address, employees of one
company on its corporate card, and customers who opened a second account.

The table streams row by row (flat memory, any size) and is deterministic for a
seed. Only the planted accounts (networks, families, company staff,
duplicates) are decided up front; they are a small share of the rows. The
ground truth (JSON lines, see ``docs/ingest.md``) names every planted account's
real person, network and imitated listed party.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ingest.generate.fake import FakeValues
from ingest.generate.listed import DEFAULT_LISTS, ListedParty, load_listed_infrastructure, load_listed_parties
from ingest.generate.planting import Plan, Planter

HEADER = (
    "account_id",
    "account_type",
    "signup_date",
    "full_name",
    "date_of_birth",
    "email",
    "phone",
    "street",
    "city",
    "postal_code",
    "country",
    "signup_ip",
    "last_login_ip",
    "device_id",
    "payment_fingerprint",
    "wallet_currency",
    "wallet_address",
    "company_name",
    "company_reg_no",
    "company_country",
    "company_address",
    "director_name",
    "director_dob",
)
CSV_NAME = "customers.csv"
TRUTH_NAME = "customers_truth.jsonl"
MIN_SIZE = 1_000
ACCOUNT_PREFIX = "ACC"
Progress = Callable[[int], None]


@dataclass(slots=True)
class GenerateSummary:
    rows: int
    csv_path: Path
    truth_path: Path
    networks: int = 0
    network_accounts: int = 0
    planted_accounts: int = 0
    listed_parties: int = 0
    by_role: dict[str, int] = field(default_factory=dict)


# --- planting -------------------------------------------------------------------------


# --- writing rows ----------------------------------------------------------------------


def _row(fake: FakeValues, number: int, plan: Plan | None) -> list[str]:
    rng = fake.rng
    person = plan.person if plan else fake.person()
    country = person.country
    company = plan.company if plan else None
    if plan is None and rng.random() < 0.15:
        company = fake.company(country)
        company.director = person if rng.random() < 0.7 else fake.person(country)
    name = (plan.name if plan and plan.name else None) or person.name
    street, city, postal, code = (plan.address if plan and plan.address else None) or fake.address(country)
    if plan and plan.address:
        country = fake.country(code)
    wallet = plan.wallet if plan and plan.wallet else (fake.wallet() if rng.random() < 0.06 else ("", ""))
    login_ip = (plan.login_ip if plan and plan.login_ip else None) or (
        fake.egress_ip() if rng.random() < 0.08 else fake.residential_ip()
    )
    director = company.director if company and company.director else None
    return [
        f"{ACCOUNT_PREFIX}-{number:010d}",
        "business" if company else "individual",
        fake.signup_date(),
        name,
        person.dob if rng.random() < 0.8 else "",
        (plan.email if plan and plan.email else None) or fake.email(name),
        (plan.phone if plan and plan.phone else None) or fake.phone(country),
        street,
        city,
        postal,
        code,
        (plan.signup_ip if plan and plan.signup_ip else None) or fake.residential_ip(),
        login_ip,
        (plan.device if plan and plan.device else None) or fake.device(),
        (plan.payment if plan and plan.payment else None) or fake.payment(),
        wallet[0],
        wallet[1],
        company.name if company else "",
        company.reg_no if company else "",
        company.country if company else "",
        company.address if company else "",
        director.name if director else "",
        director.dob if director else "",
    ]


def _truth_line(account_id: str, plan: Plan) -> dict[str, Any]:
    return {
        "kind": "account",
        "account_id": account_id,
        "person_id": plan.person.person_id,
        "role": plan.role,
        "group_id": plan.group,
        "network_id": plan.network,
        "name": plan.name or plan.person.name,
        "real_name": plan.person.name,
        "variant": plan.variant,
        "imitates": plan.imitates,
        "company_key": plan.company.source_key if plan.company else None,
        "shares": plan.shares,
    }


def iter_rows(
    size: int,
    seed: int,
    listed: list[ListedParty],
    infrastructure: list[ListedParty] | None = None,
    *,
    rings: bool = False,
) -> Iterator[tuple[list[str], dict[str, Any] | None]]:
    """Rows of the table, each with its ground-truth line when it is a planted account; then the summaries.

    ``rings`` adds ``Planter.plant_rings`` (off by default, so a seed's table without them stays as it was).
    """
    rng = random.Random(seed)
    fake = FakeValues(rng)
    planter = Planter(fake, size, listed, infrastructure)
    plans = planter.plant()
    if rings:
        planter.plant_rings(random.Random(f"rings:{seed}"))
    if len(plans) > size // 2:
        raise ValueError(f"size {size} is too small for the planted accounts ({len(plans)}); use at least {MIN_SIZE}")
    positions = dict(zip(sorted(rng.sample(range(size), len(plans))), rng.sample(plans, len(plans)), strict=True))
    for number in range(size):
        plan = positions.get(number)
        row = _row(fake, number + 1, plan)
        yield row, _truth_line(row[0], plan) if plan else None
    for line in planter.truth:
        yield [], line


def generate_customers(
    out_dir: Path,
    size: int,
    seed: int,
    *,
    listed_paths: list[tuple[Path, str]] | None = None,
    progress: Progress | None = None,
    rings: bool = False,
) -> GenerateSummary:
    """Write ``customers.csv`` and ``customers_truth.jsonl`` into ``out_dir``.

    Args:
        out_dir: created when missing; existing files of the same names are replaced.
        size: number of customer rows (at least ``MIN_SIZE``).
        seed: the same seed gives byte-identical files.
        listed_paths: (path, format) of lists whose DPRK persons and entities the
            planted names imitate; default: the bundled UN and OFAC samples.
        progress: called with the number of rows written so far.
        rings: also plant chain-shaped IT-worker rings, offices, households and VPN users.
    """
    if size < MIN_SIZE:
        raise ValueError(f"--size must be at least {MIN_SIZE:,} (got {size:,})")
    listed = load_listed_parties(listed_paths)
    infrastructure = [
        party
        for path, fmt in (DEFAULT_LISTS if listed_paths is None else listed_paths)
        if fmt == "ofac-csv"
        for party in load_listed_infrastructure(path)
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = GenerateSummary(size, out_dir / CSV_NAME, out_dir / TRUTH_NAME, listed_parties=len(listed))
    with summary.csv_path.open("w", encoding="utf-8", newline="") as table, summary.truth_path.open("wb") as truth:
        writer = csv.writer(table, lineterminator="\n")
        writer.writerow(HEADER)
        for row, line in iter_rows(size, seed, listed, infrastructure, rings=rings):
            if row:
                writer.writerow(row)
                if progress is not None and int(row[0][-10:]) % 10_000 == 0:
                    progress(int(row[0][-10:]))
            if line is not None:
                truth.write(orjson.dumps(line) + b"\n")
                _count(summary, line)
    return summary


def _count(summary: GenerateSummary, line: dict[str, Any]) -> None:
    if line["kind"] == "network":
        summary.networks += 1
    elif line["kind"] == "account":
        summary.planted_accounts += 1
        summary.by_role[line["role"]] = summary.by_role.get(line["role"], 0) + 1
        if line["network_id"]:
            summary.network_accounts += 1
