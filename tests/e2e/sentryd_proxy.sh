#!/usr/bin/env bash
# sentryd as an ActiveSync reverse proxy, end to end: curl / Python TLS
# clients -> sentryd -> fixture back ends (tests/e2e/fixtures/eas_backend.py).
# Config comes over the control socket as MICS would push it. Every port is
# free_port, everything lives in a temp dir; about 20 s.
. "$(dirname "$0")/lib.sh"

SENTRYD="$SENTRY_BUILD/daemon/sentryd"
[ -x "$SENTRYD" ] || fail "sentryd not built at $SENTRYD"
BACKEND="$(dirname "$0")/fixtures/eas_backend.py"
TIMEOUT="${SENTRY_TEST_TIMEOUT:-10}"

make_state_dir
D="$TEST_STATE_DIR"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    { wait; } 2>/dev/null || true
    rm -rf "$D"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -keyout "$D/key.pem" -out "$D/cert.pem" >/dev/null 2>&1 \
    || fail "openssl could not make a test certificate"

PORT=$(free_port)
B1=$(free_port)
B2=$(free_port)
B3=$(free_port)
SOCK="$D/sentryd.sock"
LOG="$D/sentryd.log"
BLOG="$D/backends.log"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_backend NAME PORT [extra args] : sets LAST_PID
start_backend() {
    local name=$1 port=$2
    shift 2
    python3 "$BACKEND" --port "$port" --name "$name" --log "$BLOG" --ping-hold 5 "$@" \
        >"$D/$name.out" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
    WAIT_SECS="$TIMEOUT" wait_for port_open "$port" || { cat "$D/$name.out" >&2; fail "backend $name not up"; }
}
TLSARGS=(--cert "$D/cert.pem" --key "$D/key.pem")
start_backend b1 "$B1" "${TLSARGS[@]}" --redirect-to "https://127.0.0.1:$B2/Microsoft-Server-ActiveSync"
B1_PID=$LAST_PID
start_backend b2 "$B2" "${TLSARGS[@]}"
B2_PID=$LAST_PID
start_backend b3 "$B3"

SENTRY_STATE_DIR="$D" "$SENTRYD" --listen "127.0.0.1:$PORT" --cert "$D/cert.pem" --key "$D/key.pem" \
    --control "$SOCK" >"$LOG" 2>&1 &
SPID=$!
PIDS+=("$SPID")
WAIT_SECS="$TIMEOUT" wait_for test -S "$SOCK" || { cat "$LOG" >&2; fail "control socket never appeared"; }
WAIT_SECS="$TIMEOUT" wait_for port_open "$PORT" || { cat "$LOG" >&2; fail "listener not up"; }

# One Python helper for the control socket (Python starts slowly on a busy box):
#   ctl.py SOCK send JSON [KEY...]                    reply, or the value at KEY...
#   ctl.py SOCK apply V ALL_DEAD LISTEN REQUEST_MS [KEY...]
#   ctl.py SOCK held [N]                              waits until status shows N (1) held Pings
cat >"$D/ctl.py" <<PY
import json, socket, struct, sys, time
B1, B2, B3, TIMEOUT = $B1, $B2, $B3, $TIMEOUT
PY
cat >>"$D/ctl.py" <<'PY'
import os

def call(sock, payload):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(float(TIMEOUT))
    s.connect(sock)
    data = payload.encode()
    s.sendall(struct.pack(">I", len(data)) + data)
    def exact(n):
        buf = b""
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                sys.exit("connection closed")
            buf += chunk
        return buf
    (n,) = struct.unpack(">I", exact(4))
    return json.loads(exact(n))

