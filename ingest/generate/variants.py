"""Name variants of listed persons and entities, the way they drift between lists and sign-up forms.

Korean names are romanised several ways (McCune-Reischauer with or without
apostrophes, Revised Romanisation, South Korean habits: Pak/Park/Bak,
Ri/Lee/Yi/Rhee, Choe/Choi, Jong/Jung/Chong), given-name syllables are written
hyphenated, spaced or joined, and the family name moves to the front or the
back. Each variant function returns the new name and a short label of what it
did, which goes into the ground truth.
"""

from __future__ import annotations

import random
import re

# Syllable -> alternative romanisations (lower case; applied per syllable).
ROMANISATIONS: dict[str, tuple[str, ...]] = {
    "kim": ("gim",),
    "pak": ("park", "bak"),
    "park": ("pak",),
    "ri": ("lee", "yi", "rhee"),
    "li": ("ri", "lee"),
    "lee": ("ri", "yi"),
    "choe": ("choi", "chae"),
    "choi": ("choe",),
    "jong": ("jung", "chong"),
    "jung": ("jong",),
    "chong": ("jong",),
    "chol": ("cheol", "chul"),
    "song": ("seong", "sung"),
    "sung": ("song", "seong"),
    "kwang": ("gwang",),
    "hyok": ("hyeok", "hyuk"),
    "yong": ("young", "yeong"),
    "chang": ("jang",),
    "sok": ("seok", "suk"),
    "hui": ("hee", "hwi"),
    "myong": ("myeong", "myung"),
    "chun": ("jun", "choon"),
    "kyong": ("gyeong", "kyung"),
    "su": ("soo",),
    "hun": ("hoon",),
    "tae": ("dae",),
    "kang": ("gang",),
    "il": ("ill",),
    "nam": ("nahm",),
    "ok": ("ock",),
    "o": ("oh",),
    "u": ("woo", "wu"),
    "un": ("eun",),
    "yun": ("yoon",),
    "ho": ("hoh",),
    "thae": ("tae",),
    "son": ("sohn",),
    "sin": ("shin",),
    "han": ("hahn",),
    "hyon": ("hyeon", "hyun"),
    "ryong": ("ryeong", "yong"),
    "jin": ("chin",),
    "pong": ("bong",),
    "kun": ("geun", "keun"),
    "chu": ("ju",),
    "ju": ("chu",),
    "to": ("do",),
    "kyu": ("gyu",),
    "po": ("bo",),
}
_APOSTROPHES = re.compile(r"['’`]")


def syllables(token: str) -> list[str]:
    """Syllables of a romanised given name: ``Jong-Hyok`` and ``Jong Hyok`` give ``[jong, hyok]``."""
    return [s for s in re.split(r"[-\s]", _APOSTROPHES.sub("", token.lower())) if s]


def romanise(name: str, rng: random.Random) -> str:
    """Swap some syllables for another romanisation; drop McCune-Reischauer apostrophes."""
    words = []
    for word in _APOSTROPHES.sub("", name).split():
        parts = word.split("-")
        changed = []
        for part in parts:
            options = ROMANISATIONS.get(part.lower())
            if options and rng.random() < 0.6:
                alt = rng.choice(options)
                part = alt.upper() if part.isupper() else alt.capitalize()
            changed.append(part)
        words.append("-".join(changed))
    return " ".join(words)


def respace(name: str, rng: random.Random) -> str:
    """Write a hyphenated or spaced given name another way (``Jong-Hyok`` / ``Jong Hyok`` / ``Jonghyok``)."""
    words = name.split()
    if len(words) < 2:
        return name
    family, given = words[0], words[1:]
    syl = [s for token in given for s in syllables(token)]
    style = rng.choice(("hyphen", "space", "joined"))
    if style == "hyphen":
        rendered = ["-".join(s.capitalize() for s in syl)]
    elif style == "space":
        rendered = [s.capitalize() for s in syl]
    else:
        rendered = ["".join(syl).capitalize()]
    return " ".join([family, *rendered])


