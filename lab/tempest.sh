#!/usr/bin/env bash
# lab/tempest.sh - the lab's Tempest stage (lab/README.md "The Tempest stage"): Debian's tempest 33
# runs its network API tests through Tricircle's central Neutron in front of the lab's regions (or,
# for comparison, straight against one real lab region), with dynamic credentials from the lab's
# Keystone. Needs a running lab (lab/lab.sh start) and root (state under /var/lib/tricircle-lab).
#
#   lab/tempest.sh [central]     # start a Tricircle (own tricircle.conf, own SQLite database) in
#                                # front of every lab region, register it in CentralRegion, run the
#                                # selection through it, check nothing is left behind, stop it
#   lab/tempest.sh RegionOne     # the same selection and tempest.conf generator against RegionOne
#
# Environment: TEMPEST_REGEX (the selection; default below), TEMPEST_CONCURRENCY (2),
# TEMPEST_EXPECTED (lab/tempest-expected-failures.txt). Ends with "N passed, N failed" (tempest's
# tests, one count each, plus the leftover check; skips are reported, not counted) and exits
# non-zero on any failure not in the expected-failures list (with its reason), on a listed test
# that passes, and on anything left behind. Report: /var/log/tricircle-lab/tempest-<target>/.
set -euo pipefail
trap 'echo "tempest.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

# Debian's OpenStack runs on /usr/bin/python3; keep pyenv/venv shims and their variables out.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${DOTNET_ROOT:-/usr/share/dotnet}:$HOME/.dotnet
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV OS_CLOUD OS_TOKEN || true
export LC_ALL=C.UTF-8 LANG=C.UTF-8

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_ETC=${LAB_ETC:-/etc/tricircle-lab}
LAB_VAR=${LAB_VAR:-/var/lib/tricircle-lab}
LAB_LOG=${LAB_LOG:-/var/log/tricircle-lab}
CENTRAL=CentralRegion
TARGET=${1:-central}
HELPER=(/usr/bin/python3 "$ROOT/lab/tempest_lab.py")
EXPECTED=${TEMPEST_EXPECTED:-$ROOT/lab/tempest-expected-failures.txt}
CONCURRENCY=${TEMPEST_CONCURRENCY:-2}
# The selection: the whole of tempest's network API (lab/README.md says why nothing is left out)
REGEX=${TEMPEST_REGEX:-'^tempest\.api\.network\.'}
# The external network tempest's routers and floating IPs use: flat on physnet1 (the lab regions'
# ML2; the lab's own `public` network holds flat `public` in RegionOne), outside every other CIDR
EXT_NAME=lab-tempest-public
EXT_CIDR=198.51.100.0/24
# Tricircle's ports for the stage (fixed, below the ephemeral range, apart from the lab's)
NETWORK_PORT=${TEMPEST_TRICIRCLE_NETWORK_PORT:-29696}
ADMIN_PORT=${TEMPEST_TRICIRCLE_ADMIN_PORT:-29999}

