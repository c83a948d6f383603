"""Settings read once from the environment into a frozen value.

Every variable has the ``SANCTIONGRAPH_`` prefix, except the three ``NEO4J_*``
variables that point the project at an existing Neo4j (a cluster, Aura) instead
of the one it manages itself. Nothing assigns to settings at run time; commands
and tests build their own ``Settings`` and pass it down.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from sanctiongraph.errors import ConfigError

PREFIX = "SANCTIONGRAPH_"


class Secret(str):
    """A string that never shows its value in a repr or a traceback."""

    def __repr__(self) -> str:
        return "Secret('**********')"


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not an integer") from None


def _bool(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = (env.get(key) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{key}={raw!r} is not a boolean (use true or false)")


@dataclass(frozen=True, slots=True)
class Settings:
    # Workspace: staging DuckDB, managed Neo4j data, logs, keys (SANCTIONGRAPH_HOME).
    home: Path = Path(".sanctiongraph")
    # An existing Neo4j to use instead of the managed one (NEO4J_URI); None = managed.
    neo4j_uri: str | None = None
    # User and password for Neo4j (NEO4J_USER / NEO4J_PASSWORD). For the managed
    # server a random password is minted into the workspace when none is given.
    neo4j_user: str = "neo4j"
    neo4j_password: Secret | None = field(default=None, repr=False)
    # Neo4j database name (SANCTIONGRAPH_NEO4J_DATABASE); tests use their own.
    neo4j_database: str = "neo4j"
    # Loopback port of the managed Neo4j's Bolt connector.
    bolt_port: int = 7687
    # JVM heap and page cache of the managed Neo4j, sized for a 2-core, 24 GB machine.
    neo4j_heap: str = "4g"
    neo4j_pagecache: str = "4g"
    # A JDK to run the managed Neo4j with (SANCTIONGRAPH_JAVA_HOME); None = detect.
    java_home: Path | None = None
    # API: HS256 secret for JWT bearer tokens (SANCTIONGRAPH_JWT_SECRET); None = API keys only.
    jwt_secret: Secret | None = field(default=None, repr=False)
    # API: the ``aud`` and ``iss`` a JWT must carry (SANCTIONGRAPH_JWT_AUDIENCE, _ISSUER); None = not checked.
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    # API: whether GraphQL introspection is answered (SANCTIONGRAPH_INTROSPECTION).
    introspection: bool = True
    # API: deepest selection and highest estimated cost a query may have.
    max_query_depth: int = 12
    max_query_cost: int = 10_000
    # API: requests per second per client, and the burst above it (SANCTIONGRAPH_RATE_LIMIT).
    rate_limit: float = 500.0
    rate_burst: int = 1000
    # API: seconds a whole GraphQL request may take, checks and execution (SANCTIONGRAPH_REQUEST_TIMEOUT).
    request_timeout: float = 30.0
    # API: the only folder ingest jobs started through the API may read (default <home>/inbox).
    ingest_root: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read settings from ``env`` (default ``os.environ``); ``overrides`` win."""
        env = os.environ if env is None else env
        password = env.get("NEO4J_PASSWORD") or env.get(PREFIX + "NEO4J_PASSWORD")
        java_home = env.get(PREFIX + "JAVA_HOME")
        settings = cls(
            home=Path(env.get(PREFIX + "HOME") or ".sanctiongraph"),
            neo4j_uri=env.get("NEO4J_URI") or None,
            neo4j_user=env.get("NEO4J_USER") or "neo4j",
            neo4j_password=Secret(password) if password else None,
            neo4j_database=env.get(PREFIX + "NEO4J_DATABASE") or "neo4j",
            bolt_port=_int(env, PREFIX + "BOLT_PORT", 7687),
            neo4j_heap=env.get(PREFIX + "NEO4J_HEAP") or "4g",
            neo4j_pagecache=env.get(PREFIX + "NEO4J_PAGECACHE") or "4g",
            java_home=Path(java_home) if java_home else None,
            jwt_secret=Secret(env[PREFIX + "JWT_SECRET"]) if env.get(PREFIX + "JWT_SECRET") else None,
            jwt_audience=env.get(PREFIX + "JWT_AUDIENCE") or None,
            jwt_issuer=env.get(PREFIX + "JWT_ISSUER") or None,
            introspection=_bool(env, PREFIX + "INTROSPECTION", True),
            max_query_depth=_int(env, PREFIX + "MAX_QUERY_DEPTH", 12),
            max_query_cost=_int(env, PREFIX + "MAX_QUERY_COST", 10_000),
            rate_limit=float(_int(env, PREFIX + "RATE_LIMIT", 500)),
            rate_burst=_int(env, PREFIX + "RATE_BURST", 1000),
            request_timeout=float(_int(env, PREFIX + "REQUEST_TIMEOUT", 30)),
            ingest_root=Path(env[PREFIX + "INGEST_ROOT"]) if env.get(PREFIX + "INGEST_ROOT") else None,
        )
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(settings, **clean) if clean else settings  # type: ignore[arg-type]

    @property
    def managed_neo4j(self) -> bool:
        """True when the project starts and stops Neo4j itself."""
        return self.neo4j_uri is None

    @property
    def staging_path(self) -> Path:
        return self.home / "staging.duckdb"

    @property
    def neo4j_home(self) -> Path:
        return self.home / "neo4j"

    @property
    def inbox(self) -> Path:
        return self.ingest_root or self.home / "inbox"
