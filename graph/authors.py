"""Author screening: a conference's or journal's submissions, each author and affiliation screened.

Organisers must not facilitate undisclosed collaboration with North Korean
institutions, and what a submission shows is authors, affiliations, e-mails and
countries, rarely a listed name. Each author is screened as an applicant
(``graph.screening``: list matches, and DPRK indicators of the e-mail, country
and affiliations); each distinct affiliation is matched against the institutions
of concern (``graph.institutions``) and, part by part, screened as an
organisation against the lists (a listed institution is a list match, as for
any applicant, but only a HIT counts: a part is a bare name). A submission's
decision is the most severe of its parts', with the reasons spelled out so an
organiser can act on them.

Input: CSV with one row per author (``submission_id, title, author, affiliation,
email, country``; several affiliations separated by ``;``), or JSON lines with
one submission each (``{"id", "title", "authors": [{"name", "affiliations",
"email", "country"}]}``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.applicants import HIT_PROBABILITY, Applicant, Decision, Match, split_list
from graph.institutions import MIN_PART_CHARS, affiliation_indicators
from graph.screening import Screener
from graph.store import GraphStore
from ingest.indicators import Indicator
from sanctiongraph.errors import SanctionGraphError

SEVERITY = {Decision.CLEAR: 0, Decision.REVIEW: 1, Decision.HIT: 2}
CSV_COLUMNS = ("submission_id", "title", "author", "affiliation", "email", "country")
MAX_AUTHORS = 200


@dataclass(slots=True)
class Author:
    name: str
    affiliations: list[str] = field(default_factory=list)
    email: str | None = None
    country: str | None = None


@dataclass(slots=True)
class Submission:
    id: str
    title: str | None
    authors: list[Author]


@dataclass(slots=True)
class PartResult:
    """One author or affiliation as screened."""

    name: str
    decision: Decision
    indicators: list[Indicator]
    matches: list[Match]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "decision": str(self.decision),
            "indicators": [{"name": i.name, "evidence": i.evidence, "weight": i.weight} for i in self.indicators],
            "matches": [
                {"entityId": m.entity_id, "name": m.name, "probability": round(m.probability, 6), "records": m.records}
                for m in self.matches
            ],
        }


@dataclass(slots=True)
class SubmissionResult:
    id: str
    title: str | None
    decision: Decision
    reasons: list[str]
    authors: list[PartResult]
    affiliations: list[PartResult]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "decision": str(self.decision),
            "reasons": self.reasons,
            "authors": [a.to_json() for a in self.authors],
            "affiliations": [a.to_json() for a in self.affiliations],
        }


def _worst(decisions: list[Decision]) -> Decision:
    return max(decisions, key=SEVERITY.__getitem__, default=Decision.CLEAR)


def _listed(matches: list[Match]) -> list[Match]:
    """Listed parties, and parties the 50% rule blocks."""
    return [m for m in matches if m.sanctioned]


def _match_text(match: Match) -> str:
    kind = "listed match" if match.listed else "match blocked by its listed owners (50% rule)"
    return f"{kind} {match.name} ({match.probability:.2f})"


def screen_affiliation(store: GraphStore, screener: Screener, affiliation: str) -> PartResult:
    """An affiliation: institutions of concern it names, and each of its parts screened as a listed organisation."""
    found = affiliation_indicators(affiliation)
    decision = Decision.REVIEW if any(i.strong for i in found) else Decision.CLEAR
    matches: list[Match] = []
    for part in dict.fromkeys(p.strip() for p in affiliation.split(",")):
        if len(part) < MIN_PART_CHARS:
            continue
        # A part is a bare name (a department, a city, an institution): only a HIT counts. A REVIEW-level
        # name likeness of ``Daejeon`` to ``KOREA DAIZIN TRADING CORP.`` is noise an organiser cannot act on.
        result = screener.screen(store, Applicant(name=part, schema="Organization"))
        if result.decision is Decision.HIT:
            decision = Decision.HIT
            matches.extend(m for m in _listed(result.matches) if m.probability >= HIT_PROBABILITY or m.judged)
    return PartResult(affiliation, decision, found, matches)


def screen_submission(
    store: GraphStore, screener: Screener, submission: Submission, seen: dict[str, PartResult] | None = None
) -> SubmissionResult:
    """Every author and distinct affiliation of one submission; ``seen`` reuses affiliations across submissions."""
    seen = {} if seen is None else seen
    if len(submission.authors) > MAX_AUTHORS:
        raise SanctionGraphError(f"submission {submission.id}: more than {MAX_AUTHORS} authors")
    authors: list[PartResult] = []
    reasons: list[str] = []
    for author in submission.authors:
        applicant = Applicant(name=author.name, email=author.email, country=author.country)
        result = screener.screen(store, applicant)
        # Affiliations are screened once each below; the author's own indicators are e-mail and country.
        authors.append(PartResult(author.name, result.decision, result.indicators, _listed(result.matches)))
        for match in _listed(result.matches):
            if result.decision is not Decision.CLEAR:
                reasons.append(f"author {author.name}: {_match_text(match)}")
        for indicator in result.indicators:
            reasons.append(f"author {author.name}: {indicator.name} {indicator.evidence}")
    affiliations: list[PartResult] = []
    for affiliation in dict.fromkeys(a for author in submission.authors for a in author.affiliations if a.strip()):
        if affiliation not in seen:
            seen[affiliation] = screen_affiliation(store, screener, affiliation)
        part = seen[affiliation]
        affiliations.append(part)
        for indicator in part.indicators:
            reasons.append(f"affiliation {affiliation}: {indicator.name} {indicator.evidence}")
        for match in part.matches:
            reasons.append(f"affiliation {affiliation}: {_match_text(match)}")
        if part.decision is not Decision.CLEAR and not part.indicators and not part.matches:
            reasons.append(f"affiliation {affiliation}: {part.decision}")
    decision = _worst([p.decision for p in [*authors, *affiliations]])
    return SubmissionResult(submission.id, submission.title, decision, reasons, authors, affiliations)


def read_submissions(path: Path) -> list[Submission]:
    """Submissions from a CSV (one row per author) or JSON lines file (one submission per line)."""
    if not path.is_file():
        raise SanctionGraphError(f"{path}: no such file")
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return list(_jsonl(path))
    return _csv(path)


def _csv(path: Path) -> list[Submission]:
    by_id: dict[str, Submission] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(line for line in handle if not line.startswith("#"))
        missing = {"submission_id", "author"} - set(reader.fieldnames or ())
        if missing:
            raise SanctionGraphError(
                f"{path}: no {', '.join(sorted(missing))} column", hint=f"columns: {', '.join(CSV_COLUMNS)}"
            )
        for row in reader:
            key = (row.get("submission_id") or "").strip()
            name = (row.get("author") or "").strip()
            if not key or not name:
                raise SanctionGraphError(f"{path}:{reader.line_num}: a row needs submission_id and author")
            submission = by_id.setdefault(key, Submission(key, (row.get("title") or "").strip() or None, []))
            submission.authors.append(
                Author(name, split_list(row.get("affiliation")), row.get("email") or None, row.get("country") or None)
            )
    return list(by_id.values())


def submission_from_dict(item: dict[str, Any]) -> Submission:
    """One submission from the JSON / GraphQL shape: ``{"id", "title", "authors": [{"name", ...}]}``."""
    authors = []
    for author in item["authors"]:
        affiliations = author.get("affiliations") or []
        if isinstance(affiliations, str):
            affiliations = split_list(affiliations)
        authors.append(Author(str(author["name"]), list(affiliations), author.get("email"), author.get("country")))
    return Submission(str(item["id"]), item.get("title"), authors)


def _jsonl(path: Path) -> Iterator[Submission]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield submission_from_dict(json.loads(line))
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
                raise SanctionGraphError(
                    f"{path}:{number}: not a submission ({error})",
                    hint='each line is {"id": ..., "title": ..., "authors": [{"name": ..., "affiliations": [...]}]}',
                ) from None
