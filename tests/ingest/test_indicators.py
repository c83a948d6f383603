"""DPRK jurisdiction and infrastructure indicators, one table per check: what fires, what never does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest import indicators
from ingest.record import Address, Infra, InfraKind, Name, Provenance, Record, Schema
from sanctiongraph.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("+850 2 381 4410", None, "+85023814410"),
        ("00850-2-381-4410", None, "+85023814410"),
        ("02 381 4410", "KP", "+85023814410"),
        ("+82 2 2123 4567", None, None),  # South Korea
        ("010-2123-4567", "KR", None),
        ("+1 850 555 0100", None, None),  # Florida's area code 850 is not the country code
        ("not a phone", None, None),
    ],
)
def test_phone(text: str, country: str | None, expected: str | None) -> None:
    found = indicators.phone_indicator(text, country)
    assert (found.evidence if found else None) == expected
    assert found is None or found.strong


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kim.Chol@Star-Co.Net.Kp", "kim.chol@star-co.net.kp"),
        ("info@ryongnamsan.edu.kp", "info@ryongnamsan.edu.kp"),
        ("someone@naver.com", None),
        ("prof@snu.ac.kr", None),
        ("kp@kpmg.com", None),
        ("user@kp.example.org", None),
    ],
)
def test_email(text: str, expected: str | None) -> None:
    found = indicators.email_indicator(text)
    assert (found.evidence if found else None) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://www.ryongnamsan.edu.kp/univ/en", "ryongnamsan.edu.kp"),
        ("star-co.net.kp", "star-co.net.kp"),
        ("https://www.kaist.ac.kr", None),
        ("kpmg.com", None),
    ],
)
def test_website(text: str, expected: str | None) -> None:
    found = indicators.website_indicator(text)
    assert (found.evidence if found else None) == expected


@pytest.mark.parametrize(
    ("text", "network"),
    [
        ("175.45.176.1", "175.45.176.0/22"),
        ("175.45.179.254", "175.45.176.0/22"),
        ("210.52.109.77", "210.52.109.0/24"),
        ("77.94.35.12", "77.94.35.0/24"),
        ("175.45.180.1", None),  # just past the Star JV block
        ("210.52.110.1", None),
        ("8.8.8.8", None),
        ("2001:db8::1", None),
        ("999.1.1.1", None),
    ],
)
def test_ip(text: str, network: str | None) -> None:
    found = indicators.ip_indicator(text)
    assert (network in (found.evidence or "") if found else None) == (True if network else None)


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("KP", True),
        ("PRK", True),
        ("Korea, North", True),
        ("DPRK", True),
        ("North Korea", True),
        ("Democratic People's Republic of Korea", True),
        ("Corée du Nord", True),
        ("KR", False),
        ("South Korea", False),
        ("Republic of Korea", False),
        ("Korea", False),
        ("China", False),
    ],
)
def test_country(text: str, fires: bool) -> None:
    assert (indicators.country_indicator(text) is not None) is fires


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("Ryongnam-dong, Taesong District, P'yŏngyang", "Pyongyang"),
        ("Pyongyang, Korea, North", "Pyongyang"),
        ("Pyongyang, Korea", "Pyongyang"),
        ("평양시 대성구역 룡남동", "Pyongyang"),
        ("Rajin-Sonbong Economic Zone", "Rason"),
        ("Sinŭiju, North Phyongan", "Sinuiju"),
        ("Chongjin port", "Chongjin"),
        ("Gangnam-gu, Seoul", None),
        ("123 Teheran-ro, Gangnam-gu, Seoul, Republic of Korea", None),
        ("Suncheon, Jeollanam-do", None),  # a South Korean city North Korea has a namesake of
        ("인천 동구 송림동", None),
        ("원산지 표시", None),  # "country of origin", not Wonsan
        ("12 Kaesong Road, Singapore", None),  # a street named after the city, in another country
        ("Pyongyang Restaurant, Beijing, China", None),
    ],
)
def test_address(text: str, place: str | None) -> None:
    assert indicators.dprk_place(text) == place
    assert (indicators.address_indicator(text) is not None) is (place is not None)


def test_address_in_another_country_by_field_is_no_dprk_place() -> None:
    assert indicators.address_indicator("Kaesong Street 5", "SG") is None
    assert indicators.address_indicator("Kaesong Street 5", "KP") is not None


def _record(**kwargs: object) -> Record:
    return Record(
        source="customers",
        source_key="c1",
        schema=Schema.PERSON,
        names=[Name("Kim Chol")],
        provenance=Provenance("f", 1),
        **kwargs,  # type: ignore[arg-type]
    )


def test_record_indicators_strongest_first_and_once_each() -> None:
    record = _record(
        infra=[
            Infra(InfraKind.PHONE, "+85023814410"),
            Infra(InfraKind.EMAIL, "kim@star-co.net.kp"),
            Infra(InfraKind.IP_ADDRESS, "175.45.177.9"),
            Infra(InfraKind.EMAIL, "KIM@star-co.net.kp"),
        ],
        countries=["KP"],
        addresses=[Address("Pyongyang", country="KP")],
    )
    found = indicators.record_indicators(record)
    assert [i.name for i in found] == ["email_kp", "ip_kp", "phone_kp", "country_kp", "address_kp"]
    assert indicators.score(found) > 0.99


def test_south_korean_customer_has_no_indicator() -> None:
    record = _record(
        infra=[
            Infra(InfraKind.PHONE, "+8221234567"),
            Infra(InfraKind.EMAIL, "kim.chul@naver.com"),
            Infra(InfraKind.WEBSITE, "www.samsung.co.kr"),
            Infra(InfraKind.IP_ADDRESS, "211.234.10.1"),
        ],
        countries=["KR"],
        addresses=[Address("Teheran-ro 152, Gangnam-gu, Seoul", country="KR")],
    )
    assert indicators.record_indicators(record) == []
    assert indicators.score([]) == 0.0


@pytest.fixture
def own_indicator_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A deployment's folder of its own indicator rows (``SANCTIONGRAPH_INDICATORS_DIR``), the caches read again."""
    from graph import institutions

    cached = (indicators.dprk_networks, indicators.dprk_places, indicators._quick_pattern, institutions.institutions)
    monkeypatch.setenv(indicators.EXTRA_DIR_ENV, str(tmp_path))
    for function in cached:
        function.cache_clear()
    yield tmp_path
    monkeypatch.delenv(indicators.EXTRA_DIR_ENV)
    for function in cached:
        function.cache_clear()


