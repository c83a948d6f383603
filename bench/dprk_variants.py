"""DPRK screening benchmark: respelled names of listed North Korean parties, and unlisted Korean names.

    .venv/bin/python bench/dprk_variants.py --staging W/staging.duckdb --out bench/results/dprk_variants.jsonl

A generator, not data: every query is derived, with a fixed seed, from the
bundled lists (the UN 1718 entries, OFAC's DPRK-program entries, the UK's DPRK
regime) plus two small committed files (``data/screening/``): Hangul spellings of
listed people and real, unlisted Korean persons and companies. The staging
database is a workspace with the three lists ingested (``bench_screening.py``
makes one).

Positives, one or more per listed party and variant kind:

Variant kinds (example in brackets):

- ``exact``: nothing, a control (``RI MAN GON``)
- ``case_punct``: case, commas, hyphens, apostrophes (``Ri, man-gon``)
- ``order``: given names first, or the surname first (``Man Gon RI``)
- ``spacing``: given-name syllables joined or split, words run together
  (``KIM TONGCHOL``, ``Kim Tong-chol``)
- ``typo1`` / ``typo2``: one or two keyboard slips: neighbour key, dropped, doubled or
  swapped letter (``Ri Mnagon``)
- ``romanisation``: another romanisation of Korean words: surnames (Ri/Yi/Lee, Pak/Park),
  syllables (chol/cheol/chul, song/seong, kwang/gwang) (``Yi Eun-Seong``)
- ``legal_form``: an organisation's legal form abbreviated, expanded, replaced or dropped
  (``Korea Ryonbong Gen. Corp.``)
- ``dropped_prefix``: an organisation's leading ``Korea``/``Korean``/``DPRK`` dropped
  (``Ryonbong General Corporation``)
- ``hangul``: the name in Hangul (``data/screening/dprk_hangul.csv``), North Korean
  spelling, and the South Korean one where it differs (리 -> 이) (``황석화``)

Each party is its records across the lists: UN and OFAC entries joined by the
ground truth ``data/resolution/dprk_un_ofac.csv`` (built from identifiers and
names, never from the model), and UK entries joined to either when their name,
in any word order, is the same. A query's answer is right when the match is the
entity holding any of the party's records.

Negatives (``data/screening/korean_negatives.csv``): South Korean business
people, artists, athletes and politicians with their public birth dates, South
Korean companies, and common Korean names.

Split: every query belongs to ``tune`` or ``heldout`` by a hash of its party (a
negative: of its name), so all variants of one party fall on one side. Tune on
``tune``; report ``heldout``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest import staging
from ingest.record import NameKind, Record, Schema
from resolution.korean import is_romanised_korean
from resolution.normalize import ORG_NOISE, ORGANIZATION, PERSON, latin, name_key, name_variants, sorted_key
from resolution.vocabulary import MODELS_DIR, load_vocabulary

ROOT = Path(__file__).resolve().parent.parent
TRUTH = ROOT / "data" / "resolution" / "dprk_un_ofac.csv"
HANGUL = ROOT / "data" / "screening" / "dprk_hangul.csv"
NEGATIVES = ROOT / "data" / "screening" / "korean_negatives.csv"
SEED = 21
PERSON_KINDS = ("exact", "case_punct", "order", "spacing", "typo1", "typo2", "romanisation")
ORG_KINDS = ("exact", "case_punct", "spacing", "typo1", "typo2", "romanisation", "legal_form", "dropped_prefix")
# Kinds drawn twice per party: they vary most from draw to draw.
REPEATED = {"typo1": 2, "typo2": 2, "romanisation": 2}

# QWERTY neighbours: the keys a finger slips to.
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
NEIGHBOURS: dict[str, str] = {}
for _r, _row in enumerate(_ROWS):
    for _c, _key in enumerate(_row):
        near = [_row[i] for i in (_c - 1, _c + 1) if 0 <= i < len(_row)]
        for _other in (_r - 1, _r + 1):
            if 0 <= _other < len(_ROWS):
                near += [_ROWS[_other][i] for i in (_c - 1, _c, _c + 1) if 0 <= i < len(_ROWS[_other])]
        NEIGHBOURS[_key] = "".join(near)

# Other spellings of Korean surnames, as people and registers write them.
SURNAMES: dict[str, tuple[str, ...]] = {
    "ri": ("yi", "lee", "rhee", "li"),
    "li": ("ri", "lee"),
    "pak": ("park", "bak"),
    "park": ("pak", "bak"),
    "kim": ("gim",),
    "choe": ("choi", "chwe"),
    "ch'oe": ("choi", "choe"),
    "jong": ("chong", "jung", "jeong", "chung"),
    "chong": ("jong", "jung", "jeong"),
    "o": ("oh",),
    "kang": ("gang",),
    "jang": ("chang",),
    "chang": ("jang",),
    "jo": ("cho",),
    "cho": ("jo",),
    "sin": ("shin",),
    "ryu": ("yu", "yoo"),
    "yun": ("yoon",),
    "mun": ("moon",),
    "paek": ("baek", "paik"),
    "ko": ("go", "koh"),
    "pae": ("bae",),
    "ku": ("koo", "gu"),
    "ryang": ("yang",),
    "ryom": ("yeom", "yom"),
    "kil": ("gil",),
    "son": ("sohn",),
    "so": ("seo", "suh"),
    "jon": ("jeon", "chon", "chun"),
    "chon": ("jeon", "jon"),
    "hyon": ("hyun", "hyeon"),
    "kwak": ("gwak",),
    "pang": ("bang",),
    "ji": ("chi",),
    "chu": ("ju", "joo"),
    "ju": ("chu", "joo"),
    "han": ("hahn",),
    "hwang": ("whang",),
    "ho": ("heo", "hur"),
    "ra": ("na", "la"),
}
# Other spellings of syllables of given names and Korean words (McCune-Reischauer vs
# Revised Romanisation vs customary), applied to whole syllables at the end of a word
# part or as the whole word.
SYLLABLES: dict[str, tuple[str, ...]] = {
    "chol": ("cheol", "chul"),
    "yong": ("young", "yeong"),
    "song": ("seong", "sung"),
    "kwang": ("gwang",),
    "hyok": ("hyeok", "hyuk"),
    "ryong": ("ryeong", "yong"),
    "sok": ("seok",),
    "chun": ("jun", "choon"),
    "un": ("eun",),
    "myong": ("myeong", "myung"),
    "kyong": ("kyeong", "gyeong", "kyung"),
    "pyong": ("byeong", "byung"),
    "tong": ("dong",),
    "su": ("soo",),
    "hui": ("hee",),
    "gon": ("geon", "kon"),
    "sik": ("shik",),
    "jin": ("chin",),
    "tae": ("dae",),
    "thae": ("tae",),
    "kyu": ("gyu",),
    "bong": ("pong",),
    "pong": ("bong",),
    "u": ("woo",),
    "won": ("weon",),
    "ryol": ("ryeol", "yeol"),
    "jae": ("chae",),
    "kuk": ("guk",),
    "kil": ("gil",),
    "il": ("eel",),
    "ok": ("ook",),
    "chon": ("cheon", "jeon"),
    "jong": ("jeong", "chong"),
    "chong": ("cheong", "jeong"),
    "kum": ("geum", "kuem"),
    "rung": ("reung",),
    "taesong": ("daeseong",),
    "daesong": ("taesong", "daeseong"),
    "daedong": ("taedong", "dae-dong"),
    "kwangson": ("gwangseon",),
    "ryonbong": ("ryeonbong", "yonbong"),
    "kumsan": ("geumsan",),
    "kumryong": ("geumryong", "kumnyong"),
    "sang": ("ssang",),
    "pu": ("bu",),
    "kang": ("gang",),
    "chang": ("jang",),
    "ho": ("hoh",),
    "nam": ("nahm",),
    "man": ("mahn",),
}
_SYLLABLE_SPLIT = re.compile(r"[-\s]+")
# Legal forms and generic company words, and what people write instead.
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "corporation": ("Corp.", "Corp", "Co.", "Company", "Co., Ltd.", ""),
    "corp": ("Corporation", "Co.", "Corp. Ltd", ""),
    "company": ("Co.", "Co", "Company Limited", "Co., Ltd.", "Corp.", ""),
    "co": ("Company", "Co., Ltd.", "Corporation", ""),
    "limited": ("Ltd.", "Ltd", ""),
    "ltd": ("Limited", ""),
    "general": ("Gen.", "Gen"),
    "trading": ("Trade", "Trading Co."),
    "trade": ("Trading",),
    "jsc": ("Joint Stock Company", ""),
    "joint venture": ("JV", "J/V"),
    "international": ("Intl.", "Int'l"),
    "group": ("Group Co.", ""),
}
# English words of list names that read as romanised Korean syllables (``shipping``, ``general``):
# the common words of the organisation model, and company words.
ENGLISH = load_vocabulary(MODELS_DIR).words(ORGANIZATION) | ORG_NOISE | {"ocean", "union", "industrial", "general"}
PREFIXES = ("korea", "korean", "dprk", "north korea", "north korean", "choson", "chosun")


@dataclass(slots=True)
class Query:
    id: str
    kind: str
    split: str
    schema: str
    name: str
    party: str = ""
    answers: list[str] = field(default_factory=list)  # record ids; empty for a negative
    base: str = ""  # the listed name it was made from
    birth_date: str | None = None
    group: str = ""  # negatives: person, company, common


def split_of(key: str) -> str:
    """``tune`` or ``heldout``, fixed by a hash of the party (so all its variants fall together)."""
    return "heldout" if int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 else "tune"


def _is_dprk(record: Record) -> bool:
    return any("DPRK" in (s.program or "") or "Democratic People" in (s.program or "") for s in record.sanctions)


def dprk_records(staging_path: Path) -> list[Record]:
    """The people and organisations of the three lists' DPRK programs."""
    con = staging.connect(staging_path, read_only=True)
    try:
        return [
            r
            for r in staging.iter_current_records(con)
            if _is_dprk(r) and r.schema in (Schema.PERSON, Schema.ORGANIZATION, Schema.COMPANY, Schema.LEGAL_ENTITY)
        ]
    finally:
        con.close()