def config(version, all_dead, listen, request_ms):
    # Health checks off for `default`, so only the requests of the test change
    # its servers' state (a check every 10 s could race them); on for `plain`.
    off = {"enabled": False, "dead_threshold": 1, "failure_window_ms": 60000, "dead_time_ms": 60000}
    health = {"enabled": True, "interval_s": 10, "live_threshold": 3, "dead_threshold": 1,
              "failure_window_ms": 60000, "dead_time_ms": 60000}
    cfg = {"hostname": "gw", "hsts": os.environ.get("HSTS", "1") == "1",
           "logging": {"audit": True, "health_monitor": True},
           "listen": {"address": "127.0.0.1", "port": int(listen)},
           "timeouts": {"socket_ms": 5000, "connect_ms": 2000, "response_ms": 3000,
                        "request_ms": int(request_ms)},
           "activesync": {"enabled": True, "all_dead": all_dead, "services": [
               {"name": "default", "tls": True, "verify": False, "scheduling": "priority",
                "redirect_451": True, "health": off,
                "servers": [{"host": "127.0.0.1", "port": B1}, {"host": "127.0.0.1", "port": B2}]},
               {"name": "plain", "hosts": ["plain.example"], "tls": False, "health": health,
                "servers": [{"host": "127.0.0.1", "port": B3}]}]}}
    return json.dumps({"v": 1, "id": int(version), "op": "config.apply",
                       "args": {"version": int(version), "config": cfg}})

sock, mode = sys.argv[1], sys.argv[2]
if mode == "held":
    want = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    for _ in range(10 * int(TIMEOUT)):
        if call(sock, '{"v":1,"op":"status"}')["data"]["proxy"]["ping_held"] == want:
            sys.exit(0)
        time.sleep(0.1)
    sys.exit("status never showed %d held Pings" % want)
if mode == "send":
    v, keys = call(sock, sys.argv[3]), sys.argv[4:]
else:
    v, keys = call(sock, config(*sys.argv[3:7])), sys.argv[7:]
for k in keys:
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v if isinstance(v, str) else json.dumps(v))
PY
ctl() { python3 "$D/ctl.py" "$SOCK" send "$@"; }
apply() { python3 "$D/ctl.py" "$SOCK" apply "$@"; }
status() { ctl '{"v":1,"id":9,"op":"status"}'; }

URL="https://127.0.0.1:$PORT/Microsoft-Server-ActiveSync"
Q="User=jdoe&DeviceId=dev1&DeviceType=iPhone"
# post PORT QUERY [curl args...]: prints "code backend"; the body and headers
# stay in $D/$OUT.body and $D/$OUT.headers (OUT defaults to r).
post() {
    local port=$1 query=$2 o="$D/${OUT:-r}"
    shift 2
    curl -sk -o "$o.body" -D "$o.headers" -w '%{http_code}' -X POST -H 'MS-ASProtocolVersion: 14.1' \
        --data 'wbxml' "$@" "https://127.0.0.1:$port/Microsoft-Server-ActiveSync?$query"
    echo " $(grep -i '^X-Backend:' "$o.headers" | tr -d '\r' | awk '{print $2}')"
}

[ "$(apply 1 try-anyway "$PORT" 10000 ok)" = true ] || fail "config.apply v1 refused"

# A snapshot with a bad field is refused naming it, and the old one stays.
rep=$(ctl '{"v":1,"id":2,"op":"config.apply","args":{"version":2,"config":{"activesync":{"services":[{"name":"x","health":{"interval_s":5}}]}}}}' error)
echo "$rep" | grep -q '"code": "invalid"' || fail "bad interval accepted: $rep"
echo "$rep" | grep -q 'services\[0\].health.interval_s' || fail "refusal does not name the field: $rep"

# 1. OPTIONS: the back end's headers reach the device.
out=$(curl -sk -i -X OPTIONS "$URL")
echo "$out" | head -1 | grep -q " 200" || fail "OPTIONS: $(echo "$out" | head -1)"
echo "$out" | grep -qi '^MS-ASProtocolVersions: .*14.1' || fail "OPTIONS: MS-ASProtocolVersions not passed through"
echo "$out" | grep -qi '^MS-ASProtocolCommands: .*Ping' || fail "OPTIONS: MS-ASProtocolCommands not passed through"
echo "$out" | grep -qi '^X-Backend: b1' || fail "OPTIONS: priority should pick b1"
# hsts (on in the snapshot, MICS's default): relayed and local answers carry it.
HSTS_RE='^Strict-Transport-Security: max-age=31536000; includeSubDomains'
echo "$out" | grep -qi "$HSTS_RE" || fail "OPTIONS: no Strict-Transport-Security"
curl -sI -k "https://127.0.0.1:$PORT/nothing" | grep -qi "$HSTS_RE" || fail "404: no Strict-Transport-Security"

