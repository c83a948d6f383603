"""Value cleaning at the edge: pure, total functions built on the field's libraries.

Each function takes raw source text and returns the normalised value, or ``None``
when the text is not a valid value of that type; none of them raises on bad
input, so an adapter decides whether a bad value quarantines the row or is
simply dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import countrynames
import phonenumbers
from email_validator import EmailNotValidError, validate_email
from netaddr import AddrFormatError, IPAddress, IPNetwork
from rigour.text.scripts import codepoint_script
from stdnum import bic as std_bic
from stdnum import imo as std_imo
from stdnum import lei as std_lei

_SPACES = re.compile(r"\s+")
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}


def clean_text(value: str | None) -> str | None:
    """Strip control characters and collapse whitespace; empty becomes ``None``."""
    if value is None:
        return None
    if value.__class__ is str and value.isascii() and value.isprintable() and "  " not in value:
        # Fast path for the common case (plain ASCII, single spaces): NFC and control stripping are no-ops.
        text = value.strip()
    else:
        text = unicodedata.normalize("NFC", str(value)).translate(_CONTROL)
        text = _SPACES.sub(" ", text).strip()
    if text == "" or text == "-0-":
        return None
    return text


def clean_texts(texts: list[str]) -> list[str]:
    """``clean_text`` over a column of cells, ``""`` for an empty one: the plain column checked at once.

    When the column joined is printable ASCII without a double space, so is every cell, and
    cleaning a cell is only stripping it (``clean_text``'s own fast path), without a call per cell.
    """
    joined = "".join(texts)
    if joined.isascii() and joined.isprintable() and "  " not in joined:
        stripped = [text.strip() for text in texts]
        return ["" if text == "-0-" else text for text in stripped] if "-0-" in joined else stripped
    return [text and (clean_text(text) or "") for text in texts]


def name_script(value: str) -> str | None:
    """The script most letters of a name are written in ("Latin", "Hangul", "Han")."""
    if value.isascii():  # fast path: ASCII letters are Latin, digits and punctuation are no script
        return "Latin" if any(c.isalpha() for c in value) else None
    counts: Counter[str] = Counter()
    for char in value:
        script = codepoint_script(ord(char))
        if script is not None and script not in ("Common", "Inherited"):
            counts[script] += 1
    if not counts:
        return None
    return counts.most_common(1)[0][0]


@lru_cache(maxsize=4096)
def country_code(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code (upper case) for a country name or code."""
    text = clean_text(value)
    if text is None:
        return None
    code = countrynames.to_code(text, fuzzy=False)
    return code.upper() if code else None


def iso_date(value: str | None) -> str | None:
    """An ISO date, keeping the precision the source gives (YYYY, YYYY-MM, YYYY-MM-DD).

    Accepts ISO forms, ``25 Sep 1984``, ``Sep 1984``, ``dd-mm-yyyy``, ``dd/mm/yyyy``
    and a bare year; anything else is ``None``.
    """
    text = clean_text(value)
    if text is None:
        return None
    text = text.rstrip(".")
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    for fmt, width in (("%Y-%m-%d", 10), ("%d-%m-%Y", 10), ("%d/%m/%Y", 10), ("%Y/%m/%d", 10)):
        if len(text) == width:
            try:
                return datetime.strptime(text, fmt).date().isoformat()
            except ValueError:
                pass
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return text if 1 <= int(text[5:]) <= 12 else None
    if re.fullmatch(r"\d{4}", text):
        return text if 1800 <= int(text) <= 2100 else None
    return _written_date(text)


def _written_date(text: str) -> str | None:
    parts = text.replace(",", " ").split()
    if len(parts) == 3 and parts[0].isdigit() and parts[2].isdigit():
        month = _MONTHS.get(parts[1].lower())
        if month:
            try:
                return date(int(parts[2]), month, int(parts[0])).isoformat()
            except ValueError:
                return None
    if len(parts) == 2 and parts[1].isdigit() and len(parts[1]) == 4:
        month = _MONTHS.get(parts[0].lower())
        if month:
            return f"{parts[1]}-{month:02d}"
    return None


# An unquoted ASCII local part (RFC 5322 dot-atom): email-validator accepts exactly these without
# changing them, so only the domain needs the library, and a domain's verdict can be cached.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


@lru_cache(maxsize=65536)
def _email_domain(domain: str) -> str | None:
    try:
        result = validate_email(f"x@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return None
    return str(result.domain).lower()


def email(value: str | None) -> str | None:
    """A syntactically valid e-mail address, lower-cased (no DNS lookup)."""
    text = clean_text(value)
    if text is None:
        return None
    local, at, domain = text.rpartition("@")
    if at and len(local) <= 64 and len(text) <= 254 and _DOT_ATOM.fullmatch(local):
        checked = _email_domain(domain)
        return None if checked is None else f"{local.lower()}@{checked}"
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return None
    return str(result.normalized).lower()


def email_domain(value: str) -> str:
    return value.rsplit("@", 1)[-1]


def phone(value: str | None, country: str | None = None) -> str | None:
    """E.164 form of a phone number; ``country`` is the default region.

    The same answer as ``phone_library`` (``phonenumbers``), which a customer export would
    otherwise pay some 30 µs a number for: the common plain forms (``+49 912 13010841``,
    ``(555) 010-9999`` in the US) are read by ``_phone_fast``, everything else by the library.
    """
    text = clean_text(value)
    if text is None:
        return None
    fast = _phone_fast(text, country)
    if fast is not _UNSURE:
        return fast
    return phone_library(text, country)


def phone_library(value: str | None, country: str | None = None) -> str | None:
    """The reference: ``phonenumbers`` parses, checks the length is possible, formats E.164."""
    text = clean_text(value)
    if text is None:
        return None
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Digits with spaces, hyphens, dots and brackets, at most one leading plus: no letters (vanity numbers),
# extensions, RFC 3966 ``tel:`` forms or non-ASCII digits, which only the library reads.
_PHONE_FORM = re.compile(r"(\+ ?)?[0-9(][0-9 ().\-]*[0-9]")
_PHONE_PUNCTUATION = str.maketrans("", "", " ().-")
_UNSURE = "unsure"
# The library's bounds on a national significant number, and on a country code's digits.
_NSN_MIN, _NSN_MAX, _CC_MAX_DIGITS = 2, 17, 3
# Shorter texts are rare and sit on the library's edge cases (too short after the plus): left to it.
_FAST_MIN_DIGITS = 5


def _phone_fast(text: str, region: str | None) -> str | None:
    """E.164 for the plain forms whose parse needs nothing but a country code and the digits.

    Returns ``_UNSURE`` when the library must decide: a form with more than digits and separators,
    an unknown country code, a national prefix or international dialling prefix the region's
    metadata might strip, or a national number that begins with the region's own country code.
    Otherwise the number is the digits after the country code (leading zeros kept, as the
    library keeps them), possible or not by its length alone, as ``phonenumbers`` decides it.
    """
    if len(text) > 40 or not _PHONE_FORM.fullmatch(text):
        return _UNSURE
    digits = text.translate(_PHONE_PUNCTUATION).lstrip("+")
    if len(digits) < _FAST_MIN_DIGITS:
        return _UNSURE
    if text[0] == "+":
        found = _split_country_code(digits)
        if found is None:
            return _UNSURE
        code, national = found
        strip = _national_prefix(code)
    else:
        if region is None:
            return _UNSURE
        plan = _region_plan(region)
        if plan is None or plan.international.match(digits) or digits.startswith(plan.code_text):
            return _UNSURE
        code, national, strip = plan.code, digits, plan.national_prefix
    if not _NSN_MIN <= len(national) <= _NSN_MAX or (strip is not None and strip.match(national)):
        return _UNSURE
    return f"+{code}{national}" if _possible_length(code, len(national)) else None


def _split_country_code(digits: str) -> tuple[int, str] | None:
    """The library's country code of an international number: the shortest known prefix of 1-3 digits."""
    if len(digits) <= _NSN_MIN or digits[0] == "0":
        return None
    for size in range(1, _CC_MAX_DIGITS + 1):
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return code, digits[size:]
    return None


@dataclass(frozen=True, slots=True)
class _RegionPlan:
    code: int
    code_text: str
    international: re.Pattern[str]
    national_prefix: re.Pattern[str] | None


@lru_cache(maxsize=512)
def _region_plan(region: str) -> _RegionPlan | None:
    """A region's country code and the prefixes its metadata would strip from a national number."""
    if region not in phonenumbers.SUPPORTED_REGIONS:
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.country_code is None:
        return None
    # ``NonMatch``: what the library matches against when a region has no international prefix.
    international = re.compile(metadata.international_prefix or "NonMatch")
    prefix = metadata.national_prefix_for_parsing
    return _RegionPlan(metadata.country_code, str(metadata.country_code), international, _compiled(prefix))


@lru_cache(maxsize=512)
def _national_prefix(code: int) -> re.Pattern[str] | None:
    """The national prefix pattern the library tries on an international number of ``code``."""
    main = phonenumbers.region_code_for_country_code(code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, main)
    return None if metadata is None else _compiled(metadata.national_prefix_for_parsing)


def _compiled(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern) if pattern else None


@lru_cache(maxsize=4096)
def _possible_length(code: int, length: int) -> bool:
    """Whether the library finds a national number of ``length`` digits possible under ``code``.

    ``is_possible_number`` looks at the length alone (the main region's possible lengths), so any
    number of that length answers for all.
    """
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int("1" * length))
    return bool(phonenumbers.is_possible_number(number))


_IPV4 = re.compile(r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}")


def ip_address(value: str | None) -> str | None:
    """Canonical text of an IPv4 or IPv6 address."""
    text = clean_text(value)
    if text is None:
        return None
    if _IPV4.fullmatch(text):  # fast path: a dotted quad without leading zeros is already canonical
        return text
    try:
        return str(IPAddress(text))
    except (AddrFormatError, ValueError, TypeError):
        return None


# A dotted IPv4 address in canonical form (no leading zeros), whose /24 is its first three octets.
_CANONICAL_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)")