def _family(record: Record) -> str:
    return PERSON if record.schema is Schema.PERSON else ORGANIZATION


def parties(records: list[Record]) -> list[list[Record]]:
    """Records of one party together: UN-OFAC by the ground truth, UK to either by the same name."""
    by_id = {r.record_id: r for r in records}
    parent: dict[str, str] = {r.record_id: r.record_id for r in records}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        if a in parent and b in parent:
            parent[find(a)] = find(b)

    with TRUTH.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["ofac_record"]:
                union(row["un_record"], row["ofac_record"])
    keys: dict[tuple[str, str], list[str]] = defaultdict(list)
    for record in records:
        if record.source == "gb_fcdo_sanctions":
            continue
        for name in record.names:
            keys[(_family(record), sorted_key(name_key(name.value, _family(record))))].append(record.record_id)
    for record in records:
        if record.source != "gb_fcdo_sanctions":
            continue
        found = {
            rid
            for name in record.names
            for rid in keys.get((_family(record), sorted_key(name_key(name.value, _family(record)))), [])
        }
        if len({find(rid) for rid in found}) == 1:  # one party so named: the same; several: leave it alone
            union(record.record_id, next(iter(found)))
    groups: dict[str, list[Record]] = defaultdict(list)
    for rid in sorted(parent):
        groups[find(rid)].append(by_id[rid])
    return [sorted(g, key=lambda r: r.record_id) for g in groups.values()]


