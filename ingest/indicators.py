"""Signals that a party is in or run from North Korea, without any list match.

North Korean IT workers and front companies rent compute and submit papers
under names no list carries; what gives them away is where they are reached:
a ``+850`` phone, a ``.kp`` mailbox or website, a sign-up from address space
registered to or routed for the country, a declared country or an address in a
DPRK city. Each check here is a small pure function of one value as written,
returning an ``Indicator`` (name, evidence, weight) or ``None``.

Values are read by the same key rules ingest and screening share
(``ingest.keys``), so ``00850-2-381-4410`` and ``+850 2 381 4410`` are one
number here as in the graph. The address space and the city spellings are data
(``data/indicators/``, each row with its public source and date), not code, so
an analyst updates them without a release.

Weights say how strongly each points to the DPRK: ``STRONG`` and above move a
screening decision to REVIEW by themselves; below it they are context only. A
South Korean phone, domain or address is never an indicator here: Korea, Republic
of is another country, and most Korean-named customers are South Korean.
"""

from __future__ import annotations

import csv
import ipaddress
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ingest import keys, values
from ingest.record import InfraKind, Record
from sanctiongraph.errors import ConfigError

DATA = Path(__file__).resolve().parent.parent / "data" / "indicators"
NETWORKS_FILE = DATA / "dprk_networks.csv"
PLACES_FILE = DATA / "dprk_places.csv"
# A folder of a deployment's own rows for these files (same names, same columns), read after the bundled ones:
# an analyst adds a network or a spelling without editing the release (a Docker image's ``/data`` volume).
EXTRA_DIR_ENV = "SANCTIONGRAPH_INDICATORS_DIR"

DPRK = "KP"
DPRK_CALLING_CODE = "+850"
DPRK_TLD = "kp"
# At or above this weight an indicator alone sends an applicant to a person (REVIEW).
STRONG = 0.6
# Strong: the party is reached in the DPRK (a phone, mailbox, website or network there).
PHONE_WEIGHT = EMAIL_WEIGHT = WEBSITE_WEIGHT = IP_WEIGHT = 0.9
# Strong: the party says it is there (its country or nationality, or an address in a DPRK city).
COUNTRY_WEIGHT = 0.8
ADDRESS_WEIGHT = 0.7

PHONE_KP, EMAIL_KP, WEBSITE_KP, IP_KP = "phone_kp", "email_kp", "website_kp", "ip_kp"
COUNTRY_KP, ADDRESS_KP = "country_kp", "address_kp"


@dataclass(frozen=True, slots=True)
class Indicator:
    """One signal that fired: the shape ``frontCompanies`` already returns (name, evidence, weight)."""

    name: str
    evidence: str | None
    weight: float

    @property
    def strong(self) -> bool:
        return self.weight >= STRONG


def data_files(bundled: Path) -> tuple[Path, ...]:
    """The bundled data file, then the deployment's file of the same name in ``$SANCTIONGRAPH_INDICATORS_DIR``.

    Raises:
        ConfigError: the variable names no folder (a typo would silently leave the analyst's rows out).
    """
    extra = os.environ.get(EXTRA_DIR_ENV)
    if not extra:
        return (bundled,)
    folder = Path(extra)
    if not folder.is_dir():
        raise ConfigError(f"{EXTRA_DIR_ENV}={extra}: no such folder", hint="point it at the folder of your rows")
    own = folder / bundled.name
    return (bundled, own) if own.is_file() else (bundled,)


def data_rows(bundled: Path) -> Iterator[tuple[Path, int, dict[str, str]]]:
    """Every row of a data file and of the deployment's own (``data_files``), with its file and line."""
    for path in data_files(bundled):
        for line, row in _rows(path):
            yield path, line, row


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """A data file's rows with their line numbers; lines starting with ``#`` are its header notes."""
    kept: list[int] = []  # the file's line number of each line the reader is given

    def lines(handle: Iterable[str]) -> Iterator[str]:
        for number, line in enumerate(handle, start=1):
            if not line.startswith("#"):
                kept.append(number)
                yield line

    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(lines(handle))
        for row in reader:
            yield kept[reader.line_num - 1], row


def bad_row(path: Path, line: int, error: Exception) -> ConfigError:
    return ConfigError(f"{path}, row {line}: {error}", hint="each row needs every column of the bundled file")


@dataclass(frozen=True, slots=True)
class Network:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    holder: str
    source: str
    source_date: str


