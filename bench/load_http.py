"""A small HTTP/1.1 keep-alive client on asyncio streams, for bench_load.

The load generator shares two cores with the API and Neo4j, so it must cost
little per request: httpx's async stack spent about 1.5 ms of CPU per request
here, this about a tenth of that. It speaks just enough HTTP for the API
(Content-Length or chunked bodies, keep-alive, ``Connection: close``) and
never follows redirects.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

# uvicorn closes a keep-alive connection idle for 5 s; reuse only younger ones.
MAX_IDLE = 4.0


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.idle_since = time.monotonic()

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, head: bytes, body: bytes = b"") -> tuple[int, bytes, bool]:
        """Send a request (``head`` ends with the blank line); returns status, body and whether to keep it."""
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        length: int | None = None
        chunked, keep = False, True
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                keep = False
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            data = b"".join(parts)
        elif length is not None:
            data = await self.reader.readexactly(length)
        else:
            data, keep = await self.reader.read(), False
        return status, data, keep


class Pool:
    """Idle keep-alive connections to one server; a new one is opened when none is idle."""

    def __init__(self, base_url: str, authorization: str | None = None) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.idle: list[Connection] = []
        auth = f"Authorization: {authorization}\r\n" if authorization else ""
        self._common = f"Host: {self.host}:{self.port}\r\n{auth}".encode()

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        head = f"{method} {path} HTTP/1.1\r\n".encode() + self._common
        if body:
            head += b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n"
        head += b"\r\n"
        connection, reused = self._take()
        try:
            status, data, keep = await connection.request(head, body)
        except (ConnectionError, asyncio.IncompleteReadError):
            connection.close()
            if not reused:
                raise
            # The server closed a kept-alive connection as we reused it: once more on a fresh one.
            connection, reused = Connection(self.host, self.port), False
            try:
                status, data, keep = await connection.request(head, body)
            except BaseException:
                connection.close()
                raise
        except BaseException:
            connection.close()
            raise
        if keep:
            connection.idle_since = time.monotonic()
            self.idle.append(connection)
        else:
            connection.close()
        return status, data

    def _take(self) -> tuple[Connection, bool]:
        now = time.monotonic()
        while self.idle:
            connection = self.idle.pop()
            if now - connection.idle_since < MAX_IDLE:
                return connection, True
            connection.close()
        return Connection(self.host, self.port), False

    def close(self) -> None:
        for connection in self.idle:
            connection.close()
        self.idle.clear()


class Balancer:
    """Round robin over pools to several servers (replicas of the API)."""

    def __init__(self, pools: list[Pool]) -> None:
        self.pools = pools
        self._next = 0

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        pool = self.pools[self._next % len(self.pools)]
        self._next += 1
        return await pool.request(method, path, body)

    def close(self) -> None:
        for pool in self.pools:
            pool.close()
