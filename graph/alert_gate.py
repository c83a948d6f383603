"""Re-screening less than everyone a list change reaches: what new listed parties can and cannot move.

A list update's names reach many customers whose screening it cannot move: a newly
listed ``KIM Chol`` born in 1961 reaches every ``Kim Chol`` (``alert_reach._by_name``),
and a full screen of each costs a name search over every listed form, candidate and
exposure round trips, and a score per candidate. At a million customers these are
most of an update's re-screens; the ones that move are a few.

When every party whose name reached a customer is *new* to the graph (each of its
list entries added by the version it now carries, and only ever added) and the
customer had no reason before (its last screening CLEAR, no alert), the change can
only *add* candidates to its screening by name: the other candidates keep their
scores (neither their records nor the customer's changed), and a candidate a new
party pushes out of the customer's best name candidates gave no reason before. So
its screening by name moves if and only if a new party its retrieval brings, scored
as screening scores a candidate found by name (``Screener.ranked`` on the row
``screen_candidates`` returns: its first live records by id, ``via`` name), reaches
``REVIEW_PROBABILITY``. Such a party has names at least ``UNLIKE_NAMES`` alike
with the customer's (below that, screening caps a candidate found by name alone
at ``UNLIKE_CAP``), so ``plan`` scores every new party that alike, whatever
retrieval would bring it, and every one sharing a candidate value:

- none reaches REVIEW, none shares a value, and nothing else reached the
  customer: *ruled out*, no re-screen;
- otherwise (the walk reached it too, a party shares a candidate value with it,
  or a party reaches REVIEW): *by values*: its exposure and the parties sharing
  its candidate values decide, as in a full screen, plus each new party at REVIEW
  that its candidate query would find (full text, or ``NameIndex.keeps``); its
  name search over every listed form is skipped
  (``screen_batch.screen_records_by_values``).

The full screen otherwise: an earlier reason or alert; a customer the load
touched or whose last screening named a touched party; a changed or removed party
whose name reached it (it may leave the customer's best candidates and let another
in); a changed listed party that could now be a reason (its names alike enough,
sharing a value, or judged); a new party an
analyst judged; no staging to tell what is new; more value-sharing entities than
the candidate query surely keeps; a name index crowded where ``NameIndex.keeps``
cannot tell.

Left to the reach, as for every customer it does not reach: a changed or removed
party that the reverse name search does not pair with the customer leaving its
best candidates and so letting an unchanged one in (the full-text scores of the
others shifting with the list's statistics likewise). A full re-screen
(``alerts.rescreen_everyone``) is what reconciles those.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb
from rapidfuzz import fuzz, process

from graph.alert_reach import Reach
from graph.applicants import REVIEW_PROBABILITY, value_keys
from graph.name_index import SCORE_SLACK
from graph.name_match import UNLIKE_NAMES, Candidate, as_screened, family_of_schema
from graph.screening import CANDIDATE_VALUE_LABELS, RECORDS_PER_ENTITY, Screener
from graph.store import GraphStore
from ingest import staging
from ingest.record import Record

# Customers (or parties) per round trip.
GATE_BATCH = 500


@dataclass(slots=True)
class _Party:
    """A new listed party as screening's candidate query returns it, and the candidate values it holds."""

    row: dict[str, Any]
    family: str
    values: frozenset[tuple[str, str]]
    judged: bool = False  # an analyst judged one of its records (its row's judgements are left empty)


