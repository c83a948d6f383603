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
- for organisations, English plurals (``Components`` = ``Component``, ``Industries`` = ``Industry``);
- spaces: the words are joined, so ``Kim Tong Chol`` = ``KIM TONGCHOL`` = ``Kim Tong-chol``.

A name gives several forms: its words as written and sorted (word order), for a
Korean person the surname with the given names joined from either end (so the
surname may come first or last), for an organisation also its *core*: the name
without a leading country word (``Korea``, ``DPRK``) and generic trade words
(``Trading``, ``General``), so ``Ryonbong`` finds ``KOREA RYONBONG GENERAL CORPORATION``.

Typos are left to the comparison: ``similarity`` is the best Indel ratio of any two
forms, which a retrieval index (``graph.name_index``) and screening's name score
both use. The resolution model sees the same forms (strict mode) as loose name keys
(``features.form_keys`` joins them to ``fuzzy_keys``): equal forms are its "same name
keys" level and a blocking key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from resolution.korean import fold_token, is_romanised_korean, korean_keys, reads_as_korean
from resolution.normalize import ORG_NOISE, PERSON, name_tokens, name_variants

# Words an organisation's name may start with that say where it is, not which it is.
ORG_PREFIXES = frozenset({"korea", "korean", "dprk", "dprkn", "north", "choson", "chosun", "joseon"})
# Trade words that lists add and drop freely (UN "Daesong Trading", "KOREA DAESONG GENERAL TRADING CORPORATION").
ORG_GENERIC = frozenset({"trading", "general", "international", "group", "holding", "holdings", "enterprise"})
# A core shorter than this is a common word ("gas", "line"), not a name.
MIN_CORE_CHARS = 5
# Keyboard slips (a neighbour key, a dropped, doubled or swapped letter: one edit each, OSA
# distance) that two forms may differ by and still be one name, by the shorter form's length.
# Two slips only when the applicant's name shows one: a word that no romanisation writes.
ONE_TYPO_CHARS = 6
TWO_TYPOS_CHARS = 6


STRICT, PLAIN, LOOSE = "strict", "plain", "loose"
# Legal-form words long enough that a typo in them still reads as them ("CORPORATRION", "COMPNY"):
# dropped like the legal form itself, so a slip there costs nothing.
LEGAL_WORDS = ("corporation", "company", "limited", "incorporated", "cooperation")
# Legal-form and trade words that a missing space glues to a neighbour ("TRADINGCORPORATION",
# "LLCGUDZON"): split off again, as an extra form (the glued word is kept too).
GLUED_SUFFIXES = ("corporation", "company", "limited", "trading", "shipping", "group", "ltd", "llc", "jsc", "plc")
GLUED_PREFIXES = ("llc", "jsc", "pjsc", "ooo", "ltd")
# What is left of a glued word must be a word of its own.
GLUED_REST_CHARS = 4
# Organisation words this long or longer lose an English plural ending (see ``singular``).
PLURAL_MIN_CHARS = 5


def fold_tokens(tokens: Iterable[str], mode: str = STRICT) -> list[str]:
    """Words folded by ``mode``: ``strict`` folds the words that read as romanised Korean, ``plain``
    none, ``loose`` every word.

    A typo makes a Korean word unreadable as Korean (``Mnagon``): ``loose`` still folds it
    as its neighbours are, and ``plain`` compares it unfolded with the listed word
    unfolded (folding can turn one slip into two: ``Jamg`` -> ``chamk`` against
    ``chang``). Loose and plain forms are for similarity, never for equality.
    """
    if mode == PLAIN:
        return list(tokens)
    return [fold_token(t) if mode == LOOSE or is_romanised_korean(t) else t for t in tokens]


def singular(word: str) -> str:
    """An organisation word without an English plural ending: ``components`` -> ``component``,
    ``industries`` -> ``industry``, ``businesses`` -> ``business``; pure.

    Lists write one company's name in the singular and the plural (``Electronic
    Component Industries`` / ``ELECTRONIC COMPONENTS INDUSTRIES``); folded on both
    sides, so a wrong guess (``series`` -> ``sery``) is harmless. Words under five
    letters and ``-ss``, ``-us``, ``-is`` endings are left alone (``arms``, ``glass``,
    ``status``, ``analysis``).
    """
    if len(word) < PLURAL_MIN_CHARS or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    return word[:-1]


def _misspelt_legal_word(token: str) -> bool:
    if len(token) < 5 or token in LEGAL_WORDS:
        return False
    allowed = 2 if len(token) >= 9 else 1
    return any(OSA.distance(token, word, score_cutoff=allowed) <= allowed for word in LEGAL_WORDS)


