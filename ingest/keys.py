"""One key rule per kind of shared value: what two sources must agree on to share a value.

A shared value (a wallet, an e-mail, a phone, an address...) becomes one node in
the graph however each source writes it: OFAC's ``XBT 1EfM...`` and a customer's
bare ``1EfM...`` are one wallet; ``Room 9, Unit A, 3rd Floor, ... Sheung Wan,
Hong Kong`` and ``Unit A, Rm 9, 3/F., ... Sheung Wan, Sheung Wan, HK`` are one
address. ``value_key(kind, text)`` is that rule, written once: ingest derives
each record's keys with it (``record_values``), and screening and search key
what a user types with the same function, so every path gives the same key for
the same input (pinned by ``tests/ingest/test_keys.py``).

Every function is pure and total: ``None`` means the text is not a value of that
kind, or one too vague to be shared (a bare city, a three-character number).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from publicsuffixlist import PublicSuffixList
from rapidfuzz.distance import Levenshtein
from rigour.territories import lookup_territory
from rigour.text.translit import ascii_text

from ingest import values
from ingest.record import Address, InfraKind, Record

# The kinds of shared value, as staging stores them (``staging.shared_values``) and the graph model maps them.
EMAIL, PHONE, DOMAIN, IP, WALLET = "email", "phone", "domain", "ip", "wallet"
PAYMENT, DEVICE, ADDRESS, IDENTIFIER = "payment", "device", "address", "identifier"
KINDS = (EMAIL, PHONE, DOMAIN, IP, WALLET, PAYMENT, DEVICE, ADDRESS, IDENTIFIER)
# A record's infrastructure kind -> the kind of value it is (a website is a domain).
INFRA_KIND: dict[InfraKind, str] = {
    InfraKind.EMAIL: EMAIL,
    InfraKind.PHONE: PHONE,
    InfraKind.DOMAIN: DOMAIN,
    InfraKind.WEBSITE: DOMAIN,
    InfraKind.IP_ADDRESS: IP,
    InfraKind.WALLET: WALLET,
    InfraKind.PAYMENT_FINGERPRINT: PAYMENT,
    InfraKind.DEVICE_ID: DEVICE,
}
MIN_IDENTIFIER_CHARS = 5

MAX_COUNTRY_CHARS = 60


def _ascii(text: str) -> str:
    """Latin letters for any script; ASCII text as it is (transliterating it costs microseconds a word)."""
    return text if text.isascii() else ascii_text(text)


# --- e-mail and domain ---------------------------------------------------------------

# Mailboxes that ignore dots in the local part (Gmail's two names for one mailbox).
_DOTLESS_MAIL = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


@lru_cache(maxsize=4_096)
def email_key(text: str) -> str | None:
    """The mailbox an address delivers to: lower case, without a ``+tag``, Gmail without dots.

    ``J.Smith+cloud@GoogleMail.com`` and ``jsmith@gmail.com`` reach one inbox, and
    tagged or dotted variants are a cheap way to open many accounts on one.
    """
    address = values.email(text)
    if address is None:
        return None
    local, _, host = address.rpartition("@")
    local = local.split("+", 1)[0] or local
    if host in _DOTLESS_MAIL:
        local, host = local.replace(".", "") or local, _DOTLESS_MAIL[host]
    return f"{local}@{host}"


_PSL = PublicSuffixList()
# Second-level suffixes the public suffix list lacks, under which unrelated parties register names:
# North Korea's net.kp (Star Joint Venture's star-co.net.kp and its customers).
_EXTRA_SUFFIXES = frozenset({"net.kp"})


@lru_cache(maxsize=16_384)
def registrable_domain(host: str) -> str:
    """The part of a host name a party registers (``mail.star-co.net.kp`` -> ``star-co.net.kp``)."""
    labels = host.split(".")
    for size in range(2, len(labels)):
        if ".".join(labels[-size:]) in _EXTRA_SUFFIXES:
            return ".".join(labels[-size - 1 :])
    if values.ip_address(host) is not None:
        return host
    return _PSL.privatesuffix(host) or host


def domain_key(text: str) -> str | None:
    """The registrable domain of a URL, website, host name or e-mail address."""
    cleaned = values.clean_text(text)
    if cleaned is None:
        return None
    host = values.domain(cleaned.rpartition("@")[2] if "@" in cleaned and "/" not in cleaned else cleaned)
    return registrable_domain(host) if host else None


def email_domain(key: str) -> str:
    """The registrable domain of an e-mail key: the parent that mailboxes on one organisation's hosts share."""
    return registrable_domain(key.rpartition("@")[2])


