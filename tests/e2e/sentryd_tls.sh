#!/usr/bin/env bash
# sentryd end to end: TLS listener, routing, limits, control socket, SIGTERM.
# Runs against $SENTRY_BUILD/daemon/sentryd on an ephemeral port with a
# throwaway certificate; never touches the dev ports or ./var.
. "$(dirname "$0")/lib.sh"

SENTRYD="$SENTRY_BUILD/daemon/sentryd"
[ -x "$SENTRYD" ] || fail "sentryd not built at $SENTRYD"
TIMEOUT="${SENTRY_TEST_TIMEOUT:-10}"

make_state_dir
PID=""
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
        kill -KILL "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
    fi
    rm -rf "$TEST_STATE_DIR"
}
trap cleanup EXIT

# Throwaway ECDSA P-256 certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -keyout "$TEST_STATE_DIR/sentry.key" -out "$TEST_STATE_DIR/sentry.crt" \
    >/dev/null 2>&1 || fail "openssl could not make a test certificate"

PORT=$(free_port)
SOCK="$TEST_STATE_DIR/sentryd.sock"
URL="https://127.0.0.1:$PORT"
LOG="$TEST_STATE_DIR/sentryd.log"

# --check-config: good pair passes, a missing key fails, before any bind.
"$SENTRYD" --cert "$TEST_STATE_DIR/sentry.crt" --key "$TEST_STATE_DIR/sentry.key" --check-config \
    >/dev/null 2>&1 || fail "--check-config rejected a good certificate"
if "$SENTRYD" --cert "$TEST_STATE_DIR/sentry.crt" --key "$TEST_STATE_DIR/missing.key" \
    --check-config >/dev/null 2>&1; then fail "--check-config accepted a missing key"; fi
set +e; "$SENTRYD" --no-such-flag >/dev/null 2>&1; rc=$?; set -e
[ "$rc" -eq 2 ] || fail "bad flag should exit 2, got $rc"

SENTRY_STATE_DIR="$TEST_STATE_DIR" "$SENTRYD" --listen "127.0.0.1:$PORT" \
    --cert "$TEST_STATE_DIR/sentry.crt" --key "$TEST_STATE_DIR/sentry.key" \
    --control "$SOCK" >"$LOG" 2>&1 &
PID=$!
WAIT_SECS="$TIMEOUT" wait_for test -S "$SOCK" || { cat "$LOG" >&2; fail "control socket never appeared"; }
WAIT_SECS="$TIMEOUT" wait_for curl -sk -o /dev/null "$URL/" || { cat "$LOG" >&2; fail "listener not up"; }
[ "$(stat -c %a "$SOCK")" = 660 ] || fail "control socket mode is $(stat -c %a "$SOCK"), want 660"

