"""Who is asking, and what they may ask.

Clients send ``Authorization: Bearer <token>``. A token is either an API key
(its SHA-256 is looked up in ``<workspace>/api-keys.json``, so the file never
holds a usable key) or, when ``SANCTIONGRAPH_JWT_SECRET`` is set, an HS256 JWT
with ``sub`` and ``role`` claims. Roles nest: a screening service may only
screen; an investigator reads the graph; an analyst also ingests and records
judgements; an admin may do everything.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import jwt
from starlette.requests import Request

from graph_api.ratelimit import RateLimiter
from sanctiongraph.errors import ApiError, ConfigError

log = logging.getLogger(__name__)

KEYS_FILE = "api-keys.json"
DEV_KEY_FILE = "dev-api-key"
KEY_PREFIX = "sgk_"
# A JWT's principal is its ``sub`` behind this prefix; a token may live this long at most from the request.
JWT_PREFIX = "jwt:"
MAX_JWT_SECONDS = 24 * 3600


class Role(IntEnum):
    """Ordered: each role may do what the ones below it may."""

    SCREENING = 1
    INVESTIGATOR = 2
    ANALYST = 3
    ADMIN = 4

    @classmethod
    def parse(cls, name: str) -> Role:
        try:
            return cls[name.strip().upper()]
        except KeyError:
            raise ConfigError(f"unknown role {name!r}; use one of {[r.name.lower() for r in cls]}") from None


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class KeyStore:
    """API keys by their SHA-256, read from the workspace's key file and read again whenever it changes.

    A key created or revoked (``sanctiongraph apikey``) takes effect at the next
    request in every running worker, without a restart: revoking a leaked key must
    not wait for one. The check is a ``stat`` per request. A file that cannot be
    read any more fails closed: no API key is accepted until it is fixed.
    """

    keys: dict[str, Principal]
    jwt_secret: str | None = None
    path: Path | None = None
    stamp: tuple[int, int, int] | None = None
    jwt_audience: str | None = None  # when set, a token must name it in ``aud``
    jwt_issuer: str | None = None  # when set, a token's ``iss`` must be it

    @classmethod
    def load(
        cls,
        home: Path,
        jwt_secret: str | None = None,
        *,
        jwt_audience: str | None = None,
        jwt_issuer: str | None = None,
    ) -> KeyStore:
        """The workspace's keys (none when it has no key file yet).

        Raises:
            ConfigError: the file is not a key file (at start: the server does not start with it).
        """
        path = home / KEYS_FILE
        return cls(_read_keys(path), jwt_secret, path, _stamp(path), jwt_audience, jwt_issuer)

    def _current(self) -> dict[str, Principal]:
        if self.path is None:
            return self.keys
        stamp = _stamp(self.path)
        if stamp != self.stamp:
            try:
                self.keys = _read_keys(self.path)
            except ConfigError as error:
                log.error("API keys refused until the key file is fixed: %s", error)
                self.keys = {}
            self.stamp = stamp
        return self.keys

    def authenticate(self, header: str | None) -> Principal:
        if not header or not header.startswith("Bearer "):
            raise ApiError("missing credentials: send Authorization: Bearer <API key>", code="UNAUTHENTICATED")
        token = header[len("Bearer ") :].strip()
        if token.startswith(KEY_PREFIX):
            digest = _digest(token)
            for known, principal in self._current().items():
                if hmac.compare_digest(known, digest):
                    return principal
            raise ApiError("unknown API key", code="UNAUTHENTICATED")
        return self._from_jwt(token)

    def _from_jwt(self, token: str) -> Principal:
        """A JWT's principal, ``jwt:<sub>``: never the name of an API key (``sub: dev`` is not the dev key).

        Its lifetime left is at most ``MAX_JWT_SECONDS`` (a token that never
        expires in practice is a password that cannot be revoked), and ``aud`` and
        ``iss`` are checked when the server is told which to expect.
        """
        if not self.jwt_secret:
            raise ApiError("unknown API key", code="UNAUTHENTICATED")
        required = ["sub", "exp"] + (["aud"] if self.jwt_audience else []) + (["iss"] if self.jwt_issuer else [])
        try:
            claims = jwt.decode(
                token,
                self.jwt_secret,
                algorithms=["HS256"],
                audience=self.jwt_audience,
                issuer=self.jwt_issuer,
                options={"require": required},
            )
            if float(claims["exp"]) - time.time() > MAX_JWT_SECONDS:
                raise ApiError(
                    f"token lives over {MAX_JWT_SECONDS // 3600} h; mint shorter-lived ones", code="UNAUTHENTICATED"
                )
            return Principal(JWT_PREFIX + str(claims["sub"]), Role.parse(str(claims.get("role", "screening"))))
        except (jwt.PyJWTError, ConfigError) as error:
            raise ApiError(f"invalid token ({type(error).__name__})", code="UNAUTHENTICATED") from error


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What changes when the key file is replaced or edited (a new file has a new inode)."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return (found.st_ino, found.st_mtime_ns, found.st_size)


def _entries(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        for entry in entries:
            Role.parse(entry["role"])
            if not isinstance(entry["name"], str) or not isinstance(entry["sha256"], str):
                raise TypeError("an entry's name and sha256 are text")
    except (ValueError, KeyError, TypeError) as error:
        raise ConfigError(
            f"{path}: not a valid API key file ({error})", hint="recreate it with `sanctiongraph apikey create`"
        ) from error
    return list(entries)


def _read_keys(path: Path) -> dict[str, Principal]:
    return {e["sha256"]: Principal(e["name"], Role.parse(e["role"])) for e in _entries(path)}


def _write_entries(home: Path, entries: list[dict[str, str]]) -> None:
    """Replace the key file whole (a reader sees the old file or the new one, never half of one)."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / KEYS_FILE
    tmp = path.with_suffix(".tmp")
    write_private(tmp, json.dumps(entries, indent=2) + "\n")
    tmp.replace(path)


