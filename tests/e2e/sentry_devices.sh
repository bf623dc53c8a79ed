# Device policy end to end (docs/device-policy.md), through the whole
# appliance: rules typed in the shell reach sentryd; curl as devices gets
# 200 / 403 / 449 and the remote-wipe exchange; the show sentry views list
# them with exact counters; the list survives a sentryd restart; purge,
# to-disk / from-disk, auto-block and privilege checks.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/appliance.sh"
WORK=$(mktemp -d /tmp/sentry-dev.XXXXXX)
BACKEND_PID=""
trap '[ -z "$BACKEND_PID" ] || kill "$BACKEND_PID" 2>/dev/null || true; cleanup_appliance; rm -rf "$WORK"' EXIT

field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

B1=$(free_port)
python3 "$SENTRY_SRC/tests/e2e/fixtures/eas_backend.py" --port "$B1" --name b1 --ping-hold 0.2 \
    --log "$WORK/backend.log" --log-bytes &
BACKEND_PID=$!
start_appliance
WAIT_SECS=10 wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$B1" || fail "fixture back end did not listen"

URL="https://127.0.0.1:$HTTPS_PORT/Microsoft-Server-ActiveSync"
# eas CMD DEVICE USER [curl args]: prints the HTTP status.
eas() {
    local cmd=$1 dev=$2 user=$3
    shift 3
    curl -sk -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -X POST -H 'MS-ASProtocolVersion: 16.1' \
        --data-binary "${DATA:-x}" "$@" "$URL?Cmd=$cmd&User=$user&DeviceId=$dev&DeviceType=${TYPE:-iPhone}"
}

out=$(conf <<EOF2
sentry activesync service default servers 127.0.0.1:$B1
no sentry activesync service default server-tls
sentry device-rule 10 block user mallory
sentry device-rule 20 wipe device-id LOST*
sentry device-rule 30 allow device-type iPad*
EOF2
) || fail "configuring: $out"
grep -q '^%' <<<"$out" && fail "a line was refused: $out"
cli -c 'show running-config' | grep -q '^sentry device-rule 20 wipe device-id LOST\*$' ||
    fail "rule not in running-config: $(cli -c 'show running-config')"

# 1. Unknown device: admitted (standalone default), cached as A / not validated.
WAIT_SECS=10 wait_for bash -c "[ \"\$(curl -sk -o /dev/null -w '%{http_code}' -X POST -H 'MS-ASProtocolVersion: 16.1' --data x '$URL?Cmd=Sync&User=alice&DeviceId=ALICE1&DeviceType=iPhone')\" = 200 ]" ||
    fail "a Sync does not pass the proxy"
[ "$(eas FolderSync ALICE1 alice)" = 200 ] || fail "FolderSync refused"
[ "$(eas Ping ALICE1 alice)" = 200 ] || fail "Ping refused"
# 2. Blocked by user rule: 403, never reaches the back end.
[ "$(eas Sync EVIL1 mallory)" = 403 ] || fail "mallory not blocked"
[ "$(eas Sync EVIL1 mallory)" = 403 ] || fail "mallory not blocked twice"
# 3. Allowed by device-type rule: validated.
[ "$(TYPE=iPad13 eas Sync PAD1 bob)" = 200 ] || fail "iPad not allowed"

table=$(cli -c 'show sentry device-cache dump all')
grep -q '^S: Tunnel State {A:Allowed, B:Blocked, P:Policy Pending, W:Wipe Pending}$' <<<"$table" || fail "no legend: $table"
grep -q '^Index User' <<<"$table" || fail "no header: $table"
grep -Eq '^[0-9]+ +alice +A N +[0-9]+ +16\.1 20[0-9-]+ [0-9:]+ GMT ActiveSync/ALICE1 +alice1$' <<<"$table" ||
    fail "alice row wrong: $table"
grep -Eq ' mallory +B Y ' <<<"$table" || fail "mallory not B/Y: $table"
grep -Eq ' bob +A Y ' <<<"$table" || fail "bob not A/Y: $table"
[ "$(cli -c 'show sentry device-cache dump all | count')" = "Number of lines which match regexp = 12" ] ||
    fail "dump | count: $(cli -c 'show sentry device-cache dump all | count')"
