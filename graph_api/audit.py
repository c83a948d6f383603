"""An append-only audit log of who asked what and which entities they were shown.

One JSON line per request in ``<workspace>/audit/audit.log``. Personal data
never appears in clear: variable values (names, e-mails, phone numbers an
applicant typed) are replaced by keyed hashes (HMAC-SHA256 with a secret minted
into the workspace), so equal inputs can still be correlated by someone holding
the key, and the query text itself is kept only as a hash. Each line carries
the hash of the line before it, so a removed or edited line breaks the chain.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

AUDIT_DIR = "audit"
AUDIT_FILE = "audit.log"
KEY_FILE = "audit-key"
ENTITY_PREFIX = "sg-"
MAX_ENTITIES = 1000


def _secret(home: Path) -> bytes:
    """The workspace's audit key, made on first use.

    ``serve --workers N`` starts N processes on a new workspace at once: the key
    is written to a file of this process's own and linked into place, which is
    atomic and never replaces a key another process linked first, so every
    process reads the same, complete key.
    """
    path = home / AUDIT_DIR / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{KEY_FILE}.{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made the key first: use theirs
        finally:
            temporary.unlink(missing_ok=True)
    return bytes.fromhex(path.read_text(encoding="utf-8").strip())


# How far back each step reads when looking for the start of the last line.
_TAIL_STEP = 65536


def _last_hash(path: Path) -> str:
    """The hash of the file's last line, however long it is.

    Reading only the last 64 KiB broke the chain after any line longer than
    that (a client's large ``variables``): the next append chained to a piece
    of a line, and ``verify_chain`` failed from there on.
    """
    if not path.exists() or path.stat().st_size == 0:
        return "0" * 64
    with path.open("rb") as handle:
        end = handle.seek(0, os.SEEK_END)
        tail = b""
        position = end
        while position > 0:
            step = min(_TAIL_STEP, position)
            position -= step
            handle.seek(position)
            tail = handle.read(step) + tail
            # The last line starts after the last newline that is not the file's final byte.
            if tail.rstrip(b"\n").rfind(b"\n") >= 0:
                break
    last = tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    return hashlib.sha256(last).hexdigest()


@dataclass
class AuditLog:
    path: Path
    secret: bytes = field(repr=False)
    _previous: str = "0" * 64
    _size: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _fd: int | None = field(default=None, repr=False)  # opened once, for appending

    @classmethod
    def open(cls, home: Path) -> AuditLog:
        path = home / AUDIT_DIR / AUDIT_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        log = cls(path, _secret(home))
        log._previous = _last_hash(path)
        log._size = path.stat().st_size if path.exists() else 0
        return log

    def pseudonym(self, value: str) -> str:
        return hmac.new(self.secret, value.encode("utf-8"), hashlib.sha256).hexdigest()[:24]

    def query_hash(self, query: str) -> str:
        """HMAC-SHA256 of a query text: a plain SHA-256 of a text with a name inline could be guessed back."""
        return hmac.new(self.secret, query.encode("utf-8"), hashlib.sha256).hexdigest()

    def hash_values(self, value: Any) -> Any:
        """The same structure with every string and number replaced by its keyed hash."""
        if isinstance(value, dict):
            return {k: self.hash_values(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.hash_values(v) for v in value]
        if value is None or isinstance(value, bool):
            return value
        return "h:" + self.pseudonym(str(value))

    def record(self, entry: dict[str, Any]) -> None:
        """Append one entry; entries are chained by the hash of the previous line.

        The file is locked while a line is written, and when it grew since this
        process last wrote (another server process shares it) the chain continues
        from its actual last line.
        """
        with self._lock:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                if os.fstat(self._fd).st_size != self._size:
                    self._previous = _last_hash(self.path)
                line = orjson.dumps(
                    {"ts": datetime.now(UTC).isoformat(), **entry, "prev": self._previous},
                    option=orjson.OPT_SORT_KEYS,
                )
                os.write(self._fd, line + b"\n")  # one write of a whole line, at the end (O_APPEND)
                self._previous = hashlib.sha256(line).hexdigest()
                self._size = os.fstat(self._fd).st_size
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def entity_ids_of(value: Any, into: set[str]) -> None:
    """Add the entity IDs a resolver returned (an entity, a match, a graph node, or a list of them) to ``into``.

    Recorded as resolvers return them, not read from the response: an alias
    (``x: id``) or leaving ``id`` out hid them from the response's keys, and
    network and path nodes carry them as ``Entity:sg-...``.
    """
    for item in value if isinstance(value, list) else (value,):
        if item is None or isinstance(item, str | int | float | bool):
            continue
        candidates: tuple[Any, ...]
        if isinstance(item, dict):
            candidates = (item.get("id"), item.get("entity_id"), item.get("entityId"))
        else:
            candidates = (getattr(item, "entity_id", None), getattr(item, "id", None))
        for candidate in candidates:
            if isinstance(candidate, str) and candidate.startswith(ENTITY_PREFIX) and len(into) < MAX_ENTITIES:
                into.add(candidate)


def returned_entities(data: Any) -> list[str]:
    """Entity IDs anywhere in a response (``id``/``entityId`` values), capped."""
    found: list[str] = []
    stack = [data]
    while stack and len(found) < MAX_ENTITIES:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key in ("id", "entityId") and isinstance(value, str) and value.startswith(ENTITY_PREFIX):
                    found.append(value)
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return sorted(set(found))


def verify_chain(path: Path) -> bool:
    """True when every line names the hash of the line before it."""
    previous = "0" * 64
    with path.open("rb") as handle:
        for raw in handle:
            line = raw.rstrip(b"\n")
            if json.loads(line)["prev"] != previous:
                return False
            previous = hashlib.sha256(line).hexdigest()
    return True
