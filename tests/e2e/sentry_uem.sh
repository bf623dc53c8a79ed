# The UEM connector end to end (docs/device-policy.md, man 7 sentry-uem-api),
# through the whole appliance against the fixture UEM (TLS with a throwaway
# certificate, bearer token): UEM decisions reach devices, a block arrives
# within one poll, removed devices, 410 → full resync, from-emm, UEM down with
# fail-open on and off, a wrong token, show sentry status / server status /
# statistics global server, and the token never reaching a log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/appliance.sh"
WORK=$(mktemp -d /tmp/sentry-uem.XXXXXX)
BACKEND_PID=""
UEM_PID=""
trap '[ -z "$BACKEND_PID" ] || kill "$BACKEND_PID" 2>/dev/null || true
      [ -z "$UEM_PID" ] || kill "$UEM_PID" 2>/dev/null || true
      cleanup_appliance; rm -rf "$WORK"' EXIT

field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# The device-cache state letters of DEV/USER ("A Y", "P N", ...), or nothing.
state() { cli -c "show sentry device-cache device $1" | sed -nE "s/^[0-9]+ +$2 +([ABPW]) ([YN]) .*/\1 \2/p"; }
# wait_state DEV USER "A Y" [secs]
wait_state() {
    WAIT_SECS=${4:-15} wait_for bash -c "[ \"\$(SENTRY_STATE_DIR='$TEST_STATE_DIR' '$SENTRY_BUILD/cli/sentry-cli' -c 'show sentry device-cache device $1' | sed -nE 's/^[0-9]+ +$2 +([ABPW]) ([YN]) .*/\1 \2/p')\" = '$3' ]"
}
# wait_status REGEX [secs]: until `show sentry status` has a matching line.
wait_status() {
    WAIT_SECS=${2:-15} wait_for bash -c "SENTRY_STATE_DIR='$TEST_STATE_DIR' '$SENTRY_BUILD/cli/sentry-cli' -c 'show sentry status' | grep -Eq '$1'"
}

# A throwaway CA-less certificate for 127.0.0.1; it is its own trust anchor.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=uem.test \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/uem.key" -out "$WORK/uem.crt" 2>/dev/null ||
    fail "openssl could not make the fixture certificate"
UEM_PORT=$(free_port)
UEM_CTL=$(free_port)
TOKEN="tok-$RANDOM$RANDOM-secret"
python3 "$SENTRY_SRC/tests/e2e/fixtures/uem_server.py" --port "$UEM_PORT" --control-port "$UEM_CTL" \
    --cert "$WORK/uem.crt" --key "$WORK/uem.key" --token "$TOKEN" \
    --device ALLOW1,alice,allowed,iPhone --device WIPE1,wanda,wipe --device BLOCK1,bob,blocked >"$WORK/uem.log" 2>&1 &
UEM_PID=$!
ctl() { curl -sf -X POST --data "${2:-{\}}" "http://127.0.0.1:$UEM_CTL/$1" >/dev/null || fail "fixture control $1"; }
ustat() { curl -sf "http://127.0.0.1:$UEM_CTL/stats" | field "d['$1']"; }

B1=$(free_port)
python3 "$SENTRY_SRC/tests/e2e/fixtures/eas_backend.py" --port "$B1" --name b1 >"$WORK/backend.log" 2>&1 &
BACKEND_PID=$!
start_appliance
WAIT_SECS=10 wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$B1" || fail "fixture back end did not listen"
WAIT_SECS=10 wait_for curl -sf "http://127.0.0.1:$UEM_CTL/stats" || fail "fixture UEM did not listen"

URL="https://127.0.0.1:$HTTPS_PORT/Microsoft-Server-ActiveSync"
eas() {  # eas CMD DEVICE USER: prints the HTTP status
    curl -sk -o /dev/null -w '%{http_code}' -X POST -H 'MS-ASProtocolVersion: 16.1' --data-binary x \
        "$URL?Cmd=$1&User=$3&DeviceId=$2&DeviceType=iPhone"
}

out=$(conf <<EOF2
sentry activesync service default servers 127.0.0.1:$B1
no sentry activesync service default server-tls
sentry activesync service default health-check interval 10
sentry uem url https://127.0.0.1:$UEM_PORT/api
sentry uem token $TOKEN
sentry uem ca-file $WORK/uem.crt
sentry uem poll-interval 10
sentry device-policy uem
EOF2
) || fail "configuring: $out"
grep -q '^%' <<<"$out" && fail "a line was refused: $out"

