"""Prometheus metrics: request counts and latencies, screening decisions, jobs, loads.

Each app has its own registry (so several apps in one process, as in tests, do
not collide). Labels are field names, status codes and decisions: never a value
a client sent.
"""

from __future__ import annotations

import json
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from graph.load.plan import LOAD_PROGRESS_FILE

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "sanctiongraph_requests",
            "GraphQL requests by root field and status",
            ["field", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "sanctiongraph_request_seconds",
            "GraphQL request latency by root field",
            ["field"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.decisions = Counter(
            "sanctiongraph_screen_decisions", "Screening decisions", ["decision"], registry=self.registry
        )
        self.jobs = Gauge("sanctiongraph_ingest_jobs", "Ingest jobs by status", ["status"], registry=self.registry)
        self.load_items = Gauge(
            "sanctiongraph_load_items_written",
            "Items the running or last load wrote, by step",
            ["step"],
            registry=self.registry,
        )
        self.load_running = Gauge("sanctiongraph_load_running", "1 while a load is running", registry=self.registry)

    def observe(self, fields: list[str], status: str, seconds: float) -> None:
        field = fields[0] if len(fields) == 1 else ("multiple" if fields else "none")
        self.requests.labels(field, status).inc()
        self.latency.labels(field).observe(seconds)

    def render(self, job_counts: dict[str, int]) -> bytes:
        for status in ("queued", "running", "done", "failed"):
            self.jobs.labels(status).set(job_counts.get(status, 0))
        self._read_load_progress()
        return generate_latest(self.registry)

    def _read_load_progress(self) -> None:
        """A load runs in the CLI's process; it leaves its progress in the workspace."""
        path = self.home / LOAD_PROGRESS_FILE
        try:
            progress = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        self.load_running.set(1 if progress.get("running") else 0)
        for step, count in progress.get("written", {}).items():
            self.load_items.labels(step).set(count)
