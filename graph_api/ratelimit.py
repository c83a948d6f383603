"""Requests per second per client: a token bucket for each principal."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass
class RateLimiter:
    rate: float  # tokens added per second
    burst: int  # bucket size
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # name -> (tokens, last time)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, name: str, cost: float = 1.0) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(name, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < cost:
                self._buckets[name] = (tokens, now)
                return False
            self._buckets[name] = (tokens - cost, now)
            return True