# 1. The connector starts with a full load: connected, three devices, each as the UEM says.
wait_status '^Connectivity to UEM +: Connected$' || fail "never connected: $(cli -c 'show sentry status'; cat "$TEST_STATE_DIR"/log/sentryd.log 2>/dev/null | tail -5)"
st=$(cli -c 'show sentry status')
for re in '^EMM server type +: UEM \(sentry-uem-api\)$' "^EMM server URL +: https://127.0.0.1:$UEM_PORT/api$" \
          '^Last connectivity change detected by : Sentry initialization$' \
          '^Last connectivity change time +: ... ... .. ..:..:.. UTC 20..$' \
          '^UEM periodic connectivity check status$' '^Current time +: ... ... .. ..:..:.. UTC 20..$' \
          '^Last successful +: ... ... .. ..:..:.. UTC 20..$' '^Last failed +: Never$' \
          '^Next scheduled +: ... ... .. ..:..:.. UTC 20..$' '^EMM server fail-open status +: Allow$' \
          '^Last fail-open status change detected by : Sentry initialization$'; do
    grep -Eq "$re" <<<"$st" || fail "show sentry status lacks '$re': $st"
done
[ "$(cli -c 'show sentry status | json' | field 'd["fail_open_in_effect"]')" = False ] || fail "status json"
cli -c 'show sentry device-cache status' | grep -Eq '^Last load from EMM +: ... ... .. ..:..:.. UTC 20.. \(3 devices\)$' ||
    fail "device-cache status: $(cli -c 'show sentry device-cache status')"
[ "$(state ALLOW1 alice)" = "A Y" ] || fail "ALLOW1: $(state ALLOW1 alice)"
[ "$(state WIPE1 wanda)" = "W Y" ] || fail "WIPE1: $(state WIPE1 wanda)"
[ "$(state BLOCK1 bob)" = "B Y" ] || fail "BLOCK1: $(state BLOCK1 bob)"

# 2. Devices get what the UEM says; one it has not listed is P and passes.
[ "$(eas Sync ALLOW1 alice)" = 200 ] || fail "allowed device refused"
[ "$(eas Sync BLOCK1 bob)" = 403 ] || fail "blocked device passed"
[ "$(eas Sync WIPE1 wanda)" = 449 ] || fail "wipe device did not get 449"
[ "$(eas Sync UNK1 carol)" = 200 ] || fail "unlisted device refused"
[ "$(state UNK1 carol)" = "P N" ] || fail "unlisted device not P N: $(state UNK1 carol)"

# 3. The UEM blocks ALLOW1: within one poll (10 s) the device gets 403.
t0=$SECONDS
ctl set '{"device_id":"ALLOW1","user":"alice","status":"blocked"}'
wait_state ALLOW1 alice "B Y" 15 || fail "the block did not arrive: $(state ALLOW1 alice)"
took=$((SECONDS - t0))
[ $took -le 12 ] || fail "the block took ${took}s (poll interval 10 s)"
echo "block reached the proxy after ${took}s"
[ "$(eas Sync ALLOW1 alice)" = 403 ] || fail "blocked by the UEM but passed"
stats=$(cli -c 'show sentry statistics entry ALLOW1 alice')
for kv in 'd-http-requests = 2' 'permits = 1' 'blocks = 1' 'pendings = 0' 's-http-requests = 1' 'http-status-200 = 1'; do
    grep -qx "$kv" <<<"$stats" || fail "ALLOW1 counter '$kv': $stats"
done
[ "$(cli -c 'show sentry statistics global device pendings')" = "pendings = 1" ] || fail "global pendings"

# 4. from-emm loads the whole list now.
ctl set '{"device_id":"NEVER1","user":"nina","status":"allowed"}'
lists=$(ustat list)
out=$(conf <<<'debug sentry device-cache from-emm') || fail "from-emm: $out"
grep -q '^Loaded and updated device-cache from UEM. Number of devices loaded: 4$' <<<"$out" || fail "from-emm said: $out"
[ "$(ustat list)" -gt "$lists" ] || fail "from-emm did not ask the UEM"
[ "$(state NEVER1 nina)" = "A Y" ] || fail "NEVER1 not loaded"
cli -c 'show sentry device-cache status' | grep -Eq '^Last load from EMM +: .* \(4 devices\)$' || fail "last load count"
out=$(conf <<<'debug sentry device-cache from-uem') || fail "from-uem: $out"
grep -q 'Number of devices loaded: 4$' <<<"$out" || fail "from-uem alias: $out"