def swap_order(name: str) -> str:
    """Family name to the back (``KIM Chol Nam`` -> ``Chol Nam Kim``) or, for 'Given Family', to the front."""
    words = name.split()
    if len(words) < 2:
        return name
    return " ".join([*words[1:], words[0].capitalize() if words[0].isupper() else words[0]])


def title_case(name: str) -> str:
    return " ".join("-".join(p.capitalize() for p in w.split("-")) for w in name.split())


def person_variant(name: str, rng: random.Random) -> tuple[str, str]:
    """A plausible sign-up spelling of a listed person's name, and what changed."""
    base = title_case(_APOSTROPHES.sub("", name))
    kind = rng.choice(("romanisation", "romanisation+swap", "respace", "respace+swap", "swap", "romanisation+respace"))
    variant = base
    if "romanisation" in kind:
        variant = romanise(variant, rng)
    if "respace" in kind:
        variant = respace(variant, rng)
    if "swap" in kind:
        variant = swap_order(variant)
    if variant == base:  # nothing applicable changed: at least swap the order
        variant, kind = swap_order(base), "swap"
    return variant, kind


_ENTITY_NOISE = (
    ("CORPORATION", "Corp."),
    ("COMPANY", "Co."),
    ("LIMITED", "Ltd"),
    ("TRADING", "Trade"),
    ("TECHNOLOGY", "Tech"),
    ("INFORMATION", "Info"),
    ("GENERAL", "Gen."),
    ("DEVELOPMENT", "Dev"),
)


def entity_variant(name: str, rng: random.Random) -> tuple[str, str]:
    """A front-company spelling of a listed entity's name: legal forms shortened, romanisation drift."""
    text = re.sub(r"\s*\([^)]*\)", "", name).strip()
    for long, short in _ENTITY_NOISE:
        if long in text.upper() and rng.random() < 0.7:
            text = re.sub(long, short, text, flags=re.IGNORECASE)
    text = romanise(title_case(text), rng)
    return text, "entity-spelling"


# --- shared values as a customer writes them ------------------------------------------

_STREET_ABBREVIATIONS = (
    (r"\bStreet\b", "St."),
    (r"\bRoad\b", "Rd"),
    (r"\bAvenue\b", "Ave"),
    (r"\bBuilding\b", "Bldg."),
    (r"\bFloor\b", "Fl."),
    (r"\bRoom\b", "Rm"),
    (r"\bNumber\b", "No."),
    (r"\bBoulevard\b", "Blvd"),
)


def customer_address(street: str, city: str | None, country_code: str, rng: random.Random) -> tuple[str, str]:
    """A listed street address as a sign-up form gets it: abbreviated, the city twice, the country as a code.

    Returns the address and a label of what changed, for the ground truth.
    """
    written, changes = street, list[str]()
    for pattern, short in _STREET_ABBREVIATIONS:
        if re.search(pattern, written) and rng.random() < 0.8:
            written, changes = re.sub(pattern, short, written), [*changes, "abbreviated"]
    parts = [written]
    if city:
        parts += [city, city] if rng.random() < 0.6 else [city]
    parts.append(country_code)
    text = ", ".join(parts) if rng.random() < 0.7 else " ".join(parts)
    if rng.random() < 0.3:
        text, changes = text.upper(), [*changes, "upper-case"]
    return text, "+".join(sorted({*changes, "country-code", "city-repeated" if len(parts) > 3 else "city"}))


def customer_wallet(listed: str, rng: random.Random) -> tuple[str, str]:
    """(currency column, address) of a listed ``CUR:address`` wallet as a customer table holds it.

    Mostly the bare address with no currency; else ``BTC`` for OFAC's ``XBT``,
    or the list's own code; EVM addresses in whatever case a wallet app shows.
    """
    currency, _, address = listed.partition(":")
    if address.startswith("0x") and rng.random() < 0.5:
        address = "0x" + address[2:].upper()
    pick = rng.random()
    if pick < 0.6:
        return "", address
    return ("BTC" if currency == "XBT" else currency) if pick < 0.85 else currency.lower(), address
