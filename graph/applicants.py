"""What screening takes and gives: an applicant in, a decision with its matches and exposure out.

The applicant becomes a canonical record, its values cleaned like a source's, so
the same keys and comparisons serve screening and resolution.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from graph import answers
from graph.institutions import affiliation_indicators
from graph.model import INFRA, Label
from ingest import indicators as dprk
from ingest import values
from ingest.indicators import Indicator
from ingest.keys import EMAIL, IP, email_domain, record_values
from ingest.record import Address, Identifier, Infra, InfraKind, Name, NameKind, Provenance, Record, Schema
from sanctiongraph.errors import InvalidArgumentError

# A listed match this sure is a HIT even where the resolution model would merge at a lower
# probability: a screening hit stops an onboarding, so it must be near certain; below it,
# down to REVIEW_PROBABILITY, a person looks.
HIT_PROBABILITY = 0.9


REVIEW_PROBABILITY = 0.5


REVIEW_EXPOSURE = 0.5


MAX_NAMES = 10


class Decision(StrEnum):
    HIT = "HIT"
    REVIEW = "REVIEW"
    CLEAR = "CLEAR"


@dataclass(slots=True)
class Applicant:
    """What a screening request says about the applicant; every field optional but a name or value."""

    name: str | None = None
    names: list[str] = field(default_factory=list)
    schema: str = "Person"
    birth_date: str | None = None
    country: str | None = None
    identifiers: list[str] = field(default_factory=list)
    address: str | None = None
    email: str | None = None
    phone: str | None = None
    ip_address: str | None = None
    domain: str | None = None
    wallet: str | None = None
    payment_fingerprint: str | None = None
    record_id: str | None = None  # the applicant's own record, when it is in the graph (a customer)
    affiliations: list[str] = field(default_factory=list)  # employers, universities, institutes (author screening)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Applicant:
        """From the batch-file / GraphQL shape (camelCase keys); unknown keys are ignored."""
        args = {attr: data[key] for key, attr in QUERY_KEYS.items() if data.get(key) not in (None, "", [])}
        if isinstance(args.get("names"), str):
            args["names"] = [args["names"]]
        for key in ("identifiers", "affiliations"):
            if isinstance(args.get(key), str):
                args[key] = [args[key]]
        return cls(**args)


# A screening request's keys (the batch file's and GraphQL's ``ScreenInput``) and the attribute each fills.
QUERY_KEYS = {
    "name": "name",
    "names": "names",
    "schema": "schema",
    "birthDate": "birth_date",
    "country": "country",
    "identifiers": "identifiers",
    "address": "address",
    "email": "email",
    "phone": "phone",
    "ipAddress": "ip_address",
    "domain": "domain",
    "wallet": "wallet",
    "paymentFingerprint": "payment_fingerprint",
    "recordId": "record_id",
    "affiliations": "affiliations",
}


# Keys whose value is a list; in a CSV cell its items are separated by ``;``.
LIST_KEYS = frozenset({"names", "identifiers", "affiliations"})


def split_list(text: str | None) -> list[str]:
    """A CSV cell's items (``"P123; P456"``), without blanks."""
    return [item.strip() for item in (text or "").split(";") if item.strip()]


def _column_key(column: str) -> str | None:
    """The request key a CSV column names: ``birthDate``, ``birth_date`` or ``Birth Date``; ``id``; else None."""
    folded = "".join(c for c in column.lower() if c.isalnum())
    if folded == "id":
        return "id"
    return next((key for key in QUERY_KEYS if key.lower() == folded), None)


