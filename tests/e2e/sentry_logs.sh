# sentryd's logs end to end (docs/logging-sentryd.md), through the whole
# appliance: a Python datagram listener stands in for the log collector on
# run/log.sock and must see exactly one SENTRY_AUDIT REQUEST + RESPONSE per
# device request (ALLOW / BLOCK, the status, no credentials), none after
# `no sentry audit`, and a SENTRY_HEALTH record when a back end dies. The
# `debug sentry log` commands answer Successful, show in the §3.13 layouts,
# filter by user into var/log/sentryd-debug.log (0600), mask Authorization
# at level 2, survive a sentryd restart (MICS re-pushes them) and stop with
# `no debug sentry log`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/appliance.sh"
WORK=$(mktemp -d /tmp/sentry-logs.XXXXXX)
BACKEND_PID=""
LISTENER_PID=""
trap '[ -z "$BACKEND_PID" ] || kill "$BACKEND_PID" 2>/dev/null || true; [ -z "$LISTENER_PID" ] || kill "$LISTENER_PID" 2>/dev/null || true; cleanup_appliance; rm -rf "$WORK"' EXIT


B1=$(free_port)
python3 "$SENTRY_SRC/tests/e2e/fixtures/eas_backend.py" --port "$B1" --name b1 --ping-hold 0.2 >"$WORK/b1.out" 2>&1 &
BACKEND_PID=$!
start_appliance
WAIT_SECS=10 wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$B1" || fail "fixture back end did not listen"

# The collector's socket: every datagram becomes one line of $SYSLOG.
SYSLOG="$WORK/syslog.txt"
: >"$SYSLOG"
python3 "$SENTRY_SRC/tests/e2e/fixtures/log_sink.py" "$TEST_STATE_DIR/run/log.sock" "$SYSLOG" &
LISTENER_PID=$!
WAIT_SECS=10 wait_for test -S "$TEST_STATE_DIR/run/log.sock" || fail "listener did not bind"

# records TAG [python condition on r]: the JSON records of that tag, one per line.
records() {
    python3 - "$SYSLOG" "$1" "${2:-True}" <<'PY'
import json, re, sys
path, tag, cond = sys.argv[1], sys.argv[2], sys.argv[3]
for line in open(path, encoding="utf-8"):
    m = re.match(r"^<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d (\w+)\[\d+\]: (.*)$", line.rstrip("\n"))
    if not m or m.group(2) != tag:
        continue
    if tag == "SENTRY_AUDIT":
        r = json.loads(m.group(3))
        r["_pri"] = int(m.group(1))
    else:
        r = {"_pri": int(m.group(1)), "text": m.group(3)}
    if eval(cond):
        print(json.dumps(r, sort_keys=True))
PY
}
count() { records "$@" | wc -l; }

URL="https://127.0.0.1:$HTTPS_PORT/Microsoft-Server-ActiveSync"
# eas CMD DEVICE USER [curl args]: prints the HTTP status.
eas() {
    local cmd=$1 dev=$2 user=$3
    shift 3
    curl -sk -o /dev/null -w '%{http_code}' -X POST -H 'MS-ASProtocolVersion: 16.1' \
        -H 'Content-Type: application/vnd.ms-sync.wbxml' --data-binary "${DATA:-x}" "$@" \
        "$URL?Cmd=$cmd&User=$user&DeviceId=$dev&DeviceType=iPhone"
}

out=$(conf <<EOF2
hostname edge7
sentry activesync service default servers 127.0.0.1:$B1
no sentry activesync service default server-tls
sentry device-rule 10 block user mallory
EOF2
) || fail "configuring: $out"
grep -q '^%' <<<"$out" && fail "a line was refused: $out"
WAIT_SECS=10 wait_for bash -c "[ \"\$(curl -sk -o /dev/null -w '%{http_code}' -X POST -H 'MS-ASProtocolVersion: 16.1' --data x '$URL?Cmd=Sync&User=warmup&DeviceId=W1&DeviceType=iPhone')\" = 200 ]" ||
    fail "a Sync does not pass the proxy"