n=$(cli -c 'show sentry device-cache dump all | json' | field 'len(d)')
[ "$n" = 3 ] || fail "dump | json has $n rows"
cli -c 'show sentry device-cache user MALL' | grep -q 'EVIL1' || fail "user filter (partial, any case)"
cli -c 'show sentry device-cache device alice' | grep -q 'ALICE1' || fail "device filter"
cli -c 'show sentry device-cache validation-pending yes' | grep -q ALICE1 || fail "alice not pending validation"
cli -c 'show sentry device-cache validation-pending yes' | grep -q EVIL1 && fail "mallory listed as pending"
cli -c 'show sentry device-cache dump app-tunnel' | grep -q 'ActiveSync/' && fail "app-tunnel dump lists ActiveSync"
cli -c 'show sentry device-cache entry alice1 ALICE' | grep -q '^status = allowed$' || fail "entry detail"

# 4. Exact counters.
stats=$(cli -c 'show sentry statistics entry ALICE1 alice')
for kv in 'd-http-requests = 3' 'permits = 3' 'cmd-sync = 1' 'cmd-folder-sync = 1' 'cmd-ping = 1' \
          'http-status-200 = 3' 's-http-requests = 3' 'blocks = 0' 'attachments-encrypted = 0'; do
    grep -qx "$kv" <<<"$stats" || fail "alice counter '$kv' wrong: $stats"
done
[ "$(wc -l <<<"$stats")" = 67 ] || fail "entry statistics are not the 67 names"
stats=$(cli -c 'show sentry statistics entry EVIL1 mallory')
grep -qx 'blocks = 2' <<<"$stats" || fail "mallory blocks: $stats"
grep -qx 's-http-requests = 0' <<<"$stats" || fail "a blocked request reached the back end: $stats"
glob=$(cli -c 'show sentry statistics global device blocks')
[ "$glob" = "blocks = 2" ] || fail "global device filter: $glob"
cli -c 'show sentry statistics global system peak-device' | grep -qx 'peak-device-cache-size = [0-9]*' ||
    fail "system peaks: $(cli -c 'show sentry statistics global system')"
cli -c 'show sentry utilization' | grep -q '^Number of Open Connections  : [0-9]*$' || fail "utilization layout"

# 4b. Bytes, exactly: d- as curl counted them (the body as written to the
# file with --raw, so chunk framing is included; curl's size_download counts
# decoded bytes), s- as the fixture back end read and wrote them. Small
# answers (one write), a 300 kB body and a chunked one (both streamed).
declare -A want
for dev in BYTES1 big chunked; do
    for cmd in Sync FolderSync; do
        read -r code req head < <(curl -sk --raw -o "$WORK/raw" -X POST -H 'MS-ASProtocolVersion: 16.1' \
            -w '%{http_code} %{size_request} %{size_header}\n' --data-binary 'some bytes' \
            "$URL?Cmd=$cmd&User=erin&DeviceId=$dev&DeviceType=iPhone")
        [ "$code" = 200 ] || fail "$cmd for $dev: $code"
        want[$dev.rcvd]=$(( ${want[$dev.rcvd]:-0} + req ))
        want[$dev.sent]=$(( ${want[$dev.sent]:-0} + head + $(wc -c <"$WORK/raw") ))
    done
done
# backend_bytes DEV in|out: what the fixture read / wrote for DEV's requests.
backend_bytes() {
    python3 - "$WORK/backend.log" "DeviceId=$1&" "$2" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") == "bytes" and sys.argv[2] in e["target"]:
        n += e[sys.argv[3]]
print(n)
PY
}
for dev in BYTES1 big chunked; do
    stats=$(cli -c "show sentry statistics entry $dev erin")
    for kv in "d-bytes-rcvd = ${want[$dev.rcvd]}" "d-bytes-sent = ${want[$dev.sent]}" \
              "s-bytes-sent = $(backend_bytes "$dev" in)" "s-bytes-rcvd = $(backend_bytes "$dev" out)" \
              's-http-requests = 2' 's-http-responses = 2' 's-err-reset = 0' 's-unclassified = 0'; do
        grep -qx "$kv" <<<"$stats" || fail "$dev: '$kv' expected: $(grep bytes <<<"$stats")"
    done
    grep -Eqx 's-bytes-(sent|rcvd) = 0' <<<"$stats" && fail "$dev: no s-bytes counted: $stats"
done

