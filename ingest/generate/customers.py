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

from ingest.generate.fake import Company, FakeValues, Person
from ingest.generate.listed import DEFAULT_LISTS, ListedParty, load_listed_infrastructure, load_listed_parties
from ingest.generate.variants import customer_address, customer_wallet, entity_variant, person_variant
from ingest.mapping import composite_key
from ingest.values import country_code

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
DIRECTOR_KEY_PREFIX = "dir"  # must match mappings/customers.yaml (entity director: key_prefix)
Progress = Callable[[int], None]
# --rings: one ring per this many accounts, each of 4 to RING_MAX, chained by these kinds of value.
RING_EVERY = 1_000
RING_MAX = 12
RING_LINKS = ("payment", "wallet", "phone", "device")
VPN_IPS = 3


@dataclass(slots=True)
class Plan:
    """What is decided up front about one planted account; the rest is filled in like any row."""

    person: Person
    role: str
    name: str | None = None  # as written on this account (a variant), else the person's name
    group: str | None = None  # network, family, company or duplicate group id
    network: str | None = None
    imitates: dict[str, str] | None = None
    variant: str | None = None
    address: tuple[str, str, str, str] | None = None  # street, city, postal code, country
    signup_ip: str | None = None
    login_ip: str | None = None
    device: str | None = None
    payment: str | None = None
    wallet: tuple[str, str] | None = None
    phone: str | None = None
    email: str | None = None
    company: Company | None = None
    shares: dict[str, str] | None = None  # the listed value this account shares: kind, as listed, as written


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