# 2. Sync (plain query); hop-by-hop headers stay here, X-Forwarded-* are added.
r=$(post "$PORT" "Cmd=Sync&$Q" -H 'Connection: keep-alive, X-Hop' -H 'X-Hop: secret' -H 'X-Forwarded-For: 10.9.8.7')
[ "$r" = "200 b1" ] || fail "Sync: got '$r'"
grep -q "Sync from b1, 5 bytes in" "$D/r.body" || fail "Sync body: $(cat "$D/r.body")"
python3 - "$BLOG" <<'PY' || fail "back end did not see the forwarded request as expected"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1]) if 'Cmd=Sync' in l]
r = reqs[-1]
h = r["headers"]
assert r["xff"] == "10.9.8.7, 127.0.0.1", r
assert r["xfp"] == "https", r
assert "x-hop" not in h and "connection" not in h, h
assert h["host"].startswith("127.0.0.1:"), h
assert h.get("x-forwarded-host", "").startswith("127.0.0.1:"), h
PY

# 3. Base64 query form.
B64=$(python3 -c 'import base64; print(base64.b64encode(bytes([141,0,9,4,6])+b"ABC123"+bytes([0,6])+b"iPhone").decode())')
code=$(curl -sk -o "$D/r.body" -w '%{http_code}' -X POST --data x "$URL?$B64")
[ "$code" = 200 ] || fail "base64 query: $code"
grep -q "b64 from b1" "$D/r.body" || fail "base64 query body: $(cat "$D/r.body")"

# 4. A Ping held 5 s (longer than response_ms = 3 s), answered; meanwhile a
#    config apply moves the listener to a new port, and the Ping survives.
start=$(date +%s.%N)
( OUT=ping post "$PORT" "Cmd=Ping&$Q" >"$D/ping.out" ) &
PING_JOB=$!
python3 "$D/ctl.py" "$SOCK" held || fail "status never showed the Ping as held"
PORT2=$(free_port)
[ "$(apply 3 try-anyway "$PORT2" 10000 ok)" = true ] || fail "config.apply with a new port refused"
WAIT_SECS="$TIMEOUT" wait_for port_open "$PORT2" || fail "new listen port $PORT2 not open"
if port_open "$PORT" 2>/dev/null; then fail "old listen port $PORT still accepts"; fi
r=$(post "$PORT2" "Cmd=Sync&$Q")
[ "$r" = "200 b1" ] || fail "Sync on the new port: '$r'"

# 5. 451 + X-MS-Location followed (b1 redirects to b2); the user stays there.
r=$(post "$PORT2" "Cmd=Sync&User=moved&DeviceId=redirect451&DeviceType=t")
[ "$r" = "200 b2" ] || fail "451 not followed: '$r'"
r=$(post "$PORT2" "Cmd=Sync&User=moved&DeviceId=d2&DeviceType=t")
[ "$r" = "200 b2" ] || fail "451 location not remembered for the user: '$r'"

# 6. 449 and 503 + Retry-After pass through; chunked and large bodies stream.
r=$(post "$PORT2" "Cmd=Sync&User=u&DeviceId=status449&DeviceType=t")
[ "$r" = "449 b1" ] || fail "449: '$r'"
r=$(post "$PORT2" "Cmd=Sync&User=u&DeviceId=status503&DeviceType=t")
[ "$r" = "503 b1" ] || fail "503: '$r'"
grep -qi '^Retry-After: 30' "$D/r.headers" || fail "503 lost its Retry-After"
r=$(post "$PORT2" "Cmd=Sync&User=u&DeviceId=chunked&DeviceType=t")
[ "$r" = "200 b1" ] && grep -q "one two three" "$D/r.body" || fail "chunked: '$r' $(cat "$D/r.body")"
grep -qi "$HSTS_RE" "$D/r.headers" || fail "chunked (streamed) response: no Strict-Transport-Security"
r=$(post "$PORT2" "Cmd=Sync&User=u&DeviceId=big&DeviceType=t")
[ "$r" = "200 b1" ] && [ "$(stat -c %s "$D/r.body")" = 300000 ] || fail "big body: '$r' $(stat -c %s "$D/r.body")"