def token_forms(tokens: Sequence[str], family: str = PERSON, mode: str = STRICT) -> list[str]:
    """The compact forms of one name given its words (``normalize.name_tokens``); pure."""
    if family != PERSON and len(tokens) > 1:
        tokens = [tokens[0], *(t for t in tokens[1:] if not _misspelt_legal_word(t))]
    if not tokens:
        return []
    folded = fold_tokens(tokens, mode)
    if family != PERSON:
        folded = [singular(t) for t in folded]
    forms = {"".join(folded), "".join(sorted(folded))}
    if family == PERSON:
        if mode != PLAIN:
            forms.update(key.replace(" ", "") for key in korean_keys(list(tokens)))
    else:
        start = 0
        while start < len(tokens) - 1 and tokens[start] in ORG_PREFIXES:
            start += 1
        core = [f for t, f in zip(tokens[start:], folded[start:], strict=True) if t not in ORG_GENERIC]
        if core and len("".join(core)) >= MIN_CORE_CHARS:
            forms.add("".join(core))
    return sorted(f for f in forms if f)


def unglue(tokens: Sequence[str]) -> list[str]:
    """An organisation's words with legal-form and trade words split off the words they are
    glued to, and legal forms then dropped (``kwangsong tradingcorporation`` -> ``kwangsong
    trading``); pure."""
    out: list[str] = []
    for token in tokens:
        head: list[str] = []
        for prefix in GLUED_PREFIXES:
            if token.startswith(prefix) and len(token) - len(prefix) >= GLUED_REST_CHARS:
                head, token = [prefix], token[len(prefix) :]
                break
        tail: list[str] = []
        while True:
            suffix = next(
                (x for x in GLUED_SUFFIXES if token.endswith(x) and len(token) - len(x) >= GLUED_REST_CHARS), None
            )
            if suffix is None:
                break
            tail.insert(0, suffix)
            token = token[: -len(suffix)]
        out.extend([*head, token, *tail])
    kept = [t for t in out if t not in ORG_NOISE]
    return kept or list(tokens)


@lru_cache(maxsize=200_000)
def name_forms(name: str, family: str = PERSON, mode: str = STRICT) -> tuple[str, ...]:
    """The compact forms of one written name and its variants (``normalize.name_variants``)."""
    found: set[str] = set()
    for variant in name_variants(name, family):
        tokens = name_tokens(variant, family)
        found.update(token_forms(tokens, family, mode))
        if family != PERSON:
            unglued = unglue(tokens)
            if unglued != list(tokens):
                found.update(token_forms(unglued, family, mode))
    return tuple(sorted(found))


def match_forms(
    names: Iterable[str], family: str = PERSON, modes: Sequence[str] = (STRICT, PLAIN, LOOSE)
) -> tuple[str, ...]:
    """Every form of some names in the given modes: an applicant's (all three) or a listed party's (strict, plain)."""
    return tuple(sorted({form for name in names for mode in modes for form in name_forms(name, family, mode)}))


def similarity(ours: Iterable[str], theirs: Sequence[str]) -> float:
    """The best Indel similarity (rapidfuzz ``ratio``) of any two forms, 0 to 1.

    One typo in a ten-letter form is about 0.9 to 0.95, two about 0.8 to 0.9.
    """
    best = 0.0
    for a in ours:
        for b in theirs:
            best = max(best, fuzz.ratio(a, b, score_cutoff=best))
    return best / 100.0


def typo_evidence(names: Iterable[str], family: str = PERSON) -> bool:
    """True when some word of the names is not romanised Korean as anyone writes it.

    Two different Korean names can be one letter apart (``Chae-young``, ``Jae-gyong``);
    a name that reads as Korean throughout is taken as written, while ``Mnagon`` or
    ``Yonh`` are slips (and so are most non-Korean names, for which this is moot).
    """
    return any(not reads_as_korean(t) for name in names for t in name_tokens(name, family))


def within_typos(ours: Iterable[str], theirs: Sequence[str], *, two: bool) -> bool:
    """True when some two forms are within the keyboard slips their length allows (see ONE_TYPO_CHARS)."""
    for a in ours:
        for b in theirs:
            shorter = min(len(a), len(b))
            allowed = 2 if two and shorter >= TWO_TYPOS_CHARS else 1 if shorter >= ONE_TYPO_CHARS else 0
            if allowed and OSA.distance(a, b, score_cutoff=allowed) <= allowed:
                return True
    return False