@dataclass(slots=True)
class Plan:
    """Of the customers a change reaches: those it cannot move (no re-screen), and those whose screening by name
    cannot move (screened without their name search: ``screen_batch.screen_records_by_values``)."""

    ruled_out: set[str] = field(default_factory=set)
    # customer -> the candidate rows of the new parties whose names reached it (``screen_records_by_values`` asks
    # whether its name search would find those that score at REVIEW or above)
    by_values: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def plan(
    store: GraphStore,
    screener: Callable[[], Screener],
    reached: Reach,
    con: duckdb.DuckDBPyConnection | None,
    clear_before: set[str] | None = None,
) -> Plan:
    """Which customers ``reached`` need less than a full re-screen (see the module's docstring).

    A customer qualifies when the load touched neither it nor a party its last
    screening named (``reached.direct``), that screening was CLEAR with no alert,
    and every party whose name reached it is new. Its records' candidate new
    parties are those, and every new party with names alike enough to score at
    REVIEW by name or sharing a candidate value (``_Alike``). A customer with one
    that shares a candidate value with it or scores at REVIEW or above by name, or
    that the walk reached, is screened by its values with those parties' rows; the
    rest are ruled out.

    Nothing qualifies when the reach does not say which parties' names reached
    whom (a first load). ``clear_before``: the customers whose screening was CLEAR
    before the load, when the caller knows them (a test's full screen); by default
    those the graph keeps no screening and no alert for.
    """
    found = Plan()
    if con is None or not reached.parties_known:
        return found
    ids = sorted(reached.customers - reached.direct)
    parties, others = touched_parties(store, con, sorted(reached.touched))
    eligible = [cid for cid in ids if reached.by_name.get(cid, set()) <= parties.keys()]
    clear = _without_reasons(store, eligible) if clear_before is None else [c for c in eligible if c in clear_before]
    if not clear:
        return found
    loaded = screener()
    by_family: dict[str, list[dict[str, Any]]] = {}
    for party in [*parties.values(), *others.values()]:
        if party.row["listed"]:
            by_family.setdefault(party.family, []).append(party.row)
    for family, rows in sorted(by_family.items()):
        for start in range(0, len(rows), GATE_BATCH):  # one round trip for many parties' records
            loaded.cache.fill(store, rows[start : start + GATE_BATCH], family)
    alike = _Alike.of(loaded, parties)
    # The touched listed parties that are not new: one that could be a reason now (or was judged) gets the
    # customer the full screen.
    changed = _Alike.of(loaded, {eid: party for eid, party in others.items() if party.row["listed"]})
    for start in range(0, len(clear), GATE_BATCH):
        rows = store.read("alert_customer_records", {"ids": clear[start : start + GATE_BATCH]})
        near: dict[str, set[str]] = {}
        full: set[str] = set()
        for row in rows:
            cid = row["entityId"]
            record = as_screened(Record.from_dict(json.loads(row["data"])))
            family = family_of_schema(record.schema)
            itself = Candidate.of(record, family)
            keys = {(k["label"], k["key"]) for k in value_keys(record) if k["label"] in CANDIDATE_VALUE_LABELS}
            again = changed.near(itself, keys)
            if any(changed.parties[p].judged for p in again) or _may_move(loaded, record, itself, keys, changed, again):
                full.add(cid)
            found_by = reached.by_name.get(cid, set()) | alike.near(itself, keys)
            near.setdefault(cid, set()).update(found_by)
            if _may_move(loaded, record, itself, keys, alike, found_by):
                found.by_values[cid] = []
        for cid in sorted(near):
            if cid in full:
                found.by_values.pop(cid, None)
            elif cid in found.by_values or cid in reached.walked:
                found.by_values[cid] = [parties[p].row for p in sorted(near[cid])]
            else:
                found.ruled_out.add(cid)
    return found


@dataclass(slots=True)
class _Alike:
    """Some parties' names as ``name_match.name_similarity`` compares them, by kind (model keys and plain names,
    words sorted; name forms), and their candidate values.

    A party found by name alone scores at REVIEW or above only when its names are at
    least ``UNLIKE_NAMES`` alike with the customer's (below, ``screening_probability``
    caps it at ``UNLIKE_CAP``): ``near`` finds every such party, whatever retrieval
    would bring it, so what it misses cannot be a reason; what it finds is scored.
    """

    parties: dict[str, _Party]
    pools: tuple[list[str], list[str], list[str]]
    owners: tuple[list[str], list[str], list[str]]
    by_value: dict[tuple[str, str], set[str]]

    @classmethod
    def of(cls, screener: Screener, parties: dict[str, _Party]) -> _Alike:
        pools: tuple[list[str], list[str], list[str]] = ([], [], [])
        owners: tuple[list[str], list[str], list[str]] = ([], [], [])
        by_value: dict[tuple[str, str], set[str]] = {}
        for pid, party in sorted(parties.items()):
            for value in party.values:
                by_value.setdefault(value, set()).add(pid)
            for record in party.row["records"]:
                candidate = screener.cache.get(record, party.family)
                if candidate is None:
                    continue  # ``cache.fill`` put every one; an evicted one is read again when screened
                kinds = (candidate.sorted_names[0], candidate.sorted_names[1], candidate.forms)
                for pool, owner, strings in zip(pools, owners, kinds, strict=True):
                    for text in strings:
                        pool.append(text)
                        owner.append(pid)
        return cls(parties, pools, owners, by_value)

    def near(self, itself: Candidate, keys: set[tuple[str, str]]) -> set[str]:
        """The parties sharing a candidate value with the record, or with names ``UNLIKE_NAMES`` alike at least."""
        found = {pid for key in keys for pid in self.by_value.get(key, ())}
        kinds = (itself.sorted_names[0], itself.sorted_names[1], itself.forms)
        cutoff = UNLIKE_NAMES * 100 - SCORE_SLACK
        for pool, owner, strings in zip(self.pools, self.owners, kinds, strict=True):
            for text in set(strings):
                for _, _, at in process.extract(
                    text, pool, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff, limit=None
                ):
                    found.add(owner[at])
        return found


