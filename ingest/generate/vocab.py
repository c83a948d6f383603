"""Word lists for the synthetic customer table: common names, places, company words.

Small hand-written lists of very common given and family names per culture
(facts, not anyone's creative work) so the generator needs no third-party
fake-data package and stays fast and reproducible. Names repeat across
customers on purpose: unrelated people sharing a common name is one of the
false positives resolution has to get right.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Culture:
    name: str
    given: tuple[str, ...]
    family: tuple[str, ...]
    family_first: bool = False  # written "FAMILY Given" by default (East Asian order)


CULTURES: tuple[Culture, ...] = (
    Culture(
        "anglo",
        ("James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
         "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Daniel", "Karen",
         "Matthew", "Emily", "Anthony", "Ashley", "Mark", "Olivia", "Steven", "Emma", "Andrew", "Hannah"),
        ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
         "Thomas", "Moore", "Jackson", "Martin", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
         "Hall", "Allen", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Campbell"),
    ),
    Culture(
        "chinese",
        ("Wei", "Fang", "Min", "Jing", "Lei", "Yan", "Jun", "Hui", "Tao", "Xin", "Hao", "Ying", "Qiang", "Li",
         "Ming", "Xiaoling", "Zhiwei", "Yufei", "Haoran", "Jiayi", "Zihan", "Yuxuan", "Chen", "Bo", "Kai"),
        ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu",
         "Hu", "Guo", "He", "Lin", "Gao", "Luo", "Zheng", "Liang", "Xie", "Song", "Tang"),
        family_first=True,
    ),
    Culture(
        "korean",
        ("Min-jun", "Seo-yeon", "Ji-hoon", "Ji-woo", "Hyun-woo", "Seo-yun", "Dong-hyun", "Ha-eun", "Sung-min",
         "Ye-jin", "Jae-won", "Soo-ah", "Young-ho", "Eun-ji", "Sang-woo", "Hye-jin", "Jin-young", "Yu-na",
         "Tae-yang", "Da-eun", "Kyung-soo", "Mi-rae", "Chul-soo", "Su-bin"),
        ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Oh", "Seo", "Shin",
         "Kwon", "Hwang", "Ahn", "Song", "Yoo", "Hong"),
        family_first=True,
    ),
    Culture(
        "japanese",
        ("Haruto", "Yui", "Sota", "Hina", "Yuto", "Aoi", "Ren", "Sakura", "Takumi", "Yuna", "Kenji", "Akiko",
         "Hiroshi", "Naoko", "Daiki", "Misaki", "Kaito", "Riko", "Shota", "Emi"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato",
         "Yoshida", "Yamada", "Sasaki", "Yamaguchi", "Matsumoto", "Inoue", "Kimura", "Hayashi", "Shimizu", "Mori"),
    ),
    Culture(
        "slavic",
        ("Aleksandr", "Elena", "Dmitry", "Olga", "Sergey", "Natalia", "Andriy", "Iryna", "Mikhail", "Tatiana",
         "Oleksandr", "Yulia", "Ivan", "Anna", "Pavel", "Svetlana", "Maksym", "Oksana", "Piotr", "Katarzyna",
         "Tomasz", "Agnieszka", "Nikolai", "Marina"),
        ("Ivanov", "Petrenko", "Smirnov", "Kovalenko", "Popov", "Shevchenko", "Volkov", "Bondarenko", "Kuznetsov",
         "Tkachenko", "Sokolov", "Kravchenko", "Morozov", "Melnyk", "Novak", "Kowalski", "Wisniewski", "Lebedev",
         "Nowak", "Zielinski", "Fedorov", "Pavlenko"),
    ),
    Culture(
        "hispanic",
        ("Jose", "Maria", "Juan", "Carmen", "Luis", "Ana", "Carlos", "Lucia", "Javier", "Sofia", "Miguel",
         "Valentina", "Diego", "Camila", "Alejandro", "Isabella", "Fernando", "Gabriela", "Pablo", "Daniela"),
        ("Garcia", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Perez", "Sanchez", "Ramirez",
         "Torres", "Flores", "Rivera", "Gomez", "Diaz", "Morales", "Reyes", "Cruz", "Ortiz", "Castillo", "Vargas"),
    ),
    Culture(
        "indian",
        ("Aarav", "Priya", "Rahul", "Ananya", "Vikram", "Divya", "Arjun", "Sneha", "Rohan", "Pooja", "Amit",
         "Kavya", "Sanjay", "Neha", "Karthik", "Lakshmi", "Suresh", "Anjali", "Ravi", "Meera"),
        ("Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair", "Rao", "Mehta", "Joshi", "Desai",
         "Chopra", "Verma", "Agarwal", "Pillai", "Menon", "Bose", "Das", "Shah"),
    ),
    Culture(
        "vietnamese",
        ("Anh", "Minh", "Linh", "Huy", "Trang", "Duc", "Thao", "Nam", "Lan", "Tuan", "Hoa", "Quang", "Mai",
         "Khanh", "Phuong", "Long"),
        ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Phan", "Vu", "Dang", "Bui", "Do", "Ho", "Ngo", "Duong", "Ly"),
        family_first=True,
    ),
    Culture(
        "european",
        ("Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Luca", "Giulia", "Lars", "Ingrid", "Pierre",
         "Camille", "Jan", "Sanne", "Matteo", "Chiara", "Henrik", "Astrid", "Hugo", "Claire"),
        ("Mueller", "Schmidt", "Schneider", "Fischer", "Weber", "Rossi", "Russo", "Bianchi", "de Jong", "Jansen",
         "Bakker", "Dubois", "Laurent", "Moreau", "Hansen", "Johansson", "Nielsen", "Lindqvist", "Meyer", "Wagner"),
    ),
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
    Country("US", ("New York", "Austin", "Seattle", "Chicago", "San Jose", "Atlanta", "Denver", "Phoenix"),
            "99999", "1", 10, 30, ("anglo", "hispanic", "chinese", "indian", "korean", "european")),
    Country("GB", ("London", "Manchester", "Leeds", "Bristol", "Glasgow", "Cardiff"), "AA9 9AA", "44", 10, 8,
            ("anglo", "indian", "european")),
    Country("DE", ("Berlin", "Hamburg", "Munich", "Cologne", "Frankfurt"), "99999", "49", 11, 6,
            ("european", "slavic")),
    Country("PL", ("Warsaw", "Krakow", "Wroclaw", "Gdansk"), "99-999", "48", 9, 4, ("slavic",)),
    Country("UA", ("Kyiv", "Lviv", "Kharkiv", "Odesa"), "99999", "380", 9, 3, ("slavic",)),
    Country("JP", ("Tokyo", "Osaka", "Yokohama", "Fukuoka"), "999-9999", "81", 10, 5, ("japanese",)),
    Country("KR", ("Seoul", "Busan", "Incheon", "Daejeon"), "99999", "82", 10, 4, ("korean",)),
    Country("CN", ("Shenyang", "Dandong", "Beijing", "Shanghai", "Shenzhen", "Yanji"), "999999", "86", 11, 6,
            ("chinese",)),
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
    "Main Street", "Oak Avenue", "Maple Drive", "Park Road", "Station Road", "High Street", "Church Lane",
    "Mill Road", "Lake View", "River Street", "Hill Crescent", "Elm Street", "Cedar Lane", "Market Square",
    "Garden Way", "Bridge Street", "King Street", "Victoria Road", "North Avenue", "Harbour Road",
    "Sunset Boulevard", "Pine Street", "Forest Road", "Central Avenue", "Industrial Park Road",
)

WEBMAIL = (
    "gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "proton.me", "icloud.com", "qq.com", "163.com",
    "mail.ru", "naver.com", "gmx.de", "yandex.ru",
)

COMPANY_WORDS = (
    "Blue", "Bright", "Cloud", "Nova", "Apex", "Vertex", "Silver", "Star", "Pine", "Harbor", "Summit", "Quantum",
    "Pixel", "Delta", "Orbit", "Maple", "Falcon", "Lumen", "Cedar", "Atlas", "Northwind", "Evergreen", "Iron",
    "Crystal", "Golden", "Swift", "Coral", "Zenith", "Sky", "Vista",
)
COMPANY_KINDS = (
    "Software", "Technologies", "Digital", "Solutions", "Labs", "Systems", "Data", "Consulting", "Networks",
    "Trading", "Logistics", "Media", "Analytics", "Studio", "IT Services",
)
LEGAL_FORMS = {
    "US": ("LLC", "Inc.", "Corp."), "GB": ("Ltd", "Limited"), "DE": ("GmbH",), "PL": ("Sp. z o.o.",),
    "UA": ("LLC", "TOV"), "JP": ("K.K.", "Co., Ltd."), "KR": ("Co., Ltd.",), "CN": ("Co., Ltd.", "Trading Co., Ltd."),
    "VN": ("JSC", "Co., Ltd."), "IN": ("Pvt Ltd",), "BR": ("Ltda",), "MX": ("S.A. de C.V.",), "CA": ("Inc.",),
    "NL": ("B.V.",), "RU": ("OOO",), "LA": ("Sole Co., Ltd.",),
}

# Public cloud and carrier-grade NAT egress ranges: many unrelated customers share these addresses.
SHARED_EGRESS_PREFIXES = ("34.102.", "35.186.", "52.95.", "13.107.", "104.16.", "172.64.", "100.64.")
# First octets of residential ISP ranges used for individual IPs (all public unicast).
RESIDENTIAL_FIRST_OCTETS = (
    24, 31, 37, 46, 62, 67, 68, 71, 73, 76, 81, 82, 86, 88, 92, 98, 108, 109, 112, 121, 124, 176, 178, 182, 188,
    189, 201, 203, 211, 217,
)
