"""Korean names in Latin letters: Hangul romanised, and the romanisation systems folded together.

The same North Korean name reaches us as McCune-Reischauer with apostrophes
(``Ch'o'ngsong``), McCune-Reischauer without them (``Chongsong``), Revised
Romanisation (``Cheongsong``), Hangul (``청성``) and the customary surname spellings
(Ri/Lee/Yi/Rhee, Pak/Park/Bak, Choe/Choi). ``fold_token`` maps all of these to one
skeleton by removing exactly the distinctions the systems disagree on: voicing
(g/k, d/t, b/p, j/ch), aspiration marks, the RR vowel digraphs (eo/o, eu/u) and the
South Korean initial-sound rule (Ri -> I, Ro -> No).

A hand table is used for Hangul because the field's transliterators run syllables
together (ICU gives ``choegwanghyeog`` for 최광혁): a name needs one token per
syllable so the surname and given name can be told apart.
"""

from __future__ import annotations

import re
from functools import lru_cache

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_HANGUL = re.compile("[\uac00-\ud7a3]")
# Revised Romanisation of the 19 initials, 21 medials and 28 finals (Unicode order).
_INITIALS = "g kk n d tt r m b pp s ss - j jj ch k t p h".split()
_MEDIALS = "a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i".split()
_FINALS = [""] + "k k k n n n t l k m l l l p l m p p t t ng t t k t p t".split()

# Customary surname spellings that no letter rule explains; values are fold results.
_SURNAMES = {
    "lee": "i",
    "yi": "i",
    "rhee": "i",
    "rhie": "i",
    "li": "i",
    "ree": "i",
    "rii": "i",
    "park": "pak",
    "pack": "pak",
    "paik": "paek",
    "baik": "paek",
    "choi": "choe",
    "chwe": "choe",
    "choy": "choe",
    "oh": "o",
    "ahn": "an",
    "sohn": "son",
    "noh": "no",
    "roh": "no",
    "koh": "ko",
    "suh": "so",
    "yoon": "yun",
    "yoo": "yu",
    "ryoo": "yu",
    "you": "yu",
    "moon": "mun",
    "woo": "u",
    "joo": "chu",
    "kim": "kim",
    "gim": "kim",
    "shin": "sin",
    "jeong": "chong",
    "jung": "chong",
    "chung": "chong",
}
# Korean surnames (folded), to tell the surname from the given name in a romanised name.
SURNAMES = frozenset(
    "i pak choe kim chong kang cho yun chang im han sin o so kwon hwang an song yu hong chon ko mun yang son pae paek "
    "ho no nam sim ha kwak song chu u na min chin chi om chae won chon pang kong hyon ham pyon yom yo chu sok so "
    "sol ma kil yon wi pyo myong ki pan wang kum ok yuk in maeng che mo tak kuk ye "
    "rim ryu ri ro ryom ryang ryo".split()
)

# One romanised syllable: optional initial, a vowel, optional final (MR and RR).
_SYLLABLE = (
    r"(?:kk|tt|pp|ss|jj|ch|sh|ts|[gkndtrlmbpsjhwy])?"
    r"(?:yae|yeo|wae|ae|ya|eo|ye|yo|wa|oe|wo|we|wi|yu|eu|ui|oo|ee|oi|a|e|i|o|u)"
    r"(?:ng|[kntlmprh])?"
)
_ROMANISED = re.compile(f"(?:{_SYLLABLE})+")
# The same, as the romanisation systems and customary spellings actually write syllables: an
# initial, a vowel, and only the finals Korean has (k n t l m p ng, and h or r never). Used to tell
# a Korean name from one that a typo has made unreadable (``Yonh``, ``Mnagon``).
_STRICT_SYLLABLE = (
    r"(?:kk|tt|pp|ss|jj|ch|sh|[gkndtrlmbpsjhwy])?h?"
    r"(?:yae|yeo|wae|ae|ya|eo|ye|yo|wa|oe|wo|we|wi|yu|eu|ui|oo|ee|oi|ou|a|e|i|o|u)"
    r"(?:ng|[kntlmp])?"
)
_STRICT = re.compile(f"(?:{_STRICT_SYLLABLE})+")
# g is k everywhere except in the final ``ng`` (``gwang`` -> ``kwang``).
_VOICED_G = re.compile(r"(?<!n)g")
# Aspiration written as an h after the consonant (``Thaek``, ``Thaephyongsan``, UK and older lists)
# rather than an apostrophe (``T'aek``), before a vowel. Inside a word a k before an h is a final
# and the h the next syllable's (``Sukhee`` is 숙희), so kh counts only at a word's start.
_ASPIRATE_H = re.compile(r"(?:^([ktp])|([tp]))h(?=[aeiouwy])")
# Customary South Korean spellings that write the vowel of 철, 성, 정, 영, 현, 혁, 명, 병, 경 with a
# u (``Chul``, ``Sung``, ``Jung``, ``Young``, ``Hyun``, ``Hyuk``, ``Myung``, ``Byung``, ``Kyung``),
# where McCune-Reischauer writes o and Revised Romanisation eo. Applied at a syllable's end only
# (not before a vowel, which would start the next syllable). In names these readings dominate;
# the syllables they collide with (출, 숭, 충, 휸, 뮹, 뷱) are rare in names.
_CUSTOMARY_U = (
    (re.compile(r"chur(?![aeiouwy])"), "chor"),
    (re.compile(r"sung(?![aeiouwy])"), "song"),
    (re.compile(r"chung(?![aeiouwy])"), "chong"),
    (re.compile(r"([hmpk])yu(ng|n|k)(?![aeiouwy])"), r"\1yo\2"),
)