def create_key(home: Path, name: str, role: Role) -> str:
    """Mint a key, store only its hash, and return it (shown once); a key of the same name is replaced."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    entries = [e for e in _entries(home / KEYS_FILE) if e["name"] != name]
    entries.append({"name": name, "role": role.name.lower(), "sha256": _digest(key)})
    _write_entries(home, entries)
    return key


def list_keys(home: Path) -> list[Principal]:
    """The workspace's keys by name and role (the keys themselves are not kept)."""
    return [Principal(e["name"], Role.parse(e["role"])) for e in _entries(home / KEYS_FILE)]


def revoke_key(home: Path, name: str) -> bool:
    """Remove the key called ``name``; whether there was one. Running servers refuse it from their next request."""
    entries = _entries(home / KEYS_FILE)
    kept = [e for e in entries if e["name"] != name]
    if len(kept) == len(entries):
        return False
    _write_entries(home, kept)
    return True


def write_private(path: Path, text: str) -> None:
    """Write a secret file that is 0600 from its first byte, whatever the umask.

    Writing it and then chmod-ing it left a moment in which any local user could
    read it (a plaintext admin key, for the dev key file).
    """
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def dev_key(home: Path) -> str:
    """The development admin key of a workspace, minted on first use and kept in ``dev-api-key``."""
    path = home / DEV_KEY_FILE
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        store = KeyStore.load(home)
        if key and _digest(key) in store.keys:
            return key
    key = create_key(home, "dev", Role.ADMIN)
    tmp = path.with_suffix(".tmp")
    write_private(tmp, key + "\n")
    tmp.replace(path)
    return key


def authenticate_request(keys: KeyStore, limiter: RateLimiter, request: Request) -> Principal:
    """The caller's principal; a client without a valid key is rate-limited by its address first.

    Unauthenticated requests each cost a key check and an audit line, so without
    a limit anyone who can reach the port could fill the audit log.
    """
    try:
        return keys.authenticate(request.headers.get("authorization"))
    except ApiError:
        client = request.client.host if request.client else "unknown"
        if not limiter.allow(f"address:{client}"):
            raise ApiError("rate limit exceeded; slow down", code="RATE_LIMITED") from None
        raise