# --- phone, IP ----------------------------------------------------------------------


def phone_key(text: str, country: str | None = None) -> str | None:
    """E.164 (``+850 2 381 4410``, ``00850-2-3814410`` and ``02 381 4410`` in KP are one number)."""
    cleaned = values.clean_text(text)
    if cleaned is None:
        return None
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    if _E164.fullmatch(cleaned):  # as ingest stores it: parsing it again gives it back
        return cleaned
    return values.phone(cleaned, country)


_E164 = re.compile(r"\+[1-9]\d{6,14}")


def ip_key(text: str) -> str | None:
    return values.ip_address(text)


# --- wallet -------------------------------------------------------------------------

# A currency written before the address: ``XBT 1Ef...``, ``ETH:0x...``, ``USDT - T...``, ``bitcoin:bc1...``.
_CURRENCY = re.compile(r"^([A-Za-z][A-Za-z0-9]{1,9})\s*(?::|\s-\s|\s)\s*(?=\S{20,}$)")
_EVM = re.compile(r"0x[0-9a-fA-F]{40}")
# Bech32 (BIP 173): a human-readable part, the separator 1, then the data charset; one case only.
_BECH32 = re.compile(r"[a-z]{1,20}1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{6,}")
_WALLET_TEXT = re.compile(r"[A-Za-z0-9]{20,}")


def split_wallet(text: str) -> tuple[str | None, str] | None:
    """(currency as written, address) of a wallet, or ``None`` when no address is there."""
    cleaned = values.clean_text(text)
    if cleaned is None:
        return None
    cleaned = cleaned.split("?", 1)[0]  # a payment URI's amount and label
    currency = None
    match = _CURRENCY.match(cleaned)
    if match:
        currency, cleaned = match.group(1).upper(), cleaned[match.end() :]
    address = "".join(cleaned.split())
    return (currency, address) if _WALLET_TEXT.fullmatch(address) else None


def wallet_key(text: str) -> str | None:
    """The address itself, canonical per format; the currency is never part of it.

    EVM addresses (``0x`` + 40 hex digits) and Bech32 ones (``bc1...``) are
    case-insensitive, so they are lower-cased; Base58 (``1...``, ``3...``,
    ``T...``) is case-sensitive, so it is kept exactly.
    """
    split = split_wallet(text)
    if split is None:
        return None
    address = split[1]
    if _EVM.fullmatch(address):
        return address.lower()
    if (address.islower() or address.isupper()) and _BECH32.fullmatch(address.lower()):
        return address.lower()
    return address


def wallet_currency(text: str) -> str | None:
    split = split_wallet(text)
    return split[0] if split else None


# --- payment instruments and devices ------------------------------------------------

_HEX_ID = re.compile(r"[0-9a-fA-F-]{8,}")


def token_key(text: str) -> str | None:
    """A payment fingerprint or device ID: spaces removed; hex and UUIDs lower-cased (they are case-free)."""
    cleaned = values.clean_text(text)
    if cleaned is None:
        return None
    token = "".join(cleaned.split())
    if len(token) < MIN_IDENTIFIER_CHARS:
        return None
    return token.lower() if _HEX_ID.fullmatch(token) else token


# --- identifiers --------------------------------------------------------------------

_IMO = re.compile(r"(?:IMO)?(\d{7})")


