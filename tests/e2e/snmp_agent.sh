#!/usr/bin/env bash
# End to end: snmpd (AgentX master) + fake MICS + sentry-snmp-agent, queried
# with snmpget. Covers values, MICS loss, snmpd restart and a wrong community.
. "$(dirname "$0")/lib.sh"
: "${SENTRY_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"

AGENT="$SENTRY_BUILD/snmp/sentry-snmp-agent"
SNMPD=/usr/sbin/snmpd
[ -x "$AGENT" ] || fail "missing $AGENT (build the sentry-snmp-agent target)"
[ -x "$SNMPD" ] || fail "missing $SNMPD (apt-get install snmpd)"
command -v snmpget >/dev/null || fail "missing snmpget (apt-get install snmp)"

make_state_dir
S=$TEST_STATE_DIR
mkdir -p "$S/run" "$S/log" "$S/snmp/persist"
PORT=$(free_port udp)
COMMUNITY="c$RANDOM$RANDOM$RANDOM"
ROOT=.1.3.6.1.4.1.8072.9999.9999.7
OID_HOSTNAME=$ROOT.1.1.4.0
OID_VERSION=$ROOT.1.1.2.0
OID_REACHABLE=$ROOT.1.2.2.0
# Our MIB plus stand-in SMI modules, appended last so real IETF MIBs win.
MIBOPTS=(-M "+:$SENTRY_SRC/snmp/mibs:$SENTRY_SRC/snmp/mibs/compat" -m SENTRY-APPLIANCE-MIB)

# The MIB must parse without a single diagnostic.
out=$(snmptranslate "${MIBOPTS[@]}" -On SENTRY-APPLIANCE-MIB::sentryMicsReachable 2>&1) \
    || fail "snmptranslate: $out"
[ "$out" = "$ROOT.1.2.2" ] || fail "MIB does not parse cleanly: $out"

SNMPD_PID= MICS_PID= AGENT_PID=
cleanup() {
    local rc=$?
    for p in $AGENT_PID $MICS_PID $SNMPD_PID; do kill "$p" 2>/dev/null || true; done
    for p in $AGENT_PID $MICS_PID $SNMPD_PID; do wait "$p" 2>/dev/null || true; done
    if [ $rc -ne 0 ]; then
        for f in "$S"/log/*.log; do echo "== $f"; tail -n 30 "$f"; done >&2
    fi
    rm -rf "$S"
    exit $rc
}
trap cleanup EXIT INT TERM

cat >"$S/snmp/snmpd.conf" <<CONF
agentaddress udp:127.0.0.1:$PORT
master agentx
agentXSocket unix:$S/run/agentx.sock
rocommunity $COMMUNITY 127.0.0.1
sysName testbox
CONF

start_snmpd() {
    SNMP_PERSISTENT_DIR="$S/snmp/persist" "$SNMPD" -f -Lo -C -I -smux -c "$S/snmp/snmpd.conf" \
        -p "$S/run/snmpd.pid" >>"$S/log/snmpd.log" 2>&1 &
    SNMPD_PID=$!
}
start_mics() {
    python3 "$SENTRY_SRC/tests/e2e/fixtures/fake_mics_hello.py" "$S/run/mics.sock" edge-test \
        >>"$S/log/mics.log" 2>&1 &
    MICS_PID=$!
}

# get OID: value only, numeric output, short timeouts.
get() { snmpget -v2c -c "$COMMUNITY" -t 1 -r 2 -Oqv "127.0.0.1:$PORT" "$@"; }
value_is() { [ "$(get "$1" 2>/dev/null)" = "$2" ]; }

start_snmpd
start_mics
SENTRY_STATE_DIR=$S "$AGENT" >>"$S/log/agent.log" 2>&1 &
AGENT_PID=$!

# Numeric OIDs.
WAIT_SECS=20 wait_for value_is $OID_HOSTNAME '"edge-test"' \
    || fail "sentryHostname.0 is not edge-test: $(get $OID_HOSTNAME 2>&1)"
v=$(get $OID_VERSION) || fail "sentryVersion.0: $v"
[ -n "$v" ] && [ "$v" != '""' ] || fail "sentryVersion.0 is empty"
value_is $OID_REACHABLE 1 || fail "sentryMicsReachable.0 is not 1: $(get $OID_REACHABLE 2>&1)"

# Same objects by name through the MIB.
v=$(get "${MIBOPTS[@]}" SENTRY-APPLIANCE-MIB::sentryHostname.0) || fail "by name: $v"
[ "$v" = "edge-test" ] || fail "sentryHostname by name: '$v'"
v=$(get "${MIBOPTS[@]}" SENTRY-APPLIANCE-MIB::sentryMicsReachable.0) || fail "by name: $v"
[ "$v" = "true" ] || fail "sentryMicsReachable by name: '$v'"
v=$(snmpwalk -v2c -c "$COMMUNITY" -t 1 -r 2 "${MIBOPTS[@]}" "127.0.0.1:$PORT" \
    SENTRY-APPLIANCE-MIB::sentryApplianceMIB) || fail "walk: $v"
[ "$(grep -c 'SENTRY-APPLIANCE-MIB::' <<<"$v")" -eq 6 ] || fail "walk did not return 6 scalars: $v"

# MICS goes away: reachable turns false, last values stay.
kill "$MICS_PID"; wait "$MICS_PID" 2>/dev/null || true; MICS_PID=
WAIT_SECS=12 wait_for value_is $OID_REACHABLE 2 \
    || fail "sentryMicsReachable.0 not false after MICS stopped: $(get $OID_REACHABLE 2>&1)"
value_is $OID_HOSTNAME '"edge-test"' || fail "hostname not kept after MICS stopped"

# MICS comes back.
start_mics
WAIT_SECS=12 wait_for value_is $OID_REACHABLE 1 || fail "sentryMicsReachable.0 not true again"

# snmpd restarts: the subagent reconnects (AgentX ping every 5 s).
kill "$SNMPD_PID"; wait "$SNMPD_PID" 2>/dev/null || true; SNMPD_PID=
start_snmpd
WAIT_SECS=20 wait_for value_is $OID_HOSTNAME '"edge-test"' \
    || fail "agent did not re-register after snmpd restart: $(get $OID_HOSTNAME 2>&1)"
kill -0 "$AGENT_PID" || fail "agent died"

# Wrong community: no answer at all.
if out=$(snmpget -v2c -c "wrong$COMMUNITY" -t 1 -r 0 "127.0.0.1:$PORT" $OID_HOSTNAME 2>&1); then
    fail "wrong community got an answer: $out"
fi
grep -q Timeout <<<"$out" || fail "wrong community: expected a timeout, got: $out"

# SIGTERM: clean, prompt exit with status 0.
kill -TERM "$AGENT_PID"
rc=0; wait "$AGENT_PID" || rc=$?
AGENT_PID=
[ $rc -eq 0 ] || fail "agent exited $rc on SIGTERM"

echo "e2e snmp_agent: ok"
