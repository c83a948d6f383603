"""Feature rows: common words do not count as shared evidence; part names; unique identifiers."""

from __future__ import annotations

from pathlib import Path

from ingest.record import Identifier, Name, Provenance, Record, Schema
from resolution.comparisons import level_of
from resolution.features import build_features
from resolution.models import COMPARISONS
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