def ip_network(value: str, prefix_v4: int = 24, prefix_v6: int = 48) -> str:
    """The network an address sits in (a /24 for IPv4), for range-level links."""
    if prefix_v4 == 24 and _CANONICAL_IPV4.fullmatch(value):  # a load asks this for millions of addresses
        return value[: value.rindex(".")] + ".0/24"
    addr = IPAddress(value)
    prefix = prefix_v4 if addr.version == 4 else prefix_v6
    return str(IPNetwork(f"{addr}/{prefix}").cidr)


def domain(value: str | None) -> str | None:
    """A host name from a URL or bare domain, lower case, without ``www.``."""
    text = clean_text(value)
    if text is None:
        return None
    text = text.lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    host = text.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0].strip(".")
    if host.startswith("www."):
        host = host[4:]
    if "." not in host or not re.fullmatch(r"[a-z0-9.-]+", host):
        return None
    return host


def imo_number(value: str | None) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    digits = re.sub(r"\D", "", text)
    return f"IMO{digits}" if std_imo.is_valid(digits) else None


def lei_code(value: str | None) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    compact = std_lei.compact(text)
    return compact if std_lei.is_valid(compact) else None


def bic_code(value: str | None) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    compact = std_bic.compact(text)
    return compact if std_bic.is_valid(compact) else None


def document_number(value: str | None) -> str | None:
    """Passport or national-id number: upper case, separators removed."""
    text = clean_text(value)
    if text is None:
        return None
    compact = re.sub(r"[\s\-./]", "", text).upper()
    return compact if compact.isalnum() and len(compact) >= 3 else None
