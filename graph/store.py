"""The Neo4j connection every graph query goes through.

Driver errors stop here: an unreachable server becomes ``GraphUnavailableError``
(retry later), anything else ``GraphStoreError`` naming the query that failed.
Queries are always run by name from the Cypher registry with parameters.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from neo4j import Driver, GraphDatabase, ManagedTransaction, Query, Session
from neo4j.exceptions import (
    AuthError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph import cypher
from graph.connection import bolt_uri, neo4j_auth
from sanctiongraph.errors import GraphStoreError, GraphUnavailableError
from sanctiongraph.settings import Settings

Row = dict[str, Any]
T = TypeVar("T")

_UNAVAILABLE = (ServiceUnavailable, SessionExpired, ConnectionError, OSError)


class Rows(list[Any]):
    """A query's list parameter, whose ``repr`` is its length, not its contents.

    The driver renders every query's parameters for a debug log line, even with
    debug logging off: for a load's batch of 10,000 rows that took longer than
    packing them for Bolt. It also keeps rows (names, e-mails, ...) out of the
    driver's log should anyone turn debug logging on.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


def _parameters(params: dict[str, Any] | None) -> dict[str, Any]:
    """``params`` with each list as ``Rows`` (copied, unless it already is one: a loader's batch)."""
    if not params:
        return {}
    return {key: Rows(value) if type(value) is list else value for key, value in params.items()}


