"""Who owns whom under the 50% rule, and which companies around a listed party look like fronts.

An entity owned 50% or more, in aggregate, directly or through other blocked
parties, by listed parties is blocked too. Front-company candidates are ranked by
indicators an investigator can check, each with its evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from graph.answers import MAX_HOPS, VALUE_RELS, GraphNode, bounded, node_from
from graph.model import Label
from graph.store import GraphStore

MASS_ADDRESS_DEGREE = 10  # companies at one address: a registration mill


NOMINEE_SEATS = 10  # boards one person sits on: a nominee


RECENT_YEARS = 3


@dataclass(slots=True)
class OwnershipChain:
    owners: list[GraphNode]  # from the top owner down to the entity itself
    shares: list[float | None]
    effective_share: float | None
    listed_owner: str | None  # the listed party this chain carries ownership from


@dataclass(slots=True)
class Ownership:
    entity_id: str
    listed_share: float  # aggregate direct + indirect ownership by listed parties, percent
    blocked: bool  # 50% rule: owned 50% or more, in aggregate, by blocked parties
    unknown_shares: bool  # some chain has no share stated
    blocked_owners: list[str]
    chains: list[OwnershipChain]


@dataclass(slots=True)
class Indicator:
    name: str
    evidence: str | None
    weight: float


@dataclass(slots=True)
class FrontCandidate:
    entity: GraphNode
    score: float
    indicators: list[Indicator]
    listed: GraphNode | None = None  # the listed party it points to


def ownership(store: GraphStore, entity_id: str, *, max_depth: int = 6) -> Ownership:
    """Aggregate ownership of an entity by listed parties along ownership chains.

    ``listed_share`` sums, over listed owners, the product of shares along each
    chain from that owner down (stopping at the first listed party on a chain, so
    a listed parent's stake is not counted twice). ``blocked`` applies OFAC's 50%
    rule: a party is blocked when listed, or when blocked parties own 50% or more
    of it in aggregate, directly or through other blocked parties.
    """
    bounded(max_depth, "maxDepth", MAX_HOPS)
    rows = store.read("ownership_chains", {"id": entity_id, "limit": 2000}, max_hops=max_depth)
    chains = [_chain(r) for r in rows]
    owned_by: dict[str, dict[str, float | None]] = {}
    listed: dict[str, bool] = {}
    for row in rows:
        chain = row["chain"]
        for upper, lower, share in zip(chain, chain[1:], row["shares"], strict=False):
            owned_by.setdefault(lower["id"], {})[upper["id"]] = share
            listed[upper["id"]], listed[lower["id"]] = bool(upper["listed"]), bool(lower["listed"])
    blocked = _blocked_set(owned_by, listed)
    listed_share = sum(c.effective_share or 0.0 for c in chains if c.listed_owner is not None)
    direct = owned_by.get(entity_id, {})
    return Ownership(
        entity_id=entity_id,
        listed_share=round(min(listed_share, 100.0), 4),
        blocked=entity_id in blocked,
        unknown_shares=any(None in c.shares for c in chains),
        blocked_owners=sorted(o for o in direct if o in blocked),
        chains=[c for c in chains if c.listed_owner is not None] or chains[:50],
    )


def _chain(row: dict[str, Any]) -> OwnershipChain:
    owners = [node_from({**n, "labels": [str(Label.ENTITY)]}) for n in row["chain"]]
    shares: list[float | None] = list(row["shares"])
    # The listed owner nearest the entity carries the stake; anything above it is its business.
    listed_at = max((i for i, n in enumerate(owners[:-1]) if n.listed), default=None)
    if listed_at is None or listed_at != 0:
        return OwnershipChain(owners, shares, None, None)
    effective: float | None = 1.0
    for share in shares:
        effective = None if share is None or effective is None else effective * share / 100.0
    return OwnershipChain(owners, shares, None if effective is None else round(effective * 100, 4), owners[0].entity_id)


def _blocked_set(owned_by: dict[str, dict[str, float | None]], listed: dict[str, bool]) -> set[str]:
    """Fixed point of the 50% rule over the ownership graph gathered."""
    blocked = {node for node, is_listed in listed.items() if is_listed}
    changed = True
    while changed:
        changed = False
        for node, owners in owned_by.items():
            if node in blocked:
                continue
            stake = sum(share or 0.0 for owner, share in owners.items() if owner in blocked)
            if stake >= 50.0:
                blocked.add(node)
                changed = True
    return blocked


def front_companies(
    store: GraphStore, listed_id: str, *, limit: int = 50, today: date | None = None
) -> list[FrontCandidate]:
    """Parties around a listed entity ranked by front-company indicators, each with evidence."""
    bounded(limit, "limit", 200)
    rows = store.read("front_candidates", {"id": listed_id, "valueTypes": list(VALUE_RELS), "limit": limit * 4})
    if not rows:
        return []
    details = {
        r["id"]: r for r in store.read("front_details", {"ids": [r["id"] for r in rows], "nomineeSeats": NOMINEE_SEATS})
    }
    candidates = [_candidate(row, details.get(row["id"], {}), today or date.today()) for row in rows]
    listed = node_from({**rows[0]["listedParty"], "labels": [str(Label.ENTITY)]})
    for candidate in candidates:
        candidate.listed = listed
    candidates.sort(key=lambda c: (-c.score, c.entity.name))
    return candidates[:limit]


def _candidate(row: dict[str, Any], detail: dict[str, Any], today: date) -> FrontCandidate:
    indicators = [Indicator(i["indicator"], i.get("evidence"), float(i["weight"])) for i in row["indicators"]]
    if (detail.get("addressDegree") or 0) >= MASS_ADDRESS_DEGREE:
        indicators.append(Indicator("mass_registration_address", detail.get("busiestAddress"), 0.4))
    if (detail.get("officerSeats") or 0) >= NOMINEE_SEATS:
        names = ", ".join(n for n in detail.get("nominees") or [] if n)
        indicators.append(Indicator("nominee_officer", names or None, 0.4))
    recent = [
        d for d in row.get("incorporationDates") or [] if d[:4].isdigit() and today.year - int(d[:4]) <= RECENT_YEARS
    ]
    if recent:
        indicators.append(Indicator("recently_registered", min(recent), 0.2))
    miss = 1.0
    for indicator in indicators:
        miss *= 1.0 - min(indicator.weight, 0.99)
    entity = node_from({**row, "labels": [str(Label.ENTITY)]})
    return FrontCandidate(entity, round(1.0 - miss, 6), indicators)


def front_companies_all(store: GraphStore, *, limit: int = 50, today: date | None = None) -> list[FrontCandidate]:
    """Front-company candidates across the whole graph, ranked, each with the listed party it points to."""
    bounded(limit, "limit", 200)
    rows = store.read("front_candidates_all", {"valueTypes": list(VALUE_RELS), "limit": FRONT_SCAN})
    if not rows:
        return []
    best: dict[str, dict[str, Any]] = {}
    for row in rows:  # a party near several listed ones: the listed party its indicators say most about
        weight = sum(float(i["weight"]) for i in row["indicators"])
        if row["id"] not in best or weight > best[row["id"]]["_weight"]:
            best[row["id"]] = {**row, "_weight": weight}
    details = {r["id"]: r for r in store.read("front_details", {"ids": sorted(best), "nomineeSeats": NOMINEE_SEATS})}
    candidates = []
    for row in best.values():
        candidate = _candidate(row, details.get(row["id"], {}), today or date.today())
        candidate.listed = node_from({**row["listedParty"], "labels": [str(Label.ENTITY)]})
        candidates.append(candidate)
    candidates.sort(key=lambda c: (-c.score, c.entity.name))
    return candidates[:limit]


FRONT_SCAN = 5_000  # candidate rows read across the graph before ranking