def new_parties(store: GraphStore, con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, _Party]:
    """Of ``ids``, the listed parties new to the graph and never judged: each entry added by the version its
    record carries and by no earlier one (staging's change history), none removed."""
    return touched_parties(store, con, ids)[0]


def touched_parties(
    store: GraphStore, con: duckdb.DuckDBPyConnection, ids: list[str]
) -> tuple[dict[str, _Party], dict[str, _Party]]:
    """Of the entities ``ids``: the new listed parties (``new_parties``), and every other one, each as screening's
    candidate query returns it (its first live records; judgements left out, ``judged`` says whether any)."""
    rows = [
        row for start in range(0, len(ids), GATE_BATCH) for row in _party_rows(store, ids[start : start + GATE_BATCH])
    ]
    changes = staging.change_history(con, sorted({r["id"] for row in rows for r in row["records"]}))
    found: dict[str, _Party] = {}
    others: dict[str, _Party] = {}
    for row in rows:
        records = [r for r in row["records"] if not r["removedIn"]]
        family = family_of_schema(row["schema"] or "")
        live = sorted(records, key=lambda r: r["id"])[:RECORDS_PER_ENTITY]
        candidate = {
            "entityId": row["entityId"],
            "name": row["name"],
            "schema": row["schema"],
            "listed": bool(row["listed"]),
            "via": ["name"],
            "records": [
                {
                    "id": r["id"],
                    "source": r["source"],
                    "sourceKey": r["sourceKey"],
                    "loadId": r["loadId"],
                    "judgements": [],
                }
                for r in live
            ],
        }
        values = frozenset((label, v["key"]) for v in row["values"] for label in v["labels"])
        party = _Party(candidate, family, values, bool(row["judged"]))
        every = row["records"]
        new = row["listed"] and not row["judged"] and every
        if new and all(not r["removedIn"] and changes.get(r["id"]) == [("added", r["sourceVersion"])] for r in every):
            found[row["entityId"]] = party
        else:
            others[row["entityId"]] = party
    return found, others


def _party_rows(store: GraphStore, ids: list[str]) -> list[dict[str, Any]]:
    return store.read("alert_gate_parties", {"ids": ids, "labels": list(CANDIDATE_VALUE_LABELS)})


def _without_reasons(store: GraphStore, ids: list[str]) -> list[str]:
    """Those of ``ids`` whose last screening was CLEAR (no screening kept) and who have no alert at all."""
    clear: list[str] = []
    for start in range(0, len(ids), GATE_BATCH):
        for row in store.read("alert_screenings", {"ids": ids[start : start + GATE_BATCH]}):
            if row["decision"] is None and not row["alerts"]:
                clear.append(row["id"])
    return clear


def _may_move(
    screener: Screener,
    record: Record,
    itself: Candidate,
    keys: set[tuple[str, str]],
    alike: _Alike,
    found: Iterable[str],
) -> bool:
    """True when a party of ``found`` may be a reason in this record's screening (``record``: as screened): it
    shares a candidate value with it (its screening would find and score it by that value, and count its exposure),
    or, of its family, scores at REVIEW or above by name."""
    family = family_of_schema(record.schema)
    scorer = screener.scorers.get(family)
    for pid in sorted(found):
        party = alike.parties.get(pid)
        if party is None:
            continue
        if keys & party.values:
            return True
        if party.family != family:
            continue  # screening takes candidates of the record's own family only
        for match in screener.ranked([party.row], family, scorer, itself):
            if match.judged == "same" or match.probability >= REVIEW_PROBABILITY:
                return True
    return False
