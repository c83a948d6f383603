"""Request inputs for bench_load: applicants to screen and entities to explore.

Applicants are drawn from what the graph holds (the bundled OFAC and UN lists):
listed names as written, with a typo, and in another romanisation or word
order; plus made-up clean names. Some carry an e-mail or phone, either one a
listed party uses (so exposure finds it) or a made-up one. Every applicant has
a category, so the report can show the decisions each category got.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from graph.store import GraphStore
from resolution.korean import is_romanised_korean

# Customary spellings of the same Korean syllable or surname, both ways.
KOREAN_SWAPS = {
    "RI": "LEE",
    "LEE": "RI",
    "YI": "RI",
    "PAK": "PARK",
    "PARK": "PAK",
    "CHOE": "CHOI",
    "CHOI": "CHOE",
    "KIM": "GIM",
    "JONG": "CHONG",
    "CHONG": "JONG",
    "CHOL": "CHEOL",
    "CHEOL": "CHOL",
    "SONG": "SEONG",
    "O": "OH",
    "OH": "O",
    "RYU": "YU",
    "YUN": "YOON",
    "HYON": "HYEON",
    "MYONG": "MYEONG",
    "GWANG": "KWANG",
    "KWANG": "GWANG",
    "HUI": "HEE",
    "HYOK": "HYEOK",
    "SOK": "SEOK",
    "CHUN": "JUN",
    "IL": "EEL",
}
# Common transliteration variants of Arabic and Persian names.
OTHER_SWAPS = {
    "MOHAMMED": "MUHAMMAD",
    "MOHAMMAD": "MUHAMMAD",
    "MUHAMMAD": "MOHAMMED",
    "MOHAMED": "MUHAMMAD",
    "AHMED": "AHMAD",
    "AHMAD": "AHMED",
    "HUSSEIN": "HUSAYN",
    "HUSAYN": "HUSSEIN",
    "HASSAN": "HASAN",
    "ABDUL": "ABD AL",
    "ABD": "ABDUL",
    "YOUSEF": "YUSUF",
    "YUSUF": "YOUSEF",
    "OSAMA": "USAMA",
    "USAMA": "OSAMA",
    "QASIM": "KASSEM",
    "ALI": "ALY",
    "SAEED": "SAID",
    "SAID": "SAEED",
    "KHALID": "KHALED",
    "KHALED": "KHALID",
}
GIVEN = (
    "Anna Ben Carla David Elena Felix Grace Hiro Ines Jonas Keiko Liam Maria Noah Olga Pedro Quinn Rosa Sven "
    "Tomas Uma Victor Wen Xavier Yara Zoe Aiko Bruno Chloe Dmitri Emil Fatima Goran Hana Ivan Jana Karl Lena "
    "Marek Nina Oskar Priya Rahul Sofia Tariq Ulla Vera Willem Yusra Zeynep"
).split()
FAMILY = (
    "Andersen Becker Costa Dubois Eriksson Fischer Garcia Hoffmann Ivanova Jensen Kowalski Lindqvist Moreau "
    "Nakamura Olsen Petrov Quinteros Rossi Schmidt Tanaka Urquhart Varga Weber Xu Yilmaz Zimmermann Alvarez "
    "Bianchi Carvalho Dimitrov Esposito Fernandes Gruber Haas Ito Janssen Keller Lambert Meyer Novak Ortega "
    "Pereira Russo Silva Takahashi Vogel Wagner"
).split()
ORG_WORDS = (
    "Blue Harbor Northwind Granite Maple Silver Crescent Summit Lakeside Orchard Beacon Meridian Cobalt Juniper "
    "Riverstone Brightfield Evergreen Horizon Keystone Lighthouse"
).split()
ORG_KINDS = "Logistics Software Analytics Trading Consulting Foods Robotics Textiles Media Engineering".split()
ORG_FORMS = "Ltd GmbH LLC Inc AB SAS BV Oy".split()
MAIL_DOMAINS = "example.com example.org example.net mail.example".split()


@dataclass(frozen=True)
class Applicant:
    category: str  # exact, typo, variant, clean (+ "+email"/"+phone" when a contact value is sent)
    input: dict[str, Any]


@dataclass
class Inputs:
    applicants: list[Applicant]
    entity_ids: list[str]  # for network / exposure
    search_terms: list[str]
    counts: dict[str, int] = field(default_factory=dict)


def typo(name: str, rng: random.Random) -> str:
    """One edit inside a word of three letters or more: swap, drop, double or replace a letter."""
    words = name.split()
    spots = [i for i, w in enumerate(words) if len(w) >= 3 and w.isalpha()]
    if not spots:
        return name + "e"
    i = rng.choice(spots)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif kind == 1:
        w = w[:j] + w[j + 1 :]
    elif kind == 2:
        w = w[:j] + w[j] + w[j:]
    else:
        w = w[:j] + rng.choice("aeiourstnl") + w[j + 1 :]
    words[i] = w
    return " ".join(words)


def variant(name: str, rng: random.Random) -> str | None:
    """Another romanisation, hyphenation or word order of the same name; None when none applies."""
    words = re.sub(r"[,()]", " ", name).split()
    if len(words) < 2:
        return None
    upper = [w.upper() for w in words]
    if all(is_romanised_korean(w.lower()) for w in words):
        swapped = [KOREAN_SWAPS.get(w, w) for w in upper]
        style = rng.randrange(3)
        if style == 0 and len(words) >= 3:  # Kim Jong Un -> Kim Jong-un
            out = [swapped[0], swapped[1] + "-" + swapped[2].lower()] + swapped[3:]
        elif style == 1 and len(words) >= 3:  # Kim Jong Un -> Kim Jongun
            out = [swapped[0], swapped[1] + swapped[2].lower()] + swapped[3:]
        else:
            out = swapped
        candidate = " ".join(w.title() for w in out)
    elif any(w in OTHER_SWAPS for w in upper):
        candidate = " ".join(OTHER_SWAPS.get(w, w).title() for w in upper)
    else:  # Surname first as lists write it -> given names first, in title case
        candidate = " ".join(w.title() for w in words[1:] + words[:1])
    return candidate if candidate.upper() != name.upper() else None


def clean_name(rng: random.Random, schema: str) -> str:
    if schema == "Person":
        return f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"
    return f"{rng.choice(ORG_WORDS)} {rng.choice(ORG_KINDS)} {rng.choice(ORG_FORMS)}"


def fetch(store: GraphStore, limit: int = 4000) -> dict[str, list[Any]]:
    """Names, contact values and explorable entity IDs from the loaded graph."""
    parties = store.read_raw(
        "MATCH (e:Entity) WHERE e.listed AND e.schema IN ['Person', 'Organization', 'Company', 'LegalEntity'] "
        "RETURN e.id AS id, e.name AS name, e.schema AS schema, coalesce(e.aliases, []) AS aliases, "
        "coalesce(e.birthDates, []) AS birthDates, coalesce(e.countries, []) AS countries "
        "ORDER BY e.id LIMIT $limit",
        {"limit": limit},
    )
    emails = [r["v"] for r in store.read_raw("MATCH (v:Email) RETURN v.value AS v ORDER BY v LIMIT 500")]
    phones = [r["v"] for r in store.read_raw("MATCH (v:Phone) RETURN v.value AS v ORDER BY v LIMIT 500")]
    connected = [
        r["id"]
        for r in store.read_raw(
            "MATCH (e:Entity) WHERE e.listed AND COUNT { (e)--(:Entity) } + COUNT { (e)-->(:Address|Email|Phone|"
            "Identifier|Domain|Wallet) } > 0 RETURN e.id AS id ORDER BY id LIMIT $limit",
            {"limit": limit},
        )
    ]
    return {"parties": parties, "emails": emails, "phones": phones, "connected": connected}


def build(store: GraphStore, *, seed: int = 7, size: int = 5000) -> Inputs:
    rng = random.Random(seed)
    graph = fetch(store)
    parties = graph["parties"]
    if not parties:
        raise RuntimeError("the graph has no listed parties: load the demo data first")
    applicants: list[Applicant] = []
    while len(applicants) < size:
        roll = rng.random()
        party = rng.choice(parties)
        schema = "Person" if party["schema"] == "Person" else "Organization"
        source_name = rng.choice([party["name"], *party["aliases"]][:4])
        if roll < 0.30:
            category, name = "exact", source_name
        elif roll < 0.50:
            category, name = "typo", typo(source_name, rng)
        elif roll < 0.65:
            found = variant(source_name, rng)
            if found is None:
                continue
            category, name = "variant", found
        else:
            schema = rng.choice(["Person", "Person", "Organization"])
            category, name = "clean", clean_name(rng, schema)
        query: dict[str, Any] = {"name": name, "schema": schema}
        if category != "clean" and schema == "Person" and party["birthDates"] and rng.random() < 0.3:
            query["birthDate"] = party["birthDates"][0]
        if rng.random() < 0.15:  # a contact value: one a listed party uses, or a made-up one
            kind = rng.choice(["email", "phone"])
            known = graph["emails"] if kind == "email" else graph["phones"]
            if known and rng.random() < 0.5:
                query[kind] = rng.choice(known)
            elif kind == "email":
                query[kind] = f"{name.split()[0].lower()}.{rng.randrange(10_000)}@{rng.choice(MAIL_DOMAINS)}"
            else:
                query[kind] = f"+44 20 7946 {rng.randrange(10_000):04d}"
            category += "+" + kind
        applicants.append(Applicant(category, query))
    counts: dict[str, int] = {}
    for a in applicants:
        counts[a.category.split("+")[0]] = counts.get(a.category.split("+")[0], 0) + 1
    sample = rng.sample(parties, min(500, len(parties)))
    terms = [typo(p["name"], rng) if rng.random() < 0.3 else p["name"] for p in sample]
    entity_ids = graph["connected"] or [p["id"] for p in parties]
    return Inputs(applicants, entity_ids, terms, counts)
