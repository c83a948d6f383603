"""The audit key of a new workspace, made by several API processes starting at once."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from graph_api.audit import _secret


def _read_key(home: str, start: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue[str]) -> None:
    start.wait()
    try:
        out.put(_secret(Path(home)).hex())
    except Exception as error:  # reported to the test, which fails on it
        out.put(f"error: {error!r}")


def test_processes_starting_together_share_one_complete_key(tmp_path: Path) -> None:
    """`serve --workers N` on a new workspace: no process fails, and all sign with the same key."""
    for attempt in range(5):
        home = tmp_path / f"ws{attempt}"
        start = multiprocessing.Barrier(6)
        out: multiprocessing.Queue[str] = multiprocessing.Queue()
        processes = [multiprocessing.Process(target=_read_key, args=(str(home), start, out)) for _ in range(6)]
        for process in processes:
            process.start()
        keys = [out.get(timeout=30) for _ in processes]
        for process in processes:
            process.join(timeout=30)
        assert len(set(keys)) == 1, keys
        assert len(bytes.fromhex(keys[0])) == 32
        assert sorted(p.name for p in (home / "audit").iterdir()) == ["audit-key"]  # no temporary left behind
