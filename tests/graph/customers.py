"""Generated customer accounts staged with each record its own entity, for graph tests.

Identity resolution keeps these tests about the graph: the loader and the
analytics, not the Splink model.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest import staging as staging_db
from ingest.run import run_ingest
from resolution import store as resolution_store
from resolution.identity import Assignment

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class StagedCustomers:
    staging: Path
    entity_of: dict[str, str]  # record id -> entity id
    truth: list[dict[str, Any]]  # the generator's ground truth lines

    def networks(self) -> dict[str, list[str]]:
        """Planted network id -> the entities of its accounts."""
        members: dict[str, list[str]] = {}
        for line in self.truth:
            record = f"customer_accounts:{line.get('account_id')}"
            if line.get("kind") == "account" and line.get("network_id") and record in self.entity_of:
                members.setdefault(line["network_id"], []).append(self.entity_of[record])
        return members

    def rings(self) -> dict[str, list[str]]:
        """Planted ring id -> the entities of its accounts, in chain order."""
        members: dict[str, list[str]] = {}
        for line in self.truth:
            if line.get("kind") == "account" and line.get("role") == "ring-member":
                members.setdefault(line["group_id"], []).append(
                    self.entity_of[f"customer_accounts:{line['account_id']}"]
                )
        return members

    def ring_lines(self) -> dict[str, dict[str, Any]]:
        return {line["ring_id"]: line for line in self.truth if line.get("kind") == "ring"}

    def accounts(self, role: str) -> list[dict[str, Any]]:
        return [line for line in self.truth if line.get("kind") == "account" and line.get("role") == role]

    def entity_of_party(self, reference: dict[str, str]) -> str:
        return self.entity_of[f"{reference['source']}:{reference['source_key']}"]


def stage_customers(work: Path, size: int, seed: int, *, rings: bool = False) -> StagedCustomers:
    """``rings``: the generator's chained rings, offices, households and VPN users, and the lists they use."""
    data = work / "customers"
    command = [sys.executable, "-m", "sanctiongraph", "generate", "customers", "--size", str(size)]
    extra = ["--rings"] if rings else []
    subprocess.run([*command, "--seed", str(seed), "--out", str(data), *extra], check=True, capture_output=True)
    path = work / "ws" / "staging.duckdb"
    run_ingest(path, data / "customers.csv", "mapping", mapping=ROOT / "mappings" / "customers.yaml")
    if rings:
        from ingest.generate.listed import DEFAULT_LISTS

        for source, fmt in DEFAULT_LISTS:
            run_ingest(path, source, fmt)
    entity_of = assign_identity(path)
    truth = [json.loads(line) for line in (data / "customers_truth.jsonl").open()]
    return StagedCustomers(path, entity_of, truth)


def assign_identity(path: Path) -> dict[str, str]:
    """A resolution run that makes each staged record its own entity; returns record id -> entity id."""
    con = staging_db.open_for_writing(path)
    try:
        ids = sorted(r[0] for r in con.execute("SELECT record_id FROM sg_records").fetchall())
        assignment = Assignment(entity_of={rid: f"sg-{i:08d}" for i, rid in enumerate(ids)})
        resolution_store.write_run(con, "identity", datetime.now(UTC).replace(tzinfo=None), "identity", assignment, [])
    finally:
        con.close()
    return dict(assignment.entity_of)
