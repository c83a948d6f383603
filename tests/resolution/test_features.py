"""Feature rows: common words do not count as shared evidence; part names; unique identifiers."""

from __future__ import annotations

from pathlib import Path

from ingest.record import Identifier, Name, Provenance, Record, Schema
from resolution.blocking import blocked
from resolution.comparisons import level_of
from resolution.features import build_features, form_keys, record_names
from resolution.models import COMPARISONS, NAME_KEYS_LEVEL
from resolution.name_keys import STRICT, name_forms
from resolution.scorer import Scorer
from resolution.vocabulary import Vocabulary, generic_org_words


def record(key: str, schema: Schema, *names: str, ids: tuple[tuple[str, str], ...] = ()) -> Record:
    return Record(
        "test",
        key,
        schema,
        [Name(n) for n in names],
        Provenance("test", 1),
        identifiers=[Identifier(k, v) for k, v in ids],
    )


def names_label(a: Record, b: Record, family: str, vocabulary: Vocabulary) -> str:
    comparison = COMPARISONS[family][0]
    fa, fb = (build_features(r, family, vocabulary=vocabulary) for r in (a, b))
    return comparison.levels[level_of(comparison, fa, fb)].label


def test_generic_words_are_not_shared_name_words() -> None:
    # Two different listed DPRK companies (OpenSanctions negative pair)
    a = record("a", Schema.ORGANIZATION, "KOREA RYONGWANG TRADING CORPORATION")
    b = record("b", Schema.ORGANIZATION, "Korea Pugang Trading Corporation")
    plain = Vocabulary({})
    generic = Vocabulary({"organization": generic_org_words(["Korea Pugang Trading Corporation"])})
    assert names_label(a, b, "organization", plain) == "share two rare name words"
    assert names_label(a, b, "organization", generic) == "names similar"  # string similarity only


def test_a_name_without_its_middle_name_is_part_of_the_other() -> None:
    a = record("a", Schema.PERSON, "MICHAEL MERRITT KOSTENKO")
    b = record("b", Schema.PERSON, "MICHAEL KOSTENKO")
    assert names_label(a, b, "person", Vocabulary({})) == "one name is part of the other"


def test_different_national_ids_conflict_but_different_passports_less_so() -> None:
    a = record("a", Schema.PERSON, "Ghulam Abbas", ids=(("national_id", "3410174505535"),))
    b = record("b", Schema.PERSON, "Ghulam Abbas", ids=(("national_id", "3610213159809"),))
    c = record("c", Schema.PERSON, "Ghulam Abbas", ids=(("passport", "AB1234567"),))
    d = record("d", Schema.PERSON, "Ghulam Abbas", ids=(("passport", "CD7654321"),))
    scorer = Scorer.load("person")
    conflict = scorer.score(build_features(a), build_features(b))
    passports = scorer.score(build_features(c), build_features(d))
    bare = scorer.score(build_features(record("e", Schema.PERSON, "Ghulam Abbas")), build_features(a))
    ids = {p["comparison"]: p for p in conflict.comparisons}["identifiers"]
    assert ids["label"] == "different values of an identifier a party has one of"
    assert conflict.match_weight < passports.match_weight < bare.match_weight
    assert bare.match_weight - conflict.match_weight > 5  # 32 times less likely the same person


def test_shipped_common_words_exist_for_list_families() -> None:
    from resolution.vocabulary import MODELS_DIR, load_vocabulary

    vocabulary = load_vocabulary(Path(MODELS_DIR))
    assert {"trading", "korea", "international"} <= vocabulary.words("organization")
    assert "muhammad" in vocabulary.words("person")


def test_the_model_compares_names_by_the_forms_screening_uses() -> None:
    # Screening's strict forms of every name are the record's loose name keys, unchanged.
    a = record("a", Schema.ORGANIZATION, "Korea Ryonbong Gen. Corp.", "Ryonbong")
    fa = build_features(a, "organization", vocabulary=Vocabulary({}))
    forms = {f for n in ("Korea Ryonbong Gen. Corp.", "Ryonbong") for f in name_forms(n, "organization", STRICT)}
    assert set(form_keys(record_names(a), "organization")) == forms
    assert forms <= set(fa.fuzzy_keys)


def test_spellings_screening_takes_for_one_name_are_one_name_to_the_model() -> None:
    plain = Vocabulary({})
    pairs = [
        # OpenSanctions positive pair: singular and plural, no shared word key, sorted key or word pair
        ("Electronic Component Industries (ECI)", "ELECTRONIC COMPONENTS INDUSTRIES CO", "organization"),
        ("KOREA KWANGSONG TRADINGCORPORATION", "Korea Kwangsong Trading Corporation", "organization"),
        ("Kim Tong-chol", "KIM TONG CHOL", "person"),
    ]
    for left, right, family in pairs:
        schema = Schema.PERSON if family == "person" else Schema.COMPANY
        a, b = record("a", schema, left), record("b", schema, right)
        fa, fb = (build_features(r, family, vocabulary=plain) for r in (a, b))
        assert blocked(family, fa, fb), (left, right)
        assert names_label(a, b, family, plain) in (NAME_KEYS_LEVEL, "same name", "same long name"), (left, right)
    a = record("a", Schema.COMPANY, "Electronic Component Industries (ECI)")
    b = record("b", Schema.COMPANY, "ELECTRONIC COMPONENTS INDUSTRIES CO")
    assert names_label(a, b, "organization", plain) == NAME_KEYS_LEVEL


def test_a_short_form_agreeing_by_chance_is_not_the_same_name() -> None:
    # "GIA" (an alias of the Armed Islamic Group on the OFAC list) and "Kia Corporation" both fold to "kia".
    plain = Vocabulary({})
    listed = record("a", Schema.ORGANIZATION, "ARMED ISLAMIC GROUP", "GIA")
    company = record("b", Schema.COMPANY, "Kia Corporation")
    assert "kia" in name_forms("GIA", "organization", STRICT) and "kia" in name_forms(
        "Kia Corp", "organization", STRICT
    )
    assert names_label(listed, company, "organization", plain) != NAME_KEYS_LEVEL
    fa, fb = (build_features(r, "organization", vocabulary=plain) for r in (listed, company))
    assert not set(fa.fuzzy_keys) & set(fb.fuzzy_keys)


def test_the_account_model_keeps_the_levels_it_was_trained_with() -> None:
    # Trained on the customer generator's truth, not retrained with the list models.
    labels = [level.label for level in COMPARISONS["account"][0].levels]
    assert "same name, loosely spelled" in labels
    assert NAME_KEYS_LEVEL in [level.label for level in COMPARISONS["person"][0].levels]
