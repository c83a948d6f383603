"""Load benchmark of the GraphQL API: mixed screening and investigation traffic on loopback.

    .venv/bin/python bench/bench_load.py                       # defaults: about 8 minutes
    .venv/bin/python bench/bench_load.py --duration 600 --concurrency 16 --target-rate 250

What it does:
1. a Neo4j: a managed one started in --workdir on a free loopback port, or the
   one NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD name (the demo data is loaded into it and
   a load sweeps what earlier loads left: point it at a throwaway database);
2. the demo data (bundled OFAC and UN samples): ingest, resolve, load (skipped when
   --workdir already has it);
   --existing-graph uses the graph NEO4J_URI holds as it is and writes nothing: the
   issue's target graph is the lists plus 1M generated customers, which
   bench/bench_graph.py --size 1000000 loads (an hour) and leaves in its workdir;
3. `sanctiongraph serve` as its own process on a free loopback port (or
   --api-processes of them sharing the workspace, requests spread round robin
   as a load balancer would), with the per-key rate limit lifted (the bench
   measures capacity, not the limiter);
4. request inputs from the loaded graph (bench/load_inputs.py): listed names as
   written, with typos, in other romanisations; made-up clean names; some with an
   e-mail or phone; entity IDs for network and exposure; search terms;
5. phases, each after a short unmeasured warm-up:
   - baseline: GET /healthz in a closed loop at --concurrency (the HTTP stack's
     ceiling on this machine at this moment; other figures are also given as
     ratios to it);
   - serial: the same mix one request at a time for --serial-seconds (service
     times without queueing);
   - mixed: a closed loop at --concurrency for --duration seconds, requests
     drawn by --mix weights (default screen 80, network 12, exposure 4, search 4);
   - rate: screen only, open loop at --target-rate requests/s for --rate-seconds
     (latency counted from the scheduled send time, so a slow server cannot hide
     its queue); skipped with --target-rate 0;
6. while it runs: the API process's RSS every second, CPU seconds of the API, of
   Neo4j and of this load generator, machine CPU use and load averages.

Prints a table and writes bench/results/load-<timestamp>.json. Targets (issue 6):
`screen` p95 under 50 ms, 200 screens/s sustained, with the load generator on
the same 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load_inputs  # noqa: E402
from load_http import Balancer, Pool  # noqa: E402

from graph.connection import bolt_uri, neo4j_auth  # noqa: E402
from graph.store import GraphStore  # noqa: E402
from sanctiongraph import neo4j_server as server  # noqa: E402
from sanctiongraph.settings import Secret, Settings  # noqa: E402

RESULTS = ROOT / "bench" / "results"
REQUEST_TIMEOUT = 60.0  # seconds; a request that takes longer counts as an error (TimeoutError)

SCREEN = """query Screen($input: ScreenInput!) { screen(input: $input) {
  decision exposureScore matches { entityId name probability } exposure { kind value score } } }"""
NETWORK = """query Network($id: ID!) { network(entityId: $id, depth: 2, first: 200) {
  truncated nodes { id label name listed } edges { source target type } } }"""
EXPOSURE = """query Exposure($id: ID!) { exposure(entityId: $id, maxHops: 4) {
  score listed paths { score nodes { id name } } } }"""
SEARCH = """query Search($q: String!) { search(query: $q, first: 10) {
  edges { node { id name schema listed } } } }"""


def step(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def uptime_loads() -> dict[str, float]:
    one, five, fifteen = os.getloadavg()
    return {"1m": round(one, 2), "5m": round(five, 2), "15m": round(fifteen, 2)}


# --- setup ------------------------------------------------------------------------


def neo4j_settings(args: argparse.Namespace, home: Path) -> tuple[Settings, bool]:
    if os.environ.get("NEO4J_URI"):
        return Settings.from_env(home=home), False
    port_file = home / "bench-bolt-port"
    port = int(port_file.read_text()) if port_file.exists() else free_port()
    settings = Settings.from_env(
        {k: v for k, v in os.environ.items() if k.startswith("SANCTIONGRAPH_JAVA")},
        home=home,
        bolt_port=port,
        neo4j_heap=args.neo4j_heap,
        neo4j_pagecache=args.neo4j_pagecache,
    )
    home.mkdir(parents=True, exist_ok=True)
    port_file.write_text(str(port))
    step(f"starting a managed Neo4j on 127.0.0.1:{port}")
    server.start(settings)
    return replace(settings, neo4j_password=Secret(neo4j_auth(settings)[1])), True


def bolt_listener(settings: Settings) -> int | None:
    """The pid of the local process listening on NEO4J_URI's port (an external Neo4j on this machine)."""
    port = int(bolt_uri(settings).rsplit(":", 1)[-1])
    for conn in psutil.net_connections("tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
            return int(conn.pid)
    return None


def load_demo(settings: Settings) -> None:
    from graph.loader import run_load
    from ingest.run import run_ingest
    from resolution.run import run_resolve
    from sanctiongraph.cli.demo import demo_sources

    marker = settings.home / "bench-demo-loaded"
    if marker.exists():
        step("demo data already loaded in this workdir")
        return
    for source in demo_sources(settings.home):
        started = time.monotonic()
        summary = run_ingest(settings.staging_path, source.path, source.format, mapping=source.mapping)
        step(f"ingested {source.path.name}: {summary.records:,} records ({time.monotonic() - started:.1f} s)")
    started = time.monotonic()
    resolved = run_resolve(settings.staging_path)
    step(
        f"resolved {resolved.records:,} records into {resolved.entities:,} entities "
        f"({time.monotonic() - started:.1f} s)"
    )
    with GraphStore(settings) as store:
        loaded = run_load(store, settings.staging_path)
    step(f"loaded {loaded.entities:,} entities ({loaded.seconds:.1f} s)")
    marker.touch()


@dataclass
class Api:
    process: subprocess.Popen[bytes]
    url: str
    key: str
    log: Path


def start_api(settings: Settings, log: Path, workers: int = 1) -> Api:
    user, password = neo4j_auth(settings)
    env = {
        **os.environ,
        "NEO4J_URI": bolt_uri(settings),
        "NEO4J_USER": user,
        "NEO4J_PASSWORD": password,
        "SANCTIONGRAPH_HOME": str(settings.home),
        "SANCTIONGRAPH_RATE_LIMIT": "1000000",
        "SANCTIONGRAPH_RATE_BURST": "1000000",
        "SANCTIONGRAPH_LOG_FORMAT": "json",
    }
    port = free_port()
    handle = log.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "sanctiongraph", "serve", "--host", "127.0.0.1", "--port", str(port)]
        + ["--workers", str(workers)],
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sanctiongraph serve exited with {process.returncode}; see {log}")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                key = (settings.home / "dev-api-key").read_text(encoding="utf-8").strip()
                return Api(process, url, key, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"the API did not become ready within 120 s; see {log}")