# 1. One allowed request: exactly one REQUEST and one RESPONSE, linked, with the fields of §5.19.
[ "$(eas Sync ALICE1 alice -u 'alice:S3cret-Pw')" = 200 ] || fail "alice refused"
WAIT_SECS=5 wait_for bash -c "[ \$(grep -c '\"userId\":\"alice\"' '$SYSLOG') -ge 2 ]" || fail "no audit records: $(cat "$SYSLOG")"
sleep 0.3
[ "$(count SENTRY_AUDIT 'r["userId"] == "alice"')" = 2 ] || fail "not two records for one request: $(records SENTRY_AUDIT)"
req=$(records SENTRY_AUDIT 'r["userId"] == "alice" and r["entryType"] == "REQUEST"')
res=$(records SENTRY_AUDIT 'r["userId"] == "alice" and r["entryType"] == "RESPONSE"')
check() { python3 -c 'import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" ||
          fail "record check '$2' failed: $1"; }
check "$req" 'r["_pri"] == 13*8+6'  # facility audit (13), severity info
check "$req" 'r["deviceId"] == "ALICE1" and r["deviceType"] == "iPhone" and r["serviceType"] == "ACTIVE_SYNC"'
check "$req" 'r["serviceName"] == "default" and r["clientHost"] == "/127.0.0.1" and isinstance(r["clientPort"], int)'
check "$req" 'r["requestUrl"] == "/Microsoft-Server-ActiveSync" and r["httpMethod"] == "POST" and r["action"] == "ALLOW"'
check "$req" 'r["usecaseId"].startswith("U-") and r["entryId"].startswith("E-")'
check "$req" '__import__("re").match(r"^\d\d/\d\d/\d{4} \d{1,2}:\d\d:\d\d$", r["publishTime"])'
check "$res" 'r["httpStatus"] == "200" and r["serverHost"] == "127.0.0.1" and r["serverPort"] == '"$B1"
check "$req" 'r["serverHost"] == "127.0.0.1" and r["serverPort"] == '"$B1"  # as in the guide's REQUEST example
check "$res" '"result" not in r'
check "$res" 'r["sentryHost"] == "edge7" and r["sentryPort"] == '"$HTTPS_PORT"' and r["sentryAddress"] == "127.0.0.1"'
python3 -c 'import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); sys.exit(0 if a["usecaseId"]==b["usecaseId"] and a["entryId"]!=b["entryId"] else 1)' "$req" "$res" ||
    fail "REQUEST and RESPONSE not linked: $req / $res"
# No credentials in any record (Basic of alice:S3cret-Pw).
grep -q 'S3cret-Pw\|YWxpY2U6UzNjcmV0LVB3\|Authorization' "$SYSLOG" && fail "a credential reached the audit log"

# 2. A blocked device: BLOCK, then 403, answered by sentryd.
[ "$(eas Sync EVIL1 mallory)" = 403 ] || fail "mallory not blocked"
WAIT_SECS=5 wait_for bash -c "[ \$(grep -c '\"userId\":\"mallory\"' '$SYSLOG') -ge 2 ]" || fail "no records for mallory"
check "$(records SENTRY_AUDIT 'r["userId"] == "mallory" and r["entryType"] == "REQUEST"')" 'r["action"] == "BLOCK" and "serverHost" not in r'
check "$(records SENTRY_AUDIT 'r["userId"] == "mallory" and r["entryType"] == "RESPONSE"')" 'r["httpStatus"] == "403" and "serverHost" not in r'
# A request that is not ActiveSync: action NONE, its 404.
curl -sk -o /dev/null "https://127.0.0.1:$HTTPS_PORT/nothing-here"
WAIT_SECS=5 wait_for bash -c "grep -q '\"requestUrl\":\"/nothing-here\"' '$SYSLOG'" || fail "no record for a 404"
check "$(records SENTRY_AUDIT 'r.get("requestUrl") == "/nothing-here"')" 'r["action"] == "NONE"'
check "$(records SENTRY_AUDIT 'r["entryType"] == "RESPONSE" and r["httpStatus"] == "404"')" 'r["userId"] == ""'

