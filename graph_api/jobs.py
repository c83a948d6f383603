"""Ingest jobs an analyst starts through the API, run one at a time in the background.

Only files inside the server's ingest folder (``<workspace>/inbox`` unless
``SANCTIONGRAPH_INGEST_ROOT`` says otherwise) can be ingested, so the API is not
a way to read arbitrary files on the server. A job's progress (rows read so far)
is polled with ``ingestJob(id)``.
"""

from __future__ import annotations

import queue
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingest.formats import FORMATS
from ingest.run import run_ingest
from sanctiongraph.errors import ApiError, SanctionGraphError

MAX_JOBS_KEPT = 200


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class IngestJob:
    id: str
    path: str
    format: str
    mapping: str | None
    source: str | None
    status: str = "queued"
    rows_read: int = 0
    records: int | None = None
    quarantined: int | None = None
    version: str | None = None
    error: str | None = None
    started_at: str | None = None
    finished_at: str | None = None


class IngestJobs:
    def __init__(self, staging_path: Path, root: Path) -> None:
        self.staging_path = staging_path
        self.root = root.resolve()
        self._jobs: dict[str, IngestJob] = {}
        self._queue: queue.Queue[IngestJob] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()

    def _inside_root(self, name: str, what: str) -> Path:
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root):
            raise ApiError(f"{what} must be inside the server's ingest folder", code="FORBIDDEN")
        if not path.exists():
            raise ApiError(f"{what} {name!r} is not in the server's ingest folder", code="NOT_FOUND")
        return path

    def start(self, path: str, fmt: str, *, mapping: str | None = None, source: str | None = None) -> IngestJob:
        if fmt not in FORMATS:
            raise ApiError(f"unknown format {fmt!r}; use one of {sorted(FORMATS)}", code="BAD_REQUEST")
        self._inside_root(path, "path")
        if mapping is not None:
            self._inside_root(mapping, "mapping")
        job = IngestJob(uuid.uuid4().hex[:12], path, fmt, mapping, source)
        with self._lock:
            self._jobs[job.id] = job
            if len(self._jobs) > MAX_JOBS_KEPT:
                self._jobs.pop(next(iter(self._jobs)))
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="ingest-jobs", daemon=True)
                self._worker.start()
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> IngestJob | None:
        return self._jobs.get(job_id)

    def counts(self) -> dict[str, int]:
        counted: dict[str, int] = {}
        for job in list(self._jobs.values()):
            counted[job.status] = counted.get(job.status, 0) + 1
        return counted

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            self._run(job)

    def _run(self, job: IngestJob) -> None:
        job.status, job.started_at = "running", _now()

        def progress(rows: int) -> None:
            job.rows_read = rows

        try:
            summary = run_ingest(
                self.staging_path,
                self.root / job.path,
                job.format,
                source=job.source,
                mapping=(self.root / job.mapping) if job.mapping else None,
                progress=progress,
            )
        except SanctionGraphError as error:
            job.status, job.error = "failed", str(error)
        except Exception as error:  # a job must always end; the message names the failure
            job.status, job.error = "failed", f"unexpected {type(error).__name__}"
        else:
            job.status = "done"
            job.rows_read, job.records, job.quarantined = summary.rows_read, summary.records, summary.quarantined
            job.version = summary.version
        job.finished_at = _now()
