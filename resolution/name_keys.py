"""Name forms a spelling change cannot defeat: what screening retrieves and compares by, and resolution matches on.

A *form* is one written name reduced to a compact string, built from the same
normalisation as every other name key (``normalize.name_tokens``):

- script: Hangul by ``korean.romanize_hangul``, every other script by rigour
  (Cyrillic, Chinese, Arabic ...), before anything else;
- case, punctuation, apostrophes, honorifics; for organisations legal forms and
  company abbreviations on both sides (``Gen. Corp.`` = ``GENERAL CORPORATION``,
  ``Co., Ltd.``, ``JSC``, ``Trade`` = ``Trading``);
- every romanised Korean word folded (``korean.fold_token``): McCune-Reischauer,
  Revised Romanisation and the customary spellings (``Ri/Yi/Lee``, ``Chol/Cheol/Chul``);
- spaces: the words are joined, so ``Kim Tong Chol`` = ``KIM TONGCHOL`` = ``Kim Tong-chol``.

A name gives several forms: its words as written and sorted (word order), for a
Korean person the surname with the given names joined from either end (so the
surname may come first or last), for an organisation also its *core*: the name
without a leading country word (``Korea``, ``DPRK``) and generic trade words
(``Trading``, ``General``), so ``Ryonbong`` finds ``KOREA RYONBONG GENERAL CORPORATION``.

Typos are left to the comparison: ``similarity`` is the best Indel ratio of any two
forms, which a retrieval index (``graph.name_index``) and screening's name score
both use, and which the resolution model sees through ``fuzzy_keys`` (equal forms).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from rapidfuzz import fuzz

from resolution.korean import fold_token, is_romanised_korean, korean_keys
from resolution.normalize import PERSON, name_tokens, name_variants

# Words an organisation's name may start with that say where it is, not which it is.
ORG_PREFIXES = frozenset({"korea", "korean", "dprk", "dprkn", "north", "choson", "chosun", "joseon"})
# Trade words that lists add and drop freely (UN "Daesong Trading", "KOREA DAESONG GENERAL TRADING CORPORATION").
ORG_GENERIC = frozenset({"trading", "general", "international", "group", "holding", "holdings", "enterprise"})
# A core shorter than this is a common word ("gas", "line"), not a name.
MIN_CORE_CHARS = 5


def fold_tokens(tokens: Iterable[str], *, loose: bool = False) -> list[str]:
    """Every romanised-Korean word folded to its system-independent skeleton; other words kept.

    ``loose`` folds every word: a typo makes a Korean word unreadable as Korean
    (``Mnagon``), and it must still be folded as its neighbours are to stay one
    typo away from ``MAN GON``. Loose forms are for similarity only, never equality.
    """
    return [fold_token(t) if loose or is_romanised_korean(t) else t for t in tokens]


def token_forms(tokens: Sequence[str], family: str = PERSON, *, loose: bool = False) -> list[str]:
    """The compact forms of one name given its words (``normalize.name_tokens``); pure."""
    if not tokens:
        return []
    folded = fold_tokens(tokens, loose=loose)
    forms = {"".join(folded), "".join(sorted(folded))}
    if family == PERSON:
        forms.update(key.replace(" ", "") for key in korean_keys(list(tokens)))
    else:
        start = 0
        while start < len(tokens) - 1 and tokens[start] in ORG_PREFIXES:
            start += 1
        core = [f for t, f in zip(tokens[start:], folded[start:], strict=True) if t not in ORG_GENERIC]
        if core and len("".join(core)) >= MIN_CORE_CHARS:
            forms.add("".join(core))
    return sorted(f for f in forms if f)


@lru_cache(maxsize=200_000)
def name_forms(name: str, family: str = PERSON, *, loose: bool = False) -> tuple[str, ...]:
    """The compact forms of one written name and its variants (``normalize.name_variants``)."""
    found: set[str] = set()
    for variant in name_variants(name, family):
        found.update(token_forms(name_tokens(variant, family), family, loose=loose))
    return tuple(sorted(found))


def match_forms(names: Iterable[str], family: str = PERSON) -> tuple[str, ...]:
    """Every strict and loose form of some names: what screening retrieves and compares by."""
    found: set[str] = set()
    for name in names:
        found.update(name_forms(name, family))
        found.update(name_forms(name, family, loose=True))
    return tuple(sorted(found))


def similarity(ours: Iterable[str], theirs: Sequence[str]) -> float:
    """The best Indel similarity (rapidfuzz ``ratio``) of any two forms, 0 to 1.

    One typo in a ten-letter form is about 0.9 to 0.95, two about 0.8 to 0.9.
    """
    best = 0.0
    for a in ours:
        for b in theirs:
            best = max(best, fuzz.ratio(a, b, score_cutoff=best))
    return best / 100.0