def identifier_key(text: str, kind: str | None = None) -> str | None:
    """An identifier's number: letters and digits only, upper case; at least five, one a digit.

    The kind is not part of the key: a list says ``Passport``, a customer form
    ``other`` and a registry ``registration`` for what may be one number, and a
    number this long with a digit in it rarely means two things. An IMO number
    is ``IMO`` and its seven digits however it is written.
    """
    cleaned = values.clean_text(text)
    if cleaned is None:
        return None
    compact = "".join(c for c in _ascii(cleaned) if c.isalnum()).upper()
    imo = _IMO.fullmatch(compact)
    if imo and (kind == "imo" or compact.startswith("IMO")):
        return f"IMO{imo.group(1)}"
    if len(compact) < MIN_IDENTIFIER_CHARS or not any(c.isdigit() for c in compact):
        return None
    return compact


# --- addresses ----------------------------------------------------------------------

# One spelling per street word: abbreviations folded to the word (both sides get the same token).
_ADDRESS_WORDS = {
    "st": "street",
    "str": "street",
    "strasse": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "blvd": "boulevard",
    "bldg": "building",
    "bld": "building",
    "fl": "floor",
    "flr": "floor",
    "f": "floor",
    "rm": "room",
    "apt": "apartment",
    "ste": "suite",
    "dist": "district",
    "hwy": "highway",
    "ln": "lane",
    "sq": "square",
    "ctr": "center",
    "centre": "center",
    "twr": "tower",
    "pl": "place",
    "ind": "industrial",
    "est": "estate",
    "pr": "prospekt",
    "prosp": "prospekt",
    "ul": "ulitsa",
    "ulitsa": "ulitsa",
}
# Words that say what kind of place a part is, not which one: they never make an address specific.
_GENERIC_WORDS = frozenset(
    "street road avenue boulevard building floor room apartment suite unit flat no number block tower house "
    "district lane square center place industrial estate level office the of and city town village province "
    "county region state ulitsa prospekt dong gu ri si".split()
)
# "No. 5", "Number 5", "Nr 5": the word says a number follows, which the number says itself.
_NUMBER_WORDS = frozenset({"no", "number", "nr", "num"})
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_FLOOR_SLASH = re.compile(r"(\d+)\s*/\s*f\b", re.IGNORECASE)
# A postal code with a country prefix (``CH-8022``, ``E-28036``, ``D-10117``): the prefix repeats the country.
_POSTCODE_PREFIX = re.compile(r"\b[A-Z]{1,2}-(\d{3,})")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SEGMENT_BREAK = re.compile(r"[,;\n\r]+")
_ASCII_DIGIT = re.compile(r"[0-9]")


def _has_digit(text: str) -> bool:
    """``any(c.isdigit() for c in text)``, by a regex when the text is ASCII (an address part usually is)."""
    return _ASCII_DIGIT.search(text) is not None if text.isascii() else any(c.isdigit() for c in text)


def _is_country(segment: str) -> bool:
    """Whether one part of an address is only a country (``HK``, ``Hong Kong``, ``Korea, North``).

    rigour's territories tell a country (``hk``) from a city or region that
    countrynames would read as its country (``Moscow``, ``ru-mow``). A part with a digit never is,
    and is not cached (house numbers and postal codes would crowd the countries out).
    """
    if len(segment) > MAX_COUNTRY_CHARS or _has_digit(segment):
        return False
    return _is_country_name(segment)


@lru_cache(maxsize=16_384)
def _is_country_name(segment: str) -> bool:
    territory = lookup_territory(segment)
    if territory is None or len(territory.code) != 2:
        return False
    # rigour also finds a country by its capital or a district (``Pyongyang`` -> kp): a city stays.
    return _fold(segment) not in {_fold(place) for place in territory.places}


def _fold(text: str) -> str:
    return _NON_ALNUM.sub("", _ascii(text).lower())


def _without_country(segment: str) -> str:
    """A last part without the country its last words name (``Lima PE``, ``Rotterdam Netherlands``)."""
    words = segment.split()
    if not words or _has_digit(words[-1]):  # every tail holds the last word, and a country has no digit
        return segment
    for size in (3, 2, 1):
        if len(words) > size:
            tail = " ".join(words[-size:])
            if tail.lower().strip(".") not in _ADDRESS_WORDS and _is_country(tail):
                return " ".join(words[:-size])
    return segment


