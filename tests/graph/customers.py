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


def stage_customers(work: Path, size: int, seed: int) -> StagedCustomers:
    data = work / "customers"
    command = [sys.executable, "-m", "sanctiongraph", "generate", "customers", "--size", str(size)]
    subprocess.run([*command, "--seed", str(seed), "--out", str(data)], check=True, capture_output=True)
    path = work / "ws" / "staging.duckdb"
    run_ingest(path, data / "customers.csv", "mapping", mapping=ROOT / "mappings" / "customers.yaml")
    entity_of = assign_identity(path)
    truth = [json.loads(line) for line in (data / "customers_truth.jsonl").open()]
    return StagedCustomers(path, entity_of, truth)


def assign_identity(path: Path) -> dict[str, str]:
    """A resolution run that makes each staged record its own entity; returns record id -> entity id."""
    con = staging_db.connect(path)
    try:
        resolution_store.ensure_schema(con)
        ids = sorted(r[0] for r in con.execute("SELECT record_id FROM sg_records").fetchall())
        assignment = Assignment(entity_of={rid: f"sg-{i:08d}" for i, rid in enumerate(ids)})
        resolution_store.write_run(con, "identity", datetime.now(UTC).replace(tzinfo=None), "identity", assignment, [])
    finally:
        con.close()
    return dict(assignment.entity_of)
