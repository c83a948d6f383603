"""Where the graph store is and how to log in: the configured Neo4j, or the managed one's minted password.

The store and the process manager (``sanctiongraph.neo4j_server``) both need
these facts; they live in the graph layer so the store never reaches up to the
module that starts Java processes.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from sanctiongraph.errors import ConfigError, GraphStoreError
from sanctiongraph.settings import Settings


def bolt_uri(settings: Settings) -> str:
    """The URI to reach Neo4j at: the configured one, or the managed loopback port."""
    return settings.neo4j_uri or f"bolt://127.0.0.1:{settings.bolt_port}"


def neo4j_auth(settings: Settings) -> tuple[str, str]:
    """User and password; for the managed server a password is minted once and kept.

    The minted password lives in ``<home>/neo4j/password`` (mode 0600) so that every
    later command, and the launcher on first start, agree on it without the user
    ever choosing one.
    """
    if settings.neo4j_password is not None:
        return settings.neo4j_user, str(settings.neo4j_password)
    if not settings.managed_neo4j:
        raise ConfigError(
            f"NEO4J_URI={settings.neo4j_uri} is set but NEO4J_PASSWORD is not",
            hint="set NEO4J_USER and NEO4J_PASSWORD for that server",
        )
    return settings.neo4j_user, _minted_password(password_path(settings))


def password_path(settings: Settings) -> Path:
    return settings.neo4j_home / "password"


def _minted_password(path: Path) -> str:
    """Read the workspace password, minting it first if there is none."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(24) + "\n")
    password = path.read_text().strip()
    if not password:
        raise GraphStoreError(
            f"the Neo4j password file {path} is empty",
            hint="restore it, or delete it together with the neo4j/data beside it",
        )
    return password
