"""Word lists for the synthetic customer table: common names, places, company words.

Small hand-written lists (``names.json``) of very common given and family names per culture
(facts, not anyone's creative work) so the generator needs no third-party
fake-data package and stays fast and reproducible. Names repeat across
customers on purpose: unrelated people sharing a common name is one of the
false positives resolution has to get right.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Culture:
    name: str
    given: tuple[str, ...]
    family: tuple[str, ...]
    family_first: bool = False  # written "FAMILY Given" by default (East Asian order)


# The name lists are data (names.json beside this module): one entry per culture.
CULTURES: tuple[Culture, ...] = tuple(
    Culture(c["name"], tuple(c["given"]), tuple(c["family"]), bool(c["family_first"]))
    for c in json.loads((Path(__file__).with_name("names.json")).read_text(encoding="utf-8"))
)


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    cities: tuple[str, ...]
    postal: str  # pattern: 9 = digit, A = letter
    calling_code: str
    national_digits: int  # length of the national significant number
    weight: int  # how common among the provider's customers
    cultures: tuple[str, ...]


COUNTRIES: tuple[Country, ...] = (
    Country(
        "US",
        ("New York", "Austin", "Seattle", "Chicago", "San Jose", "Atlanta", "Denver", "Phoenix"),
        "99999",
        "1",
        10,
        30,
        ("anglo", "hispanic", "chinese", "indian", "korean", "european"),
    ),
    Country(
        "GB",
        ("London", "Manchester", "Leeds", "Bristol", "Glasgow", "Cardiff"),
        "AA9 9AA",
        "44",
        10,
        8,
        ("anglo", "indian", "european"),
    ),
    Country(
        "DE", ("Berlin", "Hamburg", "Munich", "Cologne", "Frankfurt"), "99999", "49", 11, 6, ("european", "slavic")
    ),
    Country("PL", ("Warsaw", "Krakow", "Wroclaw", "Gdansk"), "99-999", "48", 9, 4, ("slavic",)),
    Country("UA", ("Kyiv", "Lviv", "Kharkiv", "Odesa"), "99999", "380", 9, 3, ("slavic",)),
    Country("JP", ("Tokyo", "Osaka", "Yokohama", "Fukuoka"), "999-9999", "81", 10, 5, ("japanese",)),
    Country("KR", ("Seoul", "Busan", "Incheon", "Daejeon"), "99999", "82", 10, 4, ("korean",)),
    Country(
        "CN", ("Shenyang", "Dandong", "Beijing", "Shanghai", "Shenzhen", "Yanji"), "999999", "86", 11, 6, ("chinese",)
    ),
    Country("VN", ("Hanoi", "Ho Chi Minh City", "Da Nang"), "999999", "84", 9, 3, ("vietnamese",)),
    Country("IN", ("Bengaluru", "Mumbai", "Hyderabad", "Pune", "Chennai"), "999999", "91", 10, 8, ("indian",)),
    Country("BR", ("Sao Paulo", "Rio de Janeiro", "Curitiba"), "99999-999", "55", 11, 4, ("hispanic", "european")),
    Country("MX", ("Mexico City", "Guadalajara", "Monterrey"), "99999", "52", 10, 3, ("hispanic",)),
    Country("CA", ("Toronto", "Vancouver", "Montreal"), "A9A 9A9", "1", 10, 4, ("anglo", "chinese", "indian")),
    Country("NL", ("Amsterdam", "Rotterdam", "Utrecht"), "9999 AA", "31", 9, 3, ("european",)),
    Country("RU", ("Moscow", "Vladivostok", "Saint Petersburg"), "999999", "7", 10, 2, ("slavic",)),
    Country("LA", ("Vientiane",), "99999", "856", 10, 1, ("vietnamese", "chinese")),
)

STREETS = (
    "Main Street",
    "Oak Avenue",
    "Maple Drive",
    "Park Road",
    "Station Road",
    "High Street",
    "Church Lane",
    "Mill Road",
    "Lake View",
    "River Street",
    "Hill Crescent",
    "Elm Street",
    "Cedar Lane",
    "Market Square",
    "Garden Way",
    "Bridge Street",
    "King Street",
    "Victoria Road",
    "North Avenue",
    "Harbour Road",
    "Sunset Boulevard",
    "Pine Street",
    "Forest Road",
    "Central Avenue",
    "Industrial Park Road",
)

WEBMAIL = (
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "hotmail.com",
    "proton.me",
    "icloud.com",
    "qq.com",
    "163.com",
    "mail.ru",
    "naver.com",
    "gmx.de",
    "yandex.ru",
)

COMPANY_WORDS = (
    "Blue",
    "Bright",
    "Cloud",
    "Nova",
    "Apex",
    "Vertex",
    "Silver",
    "Star",
    "Pine",
    "Harbor",
    "Summit",
    "Quantum",
    "Pixel",
    "Delta",
    "Orbit",
    "Maple",
    "Falcon",
    "Lumen",
    "Cedar",
    "Atlas",
    "Northwind",
    "Evergreen",
    "Iron",
    "Crystal",
    "Golden",
    "Swift",
    "Coral",
    "Zenith",
    "Sky",
    "Vista",
)
COMPANY_KINDS = (
    "Software",
    "Technologies",
    "Digital",
    "Solutions",
    "Labs",
    "Systems",
    "Data",
    "Consulting",
    "Networks",
    "Trading",
    "Logistics",
    "Media",
    "Analytics",
    "Studio",
    "IT Services",
)
LEGAL_FORMS = {
    "US": ("LLC", "Inc.", "Corp."),
    "GB": ("Ltd", "Limited"),
    "DE": ("GmbH",),
    "PL": ("Sp. z o.o.",),
    "UA": ("LLC", "TOV"),
    "JP": ("K.K.", "Co., Ltd."),
    "KR": ("Co., Ltd.",),
    "CN": ("Co., Ltd.", "Trading Co., Ltd."),
    "VN": ("JSC", "Co., Ltd."),
    "IN": ("Pvt Ltd",),
    "BR": ("Ltda",),
    "MX": ("S.A. de C.V.",),
    "CA": ("Inc.",),
    "NL": ("B.V.",),
    "RU": ("OOO",),
    "LA": ("Sole Co., Ltd.",),
}

# Public cloud and carrier-grade NAT egress ranges: many unrelated customers share these addresses.
SHARED_EGRESS_PREFIXES = ("34.102.", "35.186.", "52.95.", "13.107.", "104.16.", "172.64.", "100.64.")
# First octets of residential ISP ranges used for individual IPs (all public unicast).
RESIDENTIAL_FIRST_OCTETS = (
    24,
    31,
    37,
    46,
    62,
    67,
    68,
    71,
    73,
    76,
    81,
    82,
    86,
    88,
    92,
    98,
    108,
    109,
    112,
    121,
    124,
    176,
    178,
    182,
    188,
    189,
    201,
    203,
    211,
    217,
)
