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

cli() { SENTRY_STATE_DIR="$TEST_STATE_DIR" timeout 60 "$SENTRY_BUILD/cli/sentry-cli" "$@"; }
priv() { { printf 'enable\n%s\n' "$ENABLE_PW"; cat; } | cli "$@"; }
conf() { { echo 'configure terminal'; cat; echo 'end'; } | priv; }
field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

B1=$(free_port)
python3 "$SENTRY_SRC/tests/e2e/fixtures/eas_backend.py" --port "$B1" --name b1 --ping-hold 0.2 &
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