def test_an_analyst_extends_the_indicator_files_without_editing_the_release(own_indicator_rows: Path) -> None:
    from graph.institutions import affiliation_indicators

    (own_indicator_rows / "dprk_networks.csv").write_text(
        "# a provider's own finding\nnetwork,holder,route,source,source_date\n"
        "198.51.100.0/24,Example relay,via X,internal investigation 2026-11,2026-11-30\n",
        encoding="utf-8",
    )
    (own_indicator_rows / "dprk_places.csv").write_text(
        "place,spellings,source,source_date\nKangdong,Kangdong|Kang-dong|강동,GeoNames,2026-12-01\n", encoding="utf-8"
    )
    (own_indicator_rows / "dprk_institutions.csv").write_text(
        "id,name,aliases,kind,source,source_date\n"
        "nrc,Example Research Centre of Pyongyang,Example Research Center,research,internal,2026-12-01\n",
        encoding="utf-8",
    )
    assert indicators.ip_indicator("198.51.100.7") is not None
    assert indicators.ip_indicator("175.45.176.9") is not None  # the bundled rows still count
    assert indicators.address_indicator("12 Sungri Street, Kang-dong County") is not None
    assert indicators.address_indicator("Kangdong-gu, Seoul", "KR") is None  # a South Korean address stays none
    assert any(i.name == "institution_kp" for i in affiliation_indicators("Lab 3, Example Research Center"))


def test_a_broken_row_of_ones_own_names_its_file_and_row(own_indicator_rows: Path) -> None:
    own = own_indicator_rows / "dprk_networks.csv"
    own.write_text(
        "# notes\nnetwork,holder,route,source,source_date\n198.51.100.0/24,a,b,c,d\nnot-a-network,a,b,c,d\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=f"{own}, row 4: "):
        indicators.ip_indicator("198.51.100.7")


def test_an_indicator_folder_that_is_not_there_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(indicators.EXTRA_DIR_ENV, str(tmp_path / "typo"))
    indicators.dprk_networks.cache_clear()
    try:
        with pytest.raises(ConfigError, match="no such folder"):
            indicators.dprk_networks()
    finally:
        monkeypatch.delenv(indicators.EXTRA_DIR_ENV)
        indicators.dprk_networks.cache_clear()