class Planter:
    """Decides the planted accounts: networks, families, company staff, duplicates."""

    def __init__(
        self, faker: FakeValues, size: int, listed: list[ListedParty], infrastructure: list[ListedParty] | None = None
    ) -> None:
        self.fake, self.rng, self.size = faker, faker.rng, size
        self.persons = [p for p in listed if p.schema == "Person"]
        self.entities = [p for p in listed if p.schema != "Person"]
        self.with_wallets = [p for p in infrastructure or [] if p.wallets]
        self.with_addresses = [p for p in infrastructure or [] if p.addresses]
        self.plans: list[Plan] = []
        self.truth: list[dict[str, Any]] = []

    def plant(self) -> list[Plan]:
        networks = max(3, self.size // 25_000)
        for index in range(networks):
            self._network(f"NET-{index + 1:04d}")
        for index in range(max(2, self.size // 4_000)):
            self._family(f"FAM-{index + 1:05d}")
        for index in range(max(1, self.size // 20_000)):
            self._company_staff(f"STAFF-{index + 1:04d}")
        for index in range(max(2, self.size // 2_000)):
            self._duplicate(f"DUP-{index + 1:05d}")
        for index in range(min(len(self.with_wallets), max(2, self.size // 10_000))):
            self._listed_wallet(f"WAL-{index + 1:04d}")
        for index in range(min(len(self.with_addresses), max(2, self.size // 10_000))):
            self._listed_address(f"ADR-{index + 1:04d}")
        return self.plans

    def _listed_wallet(self, group: str) -> None:
        """An account paying from a listed party's wallet, written as customer tables write wallets."""
        party = self.rng.choice(self.with_wallets)
        listed = self.rng.choice(party.wallets)
        plan = Plan(self.fake.person(), "listed-wallet", group=group, imitates=party.reference())
        plan.wallet = customer_wallet(listed, self.rng)
        plan.shares = {"kind": "wallet", "listed": listed, "written": " ".join(plan.wallet).strip()}
        self.plans.append(plan)

    def _listed_address(self, group: str) -> None:
        """A front company registered at a listed party's address, written the way a sign-up form gets it."""
        party = self.rng.choice(self.with_addresses)
        street, city, country_name = self.rng.choice(party.addresses)
        code = country_code(country_name) or country_name
        written, how = customer_address(street, city, code, self.rng)
        person = self.fake.person()
        company = self.fake.company(person.country)
        company.address, company.director = written, person
        plan = Plan(person, "listed-address", group=group, imitates=party.reference(), variant=how, company=company)
        listed = ", ".join(part for part in (street, city, country_name) if part)
        plan.shares = {"kind": "address", "listed": listed, "written": written}
        self.plans.append(plan)

    def plant_rings(self, rng: random.Random) -> None:
        """IT-worker rings, benign groups and VPN users (``--rings``), from their own random stream.

        A ring is 4 to ``RING_MAX`` accounts chained one shared value per link
        (card, wallet, phone, device: consecutive links differ, as each account
        has one of each), so only the whole chain ties its ends together; in half
        the rings one member pays from a listed party's wallet. Around them:
        offices (staff on the office IP and the company's mail domain), households
        (an address and a card) and a few VPN egress IPs shared by so many
        accounts that they are super-nodes. Ground truth: ``kind: ring`` lines and
        ``ring-member``, ``office-staff``, ``household-member``, ``vpn-user`` accounts.
        """
        fake = FakeValues(rng)
        fake.emails = self.fake.emails  # one mailbox, one owner, across both streams
        vpn = [f"198.51.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(VPN_IPS)]
        for index in range(max(4, self.size // RING_EVERY)):
            self._ring(fake, rng, f"RING-{index + 1:05d}", vpn, exposed=index % 2 == 0)
        for index in range(max(2, self.size // 4_000)):
            self._office(fake, rng, f"OFFICE-{index + 1:05d}")
        for index in range(max(2, self.size // 4_000)):
            self._household(fake, rng, f"HOUSE-{index + 1:05d}")
        for _ in range(max(VPN_IPS * 60, self.size // 100)):
            self.plans.append(Plan(fake.person(), "vpn-user", group="VPN", login_ip=rng.choice(vpn)))

    def _ring(self, fake: FakeValues, rng: random.Random, ring: str, vpn: list[str], *, exposed: bool) -> None:
        country = fake.country(rng.choice(("US", "US", "GB", "CA", "JP")))
        members = [Plan(fake.person(country), "ring-member", group=ring) for _ in range(rng.randint(4, RING_MAX))]
        party = rng.choice(self.with_wallets) if exposed and self.with_wallets else None
        at = rng.randrange(len(members)) if party is not None else -1
        links: list[str] = []
        for index in range(len(members) - 1):
            banned = {links[-1]} if links else set()
            if index in (at - 1, at):  # the listed wallet is that member's wallet
                banned.add("wallet")
            kind = rng.choice([k for k in RING_LINKS if k not in banned])
            links.append(kind)
            value: Any = fake.phone(country) if kind == "phone" else getattr(fake, kind)()
            for plan in members[index : index + 2]:
                setattr(plan, kind, value)
        if party is not None:
            listed = rng.choice(party.wallets)
            member = members[at]
            member.wallet, member.imitates = customer_wallet(listed, rng), party.reference()
            member.shares = {"kind": "wallet", "listed": listed, "written": " ".join(member.wallet).strip()}
        for plan in members:
            if rng.random() < 0.3:
                plan.login_ip = rng.choice(vpn)
        self.plans.extend(members)
        self.truth.append(
            {
                "kind": "ring",
                "ring_id": ring,
                "size": len(members),
                "links": links,
                "exposed_to": party.reference() if party is not None else None,
                "exposed_member": at if party is not None else None,
            }
        )

    def _office(self, fake: FakeValues, rng: random.Random, group: str) -> None:
        country = fake.country()
        company = fake.company(country)
        domain = company.name.split()[0].lower() + f"{rng.randrange(100, 999)}.com"
        office_ip = fake.residential_ip()
        for _ in range(rng.randint(3, 8)):
            person = fake.person(country)
            self.plans.append(
                Plan(person, "office-staff", group=group, email=fake.email(person.name, domain), signup_ip=office_ip)
            )

    def _household(self, fake: FakeValues, rng: random.Random, group: str) -> None:
        head = fake.person()
        home, card = fake.address(head.country), fake.payment()
        for index in range(rng.randint(2, 4)):
            person = head if index == 0 else fake.person(head.country)
            self.plans.append(Plan(person, "household-member", group=group, address=home, payment=card))

    def _imitation(self, pool: list[ListedParty]) -> ListedParty | None:
        return self.rng.choice(pool) if pool else None

    def _network(self, net: str) -> None:
        fake, rng = self.fake, self.rng
        farm_country = fake.country(rng.choice(("US", "US", "US", "GB", "CA", "JP")))
        farm_address = fake.address(farm_country)
        farm_ip, cards = fake.residential_ip(), [fake.payment() for _ in range(rng.randint(1, 2))]
        wallets = [fake.wallet() for _ in range(rng.randint(1, 2))]
        voip = [fake.phone(fake.country("US")) for _ in range(rng.randint(1, 2))]
        director, director_imitates = self._director(net)
        imitated: list[dict[str, str]] = [director_imitates] if director_imitates else []
        members: list[Plan] = []
        for _ in range(rng.randint(1, 3)):
            operator = fake.person(fake.country(rng.choice(("CN", "RU", "LA"))))
            listed = self._imitation(self.persons) if rng.random() < 0.5 else None
            devices = [fake.device() for _ in range(rng.randint(1, 2))]
            for _ in range(rng.randint(2, 6)):
                plan = Plan(operator, "network-operator", group=net, network=net, device=rng.choice(devices))
                if listed is not None and rng.random() < 0.6:
                    plan.name, plan.variant = person_variant(listed.name, rng)
                    plan.imitates = listed.reference()
                    imitated.append(listed.reference())
                else:  # a borrowed or invented identity in the country the account claims
                    persona = fake.person(farm_country)
                    plan.name, plan.variant = persona.name, "borrowed-identity"
                plan.login_ip = farm_ip if rng.random() < 0.7 else fake.egress_ip()
                plan.address = farm_address if rng.random() < 0.5 else fake.address(farm_country)
                plan.payment = rng.choice(cards) if rng.random() < 0.7 else None
                plan.wallet = rng.choice(wallets) if rng.random() < 0.5 else None
                plan.phone = rng.choice(voip) if rng.random() < 0.4 else None
                members.append(plan)
        count = min(rng.randint(1, 3), len(members))
        companies = self._front_companies(net, director, director_imitates, count)
        for index, plan in enumerate(members):  # every front company bills at least one account
            plan.company = companies[index] if index < count else rng.choice(companies) if rng.random() < 0.4 else None
        self.plans.extend(members)
        self.truth.append(
            {
                "kind": "network",
                "network_id": net,
                "laptop_farm_ip": farm_ip,
                "laptop_farm_address": ", ".join(farm_address),
                "payment_fingerprints": cards,
                "wallets": [f"{c}:{a}" for c, a in wallets],
                "phones": voip,
                "companies": [c.source_key for c in companies],
                "imitates": _unique(imitated),
            }
        )

    def _director(self, net: str) -> tuple[Person, dict[str, str] | None]:
        listed = self._imitation(self.persons) if self.rng.random() < 0.5 else None
        director = self.fake.person(self.fake.country(self.rng.choice(("CN", "RU", "LA", "US"))))
        if listed is None:
            return director, None
        director.name, _ = person_variant(listed.name, self.rng)
        return director, listed.reference()

    def _front_companies(
        self, net: str, director: Person, imitates: dict[str, str] | None, count: int
    ) -> list[Company]:
        country = self.fake.country(self.rng.choice(("US", "GB", "CN", "LA", "RU", "CA")))
        registered = self.fake.address(country)
        companies = []
        for _ in range(count):
            listed = self._imitation(self.entities) if self.rng.random() < 0.3 else None
            name = entity_variant(listed.name, self.rng)[0] if listed else None
            company = self.fake.company(country, name)
            company.address, company.director = (
                f"{registered[0]}, {registered[1]} {registered[2]}, {country.code}",
                director,
            )
            companies.append(company)
            self.truth.append(
                {
                    "kind": "company",
                    "company_key": company.source_key,
                    "company_reg_no": company.reg_no,
                    "company_country": company.country,
                    "name": company.name,
                    "network_id": net,
                    "director": director.name,
                    "director_key": composite_key([director.name, director.dob], DIRECTOR_KEY_PREFIX),
                    "director_imitates": imitates,
                    "imitates": listed.reference() if listed else None,
                }
            )
        return companies

    def _family(self, group: str) -> None:
        head = self.fake.person()
        home, ip = self.fake.address(head.country), self.fake.residential_ip()
        family = head.name.split()[0] if head.culture in ("chinese", "korean", "vietnamese") else head.name.split()[-1]
        for index in range(self.rng.randint(2, 4)):
            member = head if index == 0 else self.fake.person(head.country, family=family)
            self.plans.append(
                Plan(
                    member,
                    "family-member",
                    group=group,
                    address=home,
                    signup_ip=ip,
                    phone=self.fake.phone(head.country) if index == 0 else None,
                )
            )

    def _company_staff(self, group: str) -> None:
        country = self.fake.country()
        company = self.fake.company(country)
        company.director = self.fake.person(country)
        domain = company.name.split()[0].lower() + self.fake.rng.choice((".com", ".io", ".net"))
        card = self.fake.payment()
        for _ in range(self.rng.randint(5, 40)):
            employee = self.fake.person(country)
            plan = Plan(
                employee,
                "company-staff",
                group=group,
                company=company,
                email=self.fake.email(employee.name, domain),
                payment=card if self.rng.random() < 0.6 else None,
                login_ip=self.fake.egress_ip() if self.rng.random() < 0.5 else None,
            )
            self.plans.append(plan)
        self.truth.append(
            {
                "kind": "company",
                "company_key": company.source_key,
                "company_reg_no": company.reg_no,
                "company_country": company.country,
                "name": company.name,
                "network_id": None,
                "director": company.director.name,
                "group": group,
            }
        )

    def _duplicate(self, group: str) -> None:
        person = self.fake.person()
        phone, home = self.fake.phone(person.country), self.fake.address(person.country)
        for index in range(2):
            name = person.name if index == 0 or self.rng.random() < 0.5 else person.name.upper()
            self.plans.append(
                Plan(
                    person,
                    "duplicate-account",
                    name=name,
                    group=group,
                    phone=phone,
                    address=home if self.rng.random() < 0.7 else None,
                )
            )


def _unique(items: list[dict[str, str]]) -> list[dict[str, str]]:
    seen, found = set(), []
    for item in items:
        key = (item["source"], item["source_key"])
        if key not in seen:
            seen.add(key)
            found.append(item)
    return found


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
