# Walking skeleton through all five processes (issue: foundation):
# real OpenSSH client -> sentry-sshd -> sentry-cli -> MICS -> snmpd/sentryd,
# persistence across a restart, and a clean stop with no orphans.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/appliance.sh"
trap cleanup_appliance EXIT

start_appliance

# 1. Interactive session: banner, login, enable, configure, hostname, write.
expect "$SENTRY_SRC/tests/e2e/fixtures/skeleton_session.exp" "$SSH_PORT" "$ADMIN_PW" "$ENABLE_PW" \
    > "$TEST_STATE_DIR/session.log" 2>&1 || { cat "$TEST_STATE_DIR/session.log"; fail "interactive session"; }
echo "ok - interactive SSH session ($SECONDS s)"

# 2. Exec channel: one command, exit status 0 / 2.
out=$(ssh_exec 'show running-config') || fail "exec show running-config: $out"
grep -qx 'hostname edge1' <<<"$out" || fail "exec output lacks hostname: $out"
rc=0; ssh_exec 'show bogus' >/dev/null || rc=$?
[ "$rc" = 2 ] || fail "parse error over exec should exit 2, got $rc"
echo "ok - exec channel and exit codes ($SECONDS s)"

# 3. sentryd over real TLS.
code=$(curl -sk -o "$TEST_STATE_DIR/body" -w '%{http_code}' -X OPTIONS \
    "https://127.0.0.1:$HTTPS_PORT/Microsoft-Server-ActiveSync")
[ "$code" = 503 ] || fail "OPTIONS got $code"
grep -q "no ActiveSync server configured" "$TEST_STATE_DIR/body" || fail "503 body: $(cat "$TEST_STATE_DIR/body")"
openssl x509 -in "$TEST_STATE_DIR/certs/sentry.crt" -noout -text | grep -q 'id-ecPublicKey' ||
    fail "device certificate is not ECDSA"
echo "ok - sentryd answers over TLS ($SECONDS s)"

# 4. SNMP: sysName follows the shell (MICS pushed it to snmpd), sysUpTime works.
snmp() { snmpget -v2c -c "$COMMUNITY" -t 1 -r 3 -Oqv "127.0.0.1:$SNMP_PORT" "$@"; }
WAIT_SECS=20 wait_for bash -c "snmpget -v2c -c '$COMMUNITY' -t 1 -r 1 -Oqv 127.0.0.1:$SNMP_PORT 1.3.6.1.2.1.1.5.0 | grep -qx '\"edge1\"'" ||
    fail "sysName.0 is '$(snmp 1.3.6.1.2.1.1.5.0 2>&1)', expected edge1"
snmp 1.3.6.1.2.1.1.3.0 >/dev/null || fail "sysUpTime"
# By name, as an admin types it (MIB stand-ins from snmp/mibs/compat, see README).
named=$(snmp -M "+:$SENTRY_SRC/snmp/mibs:$SENTRY_SRC/snmp/mibs/compat" -m SNMPv2-MIB SNMPv2-MIB::sysName.0) ||
    fail "SNMPv2-MIB::sysName.0 by name"
[ "$named" = edge1 ] || fail "SNMPv2-MIB::sysName.0 = $named"
rc=0; snmpget -v2c -c wrong-community -t 1 -r 0 "127.0.0.1:$SNMP_PORT" 1.3.6.1.2.1.1.5.0 >/dev/null 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a wrong community was answered"
# The appliance's own MIB through the AgentX subagent.
WAIT_SECS=20 wait_for bash -c "snmpget -v2c -c '$COMMUNITY' -t 1 -r 1 -Oqv 127.0.0.1:$SNMP_PORT 1.3.6.1.4.1.8072.9999.9999.7.1.1.4.0 | grep -q edge1" ||
    fail "sentryHostname.0 via the subagent"
echo "ok - SNMP sysName, sysUpTime, subagent ($SECONDS s)"

# 5. Clean stop: no orphans, sockets and pid files gone.
stop_appliance || fail "sentry-micsd exited non-zero on SIGTERM"
sleep 0.5
if pgrep -f -- "$TEST_STATE_DIR" >/dev/null; then
    pgrep -af -- "$TEST_STATE_DIR"; fail "processes left after stop"
fi
left=$(find "$TEST_STATE_DIR/run" \( -name '*.sock' -o -name '*.pid' \) | tr '\n' ' ')
[ -z "$left" ] || fail "left in run/: $left"
echo "ok - clean stop ($SECONDS s)"

# 6. Saved config survives a restart.
start_appliance
out=$(ssh_exec 'show running-config') || fail "after restart: $out"
grep -qx 'hostname edge1' <<<"$out" || fail "hostname lost across restart: $out"
echo "ok - config persists across restart ($SECONDS s)"
stop_appliance || fail "second stop"
echo "skeleton: all checks passed"