# 4c. Back-end failures, each counted once for its device: no answer within
# the response timeout (504), a reset instead of an answer (502).
conf <<<'sentry timeout response 1500' >/dev/null
[ "$(eas FolderSync silent erin)" = 504 ] || fail "a silent back end did not give 504"
[ "$(eas FolderSync reset erin)" = 502 ] || fail "a resetting back end did not give 502"
conf <<<'no sentry timeout response' >/dev/null
stats=$(cli -c 'show sentry statistics entry silent erin')
for kv in 's-err-cmd-timeout = 1' 's-err-cmd-sync-timeout = 0' 's-err-so-timeout = 0' 's-http-requests = 1' \
          's-http-responses = 0' 's-so-close = 1' 's-err-reset = 0' 'http-status-5xx = 1'; do
    grep -qx "$kv" <<<"$stats" || fail "silent back end: '$kv' expected: $stats"
done
stats=$(cli -c 'show sentry statistics entry reset erin')
# A pooled connection may be tried first: it counts as err-conn-pooling and
# one more close, and the request goes again on a fresh connection.
pooled=$(sed -n 's/^err-conn-pooling = //p' <<<"$stats")
for kv in 's-err-reset = 1' "s-so-close = $((1 + pooled))" 's-connections = 1' 's-http-responses = 0' \
          's-err-cmd-timeout = 0' 's-unclassified = 0'; do
    grep -qx "$kv" <<<"$stats" || fail "resetting back end: '$kv' expected: $stats"
done

# 4d. Device-side failures on a connection that already named its device:
# idle past the request timeout, half a request, a reset.
conf <<<'sentry timeout request 1000' >/dev/null
python3 - "$HTTPS_PORT" <<'PY' || fail "device-side client"
import socket, ssl, struct, sys
port = int(sys.argv[1])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

