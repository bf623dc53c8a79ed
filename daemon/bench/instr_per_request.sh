#!/usr/bin/env bash
# Instructions sentryd executes per keep-alive Sync, counted by callgrind
# (repeatable on a noisy shared VM, unlike req/s or CPU %).
#
# Starts the bench backend (scripts/bench/eas_backend.cpp) and sentryd under
# `valgrind --tool=callgrind`, warms up, zeroes the counters, drives
# keep-alive Syncs with wrk for $SECONDS s, dumps, and divides the
# instructions (Ir) by the requests sentryd itself counted (status op).
# Prints "N requests, X instructions per request" and where the dump is
# (kept only with OUT=dir; read it with callgrind_annotate or kcachegrind).
# Results and what they led to: docs/BENCHMARKS.md.
#
#   BUILD=build daemon/bench/instr_per_request.sh
# Env: BUILD (build) SECONDS_LOAD (20) CONNECTIONS (8) OUT (temp dir)
#      AUDIT (0; 1 = `sentry audit` on, two records per request to a
#      datagram sink on run/log.sock, as the log collector would read them)
set -euo pipefail

BUILD=${BUILD:-build}
SECONDS_LOAD=${SECONDS_LOAD:-20}
CONNECTIONS=${CONNECTIONS:-8}
AUDIT=${AUDIT:-0}
SENTRYD="$BUILD/daemon/sentryd"
BACKEND="$BUILD/scripts/bench/sentry-bench-backend"
for tool in valgrind callgrind_control wrk openssl curl python3; do
    command -v "$tool" >/dev/null || { echo "instr_per_request: $tool not found" >&2; exit 1; }
done
[ -x "$SENTRYD" ] && [ -x "$BACKEND" ] || { echo "instr_per_request: build sentryd and sentry-bench-backend first" >&2; exit 1; }

T=$(mktemp -d /tmp/sentry-instr.XXXXXX)
OUT=${OUT:-$T}
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$T"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ctl() {  # ctl SOCK JSON -> reply JSON
    python3 - "$1" "$2" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(60)
s.connect(sys.argv[1])
d = sys.argv[2].encode()
s.sendall(struct.pack(">I", len(d)) + d)
def exact(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c: raise SystemExit("closed")
        b += c
    return b
(n,) = struct.unpack(">I", exact(4))
print(exact(n).decode())
PY
}
requests_total() { ctl "$SOCK" '{"v":1,"id":1,"op":"status"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["requests_total"])'; }

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
    -keyout "$T/k.pem" -out "$T/c.pem" >/dev/null 2>&1
"$BACKEND" --ping-hold-ms 300000 >"$T/backend.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do grep -q '^port ' "$T/backend.out" 2>/dev/null && break; sleep 0.1; done
BPORT=$(awk '/^port / {print $2}' "$T/backend.out")

if [ "$AUDIT" = 1 ]; then
    mkdir -p "$T/run"
    python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.bind(sys.argv[1])
while True: s.recv(65536)' "$T/run/log.sock" &
    PIDS+=($!)
    LOGGING='{"audit":true,"health_monitor":true}'
else
    LOGGING='{"audit":false,"health_monitor":true}'
fi

PORT=$(free_port)
SOCK="$T/sentryd.sock"
SENTRY_STATE_DIR="$T" valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out" \
    "$SENTRYD" --listen "127.0.0.1:$PORT" --cert "$T/c.pem" --key "$T/k.pem" --control "$SOCK" \
    >"$T/sentryd.log" 2>&1 &
VPID=$!
PIDS+=($VPID)
for _ in $(seq 600); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { cat "$T/sentryd.log" >&2; exit 1; }
ctl "$SOCK" "{\"v\":1,\"id\":1,\"op\":\"config.apply\",\"args\":{\"version\":1,\"config\":{\"logging\":$LOGGING,\"activesync\":{\"services\":[{\"name\":\"default\",\"tls\":false,\"health\":{\"enabled\":false},\"servers\":[{\"host\":\"127.0.0.1\",\"port\":$BPORT}]}]}}}}" >/dev/null

cat >"$T/sync.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "\3\1\106\0\69\92\79\75\3\49\0\1\1\1\1"
wrk.headers["Content-Type"] = "application/vnd.ms-sync.wbxml"
wrk.headers["MS-ASProtocolVersion"] = "14.1"
LUA
URL="https://127.0.0.1:$PORT/Microsoft-Server-ActiveSync?Cmd=Sync&User=bench&DeviceId=BENCH0001&DeviceType=SmartPhone"
# Warm-up: TLS handshakes, allocator, pool connections; not counted.
wrk -t1 -c"$CONNECTIONS" -d3s -s "$T/sync.lua" "$URL" >/dev/null 2>&1 || true
n0=$(requests_total)
callgrind_control -z "$VPID" >/dev/null
# The handshakes of this run are counted too; over thousands of requests
# on $CONNECTIONS connections they are a small share.
wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_LOAD}s" -s "$T/sync.lua" "$URL" >"$T/wrk.out" 2>&1 || true
callgrind_control -d "$VPID" >/dev/null
n1=$(requests_total)
n=$((n1 - n0))
# callgrind_control -d writes callgrind.out.1 next to the final dump.
dump=$(ls -t "$OUT"/callgrind.out.* 2>/dev/null | head -1)
[ -n "$dump" ] || { echo "instr_per_request: no dump in $OUT" >&2; exit 1; }
ir=$(awk '/^summary:/ {print $2; exit}' "$dump")
python3 -c "print('%d requests, %d instructions, %.0f instructions per request' % ($n, $ir, $ir / max($n, 1)))"
[ "$OUT" = "$T" ] || echo "dump: $dump"
