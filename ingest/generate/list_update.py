"""Customers a list update touches: accounts holding what a newer version of a list adds or removes.

Ongoing screening (``graph.alerts``) is tested and measured on a real update,
the bundled 2022 OFAC snapshot followed by the 2024 SDN file: this finds what
the newer version lists that the older did not (a party's digital currency
address, e-mail or name) and what it no longer lists, and appends accounts
holding those values to a generated customer table, with their ground truth.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.adapters import ofac_csv
from ingest.generate.customers import ACCOUNT_PREFIX, HEADER, _row
from ingest.generate.fake import FakeValues
from ingest.generate.planting import Plan
from ingest.generate.variants import customer_wallet
from ingest.keys import wallet_key
from ingest.record import InfraKind, NameKind, Record, Schema

SOURCE = "us_ofac_sdn"


@dataclass(slots=True)
class ListedEntry:
    source_key: str
    name: str
    schema: str
    birth_date: str | None = None
    wallets: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)


def _entries(path: Path) -> dict[str, ListedEntry]:
    found: dict[str, ListedEntry] = {}
    for item in ofac_csv.iter_records(path, SOURCE):
        if not isinstance(item, Record):
            continue
        primary = next((n.value for n in item.names if n.kind is NameKind.PRIMARY), item.caption)
        found[item.source_key] = ListedEntry(
            item.source_key,
            primary,
            str(item.schema),
            item.birth_dates[0] if item.birth_dates else None,
            [i.value for i in item.infra if i.kind is InfraKind.WALLET and wallet_key(i.value)],
            [i.value for i in item.infra if i.kind is InfraKind.EMAIL],
        )
    return found


@dataclass(slots=True)
class ListDelta:
    """What the newer version lists that the older did not, and what it removed (entries with wallets)."""

    new_wallets: list[tuple[ListedEntry, str]]
    new_emails: list[tuple[ListedEntry, str]]
    new_persons: list[ListedEntry]
    removed_wallets: list[tuple[ListedEntry, str]]
    removed_persons: list[ListedEntry]


def list_delta(old: Path, new: Path) -> ListDelta:
    before, after = _entries(old), _entries(new)
    old_wallets = {w.partition(":")[2].lower() for e in before.values() for w in e.wallets}
    old_emails = {m.lower() for e in before.values() for m in e.emails}
    new_wallets = [(e, w) for e in after.values() for w in e.wallets if w.partition(":")[2].lower() not in old_wallets]
    new_emails = [(e, m) for e in after.values() for m in e.emails if m.lower() not in old_emails]
    new_persons = [
        e
        for key, e in after.items()
        if key not in before and e.schema == str(Schema.PERSON) and e.birth_date and len(e.name.split()) >= 3
    ]
    removed = [(e, w) for key, e in before.items() if key not in after for w in e.wallets]
    removed_persons = [
        e
        for key, e in before.items()
        if key not in after and e.schema == str(Schema.PERSON) and e.birth_date and len(e.name.split()) >= 3
    ]
    return ListDelta(new_wallets, new_emails, new_persons, removed, removed_persons)


def plant_list_update(csv_path: Path, old: Path, new: Path, *, each: int = 5, seed: int = 28) -> list[dict[str, Any]]:
    """Append accounts to ``csv_path``: ``each`` holding a newly listed wallet, e-mail, name; a removed wallet, name.

    Returns their ground truth: account, kind (``new-wallet``, ``new-email``,
    ``new-name``, ``removed-wallet``, ``removed-name``), the value and the list entry behind it.
    Every account holds its own entry's value (no two share a party).
    """
    rng = random.Random(seed)
    fake = FakeValues(rng)
    delta = list_delta(old, new)
    plans: list[tuple[Plan, dict[str, Any]]] = []

    def pick(items: list[Any], key: Any) -> list[Any]:
        seen: set[str] = set()
        chosen: list[Any] = []
        for item in sorted(items, key=key):
            entry = item[0] if isinstance(item, tuple) else item
            if entry.source_key not in seen:
                seen.add(entry.source_key)
                chosen.append(item)
        rng.shuffle(chosen)
        return chosen[:each]

    for entry, wallet in pick(delta.new_wallets, lambda i: (i[0].source_key, i[1])):
        plan = Plan(fake.person(), "new-wallet")
        plan.wallet = customer_wallet(wallet, rng)
        plans.append((plan, {"kind": "new-wallet", "value": wallet, "entry": entry.source_key, "name": entry.name}))
    for entry, email in pick(delta.new_emails, lambda i: (i[0].source_key, i[1])):
        plan = Plan(fake.person(), "new-email", email=email)
        plans.append((plan, {"kind": "new-email", "value": email, "entry": entry.source_key, "name": entry.name}))
    for entry in pick(delta.new_persons, lambda e: e.source_key):
        person = fake.person()
        person.dob = entry.birth_date or person.dob
        plan = Plan(person, "new-name", name=entry.name.replace(",", ""))
        plans.append((plan, {"kind": "new-name", "value": entry.name, "entry": entry.source_key, "name": entry.name}))
    for entry, wallet in pick(delta.removed_wallets, lambda i: (i[0].source_key, i[1])):
        plan = Plan(fake.person(), "removed-wallet")
        plan.wallet = customer_wallet(wallet, rng)
        plans.append((plan, {"kind": "removed-wallet", "value": wallet, "entry": entry.source_key, "name": entry.name}))
    for entry in pick(delta.removed_persons, lambda e: e.source_key):
        person = fake.person()
        person.dob = entry.birth_date or person.dob
        plan = Plan(person, "removed-name", name=entry.name.replace(",", ""))
        plans.append(
            (plan, {"kind": "removed-name", "value": entry.name, "entry": entry.source_key, "name": entry.name})
        )
    return _append(csv_path, fake, plans)


def plant_named(csv_path: Path, lines: list[dict[str, Any]], *, seed: int = 28) -> list[dict[str, Any]]:
    """Append one account per line, named ``line["name"]`` and born ``line["birth_date"]`` (when given).

    For respellings of listed names and for unrelated names that must stay
    clear: the line (its ``kind``, ``entry`` ...) comes back as the account's truth.
    """
    fake = FakeValues(random.Random(seed))
    plans: list[tuple[Plan, dict[str, Any]]] = []
    for line in lines:
        person = fake.person()
        person.dob = line.get("birth_date") or person.dob
        plans.append((Plan(person, line["kind"], name=line["name"]), line))
    return _append(csv_path, fake, plans)


def _append(csv_path: Path, fake: FakeValues, plans: list[tuple[Plan, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Write the planned individual accounts after the table's last; returns each one's truth with its id."""
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if tuple(header) != HEADER:
            raise ValueError(f"{csv_path}: not a generated customer table")
        last = max((int(row[0].rsplit("-", 1)[1]) for row in reader if row), default=0)
    truth: list[dict[str, Any]] = []
    with csv_path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for offset, (plan, line) in enumerate(plans, start=1):
            row = _row(fake, last + offset, plan)
            row[HEADER.index("company_name") :] = [""] * (len(HEADER) - HEADER.index("company_name"))
            row[1] = "individual"
            writer.writerow(row)
            truth.append({"account_id": f"{ACCOUNT_PREFIX}-{last + offset:010d}", **line})
    return truth