@cache
def dprk_networks() -> tuple[Network, ...]:
    """The address space in ``data/indicators/dprk_networks.csv`` (and the deployment's), read once per process."""
    networks = []
    for path, line, row in data_rows(NETWORKS_FILE):
        try:
            network = ipaddress.ip_network(row["network"].strip())
            networks.append(Network(network, row["holder"], row["source"], row["source_date"]))
        except (KeyError, ValueError, AttributeError) as error:
            raise bad_row(path, line, error) from None
    return tuple(networks)


# --- one value each ----------------------------------------------------------------


def phone_indicator(text: str | None, country: str | None = None) -> Indicator | None:
    """A phone number with North Korea's calling code +850 (however it is written)."""
    key = keys.phone_key(text, country) if text else None
    if key is None or not key.startswith(DPRK_CALLING_CODE):
        return None
    return Indicator(PHONE_KP, key, PHONE_WEIGHT)


def _kp_domain(domain: str | None) -> bool:
    return domain is not None and (domain == DPRK_TLD or domain.endswith("." + DPRK_TLD))


def email_indicator(text: str | None) -> Indicator | None:
    """A mailbox under ``.kp`` (``star-co.net.kp``, ``ryongnamsan.edu.kp``)."""
    key = keys.email_key(text) if text else None
    if key is None or not _kp_domain(keys.email_domain(key)):
        return None
    return Indicator(EMAIL_KP, key, EMAIL_WEIGHT)


def website_indicator(text: str | None) -> Indicator | None:
    """A website or host name under ``.kp``."""
    domain = keys.domain_key(text) if text else None
    if not _kp_domain(domain):
        return None
    return Indicator(WEBSITE_KP, domain, WEBSITE_WEIGHT)


def ip_indicator(text: str | None) -> Indicator | None:
    """An IP address in space registered to or routed for North Korea; the evidence names the block and source."""
    key = keys.ip_key(text) if text else None
    if key is None:
        return None
    address = ipaddress.ip_address(key)
    for entry in dprk_networks():
        if address.version == entry.network.version and address in entry.network:
            return Indicator(IP_KP, f"{key} in {entry.network} ({entry.holder}; {entry.source_date})", IP_WEIGHT)
    return None


def country_indicator(text: str | None) -> Indicator | None:
    """A country or nationality that reads as North Korea (``KP``, ``PRK``, ``Korea, North``, ``DPRK``...)."""
    if not text or values.country_code(text) != DPRK:
        return None
    return Indicator(COUNTRY_KP, text, COUNTRY_WEIGHT)


@dataclass(frozen=True, slots=True)
class _Place:
    name: str
    latin: tuple[frozenset[str], ...]  # each Latin spelling as address words (``keys.address_tokens``)
    hangul: re.Pattern[str] | None


_HANGUL = re.compile("[\uac00-\ud7a3]")
# What a Korean address writes after a city's name: 시 (city), 직할시, 특별시, 특별경제구 / 경제특구 (zone), 구역.
_HANGUL_SUFFIX = "(?:시|직할시|특별시|특급시|특별경제구|경제특구|구역)?"


@cache
def dprk_places() -> tuple[_Place, ...]:
    """The DPRK cities of ``data/indicators/dprk_places.csv`` with their spellings, read once per process.

    A Latin spelling is kept as the address words it gives, so it matches an
    address by the same tokenisation as the address keys; a Hangul one as a
    pattern, since Korean addresses run the city and 시 together (``평양시``).
    """
    places = []
    for path, line, row in data_rows(PLACES_FILE):
        try:
            spellings = [s.strip() for s in row["spellings"].split("|") if s.strip()]
            place = row["place"]
        except (KeyError, AttributeError) as error:
            raise bad_row(path, line, error) from None
        latin = tuple(keys.address_tokens(s) for s in spellings if not _HANGUL.search(s))
        hangul = [re.escape(s) for s in spellings if _HANGUL.search(s)]
        pattern = re.compile(f"(?<![\uac00-\ud7a3])(?:{'|'.join(hangul)}){_HANGUL_SUFFIX}(?![\uac00-\ud7a3])")
        places.append(_Place(place, tuple(t for t in latin if t), pattern if hangul else None))
    return tuple(places)


@cache
def _quick_pattern() -> re.Pattern[str]:
    """Any word of any spelling as written, lower case: an address without one names no DPRK place."""
    words: set[str] = set()
    for _, _, row in data_rows(PLACES_FILE):
        for spelling in row["spellings"].split("|"):
            if _HANGUL.search(spelling):
                words.add(spelling.strip())
            else:
                words.update(w for w in re.split(r"[^\w]+", spelling.lower()) if len(w) > 2)
    return re.compile("|".join(sorted(map(re.escape, words), key=len, reverse=True)))


