"""One key rule per kind of shared value (``ingest.keys``): what two sources must agree on to share a value.

Each table row is a pair of spellings real sources use for one value (or for
two different ones). The parity test pins that staging, screening and search
key a value with the same rule.
"""

from __future__ import annotations

import pytest

from graph import applicants, queries
from ingest import keys
from ingest.record import Address, Identifier, Infra, InfraKind, Provenance, Record, Schema

SAME = [
    # wallets: the currency is never part of the key; EVM and bech32 are case-free, base58 is not
    ("wallet", "XBT 1EfMVkxQZsTbRjzGDqhMSD4yBjuC2e9VCq", "1EfMVkxQZsTbRjzGDqhMSD4yBjuC2e9VCq"),
    ("wallet", "XBT:1EfMVkxQZsTbRjzGDqhMSD4yBjuC2e9VCq", "BTC - 1EfMVkxQZsTbRjzGDqhMSD4yBjuC2e9VCq"),
    ("wallet", "bitcoin:1EfMVkxQZsTbRjzGDqhMSD4yBjuC2e9VCq?amount=0.1", "1EfMVkxQZsTbRjzGDqhMSD4yBjuC2e9VCq"),
    ("wallet", "ETH 0x7F367cC41522cE07553e823bf3be79A889DEbe1B", "0x7f367cc41522ce07553e823bf3be79a889debe1b"),
    ("wallet", "BC1QA5WKGAEW2DKV56KFVJ49J0AV5NML45X9EK9HZ6", "XBT bc1qa5wkgaew2dkv56kfvj49j0av5nml45x9ek9hz6"),
    # e-mails: case, +tags, Gmail's dots and second name
    ("email", "Info@Example.COM", "info@example.com"),
    ("email", "j.smith+cloud@googlemail.com", "jsmith@gmail.com"),
    # domains: the registrable domain of a URL, a host or an e-mail
    ("domain", "https://www.Example.co.uk/about?x=1", "example.co.uk"),
    ("domain", "mail.star-joint.net.kp", "star-joint.net.kp"),
    ("domain", "ops@cloud.example.org", "example.org"),
    # phones: E.164 from international and national forms (the row's country completes the latter)
    ("phone", "00850 2 381 4410", "+850-2-381-4410"),
    # identifiers: punctuation and case; an IMO number with or without its prefix
    ("identifier", "P-123 456 78", "p12345678"),
    ("identifier", "IMO 9011234", "imo9011234"),
    # addresses: country as a code or a name, the city twice, abbreviations, unit and floor in any order
    (
        "address",
        "Room 9, Unit A, 3rd Floor, Cheong Sun Tower, 116-118 Wing Lok Street, Sheung Wan, Hong Kong",
        "Unit A, Rm 9, 3/F, Cheong Sun Tower, 116-118 Wing Lok St., Sheung Wan, Sheung Wan, HK",
    ),
    (
        "address",
        "10 Anson Road, #20-05 International Plaza, Singapore 079903",
        "10 ANSON RD #20-05 INTERNATIONAL PLAZA SINGAPORE 079903 SG",
    ),
    ("address", "Tverskaya Street 12, Moscow 125009, Russia", "Tverskaya St. 12\nMoscow 125009\nRU"),
    (
        "address",
        "Number 39, Alvand St., 1st Floor, Argentine Square, Tehran, Iran",
        "No. 39, Alvand Street, First Floor, Argentine Sq., Tehran, IR".replace("First", "1st"),
    ),
    (
        "address",
        "Zweierstrasse 35, Zurich CH-8022, Switzerland",
        "Zweierstr. 35, Zurich 8022, CH".replace("str.", "strasse"),
    ),
]

DIFFERENT = [
    ("wallet", "1EfMVkxQZsTbRjzGDqhMSD4yBjuC2e9VCq", "1efmvkxqzstbrjzgdqhmsd4ybjuc2e9vcq"),  # base58 is case-sensitive
    ("email", "ann@example.com", "anne@example.com"),
    ("address", "116 Wing Lok Street, Sheung Wan, Hong Kong", "120 Wing Lok Street, Sheung Wan, Hong Kong"),
    ("address", "3rd Floor, Cheong Sun Tower, 116 Wing Lok Street", "5th Floor, Cheong Sun Tower, 116 Wing Lok Street"),
    # a capital is a city, not the country rigour also finds by it: the same street in two capitals
    ("address", "12 Sungri Street, Pyongyang", "12 Sungri Street, Tehran"),
    ("address", "Suite 401, Potonggang Hotel, Pyongyang, KP", "Suite 401, Potonggang Hotel, KP"),
]

NOT_SHARED = [
    ("address", "Pyongyang, Korea, North"),  # a city is not a place two parties share
    ("address", "Moscow 125009, Russia"),
    ("address", "Building 5, Pyongyang"),
    ("identifier", "AB-12"),  # too short to mean one thing
    ("identifier", "ABCDEFG"),  # no digit
    ("wallet", "not a wallet"),
    ("email", "nobody at example.com"),
]