# pair COND WHAT: the one RESPONSE matching COND and its REQUEST (same
# usecaseId, exactly two records) into $req / $res.
pair() {
    local i
    for i in $(seq 50); do
        [ -n "$(records SENTRY_AUDIT "$1")" ] && break
        sleep 0.1
    done
    sleep 0.3
    res=$(records SENTRY_AUDIT "$1")
    [ -n "$res" ] || fail "no RESPONSE for $2: $(records SENTRY_AUDIT)"
    [ "$(wc -l <<<"$res")" = 1 ] || fail "not one RESPONSE for $2: $res"
    local uc
    uc=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["usecaseId"])' "$res")
    [ "$(count SENTRY_AUDIT "r['usecaseId'] == '$uc'")" = 2 ] ||
        fail "not two records for $2: $(records SENTRY_AUDIT "r['usecaseId'] == '$uc'")"
    req=$(records SENTRY_AUDIT "r['usecaseId'] == '$uc' and r['entryType'] == 'REQUEST'")
    [ -n "$req" ] || fail "no REQUEST for $2"
}
# raw TEXT: sends TEXT over TLS, prints the response's status code ("none"
# if there was none: the caller's check then says what failed).
raw() {
    python3 - "$HTTPS_PORT" "$1" <<'PY2'
import socket, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
data = b""
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as s:
        with ctx.wrap_socket(s) as t:
            t.sendall(sys.argv[2].encode())
            while b"\r\n" not in data:
                chunk = t.recv(4096)
                if not chunk:
                    break
                data += chunk
except OSError as e:
    print("raw:", e, file=sys.stderr)
print(data.split(b" ")[1].decode() if data.startswith(b"HTTP/") else "none")
PY2
}

# 2b. Messages the HTTP parser refuses: REQUEST (BLOCK, what the parser got) + RESPONSE (the status sent).
pad=$(head -c 9000 /dev/zero | tr '\0' a)
st=$(curl -sk -o /dev/null -w '%{http_code}' -H "X-Pad: $pad" "$URL?Cmd=Sync&User=huge&DeviceId=HUGE1&Secret=Q5ecret431" || true)
[ "$st" = 431 ] || fail "an oversized header block got $st, not 431"
pair 'r["entryType"] == "RESPONSE" and r["httpStatus"] == "431"' "a 431"
check "$req" 'r["action"] == "BLOCK" and r["requestUrl"] == "/Microsoft-Server-ActiveSync" and r["httpMethod"] == "GET"'
check "$req" 'r["userId"] == "" and r["deviceId"] == "" and "serviceName" not in r'
check "$req" 'r["clientHost"] == "/127.0.0.1" and isinstance(r["clientPort"], int) and "serverHost" not in r'
check "$res" 'r["sentryHost"] == "edge7" and "serverHost" not in r and "result" not in r'

# A header field without a colon: 400; the request line was read, its query is not logged.
st=$(raw $'POST /Microsoft-Server-ActiveSync?Cmd=Sync&User=broken&DeviceId=BRK1&Secret=Q5ecret400 HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n')
[ "$st" = 400 ] || fail "a malformed header got $st, not 400"
pair 'r["entryType"] == "RESPONSE" and r["httpStatus"] == "400"' "a 400"
check "$req" 'r["action"] == "BLOCK" and r["requestUrl"] == "/Microsoft-Server-ActiveSync" and r["httpMethod"] == "POST"'

# A body over the limit (1 MiB): 413 as soon as the Content-Length is read,
# method and path known. (No body is sent: sentryd closes after the 413, and
# unread bytes would make the close a reset that can overtake the answer.)
st=$(raw $'POST /Microsoft-Server-ActiveSync?Cmd=Sync&User=fat&DeviceId=FAT1&Secret=Q5ecret413 HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n')
[ "$st" = 413 ] || fail "an oversized body got $st, not 413"
pair 'r["entryType"] == "RESPONSE" and r["httpStatus"] == "413"' "a 413"
check "$req" 'r["action"] == "BLOCK" and r["requestUrl"] == "/Microsoft-Server-ActiveSync" and r["httpMethod"] == "POST"'
grep -q 'Q5ecret' "$SYSLOG" && fail "a query string reached the audit log: $(grep Q5ecret "$SYSLOG")"