def stop_api(api: Api) -> None:
    api.process.send_signal(signal.SIGINT)
    try:
        api.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        api.process.kill()


# --- monitoring ---------------------------------------------------------------------


def tree_cpu(process: psutil.Process) -> float:
    total = 0.0
    for p in [process, *process.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def self_cpu(process: psutil.Process) -> float:
    """This process alone (the API it started is its child and is counted apart)."""
    t = process.cpu_times()
    return t.user + t.system


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


class Monitor:
    """Samples the API's RSS every second; CPU seconds of API, Neo4j and this process per phase."""

    def __init__(self, api_pids: list[int], neo4j_pid: int | None) -> None:
        self.apis = [psutil.Process(pid) for pid in api_pids]
        self.neo4j = psutil.Process(neo4j_pid) if neo4j_pid else None
        self.me = psutil.Process()
        self.samples: list[tuple[float, str, int]] = []  # (monotonic time, phase, rss bytes)
        self.phase = "setup"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        psutil.cpu_percent(None)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            try:
                self.samples.append((time.monotonic(), self.phase, sum(tree_rss(a) for a in self.apis)))
            except psutil.Error:
                return

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def cpu(self) -> dict[str, float]:
        return {
            "api": sum(tree_cpu(a) for a in self.apis),
            "neo4j": tree_cpu(self.neo4j) if self.neo4j else float("nan"),
            "load_generator": self_cpu(self.me),
        }


# --- load ----------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    latency: float  # seconds
    ok: bool
    status: int
    code: str | None = None
    decision: str | None = None
    category: str | None = None
    done: float = 0.0  # perf_counter when the answer arrived


@dataclass
class Request:
    kind: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    category: str | None = None


class Workload:
    def __init__(self, inputs: load_inputs.Inputs, mix: dict[str, float], seed: int) -> None:
        self.inputs = inputs
        self.rng = random.Random(seed)
        self.kinds = list(mix)
        self.weights = [mix[k] for k in self.kinds]
        self.index = 0

    def next(self, kind: str | None = None) -> Request:
        kind = kind or self.rng.choices(self.kinds, self.weights)[0]
        if kind == "healthz":
            return Request("healthz", "GET", "/healthz")
        if kind == "screen":
            applicant = self.inputs.applicants[self.index % len(self.inputs.applicants)]
            self.index += 1
            body = {"query": SCREEN, "variables": {"input": applicant.input}}
            return Request("screen", "POST", "/graphql", body, applicant.category)
        if kind in ("network", "exposure"):
            query = NETWORK if kind == "network" else EXPOSURE
            body = {"query": query, "variables": {"id": self.rng.choice(self.inputs.entity_ids)}}
            return Request(kind, "POST", "/graphql", body)
        if kind == "search":
            body = {"query": SEARCH, "variables": {"q": self.rng.choice(self.inputs.search_terms)}}
            return Request("search", "POST", "/graphql", body)
        raise ValueError(f"unknown request kind {kind!r}")


async def send(pool: Balancer, request: Request, since: float) -> Sample:
    try:
        body = orjson.dumps(request.body) if request.body is not None else b""
        status, data = await asyncio.wait_for(pool.request(request.method, request.path, body), REQUEST_TIMEOUT)
        latency = time.perf_counter() - since
        code = decision = None
        ok = status == 200
        if request.method == "POST":
            payload = orjson.loads(data)
            errors = payload.get("errors") or []
            if errors:
                ok = False
                code = str((errors[0].get("extensions") or {}).get("code"))
            elif request.kind == "screen":
                decision = payload["data"]["screen"]["decision"]
        return Sample(request.kind, latency, ok, status, code, decision, request.category, time.perf_counter())
    except (OSError, asyncio.IncompleteReadError, ValueError, KeyError, TypeError) as error:
        now = time.perf_counter()
        return Sample(request.kind, now - since, False, 0, type(error).__name__, None, request.category, now)


def balancer(apis: list[Api]) -> Balancer:
    """Round robin over the API processes, as a load balancer in front of replicas would."""
    return Balancer([Pool(api.url, f"Bearer {api.key}") for api in apis])


async def closed_loop(
    apis: list[Api], next_request: Callable[[], Request], seconds: float, concurrency: int
) -> list[Sample]:
    """``concurrency`` workers, each sending its next request as soon as the last one is answered."""
    samples: list[Sample] = []
    deadline = time.perf_counter() + seconds
    pool = balancer(apis)

    async def worker() -> None:
        while time.perf_counter() < deadline:
            samples.append(await send(pool, next_request(), time.perf_counter()))

    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        pool.close()
    return samples


async def open_loop(
    apis: list[Api], next_request: Callable[[], Request], seconds: float, rate: float, max_in_flight: int
) -> tuple[list[Sample], int]:
    """Requests sent on a fixed schedule; latency from the scheduled time. Returns samples and sends skipped."""
    samples: list[Sample] = []
    skipped = 0
    pool = balancer(apis)
    in_flight = asyncio.Semaphore(max_in_flight)
    tasks: set[asyncio.Task[None]] = set()
    start = time.perf_counter()

    async def one(request: Request, scheduled: float) -> None:
        try:
            samples.append(await send(pool, request, scheduled))
        finally:
            in_flight.release()

    try:
        for n in range(int(seconds * rate)):
            scheduled = start + n / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if in_flight.locked():  # the server is this far behind: count it, do not queue without bound
                skipped += 1
                continue
            await in_flight.acquire()
            task = asyncio.create_task(one(next_request(), scheduled))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)
    finally:
        pool.close()
    return samples, skipped