def _quick(text: str) -> bool:
    """A cheap first look (a regular expression) before tokenising each part: most addresses stop here."""
    return _quick_pattern().search(text.lower()) is not None


def dprk_place(text: str | None, country: str | None = None) -> str | None:
    """The DPRK city an address names, or None; never when the address is in another country.

    A street named after a city (``12 Kaesong Rd, Singapore``) is not the city:
    an address whose ``country`` or any part reads as a country other than the
    DPRK names no DPRK place.

    Each part of the address (between commas or lines) is tokenised on its own:
    ``keys.address_tokens`` drops a last part that is only a country, and
    rigour reads a capital as its country, so ``..., Pyongyang`` read whole
    would lose the very word looked for.
    """
    if not text or not _quick(text):
        return None
    parts_text = [part.strip() for part in re.split(r"[,;\n\r]+", text) if part.strip()]
    if _other_country([*parts_text, country or ""]):
        return None
    for place in dprk_places():
        if place.hangul is not None and place.hangul.search(text):
            return place.name
    parts = [keys.address_tokens(part) for part in parts_text]
    for place in dprk_places():
        if any(spelling <= tokens for spelling in place.latin for tokens in parts):
            return place.name
    return None


def _maybe_country(part: str) -> bool:
    return bool(part) and len(part) <= keys.MAX_COUNTRY_CHARS and not any(c.isdigit() for c in part)


# A bare "Korea" says neither which Korea: beside a DPRK city it is no other country.
_EITHER_KOREA = frozenset({"korea", "corea"})


def _other_country(parts: list[str]) -> bool:
    """Whether some part of an address reads as a country other than the DPRK (``Korea, North`` read as two
    parts is the DPRK, not ``Korea`` = KR and ``North``)."""
    codes = [
        values.country_code(part) if _maybe_country(part) and part.strip().lower() not in _EITHER_KOREA else None
        for part in parts
    ]
    for i in range(len(parts) - 1):
        if _maybe_country(parts[i]) and values.country_code(f"{parts[i]}, {parts[i + 1]}") == DPRK:
            codes[i] = codes[i + 1] = DPRK
    return any(code not in (None, DPRK) for code in codes)


def address_indicator(text: str | None, country: str | None = None) -> Indicator | None:
    """An address in Pyongyang, Rason, Sinuiju or another DPRK city (``data/indicators/dprk_places.csv``)."""
    place = dprk_place(text, country)
    if place is None:
        return None
    return Indicator(ADDRESS_KP, f"{place}: {text}", ADDRESS_WEIGHT)


# --- a whole party ------------------------------------------------------------------


def strongest(found: Iterable[Indicator | None]) -> list[Indicator]:
    """Indicators that fired, one per (name, evidence), strongest first."""
    unique: dict[tuple[str, str | None], Indicator] = {}
    for indicator in found:
        if indicator is not None:
            unique.setdefault((indicator.name, indicator.evidence), indicator)
    return sorted(unique.values(), key=lambda i: (-i.weight, i.name, i.evidence or ""))


def record_indicators(record: Record) -> list[Indicator]:
    """Every jurisdiction and infrastructure indicator of a canonical record (a customer, an applicant)."""
    country = record.countries[0] if len(record.countries) == 1 else None
    found: list[Indicator | None] = []
    for infra in record.infra:
        if infra.kind is InfraKind.PHONE:
            found.append(phone_indicator(infra.value, country))
        elif infra.kind is InfraKind.EMAIL:
            found.append(email_indicator(infra.value))
        elif infra.kind in (InfraKind.DOMAIN, InfraKind.WEBSITE):
            found.append(website_indicator(infra.value))
        elif infra.kind is InfraKind.IP_ADDRESS:
            found.append(ip_indicator(infra.value))
    for code in {*record.countries, *record.nationalities}:
        found.append(country_indicator(code))
    for address in record.addresses:
        found.append(address_indicator(", ".join(p for p in (address.full, address.city) if p), address.country))
        if address.country:
            found.append(country_indicator(address.country))
    return strongest(found)


def score(indicators: Iterable[Indicator]) -> float:
    """How strongly indicators together point to the DPRK, 0 to 1: independent signals (as front companies add up)."""
    miss = 1.0
    for indicator in indicators:
        miss *= 1.0 - min(indicator.weight, 0.99)
    return round(1.0 - miss, 6)