class GraphStore:
    """A Neo4j driver bound to one database, with named, parameterised queries."""

    def __init__(self, settings: Settings, *, timeout: float = 30.0, retry_seconds: float = 15.0) -> None:
        self.settings = settings
        self.uri = bolt_uri(settings)
        self.database = settings.neo4j_database
        self.timeout = timeout
        self.retry_seconds = retry_seconds
        self._driver: Driver = GraphDatabase.driver(
            self.uri,
            auth=neo4j_auth(settings),
            connection_timeout=5.0,
            max_connection_pool_size=50,
            connection_acquisition_timeout=10.0,
            # How long a transaction is retried when the server is unreachable or busy.
            max_transaction_retry_time=retry_seconds,
            # Warnings such as "property key does not exist" on a fresh graph are noise here.
            notifications_min_severity="OFF",
        )

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def verify(self) -> None:
        """Raise ``GraphUnavailableError`` unless the server answers now."""
        try:
            self._driver.verify_connectivity()
        except AuthError as error:
            raise GraphStoreError(
                f"Neo4j at {self.uri} refused the credentials", hint="check NEO4J_USER/NEO4J_PASSWORD"
            ) from error
        except (*_UNAVAILABLE, DriverError) as error:
            raise self._unavailable(error) from error

    def _unavailable(self, error: BaseException) -> GraphUnavailableError:
        return GraphUnavailableError(
            f"Neo4j is not reachable at {self.uri} ({type(error).__name__})",
            hint="start it with `sanctiongraph neo4j start`, or set NEO4J_URI",
        )

    @contextmanager
    def _session(self, name: str) -> Iterator[Session]:
        try:
            with self._driver.session(database=self.database) as session:
                yield session
        except AuthError as error:
            raise GraphStoreError(
                f"Neo4j at {self.uri} refused the credentials", hint="check NEO4J_USER/NEO4J_PASSWORD"
            ) from error
        except _UNAVAILABLE as error:
            raise self._unavailable(error) from error
        except TransientError as error:
            raise GraphUnavailableError(f"query {name}: transient Neo4j error ({error.code})") from error
        except (Neo4jError, DriverError) as error:
            if isinstance(error, DriverError) and not isinstance(error, Neo4jError):
                raise self._unavailable(error) from error
            raise GraphStoreError(f"query {name} failed: {getattr(error, 'message', error)}") from error

    def read(self, name: str, params: dict[str, Any] | None = None, **labels: str | int) -> list[Row]:
        """Run a named read query and return its rows as dicts.

        Reads run as auto-commit queries: one round trip instead of a managed
        transaction's two (BEGIN+RUN, then COMMIT), which at screening rates is a
        good share of both processes' CPU. What a managed transaction adds, retrying
        while the server is unreachable or busy, is done here for ``retry_seconds``.
        Named queries return maps and scalars, never nodes, so a row is just its
        values by key (``Record.data()`` walks every value looking for nodes).
        """
        query = Query(cypher.query(name, **labels), timeout=self.timeout)  # type: ignore[arg-type]

        def attempt() -> list[Row]:
            with self._session(name) as session:
                result = session.run(query, _parameters(params))
                keys = result.keys()
                return [dict(zip(keys, record.values(), strict=True)) for record in result]

        return self._retrying(attempt, lambda error: True)

    def pages(
        self, name: str, params: dict[str, Any] | None = None, *, key: str = "id", limit: int = 10_000
    ) -> Iterator[list[Row]]:
        """Every row of a keyset-paged read query (``$after``, ``$limit``: at most that many rows, in ``key``
        order; a page of fewer is the last), a page at a time.

        The next page is read in the background while the caller works on this
        one: reading a million customers' rows costs the server and the socket
        about as long as a pass over them costs this process, so the two overlap.
        """

        def page(after: str) -> list[Row]:
            return self.read(name, {**(params or {}), "after": after, "limit": limit})

        with ThreadPoolExecutor(1, thread_name_prefix=f"pages-{name}") as pool:
            pending: Future[list[Row]] | None = pool.submit(page, "")
            while pending is not None and (rows := pending.result()):
                pending = pool.submit(page, rows[-1][key]) if len(rows) == limit else None
                yield rows

    def write(self, name: str, params: dict[str, Any] | None = None, **labels: str | int) -> dict[str, int]:
        """Run a named write query in its own transaction; returns the update counters."""
        text = cypher.query(name, **labels)
        parameters = _parameters(params)

        def work(tx: ManagedTransaction) -> dict[str, int]:
            summary = tx.run(text, parameters).consume()  # type: ignore[arg-type]
            return {k: v for k, v in vars(summary.counters).items() if isinstance(v, int)}

        with self._session(name) as session:
            return session.execute_write(work)

    def write_once(
        self, name: str, params: dict[str, Any] | None = None, **labels: str | int
    ) -> tuple[dict[str, int], list[Row]]:
        """Run a named write query once, never retried; returns its update counters and rows.

        For ``CREATE`` into an empty graph: a retry after a connection lost at commit
        could create the same nodes twice, so that fails the load instead (the next
        load then merges everything). Only a transient error, which Neo4j reports
        after rolling the transaction back (a deadlock), is retried.
        """
        text = cypher.query(name, **labels)
        parameters = _parameters(params)

        def attempt() -> tuple[dict[str, int], list[Row]]:
            with self._session(name) as session:
                result = session.run(text, parameters)  # type: ignore[arg-type]
                keys = result.keys()
                rows = [dict(zip(keys, record.values(), strict=True)) for record in result]
                counters = result.consume().counters
            return {k: v for k, v in vars(counters).items() if isinstance(v, int)}, rows

        # A transient error (a deadlock) means Neo4j rolled the transaction back: safe to run again.
        return self._retrying(attempt, lambda error: isinstance(error.__cause__, TransientError))

    def _retrying(self, attempt: Callable[[], T], retryable: Callable[[GraphUnavailableError], bool]) -> T:
        """Run ``attempt`` until it succeeds, or for ``retry_seconds`` while it fails ``retryable``."""
        deadline = time.monotonic() + self.retry_seconds
        pause = 0.05
        while True:
            try:
                return attempt()
            except GraphUnavailableError as error:
                if not retryable(error) or time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 1.0)

    def read_raw(self, text: str, params: dict[str, Any] | None = None) -> list[Row]:
        """An ad-hoc read (tests, EXPLAIN, SHOW). Product code uses named queries."""
        with self._session("ad-hoc") as session:
            return [record.data() for record in session.run(text, params or {})]  # type: ignore[arg-type]

    def plan_operators(self, name: str, params: dict[str, Any] | None = None, **labels: str | int) -> set[str]:
        """The operators of a named query's plan (EXPLAIN), e.g. to check nothing scans all nodes."""
        with self._session(name) as session:
            plan = session.run("EXPLAIN " + cypher.query(name, **labels), params or {}).consume().plan  # type: ignore[arg-type]
        found: set[str] = set()
        stack = [plan] if plan else []
        while stack:
            node = stack.pop()
            found.add(str(node.get("operatorType", "")).split("@")[0])
            stack.extend(node.get("children", []))
        return found

    def run_schema(self, statement: str) -> None:
        """Schema statements (constraints, indexes) built from the graph model."""
        self.execute_raw(statement)

    def execute_raw(self, text: str, params: dict[str, Any] | None = None) -> None:
        """An ad-hoc auto-commit statement (schema, tests, benchmarks). Product code uses named queries."""
        with self._session("ad-hoc") as session:
            session.run(text, params or {}).consume()  # type: ignore[arg-type]
