"""Ingest jobs an analyst starts through the API, run one at a time in the background.

Only files inside the server's ingest folder (``<workspace>/inbox`` unless
``SANCTIONGRAPH_INGEST_ROOT`` says otherwise) can be ingested, so the API is not
a way to read arbitrary files on the server. A job's progress (rows read so far)
is polled with ``ingestJob(id)``.

Several API processes may serve one workspace (``serve --workers N``): a
request for a job's progress can reach any of them. So each job's state is
also written to ``<workspace>/jobs/<id>.json`` (atomically, at most twice a
second while it runs), and any process answers from there; a job whose
process died before it finished is reported as failed. The staging database
takes one writing process at a time, so a job holds the staging writer lock
while it runs and jobs started in different processes wait for each other.
"""

from __future__ import annotations

import os
import queue
import re
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from ingest.formats import FORMATS, get_format
from ingest.run import run_ingest
from ingest.staging import exclusive_writer
from sanctiongraph.errors import ApiError, SanctionGraphError

MAX_JOBS_KEPT = 200
JOBS_DIR = "jobs"
SAVE_INTERVAL_SECONDS = 0.5
_JOB_ID = re.compile(r"[0-9a-f]{12}")
_UNFINISHED = ("queued", "running")


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
    allow_mass_removal: bool = False  # an admin's explicit go for a version that removes much
    rows_read: int = 0
    records: int | None = None
    quarantined: int | None = None
    version: str | None = None
    error: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    pid: int = field(default_factory=os.getpid)  # the API process that runs it


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


class JobBoard:
    """Jobs' state as one small JSON file each, readable by every API process of the workspace."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()

    def save(self, job: IngestJob) -> None:
        data = orjson.dumps(asdict(job))
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = self.folder / f".{job.id}.{os.getpid()}.tmp"
            temporary.write_bytes(data)
            os.replace(temporary, self.folder / f"{job.id}.json")

    def load(self, job_id: str) -> IngestJob | None:
        if not _JOB_ID.fullmatch(job_id):  # the id comes from a client: never a path
            return None
        try:
            data: dict[str, Any] = orjson.loads((self.folder / f"{job_id}.json").read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return None
        known = {f.name for f in fields(IngestJob)}
        job = IngestJob(**{k: v for k, v in data.items() if k in known})
        if job.status in _UNFINISHED and job.pid != os.getpid() and not _alive(job.pid):
            job.status = "failed"
            job.error = "the API process running this job stopped before it finished; start the ingest again"
        return job

    def prune(self, keep: int) -> None:
        """Forget the oldest jobs beyond ``keep``."""
        with self._lock:
            files = sorted(self.folder.glob("*.json"), key=lambda f: f.stat().st_mtime)
            for old in files[: max(0, len(files) - keep)]:
                old.unlink(missing_ok=True)


class IngestJobs:
    def __init__(self, staging_path: Path, root: Path, board: Path | None = None) -> None:
        self.staging_path = staging_path
        self.root = root.resolve()
        self.board = JobBoard(board if board is not None else staging_path.parent / JOBS_DIR)
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

    def start(
        self,
        path: str,
        fmt: str,
        *,
        mapping: str | None = None,
        source: str | None = None,
        admin: bool = False,
        allow_mass_removal: bool = False,
    ) -> IngestJob:
        """Queue one ingest; only an admin may name another source than the file's or allow a mass removal.

        An analyst naming ``source: "us_ofac_sdn"`` for another list's file would make
        it a new version of OFAC's list and delist every party it lacks.
        """
        if fmt not in FORMATS:
            raise ApiError(f"unknown format {fmt!r}; use one of {sorted(FORMATS)}", code="BAD_REQUEST")
        full = self._inside_root(path, "path")
        mapping_path = None if mapping is None else self._inside_root(mapping, "mapping")
        if allow_mass_removal and not admin:
            raise ApiError("allowMassRemoval needs the admin role; ask an admin to ingest this file", code="FORBIDDEN")
        if source is not None and not admin:
            try:
                own = get_format(fmt, mapping=mapping_path).source_for(full)
            except SanctionGraphError as error:
                raise ApiError(f"{path}: {error}", code="BAD_REQUEST") from None
            if source != own:
                raise ApiError(
                    f"source {source!r}: a {fmt} file {path!r} is a version of {own!r}; leave source out,"
                    " or ask an admin to name another",
                    code="FORBIDDEN",
                )
        job = IngestJob(uuid.uuid4().hex[:12], path, fmt, mapping, source, allow_mass_removal=allow_mass_removal)
        with self._lock:
            self._jobs[job.id] = job
            if len(self._jobs) > MAX_JOBS_KEPT:
                self._jobs.pop(next(iter(self._jobs)))
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="ingest-jobs", daemon=True)
                self._worker.start()
        self.board.save(job)
        self.board.prune(MAX_JOBS_KEPT)
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> IngestJob | None:
        """A job of this process as it is now, or any other process's job as it last saved it."""
        return self._jobs.get(job_id) or self.board.load(job_id)

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
        saved = time.monotonic()

        def progress(rows: int) -> None:
            nonlocal saved
            job.rows_read = rows
            if time.monotonic() - saved >= SAVE_INTERVAL_SECONDS:
                self.board.save(job)
                saved = time.monotonic()

        try:
            # Queued until no other process writes to staging (another worker's job, say).
            with exclusive_writer(self.staging_path, what="ingest"):
                job.status, job.started_at = "running", _now()
                self.board.save(job)
                summary = run_ingest(
                    self.staging_path,
                    self.root / job.path,
                    job.format,
                    source=job.source,
                    mapping=(self.root / job.mapping) if job.mapping else None,
                    progress=progress,
                    allow_mass_removal=job.allow_mass_removal,
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
        try:
            self.board.save(job)
        except OSError:  # the job's outcome is still in this process's memory
            pass
