"""Ingest jobs as every API process of a workspace sees them (``serve --workers N``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import orjson

from graph_api.jobs import JOBS_DIR, IngestJob, IngestJobs

FIXTURES = Path(__file__).parent.parent / "graph" / "fixtures"


def _jobs(home: Path) -> IngestJobs:
    inbox = home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    return IngestJobs(home / "staging.duckdb", inbox)


def _wait(jobs: IngestJobs, job_id: str) -> IngestJob:
    for _ in range(300):
        job = jobs.get(job_id)
        assert job is not None
        if job.status in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def test_a_job_started_in_one_process_is_followed_from_another(tmp_path: Path) -> None:
    here, elsewhere = _jobs(tmp_path), _jobs(tmp_path)  # two API processes on one workspace
    shutil.copy(FIXTURES / "ownership.csv", tmp_path / "inbox" / "owners.csv")
    shutil.copy(FIXTURES / "ownership.yaml", tmp_path / "inbox" / "owners.yaml")
    job = here.start("owners.csv", "mapping", mapping="owners.yaml", source="owners", admin=True)
    seen = elsewhere.get(job.id)
    assert seen is not None and seen.status in ("queued", "running", "done") and seen.path == "owners.csv"
    assert _wait(here, job.id).status == "done"
    finished = _wait(elsewhere, job.id)
    assert (finished.status, finished.rows_read, finished.records, finished.error) == ("done", 7, 12, None)


def test_a_job_whose_process_died_is_reported_failed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    job = replace(IngestJob("0123456789ab", "a.csv", "mapping", None, None), status="running", pid=int(dead.stdout))
    (tmp_path / JOBS_DIR).mkdir()
    (tmp_path / JOBS_DIR / f"{job.id}.json").write_bytes(orjson.dumps(job.__dict__))
    seen = _jobs(tmp_path).get(job.id)
    assert seen is not None and seen.status == "failed"
    assert seen.error is not None and "start the ingest again" in seen.error


def test_a_job_id_is_never_a_path(tmp_path: Path) -> None:
    (tmp_path / "secret.json").write_text('{"id": "x"}')
    jobs = _jobs(tmp_path)
    assert jobs.get("../secret") is None
    assert jobs.get("nope") is None
