"""Start, stop and watch the Neo4j server that sanctiongraph manages itself.

No Docker and no Neo4j tarball: ``neo4j-server/`` is a small Maven project whose
launcher runs an embedded Neo4j Community DBMS with Bolt on 127.0.0.1 only. This
module builds it when needed, runs it detached (it outlives the CLI), and keeps
its state in the workspace (``<home>/neo4j/``): ``neo4j.pid``, the minted
``password`` and ``logs/launcher.log``, besides Neo4j's own ``data/`` and ``logs/``.

When ``settings.neo4j_uri`` points at an existing Neo4j, nothing is started or
stopped here; ``status`` only says whether that server answers.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, DriverError, Neo4jError

from graph.connection import bolt_uri, neo4j_auth, password_path
from sanctiongraph.errors import ConfigError, GraphStoreError, GraphUnavailableError
from sanctiongraph.settings import Settings

__all__ = ["ServerStatus", "bolt_uri", "kill", "neo4j_auth", "start", "status", "stop", "wait_for_bolt"]

#: The Neo4j release the launcher is built with; equal to neo4j.version in the pom.
NEO4J_VERSION = "2026.08.1"

SERVER_DIR = Path(__file__).resolve().parent.parent / "neo4j-server"
LAUNCHER_CLASS = "io.sanctiongraph.neo4j.Launcher"
PASSWORD_ENV = "SANCTIONGRAPH_NEO4J_INITIAL_PASSWORD"  # read by the launcher
MIN_JAVA = 21  # Neo4j 2025.01+ needs Java 21; 2025.10+ also runs on Java 25

# The JVM options Neo4j's own start script uses; without them Neo4j falls back to
# slower code paths and the JVM prints warnings about Unsafe and native access.
JVM_OPTIONS = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "--add-modules=jdk.incubator.vector",
    "-XX:+UseG1GC",
    # A load's write transactions are large and short-lived: with half the heap young, G1 stops copying them
    # into the old generation (it halved Neo4j's GC CPU during a load); 4 MB regions keep a batch's buffers
    # from being humongous objects, and a larger first metaspace threshold saves the full marking cycles
    # class loading sets off during the first queries. Measurements: bench/results/NOTES.md.
    "-XX:+UnlockExperimentalVMOptions",
    "-XX:G1NewSizePercent=50",
    "-XX:G1HeapRegionSize=4m",
    "-XX:MetaspaceSize=256m",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
)
JVM_OPTIONS_25 = ("--sun-misc-unsafe-memory-access=allow", "-XX:+UseCompactObjectHeaders")

_PROBE_TIMEOUT = 3.0  # seconds for one Bolt connection attempt
_POLL = 0.2
# Servers started by this process, kept so that they are reaped when they die.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class ServerStatus:
    """What ``status`` found; ``detail`` is one line fit for the CLI."""

    running: bool  # Bolt answers with our credentials
    managed: bool  # started by this project (False: settings.neo4j_uri)
    bolt_uri: str
    pid: int | None  # the launcher's process, managed only
    version: str | None  # as the server reports it, when it answers
    detail: str


# --- public API ---------------------------------------------------------------


def start(settings: Settings, *, timeout: float = 180.0) -> ServerStatus:
    """Start the managed Neo4j and return once Bolt answers; no-op if it runs.

    Raises GraphStoreError (one line naming the cause and the log) if the launcher
    cannot be built, no JDK fits, the port is taken or the server dies on start.
    """
    if not settings.managed_neo4j:
        return status(settings)
    deadline = time.monotonic() + timeout
    with _start_lock(settings):
        pid = _running_pid(settings)
        if pid is None:
            pid = _launch(settings)
            _wait_until_ready(settings, pid, deadline)
        wait_for_bolt(settings, timeout=max(deadline - time.monotonic(), _PROBE_TIMEOUT))
    return status(settings)


def stop(settings: Settings, *, timeout: float = 60.0) -> ServerStatus:
    """Stop the managed Neo4j cleanly (SIGTERM: checkpoint, then exit); idempotent."""
    if not settings.managed_neo4j:
        return status(settings)
    pid = _running_pid(settings)
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):  # it may have just exited
            os.kill(pid, signal.SIGTERM)
        if not _wait_for_exit(pid, timeout):
            raise GraphStoreError(
                f"Neo4j (pid {pid}) did not stop within {timeout:.0f}s; see {_launcher_log(settings)}",
                hint="wait and retry, or end it with `kill -9` (it recovers on the next start)",
            )
    _pid_path(settings).unlink(missing_ok=True)
    return status(settings)


def status(settings: Settings) -> ServerStatus:
    """Whether Neo4j answers on Bolt, and for the managed one which process it is."""
    uri = bolt_uri(settings)
    if not settings.managed_neo4j:
        version, problem = _probe_quietly(settings)
        detail = f"Neo4j {version} answers at {uri}" if problem is None else problem
        return ServerStatus(problem is None, False, uri, None, version, detail)
    pid = _running_pid(settings)
    if pid is None:
        return ServerStatus(False, True, uri, None, None, f"managed Neo4j is not running ({uri})")
    version, problem = _probe_quietly(settings)
    if problem is not None:
        detail = f"managed Neo4j (pid {pid}) is up but Bolt does not answer: {problem}"
        return ServerStatus(False, True, uri, pid, None, detail)
    detail = f"managed Neo4j {version} is running (pid {pid}) at {uri}"
    return ServerStatus(True, True, uri, pid, version, detail)


def kill(settings: Settings) -> None:
    """SIGKILL the managed server, as a crash would (for fault tests); no-op if down."""
    pid = _running_pid(settings) if settings.managed_neo4j else None
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _wait_for_exit(pid, 30.0)
    _pid_path(settings).unlink(missing_ok=True)


def wait_for_bolt(settings: Settings, *, timeout: float) -> None:
    """Block until Neo4j accepts a Bolt login, or raise GraphUnavailableError.

    A refused password raises GraphStoreError at once: waiting cannot fix it, and
    repeated failures would lock the user out.
    """
    uri = bolt_uri(settings)
    deadline = time.monotonic() + timeout
    while True:
        _, problem = _probe(settings)
        if problem is None:
            return
        if time.monotonic() >= deadline:
            raise GraphUnavailableError(
                f"Neo4j at {uri} did not answer within {timeout:.0f}s: {problem}",
                hint=f"see {_launcher_log(settings)}" if settings.managed_neo4j else None,
            )
        time.sleep(min(1.0, max(deadline - time.monotonic(), 0.0)))


# --- workspace files ----------------------------------------------------------


def _pid_path(settings: Settings) -> Path:
    return settings.neo4j_home / "neo4j.pid"


def _launcher_log(settings: Settings) -> Path:
    return settings.neo4j_home / "logs" / "launcher.log"


def _workspace(settings: Settings) -> Path:
    """The managed server's directory, private to the user: it holds the password."""
    home = settings.neo4j_home
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    (home / "logs").mkdir(exist_ok=True)
    return home


