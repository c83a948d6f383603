"""Names in any script to comparable Latin keys: pure functions, no state.

A *name key* is what two spellings of the same name have in common after the
noise is taken out: script (transliterated to Latin), case, punctuation and
apostrophes (McCune-Reischauer ``Ch'o'ngsong`` = ``Chongsong``), a parenthesised
acronym (``(KKBC)``), company legal forms (``CORP``, ``LIMITED``, ``주식회사``)
and word order (the *sorted key*).
"""

from __future__ import annotations

import re
from functools import lru_cache

from rigour.names import remove_org_types
from rigour.text.translit import ascii_text

# Generic company words rigour keeps (it only strips registered legal forms);
# they say nothing about which company is meant.
_ORG_NOISE = frozenset(
    "corp corporation co company companies inc incorporated ltd limited llc plc gmbh ag sa "
    "jsc ojsc cjsc pjsc oao zao ooo pte pty bhd sdn group the of and llp lp".split()
)
_PARENS = re.compile(r"\([^)]*\)")
_APOSTROPHES = re.compile(r"['’‘`ʼʻ]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")

PERSON = "person"
ORGANIZATION = "organization"


@lru_cache(maxsize=200_000)
def latin(text: str) -> str:
    """Lower-case ASCII transliteration with punctuation as single spaces."""
    ascii_form = ascii_text(_APOSTROPHES.sub("", text)).lower()
    return _NON_ALNUM.sub(" ", ascii_form).strip()


def drop_acronym(text: str) -> str:
    """``KOREA KWANGSON BANKING CORPORATION (KKBC)`` -> the name without ``(KKBC)``."""
    stripped = _PARENS.sub(" ", text).strip()
    return stripped or text


@lru_cache(maxsize=200_000)
def name_key(name: str, family: str = PERSON) -> str:
    """The comparable form of one name; ``""`` when nothing is left."""
    text = drop_acronym(name)
    if family == ORGANIZATION:
        text = remove_org_types(text.lower(), replacement=" ")
    tokens = latin(text).split()
    if family == ORGANIZATION:
        kept = [t for t in tokens if t not in _ORG_NOISE]
        tokens = kept or tokens
    return " ".join(tokens)


def sorted_key(key: str) -> str:
    """A name key with its words in alphabetical order (word-order independent)."""
    return " ".join(sorted(key.split()))
