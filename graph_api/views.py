"""What each role sees of a screening: the screening role gets the decision and its listed evidence only.

A screening key belongs to an onboarding service. It needs to know whether an
applicant is a listed party or exposed to one, and why; it must not learn who
else the bank knows. Without this view an e-mail address sent to ``screen``
came back as a customer's name and account keys (unlisted matches), and
exposure named the other customers who share a phone or an e-mail, with paths
through their values. Investigators and above keep the full result.

The screening role's view:

- ``matches``: listed parties only, and parties the 50% rule blocks (sanctioned without a listing);
- ``exposure``: each hit names the kind of value and the listed party it leads
  to; ``entity`` is that listed party, never the other user of the value;
  ``path`` is withheld; ``value`` is the applicant's own value when it is one
  the request gave, else withheld (a near-identical address is someone else's);
- ``indicators``: a value shared with a flagged party says the kind of value and
  the indicators, not the party's name or value;
- ``decision`` and ``exposureScore`` are those of the full screening;
- ``screenAuthors``: each author's and affiliation's listed matches only, and
  indicators (and the reasons quoting them) without the flagged party.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from graph.answers import GraphNode
from graph.applicants import SHARED_INDICATOR, ExposureHit, ScreenResult
from graph.authors import PartResult, SubmissionResult
from graph_api.auth import Principal, Role

WITHHELD = "(withheld)"
# The shared-infrastructure indicator's evidence: "<Label> <value> with <user name> (<indicator names>)".
_SHARED_EVIDENCE = re.compile(r"^(?P<label>\S+) .* \((?P<names>[^()]*)\)$", re.DOTALL)


def sees_customers(principal: Principal) -> bool:
    """Investigators and above read the graph anyway; the screening role must not read customers."""
    return principal.role >= Role.INVESTIGATOR


def for_principal(result: ScreenResult, principal: Principal, given: Iterable[str]) -> ScreenResult:
    """The screening result as ``principal`` may see it; ``given``: the values the request itself sent."""
    if sees_customers(principal):
        return result
    own = {_plain(v) for v in given if v}
    exposure = [hit for hit in (_exposure_hit(h, own) for h in result.exposure) if hit is not None]
    return replace(
        result,
        matches=[m for m in result.matches if m.sanctioned],
        exposure=exposure,
        indicators=[_indicator(i) for i in result.indicators],
    )


def submission_for_principal(result: SubmissionResult, principal: Principal) -> SubmissionResult:
    """``screenAuthors``' result as ``principal`` may see it: each part's listed matches, indicators without parties."""
    if sees_customers(principal):
        return result
    rewritten: dict[str, str] = {}

    def part(screened: PartResult) -> PartResult:
        indicators = []
        for indicator in screened.indicators:
            shown = _indicator(indicator)
            if shown is not indicator and indicator.evidence and shown.evidence:
                rewritten[indicator.evidence] = shown.evidence
            indicators.append(shown)
        return replace(screened, matches=[m for m in screened.matches if m.sanctioned], indicators=indicators)

    authors = [part(p) for p in result.authors]
    affiliations = [part(p) for p in result.affiliations]
    reasons = []
    for reason in result.reasons:
        for old, new in rewritten.items():
            reason = reason.replace(old, new)
        reasons.append(reason)
    return replace(result, authors=authors, affiliations=affiliations, reasons=reasons)


def given_values(query: dict[str, Any]) -> list[str]:
    """Every string a screening request's input carried (its name, e-mail, phone, ...), flattened."""
    found: list[str] = []
    stack: list[Any] = [query]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _plain(value: str) -> str:
    return re.sub(r"[\s\-().+]", "", value).lower()


def _exposure_hit(hit: ExposureHit, own: set[str]) -> ExposureHit | None:
    listed = _listed_party(hit)
    if listed is None:  # no listed party to name: nothing the screening role may see
        return None
    value = hit.value if _plain(hit.value) in own else WITHHELD
    return ExposureHit(hit.label, value, listed, hit.score, None)


def _listed_party(hit: ExposureHit) -> GraphNode | None:
    if hit.user.listed:
        return hit.user
    if hit.path is None:
        return None
    return next((node for node in reversed(hit.path.nodes) if node.listed), None)


def _indicator(indicator: Any) -> Any:
    if indicator.name != SHARED_INDICATOR or not indicator.evidence:
        return indicator
    found = _SHARED_EVIDENCE.match(indicator.evidence)
    label, names = (found["label"], found["names"]) if found else ("value", "")
    evidence = f"{label} shared with a party that has DPRK indicators" + (f" ({names})" if names else "")
    return replace(indicator, evidence=evidence)
