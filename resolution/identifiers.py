"""Identifiers validated and reduced to a form two sources write the same way.

Pure and total: every function returns ``None`` for a value that is not a valid
identifier of its kind instead of raising, so bulk feature building never stops
on one bad cell. Check digits are verified with python-stdnum (IMO, LEI, BIC);
document numbers (passports, national ids, tax and registration numbers) have
no shared check digit, so they are cut out of the surrounding text
(``Libya B/002210``, ``Numéro d'identification: 3270882H007PB4``) and compacted.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rigour.text.translit import ascii_text
from stdnum import bic as std_bic
from stdnum import imo as std_imo
from stdnum import lei as std_lei

# Kinds whose values are checked by a check digit or a fixed format.
STRONG_KINDS = frozenset({"imo", "lei", "bic", "mmsi", "wikidata"})
# Kinds a party has one value of (per issuing system): two different values mean two parties.
# Passports are renewed and BICs name branches, so neither is here.
# Two identifiers this similar (Jaro-Winkler) are one number with a typo, not two numbers.
TYPO_SIMILARITY = 0.9
UNIQUE_KINDS = frozenset({"national_id", "tax_id", "registration", "lei", "imo", "mmsi", "wikidata", "inn", "ogrn"})
_CANDIDATE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/.\- ]*[0-9][A-Za-z0-9/.\-]*")
_SEPARATORS = re.compile(r"[\s\-./]")
_WIKIDATA = re.compile(r"Q[1-9][0-9]*")
MIN_DOCUMENT_LENGTH = 5


def imo(value: str) -> str | None:
    """``IMO 9319466`` / ``9319466`` -> ``IMO9319466`` when the check digit holds."""
    digits = re.sub(r"\D", "", value)
    return f"IMO{digits}" if len(digits) == 7 and std_imo.is_valid(digits) else None


def lei(value: str) -> str | None:
    """A 20-character LEI whose ISO 17442 check digits hold."""
    compact = std_lei.compact(value)
    return compact if std_lei.is_valid(compact) else None


def bic(value: str) -> str | None:
    """A SWIFT/BIC code reduced to its 8-character institution part.

    Lists give the head office (``KKBCKPPY``) where a registry gives a branch
    (``KKBCKPPYXXX``); both name the same bank.
    """
    compact = std_bic.compact(value)
    return compact[:8] if std_bic.is_valid(compact) else None


def mmsi(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)
    return f"MMSI{digits}" if len(digits) == 9 else None


def wikidata(value: str) -> str | None:
    text = value.strip().upper()
    return text if _WIKIDATA.fullmatch(text) else None


def document(value: str) -> str | None:
    """A passport, national-id, tax or registration number cut out of its text.

    Picks the longest run that contains a digit (``Libya B/002210`` -> ``B002210``)
    and drops separators; fewer than five characters is too little to identify
    anyone (``1``, ``12-A``).
    """
    best = ""
    for match in _CANDIDATE.finditer(value if value.isascii() else ascii_text(value)):
        for part in match.group(0).split(" "):
            compact = _SEPARATORS.sub("", part).upper()
            if any(c.isdigit() for c in compact) and len(compact) > len(best):
                best = compact
    return best if len(best) >= MIN_DOCUMENT_LENGTH and best.isascii() else None


_BY_KIND = {"imo": imo, "lei": lei, "bic": bic, "swift": bic, "mmsi": mmsi, "wikidata": wikidata}


@lru_cache(maxsize=100_000)
def normalize_identifier(kind: str, value: str) -> str | None:
    """The comparable form of one identifier of ``kind``; ``None`` when invalid."""
    check = _BY_KIND.get(kind.lower())
    if check is not None:
        return check(value)
    # A document-like value that is really an IMO or LEI (OFAC puts both in remarks).
    return document(value)


def digits_key(value: str) -> str | None:
    """The digits of a document number, when there are enough of them to mean something.

    ``B/001897`` and ``001897`` are one Libyan passport written with and without
    its series letter; leading zeros are dropped (``0042587662`` = ``42587662``).
    """
    digits = re.sub(r"\D", "", value)
    return (digits.lstrip("0") or digits) if len(digits) >= 6 else None