# 7. The Host header selects a service (plain HTTP back end b3).
r=$(post "$PORT2" "Cmd=Sync&$Q" -H 'Host: PLAIN.example:443')
[ "$r" = "200 b3" ] || fail "Host-selected service: '$r'"

# 8. Oversized request headers: 431, the back end never sees them.
big=$(head -c 9000 /dev/zero | tr '\0' a)
code=$(curl -sk -o /dev/null -w '%{http_code}' -X OPTIONS -H "X-Big: $big" "https://127.0.0.1:$PORT2/Microsoft-Server-ActiveSync")
[ "$code" = 431 ] || fail "oversized header: $code"

# The held Ping: answered after ~5 s, on the old port's connection.
wait "$PING_JOB" || true
elapsed=$(python3 -c "import time; print(int(time.time() - $start))")
[ "$(cat "$D/ping.out")" = "200 b1" ] || fail "held Ping: '$(cat "$D/ping.out")'"
[ "$elapsed" -ge 4 ] || fail "Ping answered after ${elapsed}s, the back end holds it 5 s"

# 8b. While a request is with the back end sentryd watches the device side.
#     A pipelined request sent meanwhile is kept for later (answered after
#     the Ping, in order); a device that goes away ends the request at once:
#     the back end sees its connection closed (fixture logs ping_closed long
#     before its 5 s hold ends) and device_gone counts it.
cat >"$D/pipeline.py" <<'PY'
import os, socket, ssl, sys, time
port, go = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), 10))
s.settimeout(20)
s.sendall(b"POST /Microsoft-Server-ActiveSync?Cmd=Ping&User=pipe&DeviceId=pipe1&DeviceType=t HTTP/1.1\r\n"
          b"Host: gw\r\nMS-ASProtocolVersion: 14.1\r\nContent-Length: 5\r\n\r\nwbxml")
while not os.path.exists(go):  # the test says when the Ping is held
    time.sleep(0.05)
s.sendall(b"OPTIONS /Microsoft-Server-ActiveSync HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
data = b""
while True:
    try:
        chunk = s.recv(65536)
    except ssl.SSLError:
        break
    if not chunk:
        break
    data += chunk
assert data.count(b"HTTP/1.1 ") == 2 and data.count(b"HTTP/1.1 200 ") == 2, data
assert b"Ping from b1" in data and data.index(b"Ping from b1") < data.rindex(b"MS-ASProtocolVersions"), data
PY
python3 "$D/pipeline.py" "$PORT2" "$D/go" >"$D/pipeline.out" 2>&1 &
PIPE_JOB=$!
python3 "$D/ctl.py" "$SOCK" held 1 || fail "the pipelining client's Ping was never held"
touch "$D/go"
curl -sk -o /dev/null -X POST -H 'MS-ASProtocolVersion: 14.1' --data wbxml \
    "https://127.0.0.1:$PORT2/Microsoft-Server-ActiveSync?Cmd=Ping&User=gone&DeviceId=gone1&DeviceType=t" &
CURL_PID=$!
python3 "$D/ctl.py" "$SOCK" held 2 || fail "the second Ping was never held"
kill -KILL "$CURL_PID"
wait "$CURL_PID" 2>/dev/null || true
WAIT_SECS=3 wait_for grep -q '"event": "ping_closed"' "$BLOG" ||
    fail "the back end still holds the Ping of a device that went away"
[ "$(grep -c '"event": "ping_closed"' "$BLOG")" = 1 ] || fail "a Ping other than the gone device's was closed"
[ "$(ctl '{"v":1,"op":"status"}' data proxy device_gone)" = 1 ] || fail "device_gone not counted: $(status)"
[ "$(ctl '{"v":1,"op":"status"}' data proxy ping_held)" = 1 ] || fail "ping_held after the device left: $(status)"
wait "$PIPE_JOB" || fail "pipelined request behind a held Ping: $(cat "$D/pipeline.out")"

# 9. Slowloris: a device that never finishes its headers is cut after request_ms.
[ "$(HSTS=0 apply 4 try-anyway "$PORT2" 1000 ok)" = true ] || fail "apply v4 refused"
if curl -sI -k "https://127.0.0.1:$PORT2/nothing" | grep -qi '^Strict-Transport-Security'; then
    fail "hsts off: 404 still has Strict-Transport-Security"
fi
if curl -sk -i -X OPTIONS "https://127.0.0.1:$PORT2/Microsoft-Server-ActiveSync" | grep -qi '^Strict-Transport-Security'; then
    fail "hsts off: OPTIONS still has Strict-Transport-Security"
fi
python3 - "$PORT2" <<'PY' || fail "slowloris connection was not closed after request_ms"
import socket, ssl, sys, time
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5))
s.sendall(b"POST /Microsoft-Server-ActiveSync HTTP/1.1\r\nHost: x\r\n")
t = time.time()
# The bound only has to tell request_ms (1 s) from the 10 s socket timeout,
# with room for a loaded machine: not a latency assertion.
s.settimeout(8)
try:
    data = s.recv(100)
