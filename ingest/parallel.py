"""A big table built into staged rows by worker processes, in file order.

A table (``ingest.chunks.Table``: a mapped table, or an adapter's CSV such as
GLEIF's golden copy) is read in chunks independent of one another, and building
one (cleaning its columns or reading its rows, building its records, then each
record's JSON, content hash and shared-value keys: ``staging.staged``) is nearly
all the CPU an ingest spends. So the loading process reads the file, only as
far as finding where rows end, and sends the chunks as text
(``Table.text_chunks``) to worker processes, at most
``IN_FLIGHT`` a worker at a time (memory stays flat in the file's size). A
worker writes a chunk's records as a part of the work tables
(``staging.StagedPart``: Parquet files in the load's folder) and hands back the
part's paths, read back in file order and staged in that order.
Fragments and quarantine entries come back as they are and flow on
as before (fragments are merged in the loading process), so what is staged is
byte for byte what one process stages (``tests/ingest/test_parallel.py``).

A table of one chunk is built in the loading process: a worker costs a second or
two to start (its imports, the country and territory tables).

Workers are plain ``python`` subprocesses that read pickled tasks on stdin and
write pickled results on stdout, chunk ``i`` going to worker ``i mod n``, so the
results are read back in file order. Not ``multiprocessing``: its spawned
children import the caller's main module again (a script without a
``__main__`` guard would ingest again in every worker), and forking a process
that runs DuckDB's or the Neo4j driver's threads is unsafe.
"""

from __future__ import annotations

import gc
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import IO, Any

import orjson

from ingest import chunks as chunking
from ingest import collector
from ingest.chunks import Chunk, PhaseCallback, Table, TextChunk, build_chunks
from ingest.fragments import EncodedFragment, FragmentMerger
from ingest.mapping import load_mapping
from ingest.mapping_setwise import MappedTable
from ingest.record import Fragment, Item, Quarantine, Record
from ingest.row_tables import find_table
from ingest.staging import StagedPart, StagedRecords, Stamp, stamp
from sanctiongraph.errors import IngestError

# Chunks queued or being built per worker: one building, one waiting, so no worker idles while the loading
# process appends; more would only hold more rows in memory.
IN_FLIGHT = 2
# Merged records (of ``merge: true`` entities) sent to a worker at a time to be made into rows.
MERGED_BATCH = 5_000
# Workers at most, whatever the machine: each holds its own copy of the cleaners' tables (~150 MB).
MAX_WORKERS = 8

# A chunk built by a worker: its records written as a part, its quarantine entries, its fragments (as JSON,
# which crosses the pipe far cheaper than the objects) and the entities it left out (``Mapping.left_out``).
Built = tuple[StagedPart, list[Quarantine], list[EncodedFragment], Counter[str]]


