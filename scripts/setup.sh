#!/usr/bin/env bash
# Sets up everything sanctiongraph needs on a fresh Debian machine with Python 3.11+,
# a JDK >= 21, Maven and Node.js: the Python venv with the project, its test tools and pyspark,
# the managed Neo4j (jars from Maven Central), and, with --browser, Chromium for the
# page tests. Idempotent: a second run only checks. One line per step; on failure,
# one line saying what failed and where to look.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*"; }
fail() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

browser=0
for arg in "$@"; do
    case "$arg" in
        --browser) browser=1 ;;
        *) fail "unknown option $arg (use --browser)" ;;
    esac
done

python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    || fail "Python 3.11 or newer is needed ($python is $("$python" --version 2>&1))"

mkdir -p .sanctiongraph
log=.sanctiongraph/setup.log
: >"$log"

stamp=.venv/.installed
if [ ! -x .venv/bin/python ]; then
    say "creating .venv"
    "$python" -m venv .venv >>"$log" 2>&1 || fail "could not create .venv; see $log"
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    say "installing Python packages (pip, from PyPI)"
    .venv/bin/python -m pip install --quiet --upgrade pip >>"$log" 2>&1 || fail "pip upgrade failed; see $log"
    # spark: pyspark for `resolve --backend spark` and its test (~30-75 s, ~500 MB; runs on the JDK above).
    .venv/bin/python -m pip install --quiet -e ".[test,dev,spark]" >>"$log" 2>&1 \
        || fail "pip install failed (is PyPI reachable?); see $log"
    touch "$stamp"
else
    say "Python packages up to date"
fi

if [ -z "${NEO4J_URI:-}" ]; then
    say "building the managed Neo4j (Maven Central)"
    neo4j-server/build.sh || fail "the Neo4j launcher did not build (message above)"
else
    say "NEO4J_URI is set: using that Neo4j, not building one"
fi

# --- web: the investigator page (web/, built into web/dist, which `serve` ships) ---
command -v npm >/dev/null && node -e 'process.exit(parseInt(process.versions.node) < 20 ? 1 : 0)' 2>/dev/null \
    || fail "Node.js 20 or newer with npm is needed to build the investigator page (web/)"
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    say "installing the page's packages (npm ci, from the npm registry)"
    (cd web && npm ci --no-audit --no-fund) >>"$log" 2>&1 || fail "npm ci in web/ failed (is the npm registry reachable?); see $log"
fi
web_stamp=web/node_modules/.sanctiongraph-built
if [ ! -f web/dist/index.html ] || [ ! -f "$web_stamp" ] \
    || [ -n "$(find web/src web/index.html web/graphiql.html web/vite.config.ts web/tsconfig.json web/package-lock.json \
        -newer "$web_stamp" -print -quit)" ]; then
    say "building the investigator page (npm run build into web/dist)"
    (cd web && npm run build) >>"$log" 2>&1 || fail "the page did not build; see $log"
    touch "$web_stamp"
else
    say "investigator page up to date"
fi
# --- end web ---

if [ "$browser" = 1 ]; then
    if ! command -v chromium >/dev/null; then
        say "installing Debian's chromium for the page tests"
        sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
        $sudo_cmd apt-get update -qq >>"$log" 2>&1 && \
        DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >>"$log" 2>&1 \
            || fail "apt-get install chromium failed; see $log"
    fi
fi
say "ready"
