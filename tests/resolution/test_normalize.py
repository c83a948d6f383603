"""Name keys on real list names: scripts, Korean romanisation, word order, honorifics, legal forms."""

from __future__ import annotations

import pytest

from resolution.korean import fold_token, korean_keys, romanize_hangul
from resolution.normalize import (
    ORGANIZATION,
    PERSON,
    acronyms,
    fuzzy_keys,
    latin,
    name_key,
    name_variants,
    phonetic_key,
    sorted_key,
)


def keys(name: str, family: str = PERSON) -> set[str]:
    key = name_key(name, family)
    return {key, sorted_key(key), *fuzzy_keys(key, family)}


def same_party(a: str, b: str, family: str = PERSON) -> bool:
    return bool(keys(a, family) & keys(b, family))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # UN KPe.010 / OFAC 12212 aliases: McCune-Reischauer with and without apostrophes
        ("CH'O'NGSONG YO'NHAP", "CHONGSONG YONHAP"),
        # ... and Revised Romanisation of the same words
        ("CH'O'NGSONG YO'NHAP", "Cheongsong Yeonhap"),
        # UN KPe.023 / OFAC 16085: Daedong, Dae-Dong and Taedong Credit Bank
        ("DAE-DONG CREDIT BANK", "DAEDONG CREDIT BANK"),
        ("TAEDONG CREDIT BANK", "DAEDONG CREDIT BANK"),
        # UN KPe.025 / OFAC 11581: acronym in parentheses and CORP / CORPORATION
        ("KOREA KWANGSON BANKING CORPORATION (KKBC)", "KOREA KWANGSON BANKING CORP."),
        # UN KPe.020: legal form with a comma
        ("OCEAN MARITIME MANAGEMENT COMPANY, LIMITED (OMM)", "Ocean Maritime Management Company Limited"),
    ],
)
def test_korean_organisation_spellings_share_a_key(a: str, b: str) -> None:
    assert same_party(a, b, ORGANIZATION)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("최광혁", "CHOE Kwang Hyok"),  # Hangul vs McCune-Reischauer (OpenSanctions pair)
        ("CHOE Kwang Hyok", "Choi Gwang Hyeok"),  # Choe/Choi, Kwang/Gwang, Hyok/Hyeok
        ("PAK Kwang Hun", "Gwang Hun BAK"),  # Pak/Bak, word order
        ("Kwang Hun Park", "PAK, Kwang-hun"),  # Park, hyphenated given name
        ("RI Chol", "LEE Cheol"),  # Ri/Lee, Chol/Cheol
        ("YI Chol", "Rhee Chol"),  # Yi/Rhee
        ("KIM Jong Un", "Kim Jong-un"),
        ("박광훈", "Pak Kwang Hun"),
    ],
)
def test_korean_person_spellings_share_a_key(a: str, b: str) -> None:
    assert same_party(a, b)


def test_different_korean_people_do_not_share_a_key() -> None:
    # An OpenSanctions negative pair: two different North Koreans.
    assert not same_party("Kwang Hyok CHOE", "PAK, Kwang Hun")
    assert not same_party("KIM Jong Un", "KIM Jong Nam")


def test_hangul_is_romanised_one_syllable_per_word() -> None:
    assert romanize_hangul("최광혁") == "choe gwang hyeok"
    assert romanize_hangul("김정은") == "gim jeong eun"
    assert romanize_hangul("조선 광선 은행") == "jo seon gwang seon eun haeng"


def test_fold_removes_what_romanisation_systems_disagree_on() -> None:
    assert {fold_token(t) for t in ("lee", "ri", "yi", "rhee", "li")} == {"i"}
    assert {fold_token(t) for t in ("pak", "park", "bak")} == {"pak"}
    assert {fold_token(t) for t in ("choe", "choi")} == {"choe"}
    assert fold_token("gyeong") == fold_token("kyong")
    assert korean_keys(["mario", "ramirez"]) == []


@pytest.mark.parametrize(
    ("name", "latin_form"),
    [
        ("Игорь Валентинович КАЗАРЕЗОВ", "igor valentinovich kazarezov"),
        ("张春贤", "zhangchunxian"),  # one word per run of Chinese characters
        ("Mario Ramírez Treviño", "mario ramirez trevino"),
        ("Χανιμπάλ Καντάφι", "chanimbal kantafi"),
    ],
)
def test_scripts_are_transliterated(name: str, latin_form: str) -> None:
    assert latin(name) == latin_form


def test_word_order_and_commas_do_not_matter() -> None:
    assert same_party("HENAO JARAMILLO, Mario Alberto", "Mario Alberto HENAO JARAMILLO")


def test_honorifics_are_dropped() -> None:
    assert name_key("Dr. Mahmoud Ibraheem Said") == "mahmoud ibraheem said"
    assert name_key("Sheikh Ahmed Al-Qaddafi") == "ahmed al qaddafi"
    assert name_key("Colonel Oleh Hryhorovych KOZYURA") == "oleh hryhorovych kozyura"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ООО Ромашка", "romashka"),
        ("Общество с ограниченной ответственностью Ромашка", "romashka"),
        ("Siemens Aktiengesellschaft", "siemens"),
        ("주식회사 삼성전자", "samseongjeonja"),  # a Hangul word stays one word
        ("中国石油天然气股份有限公司", "zhongguoshiyoutianranqi"),
        ("Gemini S.A.S.U.", "gemini"),  # dotted legal form
        ("Sed Denizcilik ve Dis Ticaret Anonim Sirketi", "sed denizcilik ve dis ticaret"),  # Turkish, in ASCII
        ("MANSUDAE OVERSEAS PROJECT GROUP OF COMPANIES", "mansudae overseas project"),
    ],
)
def test_legal_forms_in_many_languages_are_stripped(name: str, key: str) -> None:
    assert name_key(name, ORGANIZATION) == key


def test_acronyms_in_parentheses() -> None:
    assert acronyms("KOREA KWANGSON BANKING CORPORATION (KKBC)") == ["KKBC"]
    assert name_key("FOREIGN TRADE BANK (FTB)", ORGANIZATION) == "foreign trading bank"


def test_phonetic_key_matches_common_transliteration_variants() -> None:
    assert phonetic_key("muhammad ali") == phonetic_key("mohammed ali")
    assert phonetic_key("ali muhammad") == phonetic_key("mohammed ali")


def test_parenthesised_spellings_are_names_too() -> None:
    # OpenSanctions: one person whose name carries its other spelling in parentheses
    assert name_variants("Dmitrii (Dmitry) Beljk (Belik)") == ["Dmitrii (Dmitry) Beljk (Belik)", "Dmitry Belik"]
    # an organisation's longer parenthesised text is another name, an acronym is not
    assert name_variants("KORE ACHIM NAKLİYE ŞİRKETİ (KOREA ACHIM SHIPPING CO)", ORGANIZATION)[1] == (
        "KOREA ACHIM SHIPPING CO"
    )
    assert name_variants("FOREIGN TRADE BANK (FTB)", ORGANIZATION) == ["FOREIGN TRADE BANK (FTB)"]


def test_a_care_of_name_names_someone_else() -> None:
    # OpenSanctions: "Care of First Oil JV Co Ltd" is an alias of Paekma Shipping, not First Oil's name
    assert name_variants("Care of First Oil JV Co Ltd", ORGANIZATION) == []
    assert name_variants("C/O Ocean Maritime Management", ORGANIZATION) == []
    # UN KPe.021's "alias" is a cross-reference to another listed entry, KPe.018
    assert name_variants("SECOND ACADEMY OF NATURAL SCIENCES (KPE.018)", ORGANIZATION) == []