@dataclass(frozen=True, slots=True)
class Written:
    """A listed name and how its list orders it."""

    name: str
    surname_last: bool  # the UK writes UN-designated people given names first: ``MAN GON RI``


def _strong_names(party: list[Record]) -> list[Written]:
    """Names a variant can start from: not weak aliases or acronyms, not cross-references or bare acronyms."""
    found: dict[str, Written] = {}
    for record in party:
        family = _family(record)
        for n in record.names:
            if n.kind in (NameKind.WEAK, NameKind.ACRONYM) or not name_variants(n.value, family):
                continue
            key = name_key(n.value, family)
            if len(key.replace(" ", "")) < 4 or (family == ORGANIZATION and " " not in key and len(key) <= 5):
                continue
            surname_last = record.source == "gb_fcdo_sanctions" and n.value.isupper() and "," not in n.value
            found.setdefault(n.value, Written(n.value, surname_last))
    return list(found.values())


def _surname_first(name: str, surname_last: bool = False) -> tuple[str, list[str]]:
    """``KIM, Yong Chol`` -> (``KIM``, [``Yong``, ``Chol``]); ``MAN GON RI`` (surname last) -> (``RI``, ...)."""
    if "," in name:
        surname, given = name.split(",", 1)
        return surname.strip(), given.split()
    words = name.split()
    if surname_last and len(words) > 1:
        return words[-1], words[:-1]
    return words[0], words[1:]


