#!/usr/bin/env bash
# Proxy benchmark (issue #7 item 6): sentryd vs nginx vs haproxy, configured the
# same way, in front of one fast fixture ActiveSync backend. Prints one table.
# Never run by `make test`; `make bench` calls it (after install-deps --bench).
#
# Same for all three: TLS termination with one throwaway ECDSA P-256 cert,
# TLS 1.2 + 1.3 with sentryd's TLS 1.2 cipher list and groups (TLS 1.3 suites
# are OpenSSL's defaults), plain HTTP/1.1 keep-alive to the backend, one
# worker / one thread pinned to CPU $PROXY_CPU. The load tools and the backend
# run on CPU $LOAD_CPU. Contenders are interleaved inside every round and the
# median over $ROUNDS rounds is reported; sentryd's ratios to nginx are the
# median of the per-round ratios (same round, same machine state).
#
# Figures (see docs/BENCHMARKS.md for the details):
#   keep-alive Sync req/s, p50, p99  wrk --latency, $KA_CONNECTIONS connections, $DURATION s
#   new TLS conn/s                   sentry-bench-tls handshakes: full handshake (no
#                                    resumption), one Sync, close; $HS_CONCURRENCY threads
#   KB RSS per held Ping             VmRSS delta of the proxy process with $HELD Pings
#                                    held by the backend, divided by $HELD
#
# Env: BUILD ROUNDS DURATION KA_CONNECTIONS HS_SECONDS HS_CONCURRENCY HELD
#      PING_HOLD_S PROXY_CPU LOAD_CPU CONTENDERS ("sentryd nginx haproxy")
#      PROFILE (0; 1 = sample the proxy with `perf record -e cpu-clock` during
#      the keep-alive run and add a table of CPU microseconds per Sync split
#      into kernel, OpenSSL, libc and the proxy's own code)
set -euo pipefail

BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
KA_CONNECTIONS=${KA_CONNECTIONS:-32}
HS_SECONDS=${HS_SECONDS:-$DURATION}
HS_CONCURRENCY=${HS_CONCURRENCY:-8}
HELD=${HELD:-5000}
PING_HOLD_S=${PING_HOLD_S:-300}
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
CONTENDERS=${CONTENDERS:-"sentryd nginx haproxy"}
PROFILE=${PROFILE:-0}
# perf's cpu-clock sampling period: one sample per 250 us of the proxy's CPU.
PERF_PERIOD_NS=250000

SENTRYD="$BUILD/daemon/sentryd"
BACKEND="$BUILD/scripts/bench/sentry-bench-backend"
TLSLOAD="$BUILD/scripts/bench/sentry-bench-tls"
EAS_SYNC="/Microsoft-Server-ActiveSync?Cmd=Sync&User=bench&DeviceId=BENCH0001&DeviceType=SmartPhone"
EAS_PING="/Microsoft-Server-ActiveSync?Cmd=Ping&User=bench&DeviceId=BENCH0001&DeviceType=SmartPhone"
# sentryd's TLS 1.2 list (daemon/src/tls_context.cpp) and groups, given to all three.
TLS12_CIPHERS="ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"
TLS_GROUPS="X25519:P-256:P-384"

die() { echo "bench-proxy: $*" >&2; exit 1; }
log() { echo "bench-proxy: $*" >&2; }

for tool in nginx haproxy wrk taskset openssl curl python3; do
    command -v "$tool" >/dev/null || die "$tool not found: run scripts/install-deps.sh --bench"
done
for bin in "$BACKEND" "$TLSLOAD"; do
    [ -x "$bin" ] || die "$bin not built (BUILD=$BUILD)"
done
[ "$PROFILE" = 0 ] || command -v perf >/dev/null || die "PROFILE=1 needs perf (linux-perf)"
case " $CONTENDERS " in *" sentryd "*) [ -x "$SENTRYD" ] || die "$SENTRYD not built (BUILD=$BUILD)" ;; esac
[ "$(nproc)" -ge 2 ] || log "only $(nproc) CPU: proxy and load share it, figures mean little"