# 5. Removed (delta): an entry only the UEM made goes; a used one stays and reads P.
ctl remove '{"device_id":"NEVER1","user":"nina"}'
ctl remove '{"device_id":"BLOCK1","user":"bob"}'
wait_state BLOCK1 bob "P N" 15 || fail "BLOCK1 not back to P: $(state BLOCK1 bob)"
[ -z "$(state NEVER1 nina)" ] || fail "NEVER1 still cached: $(state NEVER1 nina)"
cli -c 'show sentry statistics entry BLOCK1 bob' | grep -qx 'blocks = 1' || fail "BLOCK1 lost its counters"
[ "$(eas Sync BLOCK1 bob)" = 200 ] || fail "removed device not admitted as pending"

# 5b. check-in polls now: with the periodic poll an hour away, two changes
# reach the cache at once and are counted.
conf <<<'sentry uem poll-interval 3600' >/dev/null
ctl set '{"device_id":"BLOCK1","user":"bob","status":"blocked"}'
ctl set '{"device_id":"CHK1","user":"chris","status":"allowed"}'
out=$(conf <<<'debug sentry check-in') || fail "check-in: $out"
grep -qx 'Checked in with the UEM. Number of device changes applied: 2' <<<"$out" || fail "check-in said: $out"
[ "$(state BLOCK1 bob)" = "B Y" ] || fail "check-in did not apply BLOCK1: $(state BLOCK1 bob)"
[ "$(state CHK1 chris)" = "A Y" ] || fail "check-in did not apply CHK1: $(state CHK1 chris)"
cli -c 'show sentry status' | grep -q '^Last connectivity change detected by' || fail "status after check-in"
out=$(conf <<<'debug sentry check-in') || fail "second check-in: $out"
grep -qx 'Checked in with the UEM. Number of device changes applied: 0' <<<"$out" || fail "idle check-in said: $out"
out=$(cli -c 'debug sentry check-in' 2>&1) && fail "EXEC could run check-in: $out"
conf <<<'sentry uem poll-interval 10' >/dev/null

# 6. A cursor the UEM no longer knows: 410, then a full resync.
lists=$(ustat list)
ctl compact
WAIT_SECS=15 wait_for bash -c "[ \"\$(curl -sf http://127.0.0.1:$UEM_CTL/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"gone\"])')\" -ge 1 ]" ||
    fail "no 410 seen"
WAIT_SECS=5 wait_for bash -c "[ \"\$(curl -sf http://127.0.0.1:$UEM_CTL/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"list\"])')\" -gt $lists ]" ||
    fail "no full resync after 410"
[ "$(cli -c 'show sentry status | json' | field 'd["counters"]["gone_410"]')" = 1 ] || fail "gone_410 not counted"
wait_status '^Connectivity to UEM +: Connected$' 5 || fail "not connected after the 410 resync"

# 7. UEM down: Disconnected; fail-open decides unlisted devices; listed ones keep their record.
ctl down
wait_status '^Connectivity to UEM +: Disconnected$' 15 || fail "down not noticed: $(cli -c 'show sentry status')"
st=$(cli -c 'show sentry status')
grep -q '^Last connectivity change detected by : Periodic connectivity check$' <<<"$st" || fail "detected by: $st"
grep -Eq '^Last failure reason +: .*connect' <<<"$st" || fail "no failure reason: $st"
grep -Eq '^Last failed +: ... ... .. ..:..:.. UTC 20..$' <<<"$st" || fail "last failed: $st"
out=$(conf <<<'debug sentry device-cache from-emm' 2>&1) && fail "from-emm with the UEM down succeeded: $out"
grep -q '^% loading from the UEM failed: ' <<<"$out" || fail "from-emm error: $out"
out=$(conf <<<'debug sentry check-in' 2>&1) && fail "check-in with the UEM down succeeded: $out"
grep -q '^% UEM check-in failed: .*connect' <<<"$out" || fail "check-in error: $out"
conf <<<'no sentry emm-fail-open' >/dev/null
[ "$(eas Sync NEW2 dave)" = 403 ] || fail "fail-open off: new device passed"
[ "$(state NEW2 dave)" = "B N" ] || fail "NEW2 not B N"
[ "$(eas Sync ALLOW1 alice)" = 403 ] || fail "listed device lost its record"
st=$(cli -c 'show sentry status')
grep -Eq '^EMM server fail-open status +: Block$' <<<"$st" || fail "fail-open status: $st"
grep -q '^Last fail-open status change detected by : Configuration change$' <<<"$st" || fail "fail-open change: $st"
[ "$(cli -c 'show sentry status | json' | field 'd["fail_open_in_effect"]')" = True ] || fail "fail-open not in effect"
conf <<<'sentry emm-fail-open' >/dev/null
[ "$(eas Sync NEW3 erin)" = 200 ] || fail "fail-open on: new device refused"
[ "$(eas Sync NEW2 dave)" = 200 ] || fail "fail-open on: NEW2 not re-decided"
[ "$(state WIPE1 wanda)" = "W Y" ] || fail "WIPE1 lost its record while down"

