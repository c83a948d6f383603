"""How screening compares names: the forms it retrieves by, and how alike two names must be.

The forms (``resolution.name_keys``) survive spacing, romanisation and legal-form
changes; the similarity caps a match whose names are unlike however much else
agrees. Alerts use the same forms to find whom a list change may reach.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from rapidfuzz import fuzz
from rigour.text.translit import ascii_text

from graph.applicants import (
    REVIEW_PROBABILITY,
)
from ingest.record import Record, Schema
from resolution.features import FAMILY_OF_SCHEMA, Features, build_features
from resolution.name_keys import LOOSE, PLAIN, STRICT, match_forms, similarity, typo_evidence, within_typos
from resolution.normalize import ORGANIZATION, PERSON
from resolution.scorer import ScoredPair, Scorer, probability

_WORDS = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candidate record as screening compares it: model features and plain names."""

    features: Features
    names: tuple[str, ...]  # lower-case ASCII, legal forms kept (typos there still count)
    # Both kinds of name with their words sorted, once: comparing them is then a plain ratio.
    sorted_names: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    # Compact name forms (``resolution.name_keys``): spacing, romanisation, script and legal forms folded.
    forms: tuple[str, ...] = ()
    # Some word of the names is no romanisation of Korean (``Mnagon``): a slip, so two may be forgiven.
    typo_evidence: bool = False

    @classmethod
    def of(cls, record: Record, family: str) -> Candidate:
        features = build_features(record, family)
        names = plain_names(record)
        reading = PERSON if family == PERSON else ORGANIZATION
        return cls(
            features,
            names,
            (_words_sorted(features.name_keys), _words_sorted(names)),
            record_forms(record, family),
            typo_evidence((n.value for n in record.names), reading),
        )


def record_forms(record: Record, family: str, *, listed: bool = False) -> tuple[str, ...]:
    """Every name form of a record, read as a person's name or an organisation's (as its family compares it)."""
    return names_forms((n.value for n in record.names), family, listed=listed)


def names_forms(names: Iterable[str], family: str, *, listed: bool = False) -> tuple[str, ...]:
    """Every name form of some names, as screening retrieves by them (``resolution.name_keys``).

    A listed party's names go into the name index with their strict and plain
    forms; an applicant's loose forms (every word folded, typos too) meet them
    there. Ongoing screening searches the other way with the same forms: a
    changed listed party's against customers' (``customer_forms``, ``graph.alerts``).
    """
    modes = (STRICT, PLAIN) if listed else (STRICT, PLAIN, LOOSE)
    return match_forms(names, PERSON if family == PERSON else ORGANIZATION, modes)


def as_screened(record: Record) -> Record:
    """A customer's record as ongoing screening screens it: an account as the person who holds it."""
    return replace(record, schema=Schema.PERSON) if record.schema is Schema.CUSTOMER_ACCOUNT else record


def customer_forms(records: Iterable[Record]) -> tuple[str, ...]:
    """The name forms a customer's screening retrieves listed parties by (``Screener.screen_customer``).

    The loader keeps them on the customer's entity (``nameForms``, full-text
    indexed word by word) so that ongoing screening finds, for a changed listed
    party, the customers whose own screening would find it: respellings, spacing,
    romanisation and script folded the same way on both sides.
    """
    found: set[str] = set()
    for record in records:
        screened = as_screened(record)
        found.update(record_forms(screened, family_of_schema(screened.schema)))
    return tuple(sorted(found))


def _words_sorted(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(" ".join(sorted(name.split())) for name in names)


def plain_names(record: Record) -> tuple[str, ...]:
    return tuple(sorted({plain_name(n.value) for n in record.names}))


def plain_name(name: str) -> str:
    """A name's words, lower-case ASCII, one space apart: what screening compares word for word."""
    return " ".join(_WORDS.findall(ascii_text(name).lower()))


# Screening policy on top of the resolution model, for candidates found by name alone
# (an applicant is often a bare name, a list entry a rich record):
# - names this unlike (best similarity of names or name forms) are not the same party, whatever
#   else agrees: "Elena Petrov" is not "Alexander Petrov", "Horizon Trading" is not
#   "Pishgaman Horizon ... Trading";
# - names this alike count as "names nearly equal" even when the model's name levels, which
#   never saw typos or every spelling in list names, score them lower: "NATIONAL IRANIAN OIL
#   CMOPANY" is the listed company, "Ri Mnagon" is RI MAN GON. Only the names' evidence is
#   raised: a different birth date, country or identifier still counts against the match.
UNLIKE_NAMES = 0.75


NEAR_IDENTICAL_NAMES = 0.92


UNLIKE_CAP = 0.2


NEAR_LEVEL = "names nearly equal"


# Candidates below this are not reported as matches at all.
MIN_MATCH_PROBABILITY = 0.3


def name_similarity(applicant: Candidate, candidate: Candidate) -> float:
    """The best similarity of any two names, 0 to 1: token-sort on model keys or plain names, or name forms.

    Model keys drop legal forms and honorifics (so word order and "LTD" do not
    matter); plain names keep every word (so a typo in "COMPANY" still counts);
    name forms (``resolution.name_keys``) fold spacing, romanisation and script,
    so ``KIM TONGCHOL``, ``Yi Eun-Seong`` and ``황석화`` are as alike as they are.
    """
    best = 0.0
    for ours, theirs in zip(applicant.sorted_names, candidate.sorted_names, strict=True):
        for a in ours:
            for b in theirs:
                best = max(best, fuzz.ratio(a, b))  # on words sorted once: fuzz.token_sort_ratio, less work
    return max(best / 100.0, similarity(applicant.forms, candidate.forms))


def names_near(applicant: Candidate, candidate: Candidate) -> bool:
    """Name forms within keyboard slips of each other (``resolution.name_keys.within_typos``)."""
    return within_typos(applicant.forms, candidate.forms, two=applicant.typo_evidence)


def screening_probability(
    best: ScoredPair | None, similarity: float, scorer: Scorer | None, *, near: bool | None = None
) -> float:
    """The model's probability, bounded by how alike the names are (see UNLIKE_NAMES, NEAR_IDENTICAL_NAMES).

    Near-identical names (``near``: within keyboard slips, see ``names_near``; by default
    similarity at NEAR_IDENTICAL_NAMES) replace the names comparison's weight by the model's own
    "names nearly equal" weight when that is higher, and keep every other
    comparison's weight: a bare near-identical name is a REVIEW, the same name with
    another birth date is not.
    """
    model = best.match_probability if best is not None else 0.0
    if similarity < UNLIKE_NAMES:
        return min(model, UNLIKE_CAP)
    if not (near or similarity >= NEAR_IDENTICAL_NAMES):
        return model
    if best is None or scorer is None:
        return max(model, REVIEW_PROBABILITY)
    names = next((c["weight"] for c in best.comparisons if c["comparison"] == "names"), 0.0)
    floor = scorer.level_weight("names", NEAR_LEVEL)
    return probability(best.match_weight - names + max(names, floor))


def family_of_schema(name: str) -> str:
    try:
        return FAMILY_OF_SCHEMA.get(Schema(name), "organization")
    except ValueError:
        return "organization"