# Sends one control request (JSON text) and prints the reply JSON.
ctl() {
    python3 - "$SOCK" "$1" "$TIMEOUT" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(float(sys.argv[3]))
s.connect(sys.argv[1])
payload = sys.argv[2].encode()
s.sendall(struct.pack(">I", len(payload)) + payload)
def exact(n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            sys.exit("connection closed")
        buf += chunk
    return buf
(n,) = struct.unpack(">I", exact(4))
print(exact(n).decode())
PY
}
# json_get JSON PATH... : prints the value at a key path (keys or indexes).
json_get() {
    python3 -c 'import json,sys; v=json.loads(sys.argv[1])
for k in sys.argv[2:]: v = v[k]
print(json.dumps(v) if not isinstance(v, str) else v)' "$@"
}

# status counts before any device request: the probe above already made one 404.
probe404=1
count_404=$probe404

# 1. ActiveSync with no backend configured: 503 + text + Retry-After.
out=$(curl -sk -i -X OPTIONS "$URL/Microsoft-Server-ActiveSync")
echo "$out" | head -1 | grep -q " 503" || fail "OPTIONS ActiveSync: want 503, got: $(echo "$out" | head -1)"
echo "$out" | grep -q "no ActiveSync server configured" || fail "503 body text missing"
echo "$out" | grep -qi "^Retry-After: 60" || fail "Retry-After missing"
echo "$out" | grep -qi "^Server: sentry\s*$" || fail "Server header must be exactly 'sentry'"
code=$(curl -sk -o /dev/null -w '%{http_code}' -X POST --data x -H 'MS-ASProtocolVersion: 14.1' \
    "$URL/microsoft-server-activesync?Cmd=Ping&User=u&DeviceId=d&DeviceType=t")
[ "$code" = 503 ] || fail "POST ActiveSync (lower case, query): want 503, got $code"
# A query that does not parse (unknown command) is refused before any backend: 400 + counter.
code=$(curl -sk -o /dev/null -w '%{http_code}' -X POST --data x -H 'MS-ASProtocolVersion: 14.1' \
    "$URL/Microsoft-Server-ActiveSync?Cmd=Bogus&User=u&DeviceId=d&DeviceType=t")
[ "$code" = 400 ] || fail "malformed ActiveSync query: want 400, got $code"

# 2. Anything else: 404.
code=$(curl -sk -o /dev/null -w '%{http_code}' "$URL/owa/")
[ "$code" = 404 ] || fail "/owa/: want 404, got $code"
count_404=$((count_404 + 1))

# 3. A header block over 8 KiB: 431.
big=$(head -c 9000 /dev/zero | tr '\0' a)
code=$(curl -sk -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$URL/Microsoft-Server-ActiveSync")
[ "$code" = 431 ] || fail "oversized header: want 431, got $code"

# 4. TLS 1.1 refused (SECLEVEL=0 so the client side is willing), TLS 1.2 accepted.
if timeout "$TIMEOUT" openssl s_client -connect "127.0.0.1:$PORT" -tls1_1 \
    -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >/dev/null 2>&1; then fail "TLS 1.1 handshake succeeded"; fi
timeout "$TIMEOUT" openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 </dev/null >/dev/null 2>&1 \
    || fail "TLS 1.2 handshake failed"

# 5. Control socket: config.apply ok, then an older version is refused.
rep=$(ctl '{"v":1,"id":1,"op":"config.apply","args":{"version":2,"config":{"hostname":"gw","activesync":{"servers":[]}}}}')
[ "$(json_get "$rep" ok)" = true ] || fail "config.apply v2: $rep"
rep=$(ctl '{"v":1,"id":2,"op":"config.apply","args":{"version":1,"config":{}}}')
[ "$(json_get "$rep" ok)" = false ] || fail "config.apply with a lower version was accepted: $rep"
[ "$(json_get "$rep" error code)" = invalid ] || fail "lower version: want invalid, got $rep"
rep=$(ctl '{"v":1,"id":3,"op":"nope"}')
[ "$(json_get "$rep" error code)" = unknown_op ] || fail "unknown op: $rep"
rep=$(ctl 'not json')
[ "$(json_get "$rep" error code)" = bad_request ] || fail "malformed JSON: $rep"

# Malformed JSON keeps the connection usable; an oversize frame gets
# bad_request and the connection is closed.
python3 - "$SOCK" "$TIMEOUT" <<'PY' || fail "control socket framing behaviour"
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(float(sys.argv[2]))
s.connect(sys.argv[1])
def send(b): s.sendall(struct.pack(">I", len(b)) + b)
def recv():
    hdr = b""
    while len(hdr) < 4:
        c = s.recv(4 - len(hdr))
        if not c: return None
        hdr += c
    (n,) = struct.unpack(">I", hdr)
    body = b""
    while len(body) < n:
        body += s.recv(n - len(body))
    return json.loads(body)
send(b"{oops")
assert recv()["error"]["code"] == "bad_request"
send(b'{"v":1,"id":5,"op":"status"}')
r = recv(); assert r["ok"] and r["id"] == 5, r
s.sendall(struct.pack(">I", (1 << 20) + 1))
r = recv(); assert r["error"]["code"] == "bad_request", r
assert s.recv(1) == b"", "connection should be closed after an oversize frame"
PY

# Still 503 with an empty server list after the push.
code=$(curl -sk -o /dev/null -w '%{http_code}' -X OPTIONS "$URL/Microsoft-Server-ActiveSync")
[ "$code" = 503 ] || fail "after config.apply with no servers: want 503, got $code"

# 6. status matches what we did: 3x503, 404s, 1x431, 1x400.
rep=$(ctl '{"v":1,"id":4,"op":"status"}')
[ "$(json_get "$rep" ok)" = true ] || fail "status: $rep"
[ "$(json_get "$rep" data version)" = 2 ] || fail "status version: $rep"
[ "$(json_get "$rep" data responses 503)" = 3 ] || fail "status 503 count: $rep"
[ "$(json_get "$rep" data responses 404)" = "$count_404" ] || fail "status 404 count: $rep"
[ "$(json_get "$rep" data responses 431)" = 1 ] || fail "status 431 count: $rep"
[ "$(json_get "$rep" data responses 400)" = 1 ] || fail "status 400 count: $rep"
[ "$(json_get "$rep" data eas_malformed)" = 1 ] || fail "eas_malformed count: $rep"
[ "$(json_get "$rep" data requests_total)" = $((3 + count_404 + 1 + 1)) ] || fail "requests_total: $rep"

# 7. SIGTERM: exit 0 and the control socket is gone.
kill -TERM "$PID"
deadline=$((SECONDS + TIMEOUT + 30))
while kill -0 "$PID" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "sentryd did not exit after SIGTERM"
    sleep 0.1
done
set +e; wait "$PID"; rc=$?; set -e
PID=""
[ "$rc" -eq 0 ] || { cat "$LOG" >&2; fail "sentryd exited $rc after SIGTERM"; }
[ ! -e "$SOCK" ] || fail "control socket left behind"

echo "PASS: sentryd_tls"