def request(dev):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
    s.sendall(b"POST /Microsoft-Server-ActiveSync?Cmd=Sync&User=frank&DeviceId=%s&DeviceType=iPhone HTTP/1.1\r\n"
              b"Host: x\r\nMS-ASProtocolVersion: 16.1\r\nContent-Length: 1\r\n\r\nx" % dev)
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    head, rest = data.split(b"\r\n\r\n", 1)
    n = int(next(l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")))
    while len(rest) < n:
        rest += s.recv(4096)
    assert head.startswith(b"HTTP/1.1 200"), head
    return s

def closed_by_proxy(s):
    s.settimeout(10)
    try:
        return s.recv(1) == b""
    except (ssl.SSLError, OSError):
        return True

s = request(b"IDLE1")
assert closed_by_proxy(s), "idle connection not closed"
s = request(b"HALF1")
s.sendall(b"POST /Microsoft-Server-ActiveSync?Cmd=Sync HTTP/1.1\r\nHost: x\r\n")
assert closed_by_proxy(s), "half a request not timed out"
s = request(b"RST1")
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
PY
conf <<<'no sentry timeout request' >/dev/null
expect_dev() {  # expect_dev DEV name=value...: the device's counter lines
    local dev=$1 stats
    shift
    stats=$(cli -c "show sentry statistics entry $dev frank")
    for kv in "$@"; do grep -qx "$kv" <<<"$stats" || fail "$dev: '$kv' expected: $(grep -E 'err|close' <<<"$stats")"; done
}
WAIT_SECS=5 wait_for bash -c "SENTRY_STATE_DIR='$TEST_STATE_DIR' '$SENTRY_BUILD/cli/sentry-cli' -c 'show sentry statistics entry RST1 frank' | grep -qx 'd-so-close = 1'" ||
    fail "reset connection not closed"
expect_dev IDLE1 'd-err-conn-timeout = 1' 'd-err-cmd-timeout = 0' 'd-err-reset = 0' 'd-so-close = 1'
expect_dev HALF1 'd-err-conn-timeout = 0' 'd-err-cmd-timeout = 1' 'd-err-reset = 0' 'd-so-close = 1'
expect_dev RST1 'd-err-conn-timeout = 0' 'd-err-cmd-timeout = 0' 'd-err-reset = 1' 'd-unclassified = 0'
# The persistence checks below count the first four devices only.
{ echo 'configure terminal'
  for e in 'BYTES1 erin' 'big erin' 'chunked erin' 'silent erin' 'reset erin' 'IDLE1 frank' 'HALF1 frank' 'RST1 frank'; do
      echo "debug sentry device-cache purge entry $e"
  done
  echo end; } | priv >/dev/null || fail "purging the counter test devices"

# 5. Remote wipe: 449 for a Sync, RemoteWipe on Provision, then blocked after the ack.
[ "$(eas Sync LOST9 carol)" = 449 ] || fail "wipe-pending device did not get 449"
[ "$(eas Provision LOST9 carol)" = 200 ] || fail "Provision for a wipe did not get 200"
od -An -tx1 "$WORK/body" | tr -d ' \n' | grep -q '^03016a00000e454b033100010c01$' ||
    fail "not the RemoteWipe body: $(od -An -tx1 "$WORK/body")"
grep -qi '^Content-Type: application/vnd.ms-sync.wbxml' "$WORK/headers" || fail "wipe body not WBXML"
cli -c 'show sentry device-cache device LOST9' | grep -Eq ' carol +W Y ' || fail "not W before the ack"
printf '\x03\x01\x6a\x00\x00\x0e\x45\x4c\x4b\x03\x31\x00\x01\x01\x01' >"$WORK/ack"
[ "$(DATA=@"$WORK/ack" eas Provision LOST9 carol)" = 200 ] || fail "ack not answered"
cli -c 'show sentry device-cache device LOST9' | grep -Eq ' carol +B Y ' || fail "wiped device not blocked"
[ "$(eas Sync LOST9 carol)" = 403 ] || fail "wiped device not refused"
cli -c 'show sentry statistics entry LOST9 carol' | grep -qx 'wipes = 1' || fail "wipes counter"

# 6. A rule change re-decides cached devices at once.
conf <<<'no sentry device-rule 10' >/dev/null
cli -c 'show sentry device-cache user mallory' | grep -Eq ' mallory +A N ' || fail "mallory not re-decided"
[ "$(eas Sync EVIL1 mallory)" = 200 ] || fail "mallory still blocked"

# 7. Persistence across a sentryd restart; to-disk / from-disk; purge.
priv <<<'service sentry restart' >/dev/null || fail "service sentry restart"
WAIT_SECS=30 wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$HTTPS_PORT" || fail "sentryd not back"
WAIT_SECS=10 wait_for bash -c "SENTRY_STATE_DIR='$TEST_STATE_DIR' '$SENTRY_BUILD/cli/sentry-cli' -c 'show sentry device-cache device LOST9' | grep -Eq ' carol +B Y '" ||
    fail "the device list did not survive the restart: $(cli -c 'show sentry device-cache dump all')"
cli -c 'show sentry device-cache status' | grep -q '^Last restore from disk *: ... ... .. ..:..:.. UTC 20.. (4 devices)$' ||
    fail "status after restore: $(cli -c 'show sentry device-cache status')"
out=$({ echo 'configure terminal'; echo 'debug sentry device-cache to-disk'; echo 'debug sentry device-cache purge entry alice1 alice'; echo 'debug sentry device-cache from-disk'; echo 'debug sentry device-cache purge all'; echo end; } | priv)
grep -q 'Wrote device-cache to disk. Number of devices written: 4' <<<"$out" || fail "to-disk: $out"
grep -q 'Restored device-cache from disk. Number of devices restored: 1' <<<"$out" || fail "from-disk: $out"
[ "$(cli -c 'show sentry device-cache dump all | json' | field 'len(d)')" = 0 ] || fail "purge all left entries"

# 8. Auto-block: an unknown device is blocked and pending validation.
conf <<<'sentry auto-block-unregistered' >/dev/null
[ "$(eas Sync NEW1 dave)" = 403 ] || fail "auto-block did not block"
cli -c 'show sentry device-cache validation-pending yes' | grep -Eq ' dave +B N ' || fail "dave not B/N pending"

# 9. Privilege: debug needs 15 in CONFIG mode; level 1 cannot send it even as a raw frame.
out=$(cli -c 'debug sentry device-cache purge all' 2>&1) && fail "EXEC could purge: $out"
out=$(ADMIN_PW="$ADMIN_PW" python3 "$SENTRY_SRC/tests/e2e/fixtures/mics_client.py" "$TEST_STATE_DIR/run/mics.sock" \
      call sentry.debug '{"op":"devices.purge","args":{"all":true}}' 2>&1 || true)
grep -q '"code": "denied"' <<<"$out" || fail "level-1 raw frame not denied: $out"
[ "$(cli -c 'show sentry device-cache dump all | json' | field 'len(d)')" = 1 ] || fail "cache changed by a refused purge"
echo "PASS: device policy"