# --- report -------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class PhaseResult:
    name: str
    seconds: float
    concurrency: int | None
    rate: float | None
    requests: int
    throughput: float
    error_rate: float
    kinds: dict[str, dict[str, Any]]
    cpu_seconds: dict[str, float]
    cores_used: dict[str, float]
    machine_cpu_percent: float
    load_before: dict[str, float]
    load_after: dict[str, float]
    skipped_sends: int = 0
    decisions: dict[str, dict[str, int]] = field(default_factory=dict)
    error_codes: dict[str, int] = field(default_factory=dict)
    windows: list[dict[str, Any]] = field(default_factory=list)


def summarise(
    name: str,
    samples: list[Sample],
    seconds: float,
    cpu_before: dict[str, float],
    cpu_after: dict[str, float],
    load_before: dict[str, float],
    *,
    concurrency: int | None = None,
    rate: float | None = None,
    skipped: int = 0,
) -> PhaseResult:
    kinds: dict[str, dict[str, Any]] = {}
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        by_kind[s.kind].append(s)
    for kind, group in sorted(by_kind.items()):
        ms = [s.latency * 1000 for s in group]
        kinds[kind] = {
            "count": len(group),
            "per_second": round(len(group) / seconds, 2),
            "errors": sum(not s.ok for s in group),
            "p50_ms": round(percentile(ms, 50), 2),
            "p95_ms": round(percentile(ms, 95), 2),
            "p99_ms": round(percentile(ms, 99), 2),
            "mean_ms": round(statistics.fmean(ms), 2),
            "max_ms": round(max(ms), 2),
        }
    decisions: dict[str, Counter[str]] = defaultdict(Counter)
    for s in samples:
        if s.kind == "screen" and s.category:
            decisions[s.category.split("+")[0]][s.decision or "error"] += 1
            if "+" in s.category:
                decisions["with " + s.category.split("+")[1]][s.decision or "error"] += 1
    cpu = {k: round(cpu_after[k] - cpu_before[k], 2) for k in cpu_after}
    return PhaseResult(
        name=name,
        seconds=round(seconds, 2),
        concurrency=concurrency,
        rate=rate,
        requests=len(samples),
        throughput=round(len(samples) / seconds, 2),
        error_rate=round(sum(not s.ok for s in samples) / max(1, len(samples)), 5),
        kinds=kinds,
        cpu_seconds=cpu,
        cores_used={k: round(v / seconds, 3) for k, v in cpu.items()},
        machine_cpu_percent=round(psutil.cpu_percent(None), 1),
        load_before=load_before,
        load_after=uptime_loads(),
        skipped_sends=skipped,
        decisions={k: dict(v) for k, v in sorted(decisions.items())},
        error_codes=dict(Counter(s.code or str(s.status) for s in samples if not s.ok)),
        windows=windows(samples, seconds),
    )


