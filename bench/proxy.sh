#!/usr/bin/env bash
# The show path against a plain reverse proxy: GET /v2.1/servers/{id} of one server in RegionOne,
# (1) directly on the emulated pod's Nova, (2) through nginx with keep-alive to that Nova,
# (3) through a bare .NET proxy (Kestrel and YARP's forwarder, nothing else: the floor of any .NET
# gateway here), (4) through Tricircle's Nova gateway; same token, wrk at each concurrency; a table.
#
#   bench/proxy.sh [seconds-per-run] [concurrencies]     e.g. bench/proxy.sh 10 "1 16 64"
#
# ROUNDS=N repeats the measured runs N times, every path in turn each round, and reports the
# medians: the machine's load drifts within minutes, and paths measured in alternation drift
# alike. TRICIRCLE_DLL_B=path/to/tricircle.dll adds a second gateway (another build, e.g. the
# commit before a change) as the path tricircle-b, run beside the first in the same rounds:
# a change's effect told from the machine's drift.
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
GATEWAY_B_PID=""

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
    [[ -n "$GATEWAY_B_PID" ]] && kill "$GATEWAY_B_PID" 2>/dev/null || true
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
PATHS="direct nginx yarp tricircle"
if [[ -n "${TRICIRCLE_DLL_B:-}" ]]; then
    GATEWAY_B_PORT=$(free_port)
    printf '[DEFAULT]\ncompute_port = %s\n' "$GATEWAY_B_PORT" >"$WORK/gateway-b.conf"
    dotnet "$TRICIRCLE_DLL_B" serve --config-file "$WORK/sandbox/tricircle.conf" --config-file "$WORK/gateway-b.conf" --roles compute >"$WORK/gateway-b.log" 2>&1 &
    GATEWAY_B_PID=$!
    URLS[tricircle-b]="http://127.0.0.1:$GATEWAY_B_PORT/v2.1/servers/$SERVER"
    PATHS="$PATHS tricircle-b"
fi
ROUNDS=${ROUNDS:-1}
for path in $PATHS; do
    for _ in $(seq 1 300); do # nginx, the floor proxy and the gateway may still be starting
        code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $TOKEN" "${URLS[$path]}" || true)
        [[ "$code" == 000 ]] || break
        sleep 0.1
    done
    [[ "$code" == 200 ]] || { echo "$path answered $code for ${URLS[$path]}" >&2; exit 1; }
done

# wrk's latency in microseconds: "1.23ms" -> 1230.
micros() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000; else if (v ~ /s$/) print n * 1000000; else print n }'; }

# CPU time (user + system) in microseconds: per request, far less noisy than latency on a shared
# machine. Two figures per path: the sandbox's (the emulated pod; its own cost on the direct row)
# and the proxy's own processes' (nginx's master and workers, the floor proxy, the gateway).
cpu_us() {
    awk -v hz="$(getconf CLK_TCK)" '{ t += ($14 + $15) } END { printf "%d", t * 1000000 / hz }' "$@"
}
proxy_stats() {
    case "$1" in
        direct) echo /dev/null ;;
        nginx) for pid in "$NGINX_PID" $(pgrep -P "$NGINX_PID"); do echo "/proc/$pid/stat"; done ;;
        yarp) echo "/proc/$FLOOR_PID/stat" ;;
        tricircle) echo "/proc/$GATEWAY_PID/stat" ;;
        tricircle-b) echo "/proc/$GATEWAY_B_PID/stat" ;;
    esac
}
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# A long warm-up of every path first: the .NET processes reach their steady code only after
# tens of thousands of requests (tiered compilation, dynamic PGO); a short one left the c=1 rows
# measuring the JIT.
WARMUP=${WARMUP:-15}
for path in $PATHS; do
    wrk -t2 -c16 -d"${WARMUP}s" -H "X-Auth-Token: $TOKEN" "${URLS[$path]}" >/dev/null
done

# Each measurement appended per round (space-separated), the medians taken at the end.
declare -A P50 P99 RPS POD_CPU PROXY_CPU
for c in $CONCURRENCIES; do
    threads=$((c < 2 ? 1 : 2))
    for round in $(seq 1 "$ROUNDS"); do
        for path in $PATHS; do
            # A short warm-up at this concurrency (connection pools), then the measured run.
            wrk -t"$threads" -c"$c" -d2s -H "X-Auth-Token: $TOKEN" "${URLS[$path]}" >/dev/null
            mapfile -t stats < <(proxy_stats "$path")
            pod_before=$(cpu_us "/proc/$SANDBOX_PID/stat")
            proxy_before=$(cpu_us "${stats[@]}")
            out=$(wrk -t"$threads" -c"$c" -d"${DURATION}s" --latency -H "X-Auth-Token: $TOKEN" "${URLS[$path]}")
            pod_after=$(cpu_us "/proc/$SANDBOX_PID/stat")
            proxy_after=$(cpu_us "${stats[@]}")
            echo "$out" >"$WORK/wrk-$path-c$c-$round.txt"
            if grep -q "Non-2xx" <<<"$out"; then
                echo "$path at c=$c had non-2xx answers:" >&2
                echo "$out" >&2
                exit 1
            fi
            per_request() { awk -v d="$1" '$2 == "requests" && $3 == "in" { printf "%d", d / $1 }' <<<"$out"; }
            p50=$(micros "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
            p99=$(micros "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
            rps=$(awk '$1 == "Requests/sec:" { printf "%d", $2 }' <<<"$out")
            pod=$(per_request $((pod_after - pod_before)))
            proxy=$(per_request $((proxy_after - proxy_before)))
            P50[$path,$c]+=" $p50"; P99[$path,$c]+=" $p99"; RPS[$path,$c]+=" $rps"; POD_CPU[$path,$c]+=" $pod"; PROXY_CPU[$path,$c]+=" $proxy"
            echo "c=$c round $round $path: p50 $p50 us, p99 $p99 us, $rps req/s, pod CPU $pod us/req, proxy CPU $proxy us/req" >&2
        done
    done
    for path in $PATHS; do
        for metric in P50 P99 RPS POD_CPU PROXY_CPU; do
            declare -n values=$metric
            values[$path,$c]=$(median <<<"${values[$path,$c]}")
            unset -n values
        done
    done
done

echo
echo "$(date -u +%Y-%m-%d), commit $(git -C "$ROOT" rev-parse --short HEAD)$([[ -n "${TRICIRCLE_DLL:-}" ]] && echo " (tricircle: $DLL)")$([[ -n "${TRICIRCLE_DLL_B:-}" ]] && echo " (tricircle-b: $TRICIRCLE_DLL_B)"), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), ${DURATION} s per run$( ((ROUNDS > 1)) && echo ", medians of $ROUNDS rounds")"
echo
echo "| path | c | p50 µs | p99 µs | req/s | added p50 vs direct µs | pod CPU µs/req | proxy CPU µs/req |"
echo "|---|---|---|---|---|---|---|---|"
for c in $CONCURRENCIES; do
    for path in $PATHS; do
        added=$(awk -v a="${P50[$path,$c]}" -v b="${P50[direct,$c]}" 'BEGIN { printf "%d", a - b }')
        printf '| %s | %s | %d | %d | %s | %s | %s | %s |\n' "$path" "$c" "${P50[$path,$c]}" "${P99[$path,$c]}" "${RPS[$path,$c]}" \
            "$([[ $path == direct ]] && echo - || echo "$added")" "${POD_CPU[$path,$c]}" "$([[ $path == direct ]] && echo - || echo "${PROXY_CPU[$path,$c]}")"
    done
done
rm -rf "$WORK"