# --- variant makers: each returns None when the kind does not apply to the name ---------------


def case_punct(name: str, rng: random.Random, _: str, surname_last: bool = False) -> str | None:
    surname, given = _surname_first(name, surname_last)
    if not given:
        return None
    forms = [
        f"{surname.title()}, {' '.join(given).lower()}",
        f"{surname.lower()} {'-'.join(g.lower() for g in given)}",
        f"{surname.upper()}, {'-'.join(given).title()}",
        name.lower().replace(",", ""),
        name.title().replace("'", "").replace("’", ""),
    ]
    options = [f for f in forms if f != name]
    return rng.choice(options) if options else None


def org_case_punct(name: str, rng: random.Random, _: str, surname_last: bool = False) -> str | None:
    forms = [name.lower(), name.title(), name.upper().replace(".", "").replace(",", ""), name.replace(" ", "  ")]
    options = [f for f in forms if f != name]
    return rng.choice(options) if options else None


def order(name: str, rng: random.Random, _: str, surname_last: bool = False) -> str | None:
    surname, given = _surname_first(name, surname_last)
    if not given:
        return None
    return f"{surname} {' '.join(given)}" if surname_last else f"{' '.join(given)} {surname}"


def _korean_word(word: str) -> bool:
    """A word of a name that is romanised Korean, not English (``Ryonbong``, not ``Shipping``)."""
    text = latin(word)
    return (
        len(text) >= 6
        and is_romanised_korean(text)
        and text not in ENGLISH
        and not text.endswith(("ing", "tion", "al", "ence", "ment", "ery", "ics", "ies"))
    )


def spacing(name: str, rng: random.Random, family: str, surname_last: bool = False) -> str | None:
    if family == ORGANIZATION:
        words = name.split()
        korean = [i for i, w in enumerate(words) if _korean_word(w)]
        if korean and rng.random() < 0.6:
            i = rng.choice(korean)
            cut = _syllable_cut(words[i].lower())
            if cut:
                words[i] = words[i][:cut] + rng.choice([" ", "-"]) + words[i][cut:]
                return " ".join(words)
        if len(words) >= 2:
            i = rng.randrange(len(words) - 1)
            return " ".join(words[:i] + [words[i] + words[i + 1]] + words[i + 2 :])
        return None
    surname, given = _surname_first(name, surname_last)
    parts = [p for g in given for p in _SYLLABLE_SPLIT.split(g) if p]
    if len(parts) >= 2:
        joined = "".join(p.lower() for p in parts)
        form = rng.choice(["joined", "hyphen", "joined_upper"])
        if form == "hyphen":
            return f"{surname.title()} {parts[0].title()}-{'-'.join(p.lower() for p in parts[1:])}"
        if form == "joined_upper":
            return f"{surname.upper()} {joined.upper()}"
        return f"{surname.title()} {joined.title()}"
    if len(parts) == 1 and len(parts[0]) >= 4:
        cut = _syllable_cut(parts[0].lower())
        if cut:
            return f"{surname} {parts[0][:cut]} {parts[0][cut:]}"
    return None


_SYLLABLE = re.compile(
    r"(?:kk|tt|pp|ss|jj|ch|sh|[gkndtrlmbpsjhwy])?"
    r"(?:yae|yeo|wae|ae|ya|eo|ye|yo|wa|oe|wo|we|wi|yu|eu|ui|a|e|i|o|u)"
    r"(?:ng|[kntlmp])?(?![aeiouy])"
)