# Every proxy needs two descriptors per held Ping (device + backend side).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
if [ "$NOFILE" != unlimited ] && [ $((2 * HELD + 1000)) -gt "$NOFILE" ]; then
    HELD=$(((NOFILE - 1000) / 2))
    log "descriptor limit $NOFILE: holding only $HELD Pings"
fi

T=$(mktemp -d /tmp/sentry-bench-proxy.XXXXXX)
PIDS=()          # everything this script started and has not reaped yet
BACKEND_PID=""
# forget PID: reaped, so never signalled again (its number may be reused).
forget() {
    local p keep=()
    for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}
# any_alive: a process of ours has not exited yet (a zombie has).
any_alive() {
    local p
    for p in "${PIDS[@]}"; do
        case "$(ps -o stat= -p "$p" 2>/dev/null)" in "" | Z*) ;; *) return 0 ;; esac
    done
    return 1
}
WORKERS=()      # nginx workers: not our children, checked by name before a signal
# stop_all: SIGTERM, 3 s grace (sentryd drains busy sessions for up to 30 s,
# and Pings it still holds upstream are busy), then SIGKILL; reap everything.
stop_all() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for _ in $(seq 30); do any_alive || break; sleep 0.1; done
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    for p in "${WORKERS[@]}"; do
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" = nginx ] && kill -KILL "$p" 2>/dev/null || true
    done
    PIDS=()
    WORKERS=()
}
cleanup() {
    stop_all
    if [ -n "$BACKEND_PID" ]; then
        kill "$BACKEND_PID" 2>/dev/null || true
        wait "$BACKEND_PID" 2>/dev/null || true
    fi
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# utime + stime of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)
# wait_tls PORT: until a TLS listener answers anything over HTTP.
wait_tls() {
    local i
    for i in $(seq 100); do
        curl -sk -o /dev/null --max-time 2 "https://127.0.0.1:$1/" && return 0
        sleep 0.1
    done
    return 1
}
backend_stat() {  # backend_stat KEY
    curl -s --max-time 5 "http://127.0.0.1:$BACKEND_PORT/__stats" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
result() { printf '%s\t%s\t%s\t%s\n' "$ROUND" "$1" "$2" "$3" >>"$T/results.tsv"; }

# --- fixtures: certificate and backend -------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -keyout "$T/bench.key" -out "$T/bench.crt" >/dev/null 2>&1 ||
    die "openssl could not make the certificate"
cat "$T/bench.crt" "$T/bench.key" >"$T/bench.pem"

taskset -c "$LOAD_CPU" "$BACKEND" --ping-hold-ms $((PING_HOLD_S * 1000)) >"$T/backend.out" 2>"$T/backend.err" &
BACKEND_PID=$!
for _ in $(seq 50); do grep -q '^port ' "$T/backend.out" 2>/dev/null && break; sleep 0.1; done
BACKEND_PORT=$(awk '/^port / {print $2}' "$T/backend.out")
[ -n "$BACKEND_PORT" ] || die "backend did not start: $(cat "$T/backend.err")"

cat >"$T/sync.lua" <<'LUA'
-- One EAS Sync per request on kept-alive connections; prints wrk's own figures as JSON.
wrk.method = "POST"
wrk.body = "\3\1\106\0\69\92\79\75\3\49\0\1\1\1\1"
wrk.headers["Content-Type"] = "application/vnd.ms-sync.wbxml"
wrk.headers["MS-ASProtocolVersion"] = "14.1"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
LUA

# --- the three proxies -----------------------------------------------------
# start_X sets PORT_X and MPID_X (the process serving connections: what we
# measure) and adds what it starts to PIDS.
declare -A PORT MPID NA

start_sentryd() {
    local d="$T/sentryd.$ROUND" port rep
    mkdir -p "$d"
    port=$(free_port)
    SENTRY_STATE_DIR="$d" taskset -c "$PROXY_CPU" "$SENTRYD" --listen "127.0.0.1:$port" \
        --cert "$T/bench.crt" --key "$T/bench.key" --control "$d/sentryd.sock" >"$d/log" 2>&1 &
    PIDS+=($!)
    MPID[sentryd]=$!
    PORT[sentryd]=$port
    wait_tls "$port" || { NA[sentryd]="did not start: $(tail -1 "$d/log")"; return; }
    # The snapshot shape of docs/sentryd-config.md: one default service with
    # the backend as its only server, cleartext upstream. Audit records off,
    # as nginx's access_log and haproxy's logging are (AUDIT=1 turns them on:
    # two syslog datagrams per request, docs/logging-sentryd.md).
    rep=$(python3 - "$d/sentryd.sock" "$BACKEND_PORT" <<'PY'
import json, os, socket, struct, sys
cfg = {"hostname": "bench",
       "logging": {"audit": os.environ.get("AUDIT") == "1", "health_monitor": False},
       "activesync": {"enabled": True, "services": [{
           "name": "default", "servers": [{"host": "127.0.0.1", "port": int(sys.argv[2])}],
           "tls": False, "verify": False, "scheduling": "priority"}]}}
req = json.dumps({"v": 1, "id": 1, "op": "config.apply", "args": {"version": 1, "config": cfg}}).encode()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(struct.pack(">I", len(req)) + req)
def exact(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c: raise SystemExit("control socket closed")
        b += c
    return b
(n,) = struct.unpack(">I", exact(4))
print(exact(n).decode())
PY
    ) || rep="control socket failed"
    case "$rep" in
        *'"ok":true'*) ;;
        *) NA[sentryd]="config.apply refused: $rep" ;;
    esac
}

start_nginx() {
    local d="$T/nginx.$ROUND" port
    mkdir -p "$d/logs" "$d/tmp"
    port=$(free_port)
    cat >"$d/nginx.conf" <<EOF
# Only meaningful when started as root; then it keeps the current user.
user $(id -un) $(id -gn);
worker_processes 1;
worker_rlimit_nofile $NOFILE;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections $((2 * HELD + 1000)); }
http {
    access_log off;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    keepalive_requests 1000000;   # 1.22 closes a device connection after 1000 requests otherwise
    keepalive_timeout 75s;
    upstream eas {
        server 127.0.0.1:$BACKEND_PORT;
        keepalive 128;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $T/bench.crt;
        ssl_certificate_key $T/bench.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers $TLS12_CIPHERS;
        ssl_prefer_server_ciphers on;
        ssl_ecdh_curve $TLS_GROUPS;
        location / {
            proxy_pass http://eas;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_connect_timeout 10s;
            proxy_send_timeout 10s;
            proxy_read_timeout 3600s;   # held Pings
        }
    }
}
EOF
    taskset -c "$PROXY_CPU" nginx -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log" -g 'daemon off;' \
        >"$d/out" 2>&1 &
    PIDS+=($!)
    local master=$! w=""
    PORT[nginx]=$port
    wait_tls "$port" || { NA[nginx]="did not start: $(tail -1 "$d/logs/error.log" 2>/dev/null)"; return; }
    for _ in $(seq 50); do
        w=$(ps -o pid= --ppid "$master" | head -1 | tr -d ' ')
        [ -n "$w" ] && break
        sleep 0.1
    done
    [ -n "$w" ] || { NA[nginx]="no worker process"; return; }
    MPID[nginx]=$w
    WORKERS+=("$w")
}