# 2c. The device leaves before the back end answers (the fixture never answers
# DeviceId=silent): REQUEST with the back end, RESPONSE status 0, "device closed".
st=$(eas Sync silent quitter --max-time 1 || true)
[ "$st" = 000 ] || fail "the silent back end answered: $st"
pair 'r["entryType"] == "RESPONSE" and r["userId"] == "quitter"' "a device that left"
check "$res" 'r["httpStatus"] == "0" and r["result"] == "device closed" and "serverHost" not in r'
check "$req" 'r["action"] == "ALLOW" and r["serverHost"] == "127.0.0.1" and r["serverPort"] == '"$B1"

# 3. `no sentry audit`: no more records.
conf <<<'no sentry audit' >/dev/null
n=$(count SENTRY_AUDIT)
[ "$(eas Sync BOB1 bob)" = 200 ] || fail "bob refused"
sleep 0.5
[ "$(count SENTRY_AUDIT)" = "$n" ] || fail "records after no sentry audit: $(records SENTRY_AUDIT 'r["userId"] == "bob"')"
conf <<<'sentry audit' >/dev/null

# 4. debug sentry log: Successful, the §3.13 layouts, not in the configuration.
DBG="$TEST_STATE_DIR/log/sentryd-debug.log"
out=$(conf <<'EOF2'
debug sentry log enable
debug sentry log filter KensPhone user-id alice
debug sentry log filter Other device-id NOBODY
EOF2
)
[ "$(grep -c '^Successful$' <<<"$out")" = 3 ] || fail "debug sentry log did not answer Successful: $out"
expected=$'   log-from-to = both\n   enable = true\n   verbosity = level1'
[ "$(cli -c 'show sentry log')" = "$expected" ] || fail "show sentry log: $(cli -c 'show sentry log')"
expected=$'      TAG          ENABLED      TYPE       VALUE\n      KensPhone    true         user-id    alice\n      Other        true         device-id  NOBODY'
[ "$(cli -c 'show sentry log filter')" = "$expected" ] || fail "show sentry log filter: $(cli -c 'show sentry log filter')"
[ "$(cli -c 'show sentry log | json' | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["enable"], d["verbosity"], d["log_from_to"])')" = "True level1 both" ] ||
    fail "show sentry log | json: $(cli -c 'show sentry log | json')"
cli -c 'show running-config' | grep -q 'debug' && fail "debug settings in the running-config"

[ "$(eas Sync ALICE1 alice -u 'alice:S3cret-Pw')" = 200 ] || fail "alice refused"
[ "$(eas Sync BOB1 bob)" = 200 ] || fail "bob refused"
WAIT_SECS=5 wait_for bash -c "grep -q 'sentry -> device' '$DBG'" || fail "no debug log written"
[ "$(stat -c %a "$DBG")" = 600 ] || fail "debug log mode $(stat -c %a "$DBG")"
grep -q 'user=alice device=ALICE1 .*device -> sentry (ALLOW): POST /Microsoft-Server-ActiveSync?Cmd=Sync' "$DBG" ||
    fail "alice's request line missing: $(cat "$DBG")"
grep -q "sentry -> 127.0.0.1:$B1: POST " "$DBG" || fail "server side missing: $(cat "$DBG")"
grep -q "127.0.0.1:$B1 -> sentry: HTTP/1.1 200" "$DBG" || fail "server response missing: $(cat "$DBG")"
grep -q 'user=bob' "$DBG" && fail "bob logged despite the filter: $(cat "$DBG")"
grep -qi 'Authorization' "$DBG" && fail "level 1 logged headers"

# Level 2: headers, Authorization masked.
out=$(conf <<<'debug sentry log verbosity level_2')
grep -q '^Successful$' <<<"$out" || fail "verbosity: $out"
[ "$(eas Sync ALICE1 alice -u 'alice:S3cret-Pw')" = 200 ] || fail "alice refused"
WAIT_SECS=5 wait_for grep -q 'Authorization: Basic \*\*\*\*\*\*\*\*' "$DBG" || fail "no masked Authorization: $(cat "$DBG")"
grep -q 'MS-ASProtocolVersion: 16.1' "$DBG" || fail "headers missing at level 2"
grep -q 'S3cret-Pw\|YWxpY2U6UzNjcmV0LVB3' "$DBG" && fail "the password reached the debug log"

