"""Names in any script to comparable Latin keys: pure functions, no state.

A *name key* is what two spellings of the same name have in common after the
noise is taken out: script (Hangul through ``korean.romanize_hangul``, everything
else through rigour's transliteration), case, punctuation and apostrophes
(McCune-Reischauer ``Ch'o'ngsong`` = ``Chongsong``), a parenthesised acronym
(``(KKBC)``), honorifics (``Dr.``, ``Sheikh``), company legal forms in many
languages (``CORP``, ``LIMITED``, ``OOO``, ``주식회사``, ``有限公司``) and word
order (the *sorted key*). Looser keys then match spellings that differ more:
the *compact* key ignores spaces and hyphens (``Dae-Dong`` = ``Daedong``), the
*phonetic* key compares how words sound (``Mohammed`` = ``Muhammad``) and the
*Korean* key folds romanisation systems and surname spellings together.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rigour.names import remove_org_types, remove_person_prefixes
from rigour.text.phonetics import metaphone
from rigour.text.translit import ascii_text

from resolution.korean import fold_token, is_romanised_korean, korean_keys, romanize_hangul

PERSON = "person"
ORGANIZATION = "organization"

# Generic company words rigour keeps (it strips registered legal forms only);
# they say nothing about which company is meant.
ORG_NOISE = frozenset(
    "corp corporation co company companies inc incorporated ltd limited llc plc gmbh ag sa spa srl bv nv "
    "jsc ojsc cjsc pjsc oao zao ooo ao pao tov pte pty bhd sdn group the of and llp lp "
    "sas sasu sarl eurl sprl as anonim sirketi sti kg ohg ug jv "
    "jusikhoesa chusikhoesa yuhanhoesa hoesa youxiangongsi gongsi kabushikikaisha".split()
)
# Abbreviations of generic company words in list data (OFAC writes SHPG for SHIPPING), and
# the spellings lists use for one word (UN "Korea Trading Bank", OFAC "KOREA TRADE BANK";
# "Centre"/"Center"). Folded on both sides, so an applicant's "Gen. Corp." meets "GENERAL CORPORATION".
ORG_ABBREVIATIONS = {
    "shpg": "shipping",
    "intl": "international",
    "mgmt": "management",
    "mgt": "management",
    "trdg": "trading",
    "trade": "trading",
    "mfg": "manufacturing",
    "natl": "national",
    "assn": "association",
    "ind": "industrial",
    "invest": "investment",
    "gen": "general",
    "genl": "general",
    "dev": "development",
    "devt": "development",
    "eng": "engineering",
    "engg": "engineering",
    "dept": "department",
    "ctr": "center",
    "centre": "center",
    "svcs": "services",
    "jv": "joint venture",
}
# A name written as "care of" another party names where to reach it, not what it is called.
_CARE_OF = re.compile(r"^\s*(?:care\s+of|c\s*/\s*o)\b", re.IGNORECASE)
# A UN list reference in a name (``SECOND ACADEMY OF NATURAL SCIENCES (KPE.018)``) points at
# another listed entry: the name is that entry's, given as a cross-reference.
_LIST_REFERENCE = re.compile(r"\(\s*[A-Za-z]{2}[ieIE]\.\d{3}\s*\)")
# Chinese characters: transliterated one syllable each, then joined per run (see ``latin``).
_DOTTED = re.compile(r"\b(?:[^\W\d_]\.\s?){2,}")
_HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Legal forms written without spaces in CJK scripts, stripped before transliteration.
_CJK_LEGAL_FORMS = re.compile(
    r"(주식회사|\(주\)|㈜|유한회사|유한책임회사|합자회사|합명회사|회사|株式会社|有限会社|合同会社|"
    r"股份有限公司|有限责任公司|有限責任公司|有限公司|集团公司|集團公司|集团|集團|公司)"
)
# Titles and honorifics rigour's prefix list does not cover; dropped anywhere in a name.
HONORIFICS = frozenset(
    "mr mrs ms miss dr prof sir dame lord sheikh shaikh shaykh sheik haji hajji hadji mullah mulla maulana mawlawi "
    "maulvi mufti imam sayyid sayed syed general gen colonel col major maj captain capt lieutenant lt admiral adm "
    "brigadier sergeant sgt commander cmdr president minister senator deputy judge rev reverend father "
    "jr sr junior senior".split()
)
_PARENS = re.compile(r"\([^)]*\)|\[[^]]*\]")
_ACRONYM = re.compile(r"\(\s*([A-Z][A-Z0-9&.\-]{1,11})\s*\)")
_APOSTROPHES = re.compile(r"['’‘`ʼʻ´]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=200_000)
def latin(text: str) -> str:
    """Lower-case ASCII transliteration with punctuation as single spaces.

    Apostrophes are removed rather than spaced, since in McCune-Reischauer and in
    Arabic romanisations they mark a sound inside a word (``Ch'o'ngsong``, ``Sa'id``).
    """
    if text.isascii():  # the common case: no script to convert (ascii_text is the identity here)
        return _NON_ALNUM.sub(" ", _APOSTROPHES.sub("", text.lower())).strip()
    text = _HAN.sub(_han_run, romanize_hangul(_APOSTROPHES.sub("", text)))
    ascii_form = ascii_text(text).lower()
    return _NON_ALNUM.sub(" ", _APOSTROPHES.sub("", ascii_form)).strip()


def _han_run(match: re.Match[str]) -> str:
    """A run of Chinese characters as one word of joined pinyin syllables.

    Chinese is written without spaces, and a transliterator gives one token per
    character (``zhang chun xian``); as separate words, every two Chinese names
    sharing a common syllable would "share a name word". One word per run keeps
    ``张春贤`` comparable with ``Zhang Chunxian`` through the compact key.
    """
    return " " + ascii_text(match.group(0)).replace(" ", "") + " "


def drop_acronym(text: str) -> str:
    """``KOREA KWANGSON BANKING CORPORATION (KKBC)`` -> the name without ``(KKBC)``."""
    stripped = _PARENS.sub(" ", text).strip()
    return stripped or text


def acronyms(text: str) -> list[str]:
    """Acronyms a name gives in parentheses: ``... CORPORATION (KKBC)`` -> ``["KKBC"]``."""
    return [a.replace(".", "") for a in _ACRONYM.findall(text)]


def name_variants(name: str, family: str = PERSON) -> list[str]:
    """The names a written name stands for: parenthesised alternatives, "care of" removed.

    ``Dmitrii (Dmitry) Beljk (Belik)`` is two spellings of one person, so it gives
    ``Dmitrii Beljk`` and ``Dmitry Belik``; an organisation's parenthesised text
    of two or more words is another name of it (``KORE ACHIM NAKLİYE ŞİRKETİ (KOREA
    ACHIM SHIPPING CO)``), a shorter one an acronym (see ``acronyms``). A name
    that starts "care of" (``c/o``) or carries another list entry's reference
    (``... (KPE.018)``) names another party and gives nothing.
    """
    if _CARE_OF.match(name) or _LIST_REFERENCE.search(name):
        return []
    variants = [name]
    if "(" not in name and "[" not in name:
        return variants
    if family == PERSON:
        replaced = re.sub(r"\S+\s*\(([^)]+)\)", lambda m: m.group(1).strip(), name)
        variants.append(replaced)
    else:
        variants += [inner.strip() for inner in re.findall(r"\(([^)]+)\)", name) if len(inner.split()) >= 2]
    return variants


def _person_tokens(text: str) -> list[str]:
    tokens = latin(remove_person_prefixes(text)).split()
    kept = [t for t in tokens if t not in HONORIFICS]
    return kept or tokens


def _org_tokens(text: str) -> list[str]:
    """Words of an organisation name without legal forms, in any script or spelling.

    Legal forms are removed twice, as written (``Anonim Şirketi``) and after
    transliteration (``Anonim Sirketi``), and runs of single letters are joined
    first (``S.A.S.U.`` -> ``sasu``) so a dotted form is recognised too. A Hangul
    word is one word of joined syllables (``조선아침선박`` -> ``joseonachimseonbak``),
    as it is written: its syllables are not words of their own.
    """
    text = _DOTTED.sub(lambda m: m.group(0).replace(".", "").replace(" ", "") + " ", _CJK_LEGAL_FORMS.sub(" ", text))
    text = _HANGUL_RUN.sub(lambda m: " " + romanize_hangul(m.group(0)).replace(" ", "") + " ", text)
    tokens = _join_letters(latin(remove_org_types(text.lower(), replacement=" ")).split())
    tokens = remove_org_types(" ".join(ORG_ABBREVIATIONS.get(t, t) for t in tokens), replacement=" ").split()
    kept = [t for t in tokens if t not in ORG_NOISE]
    return kept or tokens


def _join_letters(tokens: list[str]) -> list[str]:
    """``s a s u`` -> ``sasu``: single letters in a row are one abbreviation."""
    out: list[str] = []
    run = ""
    for token in [*tokens, ""]:
        if len(token) == 1:
            run += token
            continue
        if run:
            out.append(run)
            run = ""
        if token:
            out.append(token)
    return out


@lru_cache(maxsize=200_000)
def name_tokens(name: str, family: str = PERSON) -> tuple[str, ...]:
    """The words of one name that identify it, in the order written."""
    text = drop_acronym(name)
    tokens = _org_tokens(text) if family == ORGANIZATION else _person_tokens(text)
    return tuple(tokens)


def name_key(name: str, family: str = PERSON) -> str:
    """The comparable form of one name; ``""`` when nothing is left."""
    return " ".join(name_tokens(name, family))


def sorted_key(key: str) -> str:
    """A name key with its words in alphabetical order (word-order independent)."""
    return " ".join(sorted(key.split()))


def compact_key(key: str) -> str:
    """A name key without spaces: ``dae dong credit bank`` = ``daedong credit bank``."""
    return key.replace(" ", "")


@lru_cache(maxsize=200_000)
def _metaphone(token: str) -> str:
    return metaphone(token) if token.isalpha() else token


def phonetic_key(key: str) -> str:
    """Sorted metaphone codes of the words: ``muhammad ali`` = ``ali mohammed``.

    Words of one or two letters keep their spelling (metaphone maps most of them
    to one or two consonants and would make unrelated initials agree).
    """
    codes = [_metaphone(t) if len(t) > 2 else t for t in key.split()]
    return " ".join(sorted(c for c in codes if c))


def fuzzy_keys(key: str, family: str = PERSON) -> list[str]:
    """Looser keys of one name key: compact (sorted and as written), phonetic, Korean."""
    tokens = key.split()
    keys = {compact_key(key), compact_key(sorted_key(key))}
    if len(tokens) > 1:
        keys.add(phonetic_key(key))
    if family == PERSON:
        keys.update(korean_keys(tokens))
    else:
        keys.add("".join(korean_fold_tokens(tokens)))
    return sorted(k for k in keys if k)


def korean_fold_tokens(tokens: list[str]) -> list[str]:
    """Organisation words with every romanised-Korean word folded (``Taedong`` = ``Daedong``)."""
    return [fold_token(t) if is_romanised_korean(t) else t for t in tokens]