start_haproxy() {
    local d="$T/haproxy.$ROUND" port
    mkdir -p "$d"
    port=$(free_port)
    cat >"$d/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn $((HELD + 500))
    ssl-default-bind-ciphers $TLS12_CIPHERS
    ssl-default-bind-options ssl-min-ver TLSv1.2
defaults
    mode http
    option http-keep-alive
    option forwardfor
    http-reuse always
    timeout connect 10s
    timeout http-request 10s
    timeout http-keep-alive 75s
    timeout client 3600s
    timeout server 3600s
frontend eas
    bind 127.0.0.1:$port ssl crt $T/bench.pem curves $TLS_GROUPS
    default_backend eas
backend eas
    server s1 127.0.0.1:$BACKEND_PORT
EOF
    taskset -c "$PROXY_CPU" haproxy -f "$d/haproxy.cfg" -db >"$d/out" 2>&1 &
    PIDS+=($!)
    MPID[haproxy]=$!
    PORT[haproxy]=$port
    wait_tls "$port" || NA[haproxy]="did not start: $(tail -1 "$d/out")"
}

# A Sync through the proxy must come back 200 from the backend; anything else
# marks the proxy n/a for this round instead of timing error pages.
preflight() {
    local p=$1 code
    [ -z "${NA[$p]:-}" ] || return 0
    code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
        -H 'MS-ASProtocolVersion: 14.1' -H 'Content-Type: application/vnd.ms-sync.wbxml' \
        --data-binary x "https://127.0.0.1:${PORT[$p]}$EAS_SYNC") || true
    [ "$code" = 200 ] || NA[$p]="$p answered ${code:-nothing}"
}