def windows(samples: list[Sample], seconds: float, width: float = 30.0) -> list[dict[str, Any]]:
    """Requests/s and screen p95 per ``width`` seconds: is the rate sustained, does latency drift?"""
    if not samples or seconds < 2 * width:
        return []
    start = min(s.done - s.latency for s in samples)
    buckets: dict[int, list[Sample]] = defaultdict(list)
    for s in samples:
        buckets[int((s.done - start) // width)].append(s)
    out = []
    for index in sorted(buckets):
        group = buckets[index]
        screens = [s.latency * 1000 for s in group if s.kind == "screen"]
        out.append(
            {
                "from_s": index * width,
                "per_second": round(len(group) / width, 1),
                "screens_per_second": round(len(screens) / width, 1),
                "screen_p95_ms": round(percentile(screens, 95), 1) if screens else None,
            }
        )
    return out


def rss_report(monitor: Monitor, phase: str) -> dict[str, Any]:
    points = [(t, rss) for t, p, rss in monitor.samples if p == phase]
    if len(points) < 4:
        return {}
    t0, t_end = points[0][0], points[-1][0]
    window = 60.0 if t_end - t0 >= 180 else (t_end - t0) / 4
    first = [rss for t, rss in points if t - t0 <= window]
    last = [rss for t, rss in points if t_end - t <= window]
    mib = 1 << 20
    return {
        "window_s": round(window, 1),
        "first_mean_mib": round(statistics.fmean(first) / mib, 1),
        "first_max_mib": round(max(first) / mib, 1),
        "last_mean_mib": round(statistics.fmean(last) / mib, 1),
        "last_max_mib": round(max(last) / mib, 1),
        "growth_mib": round((statistics.fmean(last) - statistics.fmean(first)) / mib, 1),
        "growth_pct": round((statistics.fmean(last) / statistics.fmean(first) - 1) * 100, 2),
        "timeline_mib": [[round(t - t0, 1), round(rss / mib, 1)] for t, rss in points],
    }


def print_phase(result: PhaseResult, baseline: PhaseResult | None) -> None:
    how = f"concurrency {result.concurrency}" if result.concurrency else f"open loop at {result.rate}/s"
    print(
        f"\n{result.name}: {result.seconds:.0f} s, {how}: {result.requests:,} requests, "
        f"{result.throughput:,.1f}/s, error rate {result.error_rate:.3%}"
        + (f", {result.skipped_sends:,} sends skipped (server behind)" if result.skipped_sends else "")
    )
    print(
        f"  {'kind':<10} {'count':>8} {'per s':>8} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8}"
    )
    for kind, k in result.kinds.items():
        print(
            f"  {kind:<10} {k['count']:>8,} {k['per_second']:>8.1f} {k['errors']:>7,} {k['p50_ms']:>8.1f} "
            f"{k['p95_ms']:>8.1f} {k['p99_ms']:>8.1f} {k['max_ms']:>8.1f}"
        )
    if baseline and "healthz" in baseline.kinds and result is not baseline:
        h = baseline.kinds["healthz"]
        print(
            f"  vs /healthz baseline: throughput x{result.throughput / baseline.throughput:.3f}; "
            + ", ".join(f"{kind} p50 x{k['p50_ms'] / h['p50_ms']:.1f}" for kind, k in result.kinds.items())
        )
    cores = ", ".join(f"{k} {v:.2f}" for k, v in result.cores_used.items())
    print(
        f"  cores used: {cores}; machine CPU {result.machine_cpu_percent:.0f}%; load average "
        f"{result.load_before['1m']} -> {result.load_after['1m']} (1 min)"
    )
    if result.error_codes:
        print(f"  errors: {result.error_codes}")
    if result.decisions:
        print(
            "  screen decisions by input: "
            + "; ".join(
                f"{category} " + " ".join(f"{d} {n}" for d, n in sorted(counts.items()))
                for category, counts in result.decisions.items()
            )
        )
    if result.windows:
        print("  per 30 s: " + "  ".join(f"{w['per_second']:.0f}/s p95 {w['screen_p95_ms']}" for w in result.windows))


def parse_mix(text: str) -> dict[str, float]:
    mix = {}
    for part in text.split(","):
        kind, _, weight = part.partition("=")
        mix[kind.strip()] = float(weight)
    return mix


async def run_phases(
    args: argparse.Namespace, apis: list[Api], monitor: Monitor, inputs: load_inputs.Inputs
) -> dict[str, Any]:
    workload = Workload(inputs, parse_mix(args.mix), args.seed)
    results: dict[str, Any] = {}
    baseline: PhaseResult | None = None

    async def measured(name: str, coro_factory: Callable[[], Any], **meta: Any) -> PhaseResult:
        monitor.phase = name
        cpu_before, load_before, started = monitor.cpu(), uptime_loads(), time.perf_counter()
        psutil.cpu_percent(None)
        outcome = await coro_factory()
        seconds = time.perf_counter() - started
        samples, skipped = outcome if isinstance(outcome, tuple) else (outcome, 0)
        result = summarise(name, samples, seconds, cpu_before, monitor.cpu(), load_before, skipped=skipped, **meta)
        print_phase(result, baseline)
        return result

    step(f"warm-up: {args.warmup:.0f} s of mixed requests (not measured)")
    monitor.phase = "warmup"
    await closed_loop(apis, workload.next, args.warmup, args.concurrency)

    step(f"baseline: GET /healthz for {args.baseline_seconds:.0f} s at concurrency {args.concurrency}")
    baseline = await measured(
        "baseline",
        lambda: closed_loop(apis, lambda: workload.next("healthz"), args.baseline_seconds, args.concurrency),
        concurrency=args.concurrency,
    )
    results["baseline"] = asdict(baseline)

    if args.serial_seconds > 0:
        step(f"serial: {args.serial_seconds:.0f} s of the mix, one request at a time (service time, no queue)")
        serial = await measured(
            "serial", lambda: closed_loop(apis, workload.next, args.serial_seconds, 1), concurrency=1
        )
        results["serial"] = asdict(serial)

    step(f"mixed: {args.duration:.0f} s at concurrency {args.concurrency}, mix {args.mix}")
    mixed = await measured(
        "mixed", lambda: closed_loop(apis, workload.next, args.duration, args.concurrency), concurrency=args.concurrency
    )
    results["mixed"] = asdict(mixed)
    results["mixed"]["rss"] = rss_report(monitor, "mixed")

    if args.target_rate > 0:
        step(f"rate: screen only, {args.target_rate:.0f}/s open loop for {args.rate_seconds:.0f} s")
        rated = await measured(
            "rate",
            lambda: open_loop(
                apis, lambda: workload.next("screen"), args.rate_seconds, args.target_rate, args.max_in_flight
            ),
            rate=args.target_rate,
        )
        results["rate"] = asdict(rated)
        results["rate"]["rss"] = rss_report(monitor, "rate")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, help="Keep the workspace here (reused when run again)")
    parser.add_argument("--duration", type=float, default=300, help="Seconds of mixed load (default 300)")
    parser.add_argument("--concurrency", type=int, default=8, help="Requests in flight in closed loops (default 8)")
    parser.add_argument("--mix", default="screen=80,network=12,exposure=4,search=4", help="Weights by kind")
    parser.add_argument("--baseline-seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=20)
    parser.add_argument("--serial-seconds", type=float, default=30, help="Mixed requests one at a time; 0 skips")
    parser.add_argument("--target-rate", type=float, default=200, help="Screens/s of the open-loop phase; 0 skips")
    parser.add_argument("--rate-seconds", type=float, default=120)
    parser.add_argument("--max-in-flight", type=int, default=64, help="Open loop: at most this many outstanding")
    parser.add_argument(
        "--api-processes",
        type=int,
        default=1,
        help="API processes sharing the workspace, requests spread round robin (default 1)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="Processes of each API (`serve --workers N`: one port, the kernel hands connections out; default 1)",
    )
    parser.add_argument(
        "--existing-graph",
        action="store_true",
        help="Use the graph NEO4J_URI already holds as it is (e.g. bench_graph's 1M customers plus the lists): "
        "no demo load, nothing written to it",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--neo4j-heap", default="1g")
    parser.add_argument("--neo4j-pagecache", default="1g")
    parser.add_argument("--out", type=Path, help="JSON output (default bench/results/load-<time>.json)")
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="sg-bench-load-"))
    home = work / "workspace"
    home.mkdir(parents=True, exist_ok=True)
    started_at = datetime.now(UTC)
    step(f"workspace {home}; load average {uptime_loads()}")
    if args.existing_graph and not os.environ.get("NEO4J_URI"):
        parser.error("--existing-graph needs NEO4J_URI (and NEO4J_USER, NEO4J_PASSWORD)")
    settings, managed = neo4j_settings(args, home)
    apis: list[Api] = []
    try:
        if not args.existing_graph:
            load_demo(settings)
        with GraphStore(settings) as store:
            inputs = load_inputs.build(store, seed=args.seed)
        step(
            f"inputs: {len(inputs.applicants):,} applicants {inputs.counts}, {len(inputs.entity_ids):,} entities "
            f"to explore, {len(inputs.search_terms)} search terms"
        )
        for n in range(args.api_processes):
            apis.append(start_api(settings, work / f"api-{n}.log", args.workers))
        neo4j_pid = server.status(settings).pid if managed else bolt_listener(settings)
        monitor = Monitor([a.process.pid for a in apis], neo4j_pid)
        monitor.start()
        step(
            f"API at {', '.join(a.url for a in apis)} (pids {[a.process.pid for a in apis]}); "
            f"Neo4j pid {neo4j_pid or 'external'}"
        )
        phases = asyncio.run(run_phases(args, apis, monitor, inputs))
        monitor.stop()
    finally:
        for api in apis:
            stop_api(api)
        if managed and not args.workdir:
            server.stop(settings)

    mixed = phases["mixed"]
    screen = mixed["kinds"].get("screen", {})
    rated = phases.get("rate", {}).get("kinds", {}).get("screen", {})
    targets = {
        "screen_p95_ms_target": 50,
        "screens_per_s_target": 200,
        "mixed_screen_p95_ms": screen.get("p95_ms"),
        "mixed_screens_per_s": screen.get("per_second"),
        "rate_screen_p95_ms": rated.get("p95_ms"),
        "rate_screens_per_s": rated.get("per_second"),
        "rate_skipped_sends": phases.get("rate", {}).get("skipped_sends"),
    }
    rss = mixed.get("rss", {})
    print("\nagainst the targets (screen p95 < 50 ms, 200 screens/s):")
    print(
        f"  mixed closed loop: {targets['mixed_screens_per_s']} screens/s, "
        f"screen p95 {targets['mixed_screen_p95_ms']} ms"
    )
    if rated:
        print(
            f"  open loop at {args.target_rate:.0f}/s: achieved {targets['rate_screens_per_s']} screens/s, "
            f"p95 {targets['rate_screen_p95_ms']} ms, {targets['rate_skipped_sends']} sends skipped"
        )
    if rss:
        print(
            f"  API RSS, mixed phase: first {rss['window_s']:.0f} s mean {rss['first_mean_mib']} MiB, last "
            f"{rss['window_s']:.0f} s mean {rss['last_mean_mib']} MiB ({rss['growth_pct']:+.2f}%)"
        )
    result = {
        "benchmark": "load",
        "started_at": started_at.isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / (1 << 30), 1),
            "load_at_end": uptime_loads(),
        },
        "neo4j": "managed" if managed else "NEO4J_URI",
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "inputs": {"applicants": inputs.counts, "entities": len(inputs.entity_ids)},
        "phases": phases,
        "targets": targets,
    }
    out = args.out or RESULTS / f"load-{started_at.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    step(f"wrote {out}")


if __name__ == "__main__":
    main()
