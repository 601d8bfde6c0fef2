#!/usr/bin/env bash
# The lab stage (what .ci/run runs after the fast suite; also `./run-tests.sh --lab`):
# install and start the lab (lab/lab.sh), run the emulator contract suite against the lab's
# RegionOne, the Lab conformance tests (Tricircle in front of every lab region) and Tempest's
# network API tests through Tricircle's central Neutron (lab/tempest.sh), stop the lab.
#
#   lab/run-conformance.sh                 # the whole stage on this machine (root: apt, daemons)
#   lab/run-conformance.sh --external      # against clouds of your own: nothing is installed or
#                                          # started; TRICIRCLE_CONTRACT_* and TRICIRCLE_LAB_* come
#                                          # from the environment (lab/README.md)
#   extra arguments go to both `dotnet test` runs (e.g. --filter ... narrows nothing: use
#   LAB_CONTRACT_FILTER / LAB_CONFORMANCE_FILTER)
#
# Environment: LAB_REGIONS (2), LAB_NOVA_REGIONS, LAB_CINDER_REGIONS (lab/lab.sh), LAB_KEEP=1 leaves
# the lab running afterwards, LAB_SKIP_TEMPEST=1 leaves the Tempest stage out (TEMPEST_REGEX narrows
# it: lab/tempest.sh; it does not run with --external). Ends with the line "N passed, N failed";
# exits non-zero when anything failed, including a lab service that did not start (its log tail is
# printed, nothing is skipped).
set -uo pipefail
cd "$(dirname "$0")/.."

external=0
if [ "${1:-}" = "--external" ]; then
    external=1
    shift
fi

results=$(mktemp -d /tmp/tricircle-lab-results.XXXXXX)
lab_started=0
finish() {
    local status=$?
    if [ "$lab_started" = 1 ] && [ -z "${LAB_KEEP:-}" ]; then
        echo "== lab: stop"
        lab/lab.sh stop || true
    fi
    rm -rf "$results"
    exit "$status"
}
trap finish EXIT

# Fails the stage before any test ran: one plain line, as the CI reads it.
fail_stage() {
    echo "lab stage: $*" >&2
    echo "0 passed, 1 failed"
    exit 1
}

t_stage=$SECONDS
if [ "$external" = 0 ]; then
    [ "$(id -u)" = 0 ] || fail_stage "the lab needs root (apt-get, daemons under /var/lib/tricircle-lab); or use --external"
    echo "== lab: install"
    t=$SECONDS
    lab/lab.sh install || fail_stage "lab install failed"
    echo "lab install: $((SECONDS - t)) s"
    echo "== lab: start ${LAB_REGIONS:-2} regions"
    lab_started=1
    t=$SECONDS
    lab/lab.sh start "${LAB_REGIONS:-2}" || fail_stage "lab start failed (log tail above; logs in /var/log/tricircle-lab)"
    echo "lab start: $((SECONDS - t)) s"
    lab/lab.sh check || fail_stage "a lab service is down (log tail above)"
    # shellcheck disable=SC1091
    source /etc/tricircle-lab/lab.env
    # The lab's databases outlive a run: a stage interrupted on this machine (a killed run) leaves
    # Tricircle's copies in the regions, whose VNIs and physnet the next stage's fresh Tricircle
    # would allocate again. They go first (lab/tempest_lab.py sweep).
    (set +u; source /etc/tricircle-lab/openrc-RegionOne && IFS=, read -ra sweep_regions <<<"$TRICIRCLE_LAB_REGIONS" \
        && /usr/bin/python3 lab/tempest_lab.py sweep "${sweep_regions[@]}") || fail_stage "could not sweep what earlier runs left in the lab"
fi
[ -n "${TRICIRCLE_CONTRACT_AUTH_URL:-}" ] || fail_stage "TRICIRCLE_CONTRACT_AUTH_URL is not set"
[ -n "${TRICIRCLE_LAB_AUTH_URL:-}" ] || fail_stage "TRICIRCLE_LAB_AUTH_URL is not set"
export TRICIRCLE_CONTRACT_AUTH_URL TRICIRCLE_LAB_AUTH_URL

status=0
echo "== lab: contract suite against ${TRICIRCLE_CONTRACT_REGION:-RegionOne} at $TRICIRCLE_CONTRACT_AUTH_URL"
t=$SECONDS
dotnet test tests/Tricircle.Emulator.Tests/Tricircle.Emulator.Tests.csproj \
    --filter "${LAB_CONTRACT_FILTER:-FullyQualifiedName~Tricircle.Emulator.Contract}" \
    --logger "trx;LogFileName=contract.trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" || status=1
echo "contract suite: $((SECONDS - t)) s"

echo "== lab: conformance through Tricircle (Category=Lab)"
t=$SECONDS
dotnet test tests/Tricircle.Tests/Tricircle.Tests.csproj \
    --filter "${LAB_CONFORMANCE_FILTER:-Category=Lab}" \
    --logger "trx;LogFileName=conformance.trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" || status=1
echo "conformance: $((SECONDS - t)) s"

# Tempest's network API tests through the central Neutron (lab/tempest.sh; lab/README.md "The
# Tempest stage"): each tempest test counts, and the check that nothing was left behind.
tempest_passed=0
tempest_failed=0
if [ "$external" = 0 ] && [ -z "${LAB_SKIP_TEMPEST:-}" ]; then
    echo "== lab: Tempest (tempest.api.network) through the central Neutron"
    t=$SECONDS
    lab/tempest.sh central 2>&1 | tee "$results/tempest.txt" || status=1
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$results/tempest.txt" | tail -n 1 || true)
    if [ -n "$line" ]; then
        tempest_passed=${line%% passed*}
        tempest_failed=${line#*passed, }
        tempest_failed=${tempest_failed%% failed*}
    else
        tempest_failed=1
    fi
    echo "tempest: $((SECONDS - t)) s"
fi
echo "lab stage: $((SECONDS - t_stage)) s"

read -r passed failed skipped < <(cat "$results"/*.trx 2>/dev/null \
    | grep -o '<Counters [^>]*>' \
    | awk '{ match($0, /passed="[0-9]+"/); p += substr($0, RSTART + 8, RLENGTH - 9);
             match($0, /failed="[0-9]+"/); f += substr($0, RSTART + 8, RLENGTH - 9);
             match($0, /notExecuted="[0-9]+"/); s += substr($0, RSTART + 13, RLENGTH - 14) }
           END { print p + 0, f + 0, s + 0 }')
passed=$((passed + tempest_passed))
failed=$((failed + tempest_failed))
# The lab's tests must run here: a skipped one means the gate did not see the lab.
if [ "$skipped" -gt 0 ]; then
    echo "lab stage: $skipped test(s) skipped although the lab variables are set" >&2
    failed=$((failed + skipped))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1 # a build or test host failed before any test could report
fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
    failed=1 # no test ran at all: the filters found nothing
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
