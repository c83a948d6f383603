"""One writer at a time: the staging file's lock, across processes and threads.

An ingest, a resolution run and a judgement each take ``exclusive_writer``; a
second writer waits (up to a timeout) and is told who holds the file.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sanctiongraph.errors import IngestError


class _WriterHold:
    """This process's hold on one staging file's writer lock, shared by its threads."""

    def __init__(self) -> None:
        self.mutex = threading.Lock()
        self.count = 0
        self.fd: int | None = None


_HOLDS: dict[str, _WriterHold] = {}


_HOLDS_LOCK = threading.Lock()


def writer_lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".writer-lock")


@contextmanager
def exclusive_writer(path: Path, timeout: float | None = None, *, what: str = "write") -> Iterator[None]:
    """Hold the staging file's writer lock across processes, for API processes that share a workspace.

    DuckDB lets one process at a time open a file for writing, and refuses the
    others at once. Several API workers (``serve --workers``) take this lock
    around each write instead, so one waits for the other. Threads of the
    process that holds it share it: within one process DuckDB serves them all.

    Raises:
        IngestError: ``timeout`` seconds passed while another process held it.
    """
    key = str(path.resolve())
    with _HOLDS_LOCK:
        hold = _HOLDS.setdefault(key, _WriterHold())
    deadline = None if timeout is None else time.monotonic() + timeout
    if not hold.mutex.acquire(timeout=-1 if timeout is None else timeout):
        raise _busy(path, what)
    try:
        if hold.count == 0:
            hold.fd = _lock_file(writer_lock_path(path), deadline, path, what)
        hold.count += 1
    finally:
        hold.mutex.release()
    try:
        yield
    finally:
        with hold.mutex:
            hold.count -= 1
            if hold.count == 0 and hold.fd is not None:
                fcntl.flock(hold.fd, fcntl.LOCK_UN)
                os.close(hold.fd)
                hold.fd = None


def _lock_file(lock_path: Path, deadline: float | None, path: Path, what: str) -> int:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if deadline is not None and time.monotonic() >= deadline:
                os.close(fd)
                raise _busy(path, what) from None
            time.sleep(0.05)


def _busy(path: Path, what: str) -> IngestError:
    return IngestError(
        f"{path}: another process is writing to the staging database; the {what} was not made",
        hint="an ingest job is probably running: retry when it has finished",
    )