# --- the three measurements ------------------------------------------------
measure_held() {
    local p=$1 pid=${MPID[$p]} before after sent held=0 base left out="$T/hold.$p.$ROUND" hp
    # The backend counts every Ping it holds, whoever sent it: count ours as
    # the increase over what it holds now (0 unless a proxy left some behind).
    base=$(backend_stat held)
    before=$(rss_kb "$pid")
    taskset -c "$LOAD_CPU" "$TLSLOAD" hold --connect "127.0.0.1:${PORT[$p]}" --target "$EAS_PING" \
        --count "$HELD" --concurrency 16 >"$out" 2>&1 &
    hp=$!
    PIDS+=($hp)
    for _ in $(seq 1200); do grep -q '^sent ' "$out" && break; sleep 0.1; done
    sent=$(awk '/^sent / {print $2}' "$out")
    # Held means the proxy has forwarded it and the backend is sitting on it.
    for _ in $(seq 300); do
        held=$(($(backend_stat held) - base))
        [ "${sent:-0}" -gt 0 ] && [ "$held" -ge "$sent" ] && break
        sleep 0.2
    done
    sleep 1
    held=$(($(backend_stat held) - base))
    after=$(rss_kb "$pid")
    kill "$hp" 2>/dev/null || true
    wait "$hp" 2>/dev/null || true
    forget "$hp"
    # The devices are gone: a proxy should now drop the upstream side too.
    for _ in $(seq 50); do
        left=$(($(backend_stat held) - base))
        [ "$left" -le 0 ] && break
        sleep 0.2
    done
    if [ "$left" -gt 0 ]; then
        result "$p" held_note "still holding $left Pings upstream 10 s after their devices disconnected"
    fi
    if [ "$held" -lt $((HELD * 9 / 10)) ]; then
        result "$p" held_note "only $held of $HELD Pings held ($(head -1 "$out"))"
        log "$p: only $held of $HELD Pings reached the backend: $(head -1 "$out")"
        return
    fi
    result "$p" held_kb "$(python3 -c "print(($after - $before) / $held)")"
    result "$p" held_n "$held"
}