def _segments(full: str, parts: tuple[str | None, ...]) -> list[str]:
    """The address's parts (by commas and lines), without the country (or two: ``Hong Kong, China``) at the end."""
    segments: list[str] = []
    for part in (*parts, full):
        if part:
            segments.extend(_part_segments(part))
    for _ in range(2):
        if len(segments) < 2 or _has_digit(segments[-1]):  # a postal code last: no country to drop
            break
        if len(segments) >= 3 and _is_country(f"{segments[-2]}, {segments[-1]}"):
            segments = segments[:-2]  # "Korea, North"
        elif _is_country(segments[-1]):
            segments = segments[:-1]
        else:
            break
    if segments:
        segments[-1] = _without_country(segments[-1])
    return segments


@lru_cache(maxsize=65_536)
def _part_segments(part: str) -> tuple[str, ...]:
    """One part's segments, rewritten, cached (cities and codes repeat): the joined text's are each part's in turn.

    The parts are joined by ``", "``, which no rewrite reaches across and which always breaks a segment.
    """
    text = _FLOOR_SLASH.sub(r"\1 floor", part) if "/" in part else part  # each rewrite needs its character
    text = _POSTCODE_PREFIX.sub(r"\1", text) if "-" in text else text
    return tuple(s for s in map(str.strip, _SEGMENT_BREAK.split(text)) if s and s != "-0-")


def _tokens(segment: str) -> Iterator[str]:
    for raw in _NON_ALNUM.split(_ascii(segment).lower()):
        if not raw or raw in _NUMBER_WORDS:
            continue
        # ``raw`` is ASCII letters and digits: an ordinal (``3rd``) starts with a digit and is not all digits.
        ordinal = _ORDINAL.match(raw) if raw[0].isdigit() and not raw.isdigit() else None
        yield ordinal.group(1) if ordinal else _ADDRESS_WORDS.get(raw, raw)


