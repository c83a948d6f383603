"""Random but plausible customer values (names, addresses, phones, IPs, cards, wallets), from one seeded RNG."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from ingest.generate import vocab
from ingest.mapping import composite_key

COMPANY_KEY_PREFIX = "co"  # must match mappings/customers.yaml (entity company: key_prefix)
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_SIGNUP_START, _SIGNUP_DAYS = date(2018, 1, 1), 3_225


@dataclass(slots=True)
class Person:
    person_id: str
    name: str
    dob: str
    country: vocab.Country
    culture: str


@dataclass(slots=True)
class Company:
    name: str
    reg_no: str
    country: str
    address: str
    director: Person | None = None

    @property
    def source_key(self) -> str:
        """The record key ``mappings/customers.yaml`` gives this company (for the ground truth)."""
        return composite_key([self.reg_no, self.country], COMPANY_KEY_PREFIX)


class FakeValues:
    """Random but plausible values, all drawn from one seeded ``random.Random``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.countries = vocab.COUNTRIES
        self.weights = [c.weight for c in vocab.COUNTRIES]
        self.cultures = {c.name: c for c in vocab.CULTURES}
        self.person_count = 0
        self.emails: set[str] = set()

    def country(self, code: str | None = None) -> vocab.Country:
        if code is not None:
            return next(c for c in self.countries if c.code == code)
        return self.rng.choices(self.countries, self.weights)[0]

    def person(self, country: vocab.Country | None = None, family: str | None = None) -> Person:
        country = country or self.country()
        culture = self.cultures[self.rng.choice(country.cultures)]
        given, surname = self.rng.choice(culture.given), family or self.rng.choice(culture.family)
        name = f"{surname} {given}" if culture.family_first and self.rng.random() < 0.5 else f"{given} {surname}"
        self.person_count += 1
        return Person(f"P{self.person_count:08d}", name, self.dob(), country, culture.name)

    def dob(self) -> str:
        return (date(1960, 1, 1) + timedelta(days=self.rng.randrange(16_000))).isoformat()

    def signup_date(self) -> str:
        return (_SIGNUP_START + timedelta(days=self.rng.randrange(_SIGNUP_DAYS))).isoformat()

    def digits(self, n: int) -> str:
        return str(self.rng.randrange(10 ** (n - 1), 10**n))

    def pattern(self, pattern: str) -> str:
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        return "".join(
            str(self.rng.randrange(10)) if c == "9" else self.rng.choice(letters) if c == "A" else c for c in pattern
        )

    def address(self, country: vocab.Country) -> tuple[str, str, str, str]:
        street = f"{self.rng.randrange(1, 2500)} {self.rng.choice(vocab.STREETS)}"
        if self.rng.random() < 0.25:
            street += f", Apt {self.rng.randrange(1, 400)}"
        return street, self.rng.choice(country.cities), self.pattern(country.postal), country.code

    def phone(self, country: vocab.Country) -> str:
        national = str(self.rng.randrange(2, 10)) + self.digits(country.national_digits - 1)
        if country.code in ("US", "CA"):
            national = national[:3] + str(self.rng.randrange(2, 10)) + national[4:]
            if self.rng.random() < 0.4:  # written the national way: the mapping's country column completes it
                return f"({national[:3]}) {national[3:6]}-{national[6:]}"
        return f"+{country.calling_code} {national[:3]} {national[3:]}"

    def email(self, name: str, domain: str | None = None) -> str:
        handle = ".".join(part for part in name.lower().replace("-", "").split() if part.isascii())
        handle = handle or "user"
        if self.rng.random() < 0.6:
            handle += str(self.rng.randrange(1, 999))
        domain = domain or self.rng.choice(vocab.WEBMAIL)
        # A mailbox has one owner: a second "amit.gupta@mail.ru" signs up as amit.gupta4821@mail.ru.
        # (Without this, a million accounts shared ~400k addresses by chance, and chance-shared
        # addresses joined unrelated people into the planted networks' clusters.)
        while f"{handle}@{domain}" in self.emails:
            handle += str(self.rng.randrange(10))
        self.emails.add(f"{handle}@{domain}")
        return f"{handle}@{domain}"

    def residential_ip(self) -> str:
        octet = self.rng.choice(vocab.RESIDENTIAL_FIRST_OCTETS)
        return f"{octet}.{self.rng.randrange(256)}.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}"

    def egress_ip(self) -> str:
        return f"{self.rng.choice(vocab.SHARED_EGRESS_PREFIXES)}{self.rng.randrange(4)}.{self.rng.randrange(1, 60)}"

    def device(self) -> str:
        value = f"{self.rng.getrandbits(128):032x}"
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"

    def payment(self) -> str:
        return f"pf_{self.rng.getrandbits(64):016x}"

    def wallet(self) -> tuple[str, str]:
        kind = self.rng.choice(("XBT", "ETH", "TRX", "ETH"))
        if kind == "XBT":
            return kind, "bc1q" + "".join(self.rng.choice(_BECH32) for _ in range(38))
        if kind == "ETH":
            return kind, f"0x{self.rng.getrandbits(160):040x}"
        return kind, "T" + "".join(self.rng.choice(_BASE58) for _ in range(33))

    def company(self, country: vocab.Country, name: str | None = None) -> Company:
        forms = vocab.LEGAL_FORMS.get(country.code, ("Ltd",))
        if name is None:
            name = f"{self.rng.choice(vocab.COMPANY_WORDS)} {self.rng.choice(vocab.COMPANY_KINDS)}"
            name = f"{name} {self.rng.choice(forms)}"
        street, city, postal, code = self.address(country)
        return Company(name, self.digits(self.rng.choice((8, 9, 10))), code, f"{street}, {city} {postal}, {code}")