measure_keepalive() {
    local p=$1 pid=${MPID[$p]} c0 c1 out="$T/wrk.$p.$ROUND"
    local perf_pid="" perf_out="$T/perf.$p.$ROUND"
    if [ "$PROFILE" != 0 ]; then
        # perf runs on the load CPU, so its own work is not charged to the proxy.
        taskset -c "$LOAD_CPU" perf record -q -e cpu-clock -c "$PERF_PERIOD_NS" -p "$pid" \
            -o "$perf_out" >/dev/null 2>&1 &
        perf_pid=$!
        PIDS+=($perf_pid)
        sleep 0.2
    fi
    c0=$(cpu_ticks "$pid")
    taskset -c "$LOAD_CPU" wrk -t1 -c"$KA_CONNECTIONS" -d"${DURATION}s" --latency -s "$T/sync.lua" \
        "https://127.0.0.1:${PORT[$p]}$EAS_SYNC" >"$out" 2>&1 || true
    c1=$(cpu_ticks "$pid")
    if [ -n "$perf_pid" ]; then
        kill -INT "$perf_pid" 2>/dev/null || true
        wait "$perf_pid" 2>/dev/null || true
        forget "$perf_pid"
        profile_split "$p" "$perf_out" "$out"
    fi
    python3 - "$out" "$p" "$((c1 - c0))" "$TICK" >>"$T/results.tsv" <<PY
import json, sys
line = [l for l in open(sys.argv[1]) if l.startswith('{"requests"')]
if not line:
    print("$ROUND\t%s\tka_note\twrk printed no result" % sys.argv[2]); sys.exit()
r = json.loads(line[0]); secs = r["duration_us"] / 1e6
bad = r["status"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
p = sys.argv[2]
if bad > r["requests"] * 0.001:
    print("$ROUND\t%s\tka_note\t%d errors/non-2xx of %d requests" % (p, bad, r["requests"]))
print("$ROUND\t%s\tka_rps\t%.1f" % (p, r["requests"] / secs))
print("$ROUND\t%s\tka_p50\t%.3f" % (p, r["p50_us"] / 1e3))
print("$ROUND\t%s\tka_p99\t%.3f" % (p, r["p99_us"] / 1e3))
print("$ROUND\t%s\tka_cpu\t%.0f" % (p, 100.0 * int(sys.argv[3]) / int(sys.argv[4]) / secs))
cpu_s = int(sys.argv[3]) / int(sys.argv[4])
if cpu_s > 0:
    print("$ROUND\t%s\tka_eff\t%.1f" % (p, r["requests"] / cpu_s))
PY
}

# profile_split PROXY PERF_DATA WRK_OUT: samples per shared object, grouped
# and turned into CPU microseconds per request (ka_us_* results).
profile_split() {
    perf report -i "$2" --sort dso -n --stdio -q >"$2.dso" 2>/dev/null || return 0
    python3 - "$3" "$1" "$PERF_PERIOD_NS" "$2.dso" >>"$T/results.tsv" <<PY
import json, sys
line = [l for l in open(sys.argv[1]) if l.startswith('{"requests"')]
if not line:
    sys.exit()
n = json.loads(line[0])["requests"]
us = int(sys.argv[3]) / 1000.0
groups = {"kernel": 0, "tls": 0, "libc": 0, "own": 0}
for row in open(sys.argv[4]):
    f = row.split()
    if len(f) < 3 or not f[1].isdigit():
        continue
    dso, samples = f[2], int(f[1])
    if dso.startswith("[kernel"):
        groups["kernel"] += samples
    elif dso.startswith(("libssl", "libcrypto")):
        groups["tls"] += samples
    elif dso.startswith(("libc.", "libc-", "ld-linux")):
        groups["libc"] += samples
    else:  # the binary itself, libstdc++, [vdso], its other libraries
        groups["own"] += samples
if n > 0 and sum(groups.values()) > 0:
    for k, v in groups.items():
        print("$ROUND\t%s\tka_us_%s\t%.3f" % (sys.argv[2], k, v * us / n))
    print("$ROUND\t%s\tka_us_total\t%.3f" % (sys.argv[2], sum(groups.values()) * us / n))
PY
}

measure_handshakes() {
    local p=$1 pid=${MPID[$p]} c0 c1 out="$T/hs.$p.$ROUND"
    c0=$(cpu_ticks "$pid")
    taskset -c "$LOAD_CPU" "$TLSLOAD" handshakes --connect "127.0.0.1:${PORT[$p]}" --target "$EAS_SYNC" \
        --seconds "$HS_SECONDS" --concurrency "$HS_CONCURRENCY" >"$out" 2>&1 || true
    c1=$(cpu_ticks "$pid")
    python3 - "$out" "$p" "$((c1 - c0))" "$TICK" >>"$T/results.tsv" <<PY
import json, sys
p = sys.argv[2]
try:
    r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
except Exception:
    print("$ROUND\t%s\ths_note\tsentry-bench-tls printed no result" % p); sys.exit()
if r["reused"]:
    print("$ROUND\t%s\ths_note\t%d resumed sessions (must be 0)" % (p, r["reused"]))
if r["errors"] > r["ok"] * 0.001:
    print("$ROUND\t%s\ths_note\t%d errors (%s) of %d" % (p, r["errors"], r["first_error"], r["ok"]))
print("$ROUND\t%s\ths_rate\t%.1f" % (p, r["rate"]))
print("$ROUND\t%s\ths_cpu\t%.0f" % (p, 100.0 * int(sys.argv[3]) / int(sys.argv[4]) / r["seconds"]))
cpu_s = int(sys.argv[3]) / int(sys.argv[4])
if cpu_s > 0:
    print("$ROUND\t%s\ths_eff\t%.1f" % (p, r["ok"] / cpu_s))
PY
}

# --- rounds ----------------------------------------------------------------
: >"$T/results.tsv"
LOADAVG="$(cut -d' ' -f1 /proc/loadavg) at start"
for ROUND in $(seq "$ROUNDS"); do
    NA=()
    # Fresh processes every round, so each held-Ping RSS baseline is a process
    # that has never had thousands of connections (freed heap is not returned
    # to the kernel, and reusing it would hide the per-connection cost).
    for p in $CONTENDERS; do "start_$p"; done
    for p in $CONTENDERS; do preflight "$p"; done
    for p in $CONTENDERS; do
        if [ -n "${NA[$p]:-}" ]; then
            result "$p" na "${NA[$p]}"
            log "round $ROUND: $p n/a: ${NA[$p]}"
        fi
    done
    log "round $ROUND/$ROUNDS: held Pings ($HELD)"
    for p in $CONTENDERS; do [ -n "${NA[$p]:-}" ] || measure_held "$p"; done
    log "round $ROUND/$ROUNDS: keep-alive Sync ($KA_CONNECTIONS connections, ${DURATION}s)"
    for p in $CONTENDERS; do [ -n "${NA[$p]:-}" ] || measure_keepalive "$p"; done
    log "round $ROUND/$ROUNDS: new TLS connections (${HS_SECONDS}s, $HS_CONCURRENCY threads)"
    for p in $CONTENDERS; do [ -n "${NA[$p]:-}" ] || measure_handshakes "$p"; done
    stop_all
done

# --- the table -------------------------------------------------------------
LOADAVG="$LOADAVG, $(cut -d' ' -f1 /proc/loadavg) at end"
export LOADAVG MACHINE VERSIONS ROUNDS KA_CONNECTIONS DURATION HS_CONCURRENCY HS_SECONDS HELD PROXY_CPU LOAD_CPU
MACHINE="$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs, Linux $(uname -r)"
VERSIONS="sentryd $("$SENTRYD" --version 2>/dev/null | sed -n 's/.*) \([^ ]*\) (\([^,]*\),.*/\1 \2/p'), $(nginx -v 2>&1 | sed 's/.*version: //'), haproxy $(haproxy -v | sed -n '1s/HAProxy version \([^ ]*\).*/\1/p'), $(wrk -v 2>&1 | head -1 | awk '{print "wrk " $2}'), $(openssl version | awk '{print "OpenSSL " $2}')"
python3 "$(dirname "$0")/bench/proxy_table.py" "$T/results.tsv" "$CONTENDERS"