def _syllable_cut(word: str) -> int | None:
    """Where a romanised Korean word splits into its first syllable and the rest, or None."""
    match = _SYLLABLE.match(word)
    if match is None or match.end() >= len(word) or match.end() < 2:
        return None
    return match.end()


def typo(name: str, rng: random.Random, edits: int) -> str | None:
    """``edits`` keyboard slips at different letters of the name (never the same letter twice)."""
    text = list(name)
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 4:
        return None
    for position in sorted(rng.sample(letters, edits), reverse=True):
        char = text[position]
        lower = char.lower()
        slip = rng.choice(["neighbour", "drop", "double", "swap", "insert"])
        if slip == "neighbour" and lower in NEIGHBOURS:
            new = rng.choice(NEIGHBOURS[lower])
            text[position] = new.upper() if char.isupper() else new
        elif slip == "drop":
            del text[position]
        elif slip == "double":
            text.insert(position, char)
        elif slip == "swap" and position + 1 < len(text) and text[position + 1].isalpha():
            text[position], text[position + 1] = text[position + 1], text[position]
        else:
            new = rng.choice(NEIGHBOURS.get(lower, "e"))
            text.insert(position + 1, new.upper() if char.isupper() else new)
    result = "".join(text)
    return result if result != name else None


def _respell(word: str, rng: random.Random, table: dict[str, tuple[str, ...]]) -> str | None:
    key = latin(word).replace(" ", "")
    if key in table:
        return _cased(rng.choice(table[key]), word)
    return None