# 8. Back up: connected again, unlisted devices wait for the UEM (P) again.
ctl up
wait_status '^Connectivity to UEM +: Connected$' 15 || fail "up not noticed: $(cli -c 'show sentry status')"
[ "$(state NEW2 dave)" = "P N" ] || fail "NEW2 not P after reconnect: $(state NEW2 dave)"

# 9. A wrong token: authentication failed, noticed by the configuration change.
auth=$(ustat auth_failures)
conf <<<'sentry uem token wrong-token-123' >/dev/null
wait_status '^Last failure reason +: authentication failed \(HTTP 401\)$' 10 ||
    fail "wrong token not reported: $(cli -c 'show sentry status')"
st=$(cli -c 'show sentry status')
grep -Eq '^Connectivity to UEM +: Disconnected$' <<<"$st" || fail "wrong token but connected: $st"
grep -q '^Last connectivity change detected by : Configuration change$' <<<"$st" || fail "wrong token detected by: $st"
[ "$(ustat auth_failures)" -gt "$auth" ] || fail "fixture saw no bad token"
conf <<<"sentry uem token $TOKEN" >/dev/null
wait_status '^Connectivity to UEM +: Connected$' 10 || fail "right token again but not connected"

# 10. Server status and the health-check counters.
ss=$(cli -c 'show sentry server status')
grep -Eq '^Current Time : ... ... .. ..:..:.. UTC 20..$' <<<"$ss" || fail "server status time: $ss"
grep -qx 'Service Name : default' <<<"$ss" || fail "no default service: $ss"
grep -qx 'Service Type : Active-Sync' <<<"$ss" || fail "service type: $ss"
grep -qx 'Server Scheduling : PRIORITY' <<<"$ss" || fail "scheduling: $ss"
grep -qx 'Active Background Health Check : Enabled' <<<"$ss" || fail "health check: $ss"
grep -qx 'Name/IP                              Status   Successful           Failed               Count' <<<"$ss" ||
    fail "header: $ss"
grep -Eq "^127\.0\.0\.1:$B1 +Live +[0-9]{2}/[0-9]{2}/20[0-9]{2} [0-9:]{8}  Never +0$" <<<"$ss" || fail "server row: $ss"
[ "$(cli -c 'show sentry server status | json' | field 'd["services"][0]["servers"][0]["declared_status"]')" = Live ] ||
    fail "server status json"
hc=$(cli -c 'show sentry statistics global server')
[ "$(wc -l <<<"$hc")" = 14 ] || fail "not the 14 hc-* names: $hc"
cli -c 'show sentry statistics global server | json' | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["hc-connections"] >= 1, d
assert d["hc-connections"] - d["hc-so-close"] in (0, 1), d          # one probe may be in flight
assert d["hc-http-requests"] - d["hc-http-responses"] in (0, 1), d
assert d["hc-http-responses"] == d["hc-http-status-200"], d          # the fixture answers 200
assert d["hc-bytes-sent"] > 0 and d["hc-bytes-rcvd"] > 0, d
for k in ("hc-err-conn-timeout", "hc-err-so-timeout", "hc-err-reset", "hc-unclassified", "hc-http-status-401",
          "hc-http-status-404", "hc-http-status-other"):
    assert d[k] == 0, (k, d)
' || fail "hc counters: $hc"
cli -c 'show sentry statistics global server status-404' | grep -qx 'hc-http-status-404 = 0' || fail "server filter"

# 11. Standalone again: the connector stops; from-emm is not applicable.
conf <<<'sentry device-policy standalone' >/dev/null
cli -c 'show sentry status' | grep -Eq '^EMM server type +: None \(sentry device-policy standalone\)$' ||
    fail "standalone status: $(cli -c 'show sentry status')"
out=$(conf <<<'debug sentry device-cache from-emm' 2>&1) && fail "from-emm in standalone succeeded"
grep -q '^% not applicable' <<<"$out" || fail "standalone from-emm: $out"
out=$(cli -c 'debug sentry device-cache from-emm' 2>&1) && fail "EXEC could run from-emm: $out"
out=$(conf <<<'debug sentry check-in' 2>&1) && fail "check-in in standalone succeeded: $out"
grep -qx 'This command is not applicable for the EMM Server' <<<"$out" || fail "standalone check-in: $out"

# The token is a secret: no log holds it (the audit trail masks it).
if grep -rlF -- "$TOKEN" "$TEST_STATE_DIR/log" "$MICS_LOG" 2>/dev/null; then fail "the UEM token reached a log"; fi
echo "PASS: UEM connector"