except (ConnectionError, ssl.SSLError):
    data = b""
took = time.time() - t
assert data == b"" and 0.5 < took < 6, (data, took)
PY

# 10. Back-end death: b1 killed -> the request fails over to b2 (same
#     request, nothing was sent to the device yet); b1 is declared dead.
kill -KILL "$B1_PID"
wait "$B1_PID" 2>/dev/null || true
r=$(post "$PORT2" "Cmd=Sync&$Q")
[ "$r" = "200 b2" ] || fail "failover to b2: '$r'"
st=$(status)
echo "$st" | grep -q '"backend_retries": [1-9]' || fail "no retry counted: $st"
[ "$(ctl '{"v":1,"op":"status"}' data services 0 servers 0 status)" = dead ] || fail "b1 not dead: $st"
r=$(post "$PORT2" "Cmd=Sync&$Q")
[ "$r" = "200 b2" ] || fail "dead b1 should be skipped: '$r'"

# 11. All dead. b2 killed too: try-anyway tries both, 502.
kill -KILL "$B2_PID"
wait "$B2_PID" 2>/dev/null || true
r=$(post "$PORT2" "Cmd=Sync&$Q")
[ "${r%% *}" = 502 ] || fail "all servers down: want 502, got '$r'"
# b1 comes back but is still declared dead (dead_time 60 s, live_threshold 3
# checks 10 s apart). reject: 503 + Retry-After without trying it. The apply
# keeps the servers' health state.
start_backend b1 "$B1" "${TLSARGS[@]}"
[ "$(apply 5 reject "$PORT2" 10000 ok)" = true ] || fail "apply v5 refused"
r=$(post "$PORT2" "Cmd=Sync&$Q")
[ "${r%% *}" = 503 ] || fail "all dead + reject: want 503, got '$r'"
grep -qi '^Retry-After:' "$D/r.headers" || fail "all dead 503 without Retry-After"
# try-anyway: the server dead longest (b1) is tried and answers.
[ "$(apply 6 try-anyway "$PORT2" 10000 ok)" = true ] || fail "apply v6 refused"
r=$(post "$PORT2" "Cmd=Sync&$Q")
[ "$r" = "200 b1" ] || fail "all dead + try-anyway: want b1 to be tried, got '$r'"

st=$(status)
python3 - "$st" <<'PY' || fail "status counters: $st"
import json, sys
d = json.loads(sys.argv[1])["data"]
p = d["proxy"]
assert p["redirects_451"] >= 1, p
assert p["all_dead_rejected"] == 1, p
assert p["all_dead_tried"] >= 1, p
assert p["pings_total"] == 3 and p["ping_held"] == 0, p
assert p["device_gone"] == 1, p
assert p["backend_connect_failures"] >= 2, p
assert p["health_checks_ok"] >= 1, p
assert d["responses"]["431"] == 1, d
svc = d["services"][0]
assert svc["name"] == "default" and svc["servers"][0]["status"] == "live", svc
assert svc["servers"][0]["failures"] >= 2, svc
PY

# 12. SIGTERM still drains and exits 0.
kill -TERM "$SPID"
WAIT_SECS=$((TIMEOUT + 30)) wait_for sh -c "! kill -0 $SPID" || fail "sentryd did not exit after SIGTERM"
set +e; wait "$SPID"; rc=$?; set -e
[ "$rc" -eq 0 ] || { cat "$LOG" >&2; fail "sentryd exited $rc"; }

echo "PASS: sentryd_proxy"