def applicants_from_csv(path: Path) -> Iterator[tuple[str, Applicant]]:
    """A batch of applicants from a CSV with a header: each row's ``id`` (or its line number) and request.

    Columns are the request's keys, camelCase or snake_case (``birth_date``); list
    cells hold ``;``-separated items. A column that is no key is refused, not left
    out: a misspelt ``pasport`` column would screen every applicant without it.

    Raises:
        InvalidArgumentError: an unknown column, or a row with nothing to screen by (file and line named).
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = {column: _column_key(column) for column in reader.fieldnames or ()}
        unknown = sorted(column for column, key in columns.items() if key is None)
        if unknown or not columns:
            raise InvalidArgumentError(
                f"{path}: {'no header' if not columns else 'unknown columns ' + ', '.join(unknown)};"
                f" the columns are id and {', '.join(QUERY_KEYS)} (or the same in snake_case)"
            )
        for row in reader:
            query: dict[str, Any] = {}
            for column, text in row.items():
                key = columns.get(column) if column is not None else None
                if key is None or not (text or "").strip():
                    continue
                query[key] = split_list(text) if key in LIST_KEYS else text.strip()
            request_id = str(query.pop("id", "") or reader.line_num)
            applicant = Applicant.from_dict(query)
            try:
                record = applicant_record(applicant)
            except InvalidArgumentError as error:
                raise InvalidArgumentError(f"{path}:{reader.line_num}: {error}") from None
            if not screenable(applicant, record, value_keys(record)):
                raise InvalidArgumentError(f"{path}:{reader.line_num}: {NOTHING_TO_SCREEN}")
            yield request_id, applicant


NOTHING_TO_SCREEN = "give the applicant's name or at least one identifier or contact value"


def screenable(applicant: Applicant, record: Record, keys: list[dict[str, str]]) -> bool:
    """Whether screening has something to go by: a name, a value with a key, or an affiliation."""
    return bool(record.names or keys or applicant.affiliations)


@dataclass(slots=True)
class Match:
    entity_id: str
    name: str
    schema: str
    listed: bool
    probability: float
    match_weight: float
    comparisons: list[dict[str, Any]]
    records: list[dict[str, str]]  # [{"source", "sourceKey"}]
    via: list[str]
    judged: str | None = None  # "same" / "not_same" when an analyst said so
    name_similarity: float = 0.0  # best token-sort similarity of the two parties' names, 0 to 1
    # An unlisted party owned 50% or more, in aggregate, by listed or blocked parties (OFAC's 50% rule): its owners
    # that are. Screening takes it as listed.
    blocked_by: list[str] = field(default_factory=list)

    @property
    def sanctioned(self) -> bool:
        """Listed, or blocked under the 50% rule: what a decision counts."""
        return self.listed or bool(self.blocked_by)


@dataclass(slots=True)
class ExposureHit:
    label: str
    value: str
    user: answers.GraphNode
    score: float
    path: answers.Path | None


@dataclass(slots=True)
class ScreenResult:
    decision: Decision
    matches: list[Match]
    exposure: list[ExposureHit]
    exposure_score: float
    # DPRK indicators that fired, strongest first (name, evidence, weight: the frontCompanies shape).
    indicators: list[Indicator] = field(default_factory=list)

    def to_contract(self, request_id: Any) -> dict[str, Any]:
        """The batch output line (a public contract)."""
        return {
            "id": request_id,
            "decision": str(self.decision),
            "matches": [
                {"entityId": m.entity_id, "name": m.name, "probability": round(m.probability, 6), "records": m.records}
                for m in self.matches
            ],
        }

    def to_single(self, request_id: Any) -> dict[str, Any]:
        """One applicant's JSON (``screen --json`` without ``--batch``): the batch line and the indicators.

        The batch line's keys are a frozen contract; the indicators are added only here.
        """
        return {
            **self.to_contract(request_id),
            "indicators": [{"name": i.name, "evidence": i.evidence, "weight": i.weight} for i in self.indicators],
        }


def applicant_record(applicant: Applicant) -> Record:
    """The applicant as a canonical record, its values cleaned like a source's."""
    names = [n for n in [applicant.name, *applicant.names] if n and values.clean_text(n)][:MAX_NAMES]
    try:
        schema = Schema(applicant.schema)
    except ValueError:
        raise InvalidArgumentError(f"schema {applicant.schema!r} is not one of {[s.value for s in Schema]}") from None
    country = values.country_code(applicant.country)
    record = Record(
        source="screening",
        source_key="applicant",
        schema=schema,
        names=[
            Name(n, NameKind.PRIMARY if i == 0 else NameKind.ALIAS, values.name_script(n)) for i, n in enumerate(names)
        ],
        provenance=Provenance("request", 0),
        countries=[country] if country else [],
    )
    date = values.iso_date(applicant.birth_date)
    if date:
        (record.birth_dates if schema is Schema.PERSON else record.incorporation_dates).append(date)
    record.identifiers = [Identifier("other", v) for v in map(values.document_number, applicant.identifiers) if v]
    record.infra = _infra(applicant, country)
    address = values.clean_text(applicant.address)
    if address:
        record.addresses.append(Address(address, country=country))
    return record


