#!/usr/bin/env bash
# The show path against a plain reverse proxy: GET /v2.1/servers/{id} of one server in RegionOne,
# (1) directly on the emulated pod's Nova, (2) through nginx with keep-alive to that Nova,
# (3) through a bare .NET proxy (Kestrel and YARP's forwarder, nothing else: the floor of any .NET
# gateway here), (4) through Tricircle's Nova gateway; same token, wrk at each concurrency; a table.
#
#   bench/proxy.sh [seconds-per-run] [concurrencies]     e.g. bench/proxy.sh 10 "1 16 64"
#
# Needs: wrk and nginx (Debian: apt-get install -y wrk nginx-light), the .NET SDK,
# python3-openstackclient, curl and jq. Nothing is installed by this script.
set -euo pipefail

DURATION=${1:-10}
CONCURRENCIES=${2:-"1 16 64"}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tricircle-proxy-bench.XXXXXX")
SANDBOX_PID=""
NGINX_PID=""
FLOOR_PID=""
GATEWAY_PID=""

missing=()
for tool in wrk nginx dotnet openstack curl jq; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "missing: ${missing[*]} (Debian: apt-get install -y wrk nginx-light jq curl python3-openstackclient)" >&2
    exit 2
fi

cleanup() {
    [[ -n "$NGINX_PID" ]] && kill "$NGINX_PID" 2>/dev/null || true
    [[ -n "$FLOOR_PID" ]] && kill "$FLOOR_PID" 2>/dev/null || true
    [[ -n "$GATEWAY_PID" ]] && kill "$GATEWAY_PID" 2>/dev/null || true
    [[ -n "$SANDBOX_PID" ]] && kill "$SANDBOX_PID" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# TRICIRCLE_DLL: a build of its own (e.g. an older commit's, to compare); else a Release build of this tree.
DLL=${TRICIRCLE_DLL:-$ROOT/src/Tricircle/bin/Release/net10.0/tricircle.dll}
if [[ -z "${TRICIRCLE_DLL:-}" ]]; then
    echo "building (Release)..." >&2
    dotnet build -c Release "$ROOT/src/Tricircle" -v q -nologo >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
fi
BENCH=$ROOT/bench/Tricircle.Bench/bin/Release/net10.0/Tricircle.Bench.dll
dotnet build -c Release "$ROOT/bench/Tricircle.Bench" -v q -nologo >"$WORK/build-bench.log" 2>&1 || { cat "$WORK/build-bench.log" >&2; exit 1; }

echo "starting the sandbox in $WORK/sandbox..." >&2
dotnet "$DLL" sandbox --data-dir "$WORK/sandbox" \
    --keystone-port 0 --admin-port 0 --compute-port 0 --volume-port 0 --image-port 0 --network-port 0 \
    >"$WORK/sandbox.log" 2>&1 &
SANDBOX_PID=$!
for _ in $(seq 1 300); do
    [[ -f "$WORK/sandbox/sandbox.json" && -f "$WORK/sandbox/openrc.demo" ]] && break
    kill -0 "$SANDBOX_PID" 2>/dev/null || { cat "$WORK/sandbox.log" >&2; exit 1; }
    sleep 0.2
done

# shellcheck disable=SC1091
source "$WORK/sandbox/openrc.demo"
echo "booting one server in RegionOne through the gateway..." >&2
openstack network create bench-net -f value -c id >/dev/null
openstack subnet create --network bench-net --subnet-range 10.99.0.0/24 bench-sub -f value -c id >/dev/null
SERVER=$(openstack server create --flavor m1.tiny --image cirros --network bench-net --availability-zone az1 --wait bench-vm -f value -c id | grep -E '^[0-9a-f-]{36}$' | tail -1)
# The token and the catalog in one Keystone call (the demo user may not list endpoints).
KEYSTONE=${OS_AUTH_URL%/}; [[ "$KEYSTONE" == */v3 ]] || KEYSTONE=$KEYSTONE/v3
curl -s -D "$WORK/token.headers" -o "$WORK/token.json" -H 'Content-Type: application/json' "$KEYSTONE/auth/tokens" -d "$(jq -n \
    --arg u "$OS_USERNAME" --arg p "$OS_PASSWORD" --arg project "$OS_PROJECT_NAME" \
    '{auth: {identity: {methods: ["password"], password: {user: {name: $u, domain: {name: "Default"}, password: $p}}},
             scope: {project: {name: $project, domain: {name: "Default"}}}}}')"
TOKEN=$(awk 'tolower($1) == "x-subject-token:" { print $2 }' "$WORK/token.headers" | tr -d '\r')
endpoint() { jq -r --arg r "$1" '.token.catalog[] | select(.type == "compute") | .endpoints[] | select(.region == $r and .interface == "public") | .url' "$WORK/token.json" | head -1; }
CENTRAL=$(endpoint "$OS_REGION_NAME")
POD=$(endpoint RegionOne)
# The catalog URLs may carry a project id template; the show path is under /v2.1 either way.
CENTRAL=${CENTRAL%%/v2.1*}
POD=${POD%%/v2.1*}
POD_HOSTPORT=$(echo "$POD" | sed -E 's#^https?://([^/]+).*#\1#')

NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/tmp;
    proxy_temp_path $WORK/nginx/tmp;
    upstream pod { server $POD_HOSTPORT; keepalive 128; }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            proxy_pass http://pod;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
        }
    }
}
EOF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
FLOOR_PORT=$(free_port)
dotnet "$BENCH" forwarder-floor "$FLOOR_PORT" "$POD" >"$WORK/floor.log" 2>&1 &
FLOOR_PID=$!

# Tricircle's Nova gateway in a process of its own, as in production: the sandbox's configuration
# (its database, Keystone and pods) with only the compute role, on its own port. (The sandbox's
# own gateway shares its process with the emulated pods, their threads and their garbage.)
GATEWAY_PORT=$(free_port)
printf '[DEFAULT]\ncompute_port = %s\n' "$GATEWAY_PORT" >"$WORK/gateway.conf"
dotnet "$DLL" serve --config-file "$WORK/sandbox/tricircle.conf" --config-file "$WORK/gateway.conf" --roles compute >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!

declare -A URLS=(
    [direct]="$POD/v2.1/servers/$SERVER"
    [nginx]="http://127.0.0.1:$NGINX_PORT/v2.1/servers/$SERVER"
    [yarp]="http://127.0.0.1:$FLOOR_PORT/v2.1/servers/$SERVER"
    [tricircle]="http://127.0.0.1:$GATEWAY_PORT/v2.1/servers/$SERVER"
)
for path in direct nginx yarp tricircle; do
    for _ in $(seq 1 300); do # nginx, the floor proxy and the gateway may still be starting
        code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $TOKEN" "${URLS[$path]}" || true)
        [[ "$code" == 000 ]] || break
        sleep 0.1
    done
    [[ "$code" == 200 ]] || { echo "$path answered $code for ${URLS[$path]}" >&2; exit 1; }
done

# wrk's latency in microseconds: "1.23ms" -> 1230.
micros() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else if (v ~ /s$/) print n * 1000000; else print n }'; }

# The CPU time (user + system) in microseconds of the .NET processes (the sandbox with the emulated
# pod, the floor proxy, the gateway): per request, it is far less noisy than latency on a shared
# machine. The direct row is the pod's own cost, so tricircle minus direct is the gateway's, and
# yarp minus direct the bare .NET proxy's.
cpu_us() {
    awk -v hz="$(getconf CLK_TCK)" '{ t += ($14 + $15) } END { printf "%d", t * 1000000 / hz }' "/proc/$SANDBOX_PID/stat" "/proc/$FLOOR_PID/stat" "/proc/$GATEWAY_PID/stat"
}

# A long warm-up of every path first: the .NET processes reach their steady code only after
# tens of thousands of requests (tiered compilation, dynamic PGO); a short one left the c=1 rows
# measuring the JIT.
WARMUP=${WARMUP:-15}
for path in direct nginx yarp tricircle; do
    wrk -t2 -c16 -d"${WARMUP}s" -H "X-Auth-Token: $TOKEN" "${URLS[$path]}" >/dev/null
done

declare -A P50 P99 RPS CPU
for c in $CONCURRENCIES; do
    threads=$((c < 2 ? 1 : 2))
    for path in direct nginx yarp tricircle; do
        # A short warm-up at this concurrency (connection pools), then the measured run.
        wrk -t"$threads" -c"$c" -d2s -H "X-Auth-Token: $TOKEN" "${URLS[$path]}" >/dev/null
        cpu_before=$(cpu_us)
        out=$(wrk -t"$threads" -c"$c" -d"${DURATION}s" --latency -H "X-Auth-Token: $TOKEN" "${URLS[$path]}")
        cpu_after=$(cpu_us)
        echo "$out" >"$WORK/wrk-$path-c$c.txt"
        if grep -q "Non-2xx" <<<"$out"; then
            echo "$path at c=$c had non-2xx answers:" >&2
            echo "$out" >&2
            exit 1
        fi
        P50[$path,$c]=$(micros "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
        P99[$path,$c]=$(micros "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
        RPS[$path,$c]=$(awk '$1 == "Requests/sec:" { printf "%d", $2 }' <<<"$out")
        CPU[$path,$c]=$(awk -v d=$((cpu_after - cpu_before)) '$2 == "requests" && $3 == "in" { printf "%d", d / $1 }' <<<"$out")
        echo "c=$c $path: p50 ${P50[$path,$c]} us, p99 ${P99[$path,$c]} us, ${RPS[$path,$c]} req/s, sandbox CPU ${CPU[$path,$c]} us/req" >&2
    done
done

echo
echo "$(date -u +%Y-%m-%d), commit $(git -C "$ROOT" rev-parse --short HEAD)$([[ -n "${TRICIRCLE_DLL:-}" ]] && echo " (Tricircle: $DLL)"), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), ${DURATION} s per run"
echo
echo "| path | c | p50 µs | p99 µs | req/s | added p50 vs direct µs | .NET CPU µs/req |"
echo "|---|---|---|---|---|---|---|"
for c in $CONCURRENCIES; do
    for path in direct nginx yarp tricircle; do
        added=$(awk -v a="${P50[$path,$c]}" -v b="${P50[direct,$c]}" 'BEGIN { printf "%d", a - b }')
        printf '| %s | %s | %d | %d | %s | %s | %s |\n' "$path" "$c" "${P50[$path,$c]}" "${P99[$path,$c]}" "${RPS[$path,$c]}" "$([[ $path == direct ]] && echo - || echo "$added")" "${CPU[$path,$c]}"
    done
done
rm -rf "$WORK"