def _cased(new: str, like: str) -> str:
    if like.isupper():
        return new.upper()
    if like[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


def romanisation(name: str, rng: random.Random, family: str, surname_last: bool = False) -> str | None:
    """Respell one to three Korean words or syllables as another system or custom writes them."""
    if family == PERSON:
        surname, given = _surname_first(name, surname_last)
        if not all(is_romanised_korean(latin(p)) for p in [surname, *given] for p in p.split("-") if latin(p)):
            return None
        new_surname = _respell(surname, rng, SURNAMES) if rng.random() < 0.7 else None
        parts = [p for g in given for p in _SYLLABLE_SPLIT.split(g) if p]
        changed = [(_respell(p, rng, SYLLABLES) if rng.random() < 0.6 else None) for p in parts]
        if new_surname is None and not any(changed):
            index = [i for i, p in enumerate(parts) if latin(p) in SYLLABLES]
            if not index:
                return None
            i = rng.choice(index)
            changed[i] = _respell(parts[i], rng, SYLLABLES)
        new_parts = [c or p for c, p in zip(changed, parts, strict=True)]
        joiner = rng.choice([" ", "-"])
        given_text = new_parts[0] + (joiner + joiner.join(p.lower() if joiner == "-" else p for p in new_parts[1:]))
        return f"{new_surname or surname} {given_text.strip()}"
    words = name.split()
    index = [
        i for i, w in enumerate(words) if (latin(w) in SYLLABLES or latin(w) in SURNAMES) and latin(w) not in ENGLISH
    ]
    if not index:
        return None
    for i in rng.sample(index, min(len(index), rng.choice([1, 2]))):
        words[i] = _respell(words[i], rng, SYLLABLES) or _respell(words[i], rng, SURNAMES) or words[i]
    result = " ".join(words)
    return result if result != name else None


def legal_form(name: str, rng: random.Random, _: str, surname_last: bool = False) -> str | None:
    text = name
    lower = latin(name)
    found = [form for form in LEGAL_FORMS if re.search(rf"\b{form}\b", lower)]
    if not found:
        return f"{name} {rng.choice(['Co., Ltd.', 'Corporation', 'Company', 'JSC', 'LLC'])}"
    for form in rng.sample(found, min(len(found), 2)):
        replacement = rng.choice(LEGAL_FORMS[form])
        text = re.sub(rf"\b{form}\b\.?,?", replacement, text, count=1, flags=re.IGNORECASE)
    text = " ".join(text.replace(" ,", ",").split()).strip(" ,")
    return text if latin(text) != lower and latin(text) else None


def dropped_prefix(name: str, rng: random.Random, _: str, surname_last: bool = False) -> str | None:
    lower = latin(name)
    for prefix in sorted(PREFIXES, key=len, reverse=True):
        if lower.startswith(prefix + " "):
            rest = name.split()[len(prefix.split()) :]
            # what is left must still say which company: a Korean word (``Ryonbong``), not ``Trade Bank``
            if any(_korean_word(w) or (len(latin(w)) >= 5 and latin(w) not in ENGLISH) for w in rest):
                return " ".join(rest)
    return None


MAKERS = {
    "case_punct": case_punct,
    "order": order,
    "spacing": spacing,
    "romanisation": romanisation,
    "legal_form": legal_form,
    "dropped_prefix": dropped_prefix,
}


def south_korean_spelling(hangul: str) -> str:
    """The South Korean spelling of a North Korean name: the initial-sound rule (리 -> 이, 룡 -> 용)."""
    rules = {"리": "이", "룡": "용", "력": "역", "렬": "열", "락": "낙", "로": "노", "류": "유", "량": "양", "림": "임"}
    out = []
    for i, char in enumerate(hangul):
        # the rule applies to a word's first syllable: the surname, and the given name's first
        initial = i in (0, 1)
        out.append(rules.get(char, char) if initial else char)
    return "".join(out)


def _variants_of(party: list[Record], party_id: str, rng: random.Random, hangul: dict[str, str]) -> Iterator[Query]:
    family = _family(party[0])
    schema = str(party[0].schema)
    names = _strong_names(party)
    if not names:
        return
    answers = [r.record_id for r in party]
    split = split_of(party_id)
    kinds = PERSON_KINDS if family == PERSON else ORG_KINDS
    for kind in kinds:
        for draw in range(REPEATED.get(kind, 1)):
            made: str | None = None
            base = ""
            for _attempt in range(8):
                written = rng.choice(names)
                base = written.name
                if kind == "exact":
                    made = base
                elif kind in ("typo1", "typo2"):
                    made = typo(base, rng, 1 if kind == "typo1" else 2)
                elif family == ORGANIZATION and kind == "case_punct":
                    made = org_case_punct(base, rng, family)
                else:
                    made = MAKERS[kind](base, rng, family, written.surname_last)
                if made and latin(made) and made != base:
                    break
                if kind == "exact":
                    break
            if made:
                yield Query(f"{party_id}/{kind}/{draw}", kind, split, schema, made, party_id, answers, base)
    for record in party:
        if record.record_id in hangul:
            written = hangul[record.record_id]
            for n, form in enumerate(dict.fromkeys([written, south_korean_spelling(written)])):
                yield Query(f"{party_id}/hangul/{n}", "hangul", split, schema, form, party_id, answers, written)


def negatives() -> Iterator[Query]:
    with NEGATIVES.open(encoding="utf-8") as handle:
        for n, row in enumerate(csv.DictReader(handle)):
            yield Query(
                id=f"negative/{n}",
                kind="negative",
                split=split_of(row["name"]),
                schema=row["schema"],
                name=row["name"],
                birth_date=row["birth_date"] or None,
                group=row["group"],
            )


def generate(staging_path: Path, seed: int = SEED) -> list[Query]:
    rng = random.Random(seed)
    with HANGUL.open(encoding="utf-8") as handle:
        hangul = {row["record_id"]: row["hangul"] for row in csv.DictReader(handle)}
    queries: list[Query] = []
    for party in parties(dprk_records(staging_path)):
        party_id = party[0].record_id
        queries.extend(_variants_of(party, party_id, rng, hangul))
    queries.extend(negatives())
    return queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--staging", type=Path, required=True, help="a workspace's staging with the lists ingested")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    queries = generate(args.staging, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as handle:
        for query in queries:
            handle.write(json.dumps(asdict(query), ensure_ascii=False) + "\n")
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for query in queries:
        counts[(query.kind, query.split)] += 1
    for (kind, split), count in sorted(counts.items()):
        print(f"{kind:15} {split:8} {count:5}")


if __name__ == "__main__":
    main()