def _infra(applicant: Applicant, country: str | None) -> list[Infra]:
    found: list[Infra] = []
    cleaned = [
        (InfraKind.EMAIL, values.email(applicant.email)),
        (InfraKind.PHONE, values.phone(applicant.phone, country)),
        (InfraKind.IP_ADDRESS, values.ip_address(applicant.ip_address)),
        (InfraKind.DOMAIN, values.clean_text(applicant.domain)),
        (InfraKind.WALLET, values.clean_text(applicant.wallet)),
        (InfraKind.PAYMENT_FINGERPRINT, values.clean_text(applicant.payment_fingerprint)),
    ]
    for kind, value in cleaned:
        if value:
            found.append(Infra(kind, value))
    return found


def value_keys(record: Record) -> list[dict[str, str]]:
    """The applicant's values as (label, key) pairs, by the key rules ingest stored them with (``ingest.keys``).

    An e-mail also looks up its domain, and an IP address its network: the
    parents the loader links them to.
    """
    found: list[dict[str, str]] = []
    for kind, key, _ in record_values(record):
        found.append({"label": str(INFRA[kind][0]), "key": key})
        if kind == EMAIL:
            found.append({"label": str(Label.DOMAIN), "key": email_domain(key)})
        elif kind == IP:
            found.append({"label": str(Label.IP_NETWORK), "key": values.ip_network(key)})
    return found


# A value shared with a party that has DPRK indicators passes on this share of that party's strongest
# indicator, times the value's specificity: a device or card two accounts use says much, a webmail domain nothing.
SHARED_INDICATOR_SHARE = 0.9


SHARED_INDICATOR = "shares_infrastructure_kp"


def shared_indicator(row: dict[str, Any]) -> Indicator | None:
    """An indicator for a value the applicant shares with a party the load found DPRK indicators on.

    That is how a VPN-masked sign-up shows: its own IP and phone say nothing,
    but its device, card or mailbox is one a ``+850`` account also uses.
    """
    score = row.get("userIndicatorScore")
    if not score:
        return None
    weight = round(SHARED_INDICATOR_SHARE * float(row["specificity"] or 0.0) * float(row["matchScore"] or 1.0), 4)
    if weight <= 0:
        return None
    names = ", ".join(sorted({i.split("|", 1)[0] for i in row.get("userIndicators") or []}))
    value = row["value"] or row["key"]
    return Indicator(SHARED_INDICATOR, f"{row['label']} {value} with {row['userName']} ({names})", weight)


def applicant_indicators(
    applicant: Applicant, record: Record, shared: Iterable[Indicator | None] = ()
) -> list[Indicator]:
    """Every DPRK indicator of an applicant: its values, its affiliations, values shared with flagged parties."""
    found: list[Indicator | None] = [*dprk.record_indicators(record), *shared]
    for affiliation in applicant.affiliations:
        found.extend(affiliation_indicators(affiliation))
    return dprk.strongest(found)