# Level 3: the WBXML body as hex.
conf <<<'debug sentry log verbosity level_3' >/dev/null
printf '\x03\x01\x6a\x00' >"$WORK/wbxml"
[ "$(DATA=@"$WORK/wbxml" eas Sync ALICE1 alice)" = 200 ] || fail "alice refused"
WAIT_SECS=5 wait_for grep -q '^  03016a00$' "$DBG" || fail "no WBXML hex at level 3: $(tail -20 "$DBG")"

# Survives a sentryd restart (MICS pushes it again); lost only with the appliance.
priv <<<'service sentry restart' >/dev/null || fail "service sentry restart"
WAIT_SECS=30 wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$HTTPS_PORT" || fail "sentryd not back"
WAIT_SECS=10 wait_for bash -c "SENTRY_STATE_DIR='$TEST_STATE_DIR' '$SENTRY_BUILD/cli/sentry-cli' -c 'show sentry log' | grep -q 'verbosity = level3'" ||
    fail "debug settings lost with a sentryd restart: $(cli -c 'show sentry log')"

# The device side only: no server-side lines for the next request.
conf <<<'debug sentry log enable device' >/dev/null
cli -c 'show sentry log' | grep -qx '   log-from-to = device' || fail "log-from-to: $(cli -c 'show sentry log')"
n=$(wc -l <"$DBG")
[ "$(eas Sync ALICE1 alice)" = 200 ] || fail "alice refused"
WAIT_SECS=5 wait_for bash -c "tail -n +$((n + 1)) '$DBG' | grep -q 'sentry -> device'" || fail "device side not logged"
[ "$(tail -n +"$((n + 1))" "$DBG" | grep -c "sentry -> 127.0.0.1:$B1\|127.0.0.1:$B1 -> sentry")" = 0 ] ||
    fail "server side logged with log-from-to device: $(tail -20 "$DBG")"

# Filters removed by tag; logging stopped.
out=$(conf <<'EOF2'
no debug sentry log filter Other
no debug sentry log
EOF2
)
[ "$(grep -c '^Successful$' <<<"$out")" = 2 ] || fail "no forms did not answer Successful: $out"
[ "$(cli -c 'show sentry log filter' | wc -l)" = 2 ] || fail "filter Other not removed: $(cli -c 'show sentry log filter')"
cli -c 'show sentry log' | grep -qx '   enable = false' || fail "still enabled: $(cli -c 'show sentry log')"
sz=$(stat -c %s "$DBG" 2>/dev/null || echo 0)
[ "$(eas Sync ALICE1 alice)" = 200 ] || fail "alice refused"
sleep 0.5
[ "$(stat -c %s "$DBG" 2>/dev/null || echo 0)" = "$sz" ] || fail "logged after no debug sentry log"
out=$(cli -c 'debug sentry log enable' 2>&1) && fail "EXEC could enable the debug log: $out"
out=$(conf <<<'no debug sentry log filter NoSuchTag' 2>&1 || true)
grep -q '^%' <<<"$out" || fail "removing an unknown tag did not fail: $out"

# 5. Health monitor: the back end dies, a request fails over to nothing, the server is dead.
conf <<<'sentry activesync service default health-check dead-threshold 1' >/dev/null
kill "$BACKEND_PID"
wait "$BACKEND_PID" 2>/dev/null || true
BACKEND_PID=""
eas Sync ALICE1 alice >/dev/null || true
WAIT_SECS=10 wait_for bash -c "grep -q 'SENTRY_HEALTH.*127.0.0.1:$B1 is now dead' '$SYSLOG'" ||
    fail "no health-monitor record: $(grep -v SENTRY_AUDIT "$SYSLOG")"
check "$(records SENTRY_HEALTH | head -1)" 'r["_pri"] == 17*8+4'  # facility health-monitor (local1), warning
echo "PASS: sentry logs"