@pytest.mark.parametrize(("kind", "a", "b"), SAME)
def test_spellings_of_one_value_have_one_key(kind: str, a: str, b: str) -> None:
    key = keys.value_key(kind, a, "KP" if kind == "phone" else None)
    assert key is not None
    assert key == keys.value_key(kind, b, "KP" if kind == "phone" else None)


def test_a_national_phone_number_takes_the_rows_country() -> None:
    assert keys.phone_key("02 381 4410", "KP") == keys.phone_key("+850 2 381 4410") == "+85023814410"
    assert keys.phone_key("(212) 555-0123", "US") == "+12125550123"


@pytest.mark.parametrize(("kind", "a", "b"), DIFFERENT)
def test_different_values_keep_different_keys(kind: str, a: str, b: str) -> None:
    assert keys.value_key(kind, a) != keys.value_key(kind, b)


@pytest.mark.parametrize(("kind", "text"), NOT_SHARED)
def test_vague_or_malformed_values_are_not_shared(kind: str, text: str) -> None:
    assert keys.value_key(kind, text) is None


def test_a_wallets_currency_is_kept_beside_its_key() -> None:
    assert keys.wallet_currency("XBT 1EfMVkxQZsTbRjzGDqhMSD4yBjuC2e9VCq") == "XBT"
    assert keys.wallet_currency("1EfMVkxQZsTbRjzGDqhMSD4yBjuC2e9VCq") is None


LISTED = "Room 9, Unit A, 3rd Floor, Cheong Sun Tower, 116-118 Wing Lok Street, Sheung Wan, Hong Kong"


@pytest.mark.parametrize(
    ("other", "linked"),
    [
        ("Cheong Sun Tower, 116-118 Wing Lok St, Sheung Wan, HK", True),  # the building, without the unit
        ("Rm 9 Unit A 3/F Cheung Sun Tower 116-118 Wing Lok Street Hong Kong", True),  # a typo, no district
        ("120 Wing Lok Street, Sheung Wan, HK", False),  # the same street, another building
        ("Cheong Sun Tower, 20 Queens Road, Central, HK", False),  # a tower of the same name elsewhere
        ("5th Floor, Cheong Sun Tower, 116-118 Wing Lok Street, Sheung Wan", False),  # another floor
        ("116-118 Wing Lok Street, Kowloon City, Kowloon", False),  # another district entirely
    ],
)
def test_near_identical_addresses_link_and_neighbours_do_not(other: str, linked: bool) -> None:
    score = keys.address_similarity(keys.address_tokens(LISTED), keys.address_tokens(other))
    assert (score >= 0.8) is linked, score


def _record(**values: str) -> Record:
    record = Record(
        source="s", source_key="1", schema=Schema.PERSON, names=[], provenance=Provenance("f", 1), countries=["KP"]
    )
    record.infra = [Infra(InfraKind(kind), value) for kind, value in values.items() if kind != "address"]
    if "address" in values:
        record.addresses = [Address(values["address"])]
    return record


PARITY = {
    "wallet": "XBT 1EfMVkxQZsTbRjzGDqhMSD4yBjuC2e9VCq",
    "email": "J.Smith+x@GoogleMail.com",
    "phone": "+850 2 381 4410",
    "ip": "203.0.113.7",
}


def test_staging_screening_and_search_key_a_value_alike() -> None:
    """The key ingest stores, the one screening looks up and the one a search looks up are one key."""
    stored = {kind: key for kind, key, _ in keys.record_values(_record(**PARITY, address=LISTED))}
    applicant = applicants.Applicant(
        wallet=PARITY["wallet"],
        email=PARITY["email"],
        phone=PARITY["phone"],
        ip_address=PARITY["ip"],
        address=LISTED,
        country="KP",
    )
    screened = {item["label"]: item["key"] for item in applicants.value_keys(applicants.applicant_record(applicant))}
    assert screened["Wallet"] == stored["wallet"] == "1EfMVkxQZsTbRjzGDqhMSD4yBjuC2e9VCq"
    assert screened["Email"] == stored["email"] == "jsmith@gmail.com"
    assert screened["Phone"] == stored["phone"]
    assert screened["IPAddress"] == stored["ip"]
    assert screened["Address"] == stored["address"]
    assert screened["Domain"] == keys.email_domain(stored["email"]) == "gmail.com"
    for kind, label in (("wallet", "Wallet"), ("email", "Email"), ("phone", "Phone"), ("ip", "IPAddress")):
        assert queries.value_keys(PARITY[kind])[label] == [stored[kind]], kind
    identifier = Record(source="s", source_key="2", schema=Schema.PERSON, names=[], provenance=Provenance("f", 1))
    identifier.identifiers = [Identifier("passport", "P-123 456 78")]
    assert keys.record_values(identifier)[0][1] == queries.value_keys("p12345678")["Identifier"][0]