def is_hangul(char: str) -> bool:
    return _HANGUL_FIRST <= ord(char) <= _HANGUL_LAST


def romanize_syllable(char: str) -> str:
    """One Hangul syllable in Revised Romanisation (``광`` -> ``gwang``)."""
    index = ord(char) - _HANGUL_FIRST
    initial, rest = divmod(index, 21 * 28)
    medial, final = divmod(rest, 28)
    lead = _INITIALS[initial]
    return ("" if lead == "-" else lead) + _MEDIALS[medial] + _FINALS[final]


def romanize_hangul(text: str) -> str:
    """Hangul syllables in Revised Romanisation, one token per syllable; other text kept.

    ``최광혁`` -> ``choe gwang hyeok``: keeping syllables apart lets the surname be
    found and lets ``Kwang Hyok`` and ``Kwanghyok`` be joined the same way later.
    """
    if not _HANGUL.search(text):
        return text
    parts = [f" {romanize_syllable(c)} " if is_hangul(c) else c for c in text]
    return " ".join("".join(parts).split())


def is_romanised_korean(token: str) -> bool:
    """True when a lower-case Latin token can be read as romanised Korean syllables."""
    return bool(_ROMANISED.fullmatch(token)) or token in _SURNAMES


def reads_as_korean(token: str) -> bool:
    """True when a lower-case Latin token is romanised Korean as people write it (stricter than
    ``is_romanised_korean``, which also reads finals Korean does not have)."""
    return bool(_STRICT.fullmatch(token)) or token in _SURNAMES


@lru_cache(maxsize=100_000)
def fold_token(token: str) -> str:
    """One romanised Korean word reduced to what every romanisation system agrees on.

    ``Ch'o'ngsong``, ``chongsong`` and ``cheongsong`` -> ``chongsong``;
    ``Gwang`` and ``Kwang`` -> ``kwang``; ``Lee``, ``Ri``, ``Yi`` -> ``i``; the customary
    South Korean ``Young``, ``Chul``, ``Hyuk`` -> ``yong``, ``chol``, ``hyok``; ``Thaek`` -> ``taek``.
    Expects lower-case ASCII without apostrophes (see ``normalize.latin``).
    """
    if token in _SURNAMES:
        return _SURNAMES[token]
    text = token.replace("eo", "o").replace("eu", "u").replace("oo", "u").replace("ee", "i").replace("ou", "o")
    text = text.replace("weo", "wo").replace("wu", "u").replace("ui", "i")
    text = text.replace("sh", "s").replace("rh", "r").replace("l", "r")
    text = _ASPIRATE_H.sub(lambda m: m.group(1) or m.group(2), text)
    text = text.replace("j", "ch").replace("cch", "ch").replace("chh", "ch")
    text = _VOICED_G.sub("k", text).replace("d", "t").replace("b", "p")
    for pattern, replacement in _CUSTOMARY_U:
        text = pattern.sub(replacement, text)
    if text.startswith("r"):
        text = text[1:] if text[1:2] in ("i", "y") else "n" + text[1:]
    return text


def korean_keys(tokens: list[str]) -> list[str]:
    """Keys for a romanised Korean person name: ``surname givenname`` with syllables joined.

    ``["kwang", "hyok", "choe"]`` and ``["choe", "kwanghyok"]`` both give
    ``choe kwanghyok``. The surname is whichever end token is a Korean surname
    (both ends when both are); ``[]`` when the name does not read as Korean.
    """
    if len(tokens) < 2 or not all(is_romanised_korean(t) for t in tokens):
        return []
    folded = [fold_token(t) for t in tokens]
    keys = set()
    if folded[0] in SURNAMES:
        keys.add(f"{folded[0]} {''.join(folded[1:])}")
    if folded[-1] in SURNAMES:
        keys.add(f"{folded[-1]} {''.join(folded[:-1])}")
    return sorted(keys)