@contextlib.contextmanager
def _start_lock(settings: Settings) -> Iterator[None]:
    """Serialise concurrent ``start`` calls (two terminals) on one workspace."""
    with open(_workspace(settings) / "start.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


# --- processes ----------------------------------------------------------------


def _running_pid(settings: Settings) -> int | None:
    """The live launcher's pid from the pid file; a stale file is removed.

    Stale means the process is gone, or its pid now belongs to something other
    than our launcher for this workspace.
    """
    path = _pid_path(settings)
    try:
        pid = int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if _is_our_launcher(pid, settings):
        return pid
    path.unlink(missing_ok=True)
    return None


def _is_our_launcher(pid: int, settings: Settings) -> bool:
    if not _alive(pid):
        return False
    if not Path("/proc/self").exists():
        return True  # no /proc (macOS): trust the pid file
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False  # exited meanwhile
    home = str(settings.neo4j_home.resolve()).encode()
    return LAUNCHER_CLASS.encode() in argv and home in argv


def _alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None  # also reaps it once it has died
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_for_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL)
    _CHILDREN.pop(pid, None)
    return True


def _launch(settings: Settings) -> int:
    """Start the launcher detached (own session) and record its pid."""
    _check_port_free(settings.bolt_port)
    java, major = _find_java(settings)
    command = _java_command(settings, java, major)
    _ensure_built(java)
    home = _workspace(settings)
    _, password = neo4j_auth(settings)
    with open(_launcher_log(settings), "wb") as out:
        child = subprocess.Popen(
            command,
            cwd=home,
            env={**os.environ, PASSWORD_ENV: password},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _CHILDREN[child.pid] = child
    _pid_path(settings).write_text(f"{child.pid}\n")
    return child.pid


def _java_command(settings: Settings, java: Path, major: int) -> list[str]:
    heap = _size(settings.neo4j_heap, "SANCTIONGRAPH_NEO4J_HEAP")
    pagecache = _size(settings.neo4j_pagecache, "SANCTIONGRAPH_NEO4J_PAGECACHE")
    target = SERVER_DIR / "target"
    return [
        str(java),
        f"-Xms{heap}",
        f"-Xmx{heap}",
        *JVM_OPTIONS,
        *(JVM_OPTIONS_25 if major >= 25 else ()),
        "-cp",
        f"{target / 'classes'}:{target / 'lib'}/*",
        LAUNCHER_CLASS,
        "--home",
        str(settings.neo4j_home.resolve()),
        "--bolt-port",
        str(settings.bolt_port),
        "--pagecache",
        pagecache,
    ]


def _size(value: str, variable: str) -> str:
    if not re.fullmatch(r"\d+[kKmMgG]?", value.strip()):
        raise ConfigError(f"{variable}={value!r} is not a memory size like 512m or 4g")
    return value.strip()


def _wait_until_ready(settings: Settings, pid: int, deadline: float) -> None:
    """Wait for the launcher's READY line; raise if it dies or takes too long.

    Waiting for READY, rather than probing Bolt, matters on first start: Bolt
    must not be tried before the launcher has set the password.
    """
    log = _launcher_log(settings)
    while not _log_says_ready(log):
        if not _alive(pid):
            _CHILDREN.pop(pid, None)
            _pid_path(settings).unlink(missing_ok=True)
            raise GraphStoreError(f"{_last_error(log)} (see {log})")
        if time.monotonic() >= deadline:
            stop(settings)
            raise GraphUnavailableError(
                f"Neo4j was not ready on {bolt_uri(settings)} in time, so it was stopped; see {log}",
                hint="a large store may need a longer timeout to recover",
            )
        time.sleep(_POLL)


def _log_says_ready(log: Path) -> bool:
    try:
        return any(line.startswith("READY ") for line in log.read_text(errors="replace").splitlines())
    except FileNotFoundError:
        return False


def _last_error(log: Path) -> str:
    """The line of the launcher's output that best says why it died.

    The launcher's own ``ERROR ...`` line if there is one; else (the JVM itself
    failed) the last line that is not a warning or a stack frame.
    """
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    except FileNotFoundError:
        lines = []
    for line in reversed(lines):
        if line.startswith("ERROR "):
            return line.removeprefix("ERROR ")
    meaningful = [line for line in lines if line and not line.startswith(("WARNING:", "at ", "..."))]
    return "Neo4j exited on start: " + (meaningful[-1] if meaningful else "no output")


def _check_port_free(port: int) -> None:
    """Fail early and clearly instead of letting Neo4j die on a bind error."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Neo4j binds
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise GraphStoreError(
                f"port {port} on 127.0.0.1 is taken by another process, so Neo4j cannot listen there",
                hint="stop that process or set SANCTIONGRAPH_BOLT_PORT to a free port",
            ) from None


# --- Bolt ---------------------------------------------------------------------


def _probe(settings: Settings) -> tuple[str | None, str | None]:
    """One Bolt login: (server version, None) or (None, why it failed).

    Raises GraphStoreError if the password is refused: that needs a person.
    """
    uri = bolt_uri(settings)
    try:
        auth = neo4j_auth(settings)
    except ConfigError as error:
        return None, str(error)
    try:
        with GraphDatabase.driver(uri, auth=auth, connection_timeout=_PROBE_TIMEOUT) as driver:
            driver.verify_connectivity()
            agent = driver.get_server_info().agent
    except AuthError as error:
        where = password_path(settings) if settings.neo4j_password is None else "NEO4J_PASSWORD"
        raise GraphStoreError(
            f"Neo4j at {uri} refused the password for user {auth[0]} ({error.message})",
            hint=f"the password comes from {where}",
        ) from None
    except (DriverError, Neo4jError, OSError) as error:
        return None, f"{type(error).__name__}: {error}".splitlines()[0]
    return agent.removeprefix("Neo4j/"), None


def _probe_quietly(settings: Settings) -> tuple[str | None, str | None]:
    """Like ``_probe`` but a refused password is reported, not raised (for status)."""
    try:
        return _probe(settings)
    except GraphStoreError as error:
        return None, str(error)


# --- JDK and build ------------------------------------------------------------


def _find_java(settings: Settings) -> tuple[Path, int]:
    """A JDK >= 21 and its major version.

    SANCTIONGRAPH_JAVA_HOME is a deliberate choice, so a wrong one is an error;
    JAVA_HOME often points at an older JDK for other work, so it is only preferred
    when it fits, and otherwise the newest JDK in /usr/lib/jvm is used.
    """
    if settings.java_home is not None:
        major = _java_major(settings.java_home)
        if major < MIN_JAVA:
            raise GraphStoreError(
                f"SANCTIONGRAPH_JAVA_HOME={settings.java_home} is not a JDK >= {MIN_JAVA}"
                + (f" (it is Java {major})" if major else ""),
                hint=f"point it at a JDK {MIN_JAVA} or newer",
            )
        return settings.java_home / "bin" / "java", major
    env_home = os.environ.get("JAVA_HOME")
    if env_home and (major := _java_major(Path(env_home))) >= MIN_JAVA:
        return Path(env_home) / "bin" / "java", major
    jvm = Path("/usr/lib/jvm")
    homes = [p for p in jvm.iterdir() if p.is_dir() and not p.is_symlink()] if jvm.is_dir() else []
    found = [(major, home) for home in homes if (major := _java_major(home)) >= MIN_JAVA]
    if not found:
        raise GraphStoreError(
            f"no JDK >= {MIN_JAVA} found (looked at SANCTIONGRAPH_JAVA_HOME, JAVA_HOME, /usr/lib/jvm)",
            hint="install one (e.g. Temurin 25) and set SANCTIONGRAPH_JAVA_HOME to it",
        )
    major, home = max(found)
    return home / "bin" / "java", major


def _java_major(java_home: Path) -> int:
    """The major version ``java -version`` reports, or 0 if it does not run."""
    java = java_home / "bin" / "java"
    if not os.access(java, os.X_OK):
        return 0
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    match = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr)
    if match is None:
        return 0
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def _ensure_built(java: Path) -> None:
    """Run neo4j-server/build.sh when the launcher is missing or older than its sources."""
    stamp = SERVER_DIR / "target" / "lib" / ".built"
    sources = [SERVER_DIR / "pom.xml", *SERVER_DIR.glob("src/main/java/**/*.java")]
    if stamp.exists() and all(src.stat().st_mtime <= stamp.stat().st_mtime for src in sources):
        return
    build = SERVER_DIR / "build.sh"
    env = {**os.environ, "SANCTIONGRAPH_JAVA_HOME": str(java.parent.parent)}
    try:
        done = subprocess.run(["bash", str(build)], env=env, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise GraphStoreError(f"cannot run {build}: {error}", hint="run the project's setup") from None
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise GraphStoreError(
            f"the Neo4j launcher is not built and {build} failed: {why}", hint="run the project's setup"
        )