def default_workers() -> int:
    """One worker per core the process may use, at most ``MAX_WORKERS``."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


def staged_files(
    name: Path,
    files: Sequence[tuple[Table, Path]],
    source: str,
    mark: Stamp,
    folder: Path,
    *,
    workers: int,
    chunk_rows: int | None = None,
    progress: PhaseCallback | None = None,
) -> Iterator[Item | StagedPart]:
    """The items of ``files`` (each with its table) in turn, in file order, their fragments merged together; records
    as the parts workers wrote in ``folder`` when workers built them. ``name`` is the input the files are (a file,
    or a folder of a registry's tables), named when a worker fails while merging.

    ``workers`` below 2, or files that hold a chunk's rows or fewer between them: built here, records as
    ``Record``s (the accountant stamps them). Each table's ``left_out`` counts the workers' left-out entities as if
    they had been built here. Rows are counted across the files, so the phases' figures grow from the first file's
    first row to the last's.

    Raises:
        IngestError: a file cannot be read (as in one process), or a worker failed or died.
    """
    size = chunk_rows or chunking.CHUNK_ROWS
    chunks = ((table, path, chunk) for table, path in files for chunk in table.text_chunks(path, size))
    head: list[tuple[Table, Path, Chunk | TextChunk]] = []
    while sum(chunk.count for _, _, chunk in head) <= size and (found := next(chunks, None)) is not None:
        head.append(found)
    if workers < 2 or sum(chunk.count for _, _, chunk in head) <= size:
        yield from build_chunks(chain(head, chunks), source, progress)
        return
    pool = _Pool(workers, folder)
    try:
        merger = FragmentMerger()
        read = 0
        for table, path, chunk in chain(head, chunks):
            task = ("chunk", table.worker_args, chunk, str(path), source, mark)
            yield from _fragments_to(merger, pool.send(task, chunk.count, table, path))
            read += chunk.count
            if progress is not None:
                progress("read", read)
                progress("cleaned", pool.rows_done)
        yield from _fragments_to(merger, pool.drain())
        if progress is not None:
            progress("cleaned", pool.rows_done)
        yield from _merged(merger, pool, mark, name)
        pool.done = True
    finally:
        pool.close()


def _fragments_to(
    merger: FragmentMerger, items: Iterator[Item | StagedPart | EncodedFragment]
) -> Iterator[Item | StagedPart]:
    """``items`` without their fragments, which go to ``merger``."""
    for item in items:
        if isinstance(item, Fragment | EncodedFragment):
            merger.add(item)
        else:
            yield item


def _merged(merger: FragmentMerger, pool: _Pool, mark: Stamp, path: Path) -> Iterator[Item | StagedPart]:
    """The records merged from fragments (a company on many rows), made into their rows by the workers.

    Merging needs every fragment of a key, so it happens here once the file is read; making the merged
    records' rows (their JSON, hash and keys: most of the cost) is spread over the workers again.
    """
    batch: list[bytes] = []
    for item in merger.merged_or_encoded():
        if isinstance(item, Quarantine):
            yield item
            continue
        batch.append(item.data if isinstance(item, EncodedFragment) else item.to_json())
        if len(batch) >= MERGED_BATCH:
            yield from _rows(pool.send(("records", batch, mark), 0, None, path))
            batch = []
    if batch:
        yield from _rows(pool.send(("records", batch, mark), 0, None, path))
    yield from _rows(pool.drain())


def _rows(items: Iterator[Item | StagedPart | EncodedFragment]) -> Iterator[Item | StagedPart]:
    """The results of ``records`` tasks, which hold no fragments."""
    for item in items:
        assert not isinstance(item, EncodedFragment)
        yield item


class _Pool:
    """The worker subprocesses: task ``i`` goes to worker ``i mod n``, results come back in task order."""

    def __init__(self, size: int, folder: Path) -> None:
        self.folder = folder
        self.workers = [_Worker() for _ in range(size)]
        # each task's worker, input rows, table (whose ``left_out`` its worker's counts go to) and file
        self.pending: deque[tuple[_Worker, int, Table | None, Path]] = deque()
        self.sent = 0
        self.rows_done = 0  # input rows whose chunks came back built
        self.done = False

    def send(
        self, task: tuple[Any, ...], rows: int, table: Table | None, path: Path
    ) -> Iterator[Item | StagedPart | EncodedFragment]:
        """Hand ``task`` (``rows`` of ``table`` in the file ``path``) to the next worker; yield the items of the
        oldest tasks while too many are out.

        The worker writes the task's records as a part named after the task's place in the file.
        """
        worker = self.workers[self.sent % len(self.workers)]
        worker.send((*task, str(self.folder / f"task-{self.sent:06d}")), path)
        self.sent += 1
        self.pending.append((worker, rows, table, path))
        while len(self.pending) >= len(self.workers) * IN_FLIGHT:
            yield from self._collect()

    def drain(self) -> Iterator[Item | StagedPart | EncodedFragment]:
        while self.pending:
            yield from self._collect()

    def _collect(self) -> Iterator[Item | StagedPart | EncodedFragment]:
        worker, rows, table, path = self.pending.popleft()
        records, quarantined, fragments, left_out = worker.receive(path)
        if table is not None:
            table.left_out.update(left_out)
        self.rows_done += rows
        yield records
        yield from quarantined
        yield from fragments

    def close(self) -> None:
        for worker in self.workers:
            worker.close(wait=self.done)


class _Worker:
    """One worker subprocess, fed chunks in order and read back in the same order."""

    def __init__(self) -> None:
        # The worker imports this very code: the folder that holds ``ingest`` goes first on its path.
        root = str(Path(__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from ingest.parallel import serve; serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )

    def send(self, task: tuple[Any, ...], path: Path) -> None:
        assert self.process.stdin is not None
        try:
            _write(self.process.stdin, task)
        except (BrokenPipeError, OSError) as error:
            raise _failed(path, f"it stopped taking rows ({error})") from error

    def receive(self, path: Path) -> Built:
        assert self.process.stdout is not None
        try:
            status, value = _read(self.process.stdout)
        except EOFError:
            raise _failed(path, f"it exited with code {self.process.wait()}") from None
        if status != "ok":
            raise _failed(path, value)
        built: Built = value
        return built

    def close(self, *, wait: bool) -> None:
        """Let the worker finish (``wait``) or stop it now (the ingest failed: its rows are not wanted)."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        if not wait:
            self.process.kill()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _failed(path: Path, what: str) -> IngestError:
    return IngestError(
        f"{path}: a worker process building rows failed: {what}",
        hint="nothing was staged; run again with --workers 1 to build the rows in one process",
    )


# --- messages: a length, then a pickle -----------------------------------------------------

_LENGTH = struct.Struct("<Q")


def _write(stream: IO[bytes], value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def _read(stream: IO[bytes]) -> Any:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError
    (size,) = _LENGTH.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


# --- in a worker process ----------------------------------------------------------------


def serve() -> None:
    """A worker's loop: chunks in on stdin, built items out on stdout, until stdin closes.

    Tasks are read on a thread of their own, so the loading process never waits to hand one over while this
    process writes a result (two full pipes would wait on each other).
    """
    collector.set_building_pace()
    tables: dict[tuple[str, ...], Table] = {}  # the tables this worker built chunks of, by ``worker_args``
    tasks: queue.Queue[Any] = queue.Queue()
    threading.Thread(target=_read_tasks, args=(sys.stdin.buffer, tasks), daemon=True).start()
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed goes to the log, not into the results
    while (task := tasks.get()) is not None:
        try:
            _write(out, ("ok", _build(tables, *task)))
        except Exception as error:  # reported to the loading process, which fails the ingest
            _write(out, ("error", f"{type(error).__name__}: {error}"))
        gc.freeze()  # what outlives a chunk is the cleaners' tables and caches: no collection need walk it again


def _read_tasks(stream: IO[bytes], tasks: queue.Queue[Any]) -> None:
    try:
        while True:
            tasks.put(_read(stream))
    except EOFError:
        tasks.put(None)


def worker_table(args: list[str]) -> Table:
    """The table ``Table.worker_args`` name: ``mapping M.yaml`` or ``rows module:attribute``."""
    kind, name = args
    if kind == "mapping":
        return MappedTable(load_mapping(Path(name)))
    return find_table(name)


def _build(tables: dict[tuple[str, ...], Table], kind: str, *task: Any) -> Built:
    """A ``chunk`` task's items, records stamped and made into columns, with the entities it left out; or a
    ``records`` task's merged records (their JSON) stamped and made into columns; the records written as a part."""
    records = StagedRecords()
    if kind == "records":
        batch, mark, part = task
        for data in batch:
            records.add(stamp(Record.from_dict(orjson.loads(data)), mark))
        return records.write(Path(part)), [], [], Counter()
    args, chunk, path, source, mark, part = task
    table = tables.get(tuple(args)) or tables.setdefault(tuple(args), worker_table(args))
    table.left_out.clear()
    quarantined: list[Quarantine] = []
    fragments: list[EncodedFragment] = []
    for item in table.chunk_items(chunk, Path(path), source):
        if isinstance(item, Record):
            records.add(stamp(item, mark))
        elif isinstance(item, Quarantine):
            quarantined.append(item)
        else:
            fragments.append(
                EncodedFragment(item.record.record_id, item.record.to_json(), item.complete, item.needs_complete)
            )
    return records.write(Path(part)), quarantined, fragments, Counter(table.left_out)