log() { printf '[%(%H:%M:%S)T] tempest: %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; echo "0 passed, 1 failed"; exit 1; }

[[ $(id -u) == 0 ]] || die "run as root (the lab's state is root's)"
command -v tempest >/dev/null || die "tempest is not installed (sudo lab/lab.sh install)"
[[ -f $LAB_ETC/lab.env && -f $LAB_VAR/regions ]] || die "no lab here (sudo lab/lab.sh start)"
read -r NREGIONS _ _ <"$LAB_VAR/regions"
REGIONS=()
for r in RegionOne RegionTwo RegionThree RegionFour RegionFive; do
  ((${#REGIONS[@]} < NREGIONS)) && REGIONS+=("$r")
done
# shellcheck disable=SC1091
source "$LAB_ETC/openrc-RegionOne"
export LAB_CENTRAL_REGION=$CENTRAL

case $TARGET in
  central) REGION=$CENTRAL ;;
  Region*) REGION=$TARGET ;;
  *) die "target: central or a lab region (RegionOne ...)" ;;
esac
WORK=$LAB_VAR/tempest/$TARGET          # tempest's workspace (etc/tempest.conf, .stestr)
OUT=$LAB_LOG/tempest-$TARGET           # tempest.log, the subunit stream, report.txt
TC=$LAB_VAR/tempest/tricircle          # the stage's Tricircle: tricircle.conf, database, state
TC_PID=$LAB_VAR/run/tempest-tricircle.pid
ENDPOINTS=$TC/endpoint-ids
ADMIN_URL=http://127.0.0.1:$ADMIN_PORT/v1.0
T0=$SECONDS

# ------------------------------------------------------------------------------------------
# Tricircle in front of the lab (the conformance tests' configuration: lab/README.md)
# ------------------------------------------------------------------------------------------
tricircle_stop() {
  "${HELPER[@]}" deregister "$ENDPOINTS" || log "could not remove the stage's endpoints"
  if [[ -f $TC_PID ]]; then
    local p; p=$(cat "$TC_PID")
    if kill -0 "$p" 2>/dev/null; then
      kill -TERM -- "-$p" 2>/dev/null || true
      for _ in $(seq 1 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
      kill -KILL -- "-$p" 2>/dev/null || true
      log "stopped Tricircle (pid $p)"
    fi
    rm -f "$TC_PID"
  fi
}

tricircle_start() {
  local bin=$ROOT/src/Tricircle/bin/Debug/net10.0/tricircle
  log "building Tricircle (dotnet build src/Tricircle; incremental)"
  dotnet build "$ROOT/src/Tricircle/Tricircle.csproj" -nologo -v q >"$LAB_LOG/tempest-tricircle-build.log" 2>&1 \
    || { tail -n 30 "$LAB_LOG/tempest-tricircle-build.log" >&2; die "build failed"; }
  tricircle_stop
  rm -rf "$TC"; mkdir -p "$TC" "$LAB_VAR/run"
  source "$LAB_ETC/lab.env"
  cat >"$TC/tricircle.conf" <<EOF
# the lab's Tempest stage (lab/tempest.sh): as the conformance tests' LabTricircle writes it
[DEFAULT]
bind_host = 127.0.0.1
state_path = $TC
roles = admin, network, jobs
admin_port = $ADMIN_PORT
network_port = $NETWORK_PORT

[database]
connection = sqlite:///$TC/tricircle.db

[keystone_authtoken]
auth_url = $OS_AUTH_URL
username = tricircle
password = $TRICIRCLE_LAB_SERVICE_PASSWORD
project_name = service

[client]
admin_username = $OS_USERNAME
admin_password = $OS_PASSWORD
admin_tenant = $OS_PROJECT_NAME
top_region_name = $CENTRAL

[network]
type_drivers = local,flat,vlan,vxlan
tenant_network_types = vxlan,local
network_vlan_ranges = physnet1:150:199
vni_ranges = 9000:9999
flat_networks = public,physnet1
default_region_for_external_network = ${REGIONS[0]}
EOF
  (unset "${!OS_@}"; "$bin" db sync --config-file "$TC/tricircle.conf") >"$LAB_LOG/tempest-tricircle.out" 2>&1 \
    || { tail -n 30 "$LAB_LOG/tempest-tricircle.out" >&2; die "tricircle db sync failed"; }
  (unset "${!OS_@}"; setsid "$bin" serve --config-file "$TC/tricircle.conf" >>"$LAB_LOG/tempest-tricircle.out" 2>&1 </dev/null &
   echo $! >"$TC_PID")
  log "started Tricircle (pid $(cat "$TC_PID")), log $LAB_LOG/tempest-tricircle.out"
  local u
  for u in "http://127.0.0.1:$NETWORK_PORT/" "http://127.0.0.1:$ADMIN_PORT/"; do
    for _ in $(seq 1 120); do
      curl -s -o /dev/null -m 2 "$u" && break
      kill -0 "$(cat "$TC_PID")" 2>/dev/null || { tail -n 30 "$LAB_LOG/tempest-tricircle.out" >&2; die "tricircle serve exited"; }
      sleep 0.5
    done
  done
  "${HELPER[@]}" register tricircle tricircle "$ADMIN_URL" "$ENDPOINTS"
  "${HELPER[@]}" register network neutron "http://127.0.0.1:$NETWORK_PORT/" "$ENDPOINTS"
  "${HELPER[@]}" pods "$ADMIN_URL" "$CENTRAL" "${REGIONS[@]}"
  log "Tricircle serves CentralRegion's network API at :$NETWORK_PORT; pods: $CENTRAL ${REGIONS[*]}"
}

settle() { "${HELPER[@]}" settle "$ADMIN_URL" 300; }
EXT_MADE=0
delete_extnet() {
  if [[ $EXT_MADE == 1 ]]; then
    "${HELPER[@]}" extnet-delete "$REGION" "$EXT_NAME" >&2 || log "could not delete $EXT_NAME"
    EXT_MADE=0
  fi
}
cleanup() {
  local rc=$?
  delete_extnet   # a run that ended early: its external network goes before Tricircle does
  if [[ $TARGET == central ]]; then
    settle >/dev/null 2>&1 || true
    tricircle_stop
  fi
  exit $rc
}
trap cleanup EXIT

# ------------------------------------------------------------------------------------------
mkdir -p "$OUT" "$LAB_VAR/tempest"
rm -f "$OUT"/*
if [[ $TARGET == central ]]; then tricircle_start; fi

log "external network $EXT_NAME ($EXT_CIDR, flat physnet1) through $REGION"
EXT_MADE=1
EXT_ID=$("${HELPER[@]}" extnet "$REGION" "$EXT_NAME" physnet1 "$EXT_CIDR")

if [[ ! -f $WORK/.stestr.conf ]]; then
  rm -rf "$WORK"; (cd "$LAB_VAR/tempest" && tempest init "$WORK" >/dev/null)   # (init logs to ./tempest.log)
fi
"${HELPER[@]}" conf "$REGION" "$EXT_ID" "$EXT_NAME" "$WORK/etc/tempest.conf"

log "tempest run --regex '$REGEX' --concurrency $CONCURRENCY against $REGION"
t=$SECONDS
rc=0
# lab/tempest-python/sitecustomize.py: subnet deletes without Debian's extra 10 s sleep (upstream's)
(cd "$WORK" && rm -f tempest.log && PYTHONPATH=$ROOT/lab/tempest-python \
   tempest run --regex "$REGEX" --concurrency "$CONCURRENCY") >"$OUT/run.txt" 2>&1 || rc=$?
(cd "$WORK" && stestr last --subunit) >"$OUT/run.subunit" 2>/dev/null || true
cp "$WORK/etc/tempest.conf" "$OUT/tempest.conf"; cp "$WORK/tempest.log" "$OUT/tempest.log" 2>/dev/null || true
log "tempest: $((SECONDS - t)) s (exit $rc); output $OUT/run.txt"
read -r passed failed skipped xfailed < <("${HELPER[@]}" results "$OUT/run.subunit" "$EXPECTED" "$TARGET" "$OUT/report.txt")
if ((passed + failed + skipped + xfailed == 0)); then
  tail -n 40 "$OUT/run.txt" >&2
  failed=1
fi

# Cleanup: tempest deleted what it made; after Tricircle's jobs carried that to the pods, and the
# stage's external network is deleted too, nothing of it may remain centrally or in any pod:
# counted as one more test (lab/tempest_lab.py leftovers)
check_regions=("${REGIONS[@]}")
if [[ $TARGET == central ]]; then
  settle >>"$OUT/jobs.txt" 2>&1 || cat "$OUT/jobs.txt" >&2
  check_regions=("$CENTRAL" "${REGIONS[@]}")
fi
delete_extnet
if [[ $TARGET == central ]]; then settle >>"$OUT/jobs.txt" 2>&1 || cat "$OUT/jobs.txt" >&2; fi
if "${HELPER[@]}" leftovers "${check_regions[@]}" >"$OUT/leftovers.txt" 2>&1; then
  passed=$((passed + 1)); echo "PASSED leftover check: $(tail -n 1 "$OUT/leftovers.txt")" >>"$OUT/report.txt"
else
  failed=$((failed + 1)); echo "FAILED leftover check (see $OUT/leftovers.txt)" >>"$OUT/report.txt"
  cat "$OUT/leftovers.txt" >&2
fi

echo "== tempest ($REGION): report $OUT/report.txt"
# (".ci/run" repeats lines "  Failed <name>" at the end of its log)
sed -n 's/^FAILED  */  Failed /p; s/^NOT RUN (listed)  */  not run (listed) /p; s/^EXPECTED FAILURE  */  expected failure /p' "$OUT/report.txt"
echo "tempest ($REGION): $passed passed, $failed failed, $skipped skipped, $xfailed expected failures; $((SECONDS - T0)) s"
echo "$passed passed, $failed failed"
if ((failed > 0)); then exit 1; fi