@lru_cache(maxsize=65_536)
def _segment_tokens(segment: str) -> frozenset[str]:
    """One segment's tokens; a number repeated within it is kept apart (``6-6`` is ``6`` and ``6x2``)."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    for token in _tokens(segment):
        if token[0].isdigit():
            seen[token] = seen.get(token, 0) + 1
            if seen[token] > 1:
                token = f"{token}x{seen[token]}"
        found.add(token)
    return frozenset(found)


@lru_cache(maxsize=4_096)
def address_tokens(full: str, parts: tuple[str | None, ...] = ()) -> frozenset[str]:
    """The words of an address that say where it is: countries, punctuation, case and repetition left out.

    A number repeated within one part is kept apart (``6-6`` is ``6`` and ``6x2``): in ``Calle 27 No. 27-104``
    the repetition is what tells it from ``Calle 34 No. 27-104``.
    """
    return frozenset().union(*map(_segment_tokens, _segments(full, parts)))


def is_specific(tokens: frozenset[str]) -> bool:
    """Whether an address names a building: a number, and two words that are not kinds of place.

    ``Pyongyang``, ``Moscow 125009`` and ``Building 5, Pyongyang`` name an area
    that unrelated parties share; ``Tverskaya 12, Moscow`` names a building.
    """
    numbered, words = False, 0
    for token in tokens:
        if token.isalpha():
            words += len(token) > 1 and token not in _GENERIC_WORDS
        elif not numbered:
            numbered = _has_digit(token)
        if numbered and words >= 2:
            return True
    return False


def address_key(full: str, *parts: str | None) -> str | None:
    """An address as a place: its specific words, sorted; ``None`` when it names no building.

    ``parts`` are the structured fields a source gives beside the full text
    (street, city, postal code, country): repeated in the key only once. The
    country is left out: sources write it as a code, a name or not at all, and
    Hong Kong's listed addresses say ``Hong Kong`` or ``China``; the street,
    number and city already say where the place is.
    """
    tokens = address_tokens(full, tuple(parts))
    return " ".join(sorted(tokens)) if is_specific(tokens) else None


# Near-identical addresses: how much each kind of word says about where a place is.
NUMBER_WEIGHT, WORD_WEIGHT, GENERIC_WEIGHT = 2.0, 1.0, 0.25
# The share of the less detailed address's named words that may be missing from the other (a district, a typo).
MAX_UNMATCHED_WORDS = 0.2
MIN_SHARED_WORDS = 2
MIN_FUZZY_CHARS = 5


def is_number_token(token: str) -> bool:
    return any(c.isdigit() for c in token)


def _token_weight(token: str) -> float:
    if is_number_token(token):
        return NUMBER_WEIGHT
    return GENERIC_WEIGHT if token in _GENERIC_WORDS or len(token) == 1 else WORD_WEIGHT


def _named(tokens: frozenset[str]) -> set[str]:
    return {t for t in tokens if not is_number_token(t) and len(t) > 1 and t not in _GENERIC_WORDS}


def _matches(word: str, words: frozenset[str]) -> str | None:
    """The word of ``words`` that ``word`` is, allowing one typo in a long word."""
    if word in words:
        return word
    if len(word) >= MIN_FUZZY_CHARS:
        for other in words:
            if abs(len(other) - len(word)) <= 1 and Levenshtein.distance(word, other, score_cutoff=1) <= 1:
                return other
    return None


def address_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """How surely two addresses (as ``address_tokens``) are one building: 0, or a score from about 0.8 to 1.

    The less detailed address must sit inside the other: each of its numbers
    there (a different house, unit or floor number is a different place), at
    least one number shared, and all but a fifth of its named words there too,
    a typo allowed (a city or a district left out or added is the same
    building; a different city, street or tower is not). The score is the
    weight of what the less detailed one says that the other confirms: numbers
    weigh most, kinds of place (``Street``, ``Floor``) least.
    """
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    numbers = {t for t in small if is_number_token(t)}
    if not numbers or not numbers <= large:
        return 0.0
    named = _named(small)
    matched = {w for w in named if _matches(w, large) is not None}
    if len(matched) < MIN_SHARED_WORDS or len(named - matched) > MAX_UNMATCHED_WORDS * len(named):
        return 0.0
    total = sum(_token_weight(t) for t in small)
    confirmed = sum(_token_weight(t) for t in small if t in large or t in matched)
    return round(confirmed / total, 4)


def record_address_key(address: Address) -> str | None:
    return address_key(address.full, address.street, address.city, address.postal_code)


# --- every kind ---------------------------------------------------------------------


def value_key(kind: str, text: str, country: str | None = None) -> str | None:
    """The key of ``text`` as a value of ``kind`` (one of ``KINDS``); ``country`` is a phone's region."""
    if kind == EMAIL:
        return email_key(text)
    if kind == PHONE:
        return phone_key(text, country)
    if kind == DOMAIN:
        return domain_key(text)
    if kind == IP:
        return ip_key(text)
    if kind == WALLET:
        return wallet_key(text)
    if kind in (PAYMENT, DEVICE):
        return token_key(text)
    if kind == ADDRESS:
        return address_key(text)
    if kind == IDENTIFIER:
        return identifier_key(text)
    raise ValueError(f"unknown kind of shared value {kind!r}; expected one of {KINDS}")


def record_values(record: Record) -> list[tuple[str, str, str]]:
    """A record's shared values as (kind, key, value as written), each (kind, key) once.

    The first spelling of a key in the record is kept as its value.
    """
    found: dict[tuple[str, str], str] = {}
    country = record.countries[0] if len(record.countries) == 1 else None
    for infra in record.infra:
        kind = INFRA_KIND[infra.kind]
        key = value_key(kind, infra.value, country)
        if key is not None:
            found.setdefault((kind, key), infra.value)
    for address in record.addresses:
        key = record_address_key(address)
        if key is not None:
            found.setdefault((ADDRESS, key), address.full)
    for identifier in record.identifiers:
        key = identifier_key(identifier.value, identifier.kind)
        if key is not None:
            found.setdefault((IDENTIFIER, key), identifier.value)
    return [(kind, key, value) for (kind, key), value in found.items()]
