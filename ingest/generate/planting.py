"""The planted networks of the customer generator: DPRK-style rings, fronts and IT workers among ordinary customers.

A ``Planter`` decides, account by account, which accounts belong to a planted
network and what they share (a payment card, a wallet, a phone, a device, an
address), and which imitate a listed party; the ground truth records it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ingest.generate.fake import Company, FakeValues, Person
from ingest.generate.listed import ListedParty
from ingest.generate.variants import customer_address, customer_wallet, entity_variant, person_variant
from ingest.mapping import composite_key
from ingest.values import country_code

DIRECTOR_KEY_PREFIX = "dir"  # must match mappings/customers.yaml (entity director: key_prefix)
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
