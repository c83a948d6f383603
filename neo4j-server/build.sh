#!/usr/bin/env bash
# Builds the managed-Neo4j launcher: target/classes plus the runtime jars in
# target/lib, so that sanctiongraph/neo4j_server.py can run `java -cp target/classes:target/lib/*`.
# Idempotent (Maven skips what is up to date). Needs Maven and a JDK >= 21, found
# like sanctiongraph/neo4j_server.py does: SANCTIONGRAPH_JAVA_HOME, JAVA_HOME, then the newest
# under /usr/lib/jvm. On failure prints one line starting with "build.sh:".
set -euo pipefail
cd "$(dirname "$0")"

fail() { echo "build.sh: $*" >&2; exit 1; }

java_major() {  # prints the major version of $1/bin/java, or nothing
    [ -x "$1/bin/java" ] || return 0
    "$1/bin/java" -version 2>&1 | sed -nE 's/.* version "([0-9]+).*/\1/p' | head -n1
}

find_jdk() {
    local candidate best="" best_major=0 major
    if [ -n "${SANCTIONGRAPH_JAVA_HOME:-}" ]; then  # a deliberate choice: use it or fail
        major=$(java_major "$SANCTIONGRAPH_JAVA_HOME")
        [ -n "$major" ] && [ "$major" -ge 21 ] || fail "SANCTIONGRAPH_JAVA_HOME=$SANCTIONGRAPH_JAVA_HOME is not a JDK >= 21"
        echo "$SANCTIONGRAPH_JAVA_HOME"; return
    fi
    if [ -n "${JAVA_HOME:-}" ]; then
        major=$(java_major "$JAVA_HOME")
        if [ -n "$major" ] && [ "$major" -ge 21 ]; then echo "$JAVA_HOME"; return; fi
    fi
    for candidate in /usr/lib/jvm/*/; do
        candidate=${candidate%/}
        [ -x "$candidate/bin/javac" ] || continue
        major=$(java_major "$candidate")
        if [ -n "$major" ] && [ "$major" -gt "$best_major" ]; then best=$candidate best_major=$major; fi
    done
    if [ "$best_major" -ge 21 ]; then echo "$best"; fi
}

jdk=$(find_jdk) || exit 1
[ -n "$jdk" ] || fail "no JDK >= 21 found (checked SANCTIONGRAPH_JAVA_HOME, JAVA_HOME, /usr/lib/jvm); install one, e.g. a Temurin 25 JDK"
command -v mvn >/dev/null || fail "Maven (mvn) is not installed; install it, e.g. apt-get install maven"

# A changed pom may change the jar versions: drop the old jars rather than mix them.
# (Only then: deleting jars under a running server would break its class loading.)
stamp=target/lib/.built
if [ -d target/lib ] && [ pom.xml -nt "$stamp" ]; then rm -rf target/lib; fi

log=target/build.log
mkdir -p target
if ! JAVA_HOME="$jdk" mvn -B -q package >"$log" 2>&1; then
    if grep -qiE "could not (resolve|transfer)|unknownhost|connect timed out|connection refused|network is unreachable" "$log"; then
        fail "Maven could not download the Neo4j jars or Maven plugins (is Maven Central reachable?); see neo4j-server/$log"
    fi
    fail "mvn package failed with JDK $jdk; see neo4j-server/$log: $(grep -m1 -E '^\[ERROR\]' "$log" || tail -n1 "$log")"
fi
touch "$stamp"  # sanctiongraph/neo4j_server.py rebuilds when pom.xml or a source is newer
echo "build.sh: built neo4j-server/target with JDK $jdk ($(ls target/lib | wc -l) jars in target/lib)"
