#!/usr/bin/env bash
# The project's test command (the README's, and what .ci/run runs).
#   ./run-tests.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Admin]
# Runs every test on SQLite and PostgreSQL. Unless TRICIRCLE_TEST_POSTGRES names a server,
# it starts a throwaway PostgreSQL cluster on 127.0.0.1 for the run and removes it after.
# Ends with the line "N passed, N failed"; exits non-zero when anything failed.
#   ./run-tests.sh --lab [--external]   the lab stage instead (lab/run-conformance.sh, lab/README.md)
set -uo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = "--lab" ]; then
    shift
    exec lab/run-conformance.sh "$@"
fi

results=$(mktemp -d /tmp/tricircle-results.XXXXXX)
pg_dir=""
cleanup() {
    if [ -n "$pg_dir" ]; then
        .ci/postgres.sh stop "$pg_dir"
        rm -rf "$pg_dir"
    fi
}
trap cleanup EXIT

if [ -z "${TRICIRCLE_TEST_POSTGRES:-}" ]; then
    pg_dir=$(mktemp -d /tmp/tricircle-pg.XXXXXX)
    chmod 755 "$pg_dir"
    pg_port=${TRICIRCLE_TEST_PG_PORT:-}
    if [ -z "$pg_port" ]; then
        # the first free port from 55433: other runs on the same machine may hold one
        for pg_port in $(seq 55433 55533); do
            (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null || break
        done
    fi
    if ! TRICIRCLE_TEST_POSTGRES=$(.ci/postgres.sh start "$pg_dir" "$pg_port"); then
        echo "run-tests: could not start PostgreSQL (see above); the PostgreSQL tests cannot run." >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
    export TRICIRCLE_TEST_POSTGRES
fi

dotnet test Tricircle.slnx --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" "$@"
status=$?

# dotnet test's own summary is per project; the CI reads one plain line for the whole run.
read -r passed failed < <(cat "$results"/*.trx 2>/dev/null \
    | grep -o '<Counters [^>]*>' \
    | awk '{ match($0, /passed="[0-9]+"/); p += substr($0, RSTART + 8, RLENGTH - 9);
             match($0, /failed="[0-9]+"/); f += substr($0, RSTART + 8, RLENGTH - 9) }
           END { print p + 0, f + 0 }')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1 # the build or a test host failed before any test could report
fi
rm -rf "$results"
echo "$passed passed, $failed failed"
exit "$status"
