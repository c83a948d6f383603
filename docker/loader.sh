#!/bin/sh
# One-shot loader (the compose `loader` service): ingest, resolve, load, exit.
#
#   sanctiongraph-load                  ingest LOAD_SOURCES (default: the bundled OFAC and UN samples)
#   sanctiongraph-load PATH:FORMAT ...  ingest these instead (paths inside the container, e.g. /inbox/...)
#
# Each source is PATH:FORMAT, or PATH:mapping:MAPPING.yaml for a CSV/JSON file
# with a mapping file. Ingesting a file a second time changes nothing, so the
# loader can be run again after adding a file; resolve is incremental once a
# first resolution exists, and load is idempotent.
set -eu

default_sources="/app/data/ofac/snapshot_2022-01:ofac-csv /app/data/un/consolidated.xml:un-xml"
if [ "$#" -gt 0 ]; then
    sources="$*"
else
    sources="${LOAD_SOURCES:-$default_sources}"
fi

for spec in $sources; do
    path=${spec%%:*}
    rest=${spec#*:}
    if [ "$rest" = "$spec" ] || [ -z "$rest" ]; then
        echo "sanctiongraph-load: '$spec' is not PATH:FORMAT" >&2
        exit 2
    fi
    case "$rest" in
        mapping:*) sanctiongraph ingest "$path" --format mapping --mapping "${rest#mapping:}" ;;
        *) sanctiongraph ingest "$path" --format "$rest" ;;
    esac
done

# Incremental scores only records added or changed since the last run (the
# first run is a full one); LOAD_FULL_RESOLVE=true forces a full run.
if [ "${LOAD_FULL_RESOLVE:-false}" = "true" ]; then
    sanctiongraph resolve
else
    sanctiongraph resolve --incremental
fi
sanctiongraph load
