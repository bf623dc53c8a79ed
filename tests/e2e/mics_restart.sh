# MICS dies hard (kill -9) and comes back: the data plane keeps serving
# throughout, the new MICS adopts the running services instead of starting
# second copies, no committed revision is lost, SSH and SNMP work, and a
# clean stop still leaves nothing behind. Then an adopted sentryd that dies
# is restarted like any child.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/appliance.sh"
export ADMIN_PW ENABLE_PW
CLIENT="$SENTRY_SRC/tests/e2e/fixtures/mics_client.py"
SOCK="$TEST_STATE_DIR/run/mics.sock"
RUN="$TEST_STATE_DIR/run"
URL="https://127.0.0.1:$HTTPS_PORT/Microsoft-Server-ActiveSync"
CODES="$TEST_STATE_DIR/codes"
LOOP_PID=""
cleanup() {
    [ -z "$LOOP_PID" ] || kill "$LOOP_PID" 2>/dev/null || true
    cleanup_appliance
}
trap cleanup EXIT

mics() { python3 "$CLIENT" "$SOCK" "$@"; }
debug_state() { cli -c 'show sentry log'; }
DEBUG_STATE=$'   log-from-to = server\n   enable = true\n   verbosity = level2'
pidfile() { cat "$RUN/$1.pid" 2>/dev/null; }
# argv[0] of every process that belongs to this appliance (its argv names the state dir), counted.
census() { pgrep -af -- "$TEST_STATE_DIR" | awk '{print $2}' | sed 's|.*/||' | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' '; }
EXPECTED="sentry-snmp-agent=1 sentry-sshd=1 sentryd=1 snmpd=1 "
revisions() { sqlite3 -readonly "$TEST_STATE_DIR/db/sentry.db" 'SELECT id FROM revisions ORDER BY id' | tr '\n' ' '; }
dump_logs() { tail -n 30 "$MICS_LOG" "$TEST_STATE_DIR"/log/*.log >&2 || true; }

start_appliance
WAIT_SECS=20 wait_for test "$(census)" = "$EXPECTED" || fail "services at first start: $(census)"

# 1. Configuration before the crash: a saved change, then an unsaved one.
mics set system.hostname restart-edge save >/dev/null || fail "saved change"
saved_running=$(ssh_exec 'show running-config') || fail "show running-config: $saved_running"
grep -qx 'hostname restart-edge' <<<"$saved_running" || fail "hostname not set: $saved_running"
# Unsaved: lost at the next boot (as on any network device) but kept in the history.
unsaved_rev=$(mics set system.hostname unsaved-edge) || fail "unsaved change"
snmp_name() { snmpget -v2c -c "$COMMUNITY" -t 1 -r 1 -Oqv "127.0.0.1:$SNMP_PORT" 1.3.6.1.2.1.1.5.0; }
snmp_says() { snmp_name | grep -q "$1"; }
WAIT_SECS=15 wait_for snmp_says unsaved-edge || fail "SNMP sysName before the kill: $(snmp_name 2>&1)"
# `debug sentry log` is runtime state that lives in sentryd; MICS keeps a
# copy to give it back to a restarted sentryd (checked in step 5).
out=$(conf <<<$'debug sentry log enable server\ndebug sentry log verbosity level_2') || fail "debug sentry log: $out"
[ "$(debug_state)" = "$DEBUG_STATE" ] || fail "show sentry log: $(debug_state)"
revs_before=$(revisions)
sentryd_pid=$(pidfile sentryd)
[ -n "$sentryd_pid" ] && kill -0 "$sentryd_pid" || fail "no sentryd pid file"
echo "ok - appliance up, saved + unsaved changes committed (revisions: $revs_before) ($SECONDS s)"

# 2. Devices keep being served while MICS is gone. Every request must get
# sentryd's 503 (no backend configured): none may fail or time out.
( for _ in $(seq 400); do
      [ -e "$TEST_STATE_DIR/stop-loop" ] && break
      curl -sk -o /dev/null -w '%{http_code}\n' --max-time 3 -X OPTIONS "$URL" >>"$CODES" || echo "curl-rc=$?" >>"$CODES"
      sleep 0.05
  done ) &
LOOP_PID=$!
WAIT_SECS=10 wait_for test -s "$CODES" || fail "request loop did not start"
kill -KILL "$MICS_PID"
wait "$MICS_PID" 2>/dev/null || true
MICS_PID=""
before_gap=$(wc -l <"$CODES")
sleep 3
during_gap=$(( $(wc -l <"$CODES") - before_gap ))
[ "$during_gap" -ge 10 ] || fail "only $during_gap requests in 3 s without MICS"
kill -0 "$sentryd_pid" || fail "sentryd died with MICS"
[ "$(census)" = "$EXPECTED" ] || fail "services changed while MICS was down: $(census)"
echo "ok - MICS killed; $during_gap requests served in the 3 s without it ($SECONDS s)"

# 3. MICS again, on the same state dir (stale mics.sock, pid files of live services).
start_appliance
# start_appliance only sees the old socket file and the adopted ports: wait for the new MICS itself.
WAIT_SECS=30 wait_for mics hello || { dump_logs; fail "new MICS does not answer"; }
WAIT_SECS=10 wait_for grep -q "adopted snmp-agent pid" "$MICS_LOG" || { dump_logs; fail "no adoption logged"; }
touch "$TEST_STATE_DIR/stop-loop"
wait "$LOOP_PID" || true
LOOP_PID=""
bad=$(grep -cvx 503 "$CODES" || true)
[ "$bad" = 0 ] || fail "$bad of $(wc -l <"$CODES") requests did not get 503: $(sort "$CODES" | uniq -c | tr '\n' ' ')"
echo "ok - all $(wc -l <"$CODES") requests across the MICS restart got 503 ($SECONDS s)"

for svc in sentryd ssh snmp snmp-agent; do
    grep -q "adopted $svc pid" "$MICS_LOG" || { dump_logs; fail "$svc was not adopted"; }
done
[ "$(pidfile sentryd)" = "$sentryd_pid" ] || fail "sentryd pid changed: $sentryd_pid -> $(pidfile sentryd)"
sleep 1  # a second copy would be in its backoff loop now
[ "$(census)" = "$EXPECTED" ] || fail "duplicate or missing services after restart: $(census)"
# Only the first MICS started services; the second started none and restarted none.
started=$(grep -cE "info: started (sentryd|ssh|snmp|snmp-agent) pid" "$MICS_LOG" || true)
[ "$started" = 4 ] || { dump_logs; fail "$started service starts logged, expected the first boot's 4"; }
! grep -q "restarting in" "$MICS_LOG" || { dump_logs; fail "a service was restarted"; }
echo "ok - the new MICS adopted sentryd (pid $sentryd_pid), sshd, snmpd, the agent; no duplicates ($SECONDS s)"

# 4. Configuration: nothing committed is lost; boot loads startup-config as always.
revs_after=$(revisions)
for r in $revs_before; do
    grep -qw "$r" <<<"$revs_after" || fail "revision $r lost: before '$revs_before' after '$revs_after'"
done
grep -qw "$unsaved_rev" <<<"$revs_after" || fail "the unsaved revision $unsaved_rev is not in the history"
out=$(ssh_exec 'show running-config') || fail "SSH after restart: $out"
[ "$out" = "$saved_running" ] || fail "running-config changed across the restart:
--- before
$saved_running
--- after
$out"
# The boot revision is newer than anything sentryd has seen: the push must have been applied.
boot_rev=$(sqlite3 -readonly "$TEST_STATE_DIR/db/sentry.db" 'SELECT max(id) FROM revisions')
WAIT_SECS=10 wait_for grep -q "config version $boot_rev applied" "$TEST_STATE_DIR/log/sentryd.log" ||
    { dump_logs; fail "the adopted sentryd did not get revision $boot_rev"; }
# The adopted snmpd still had the unsaved hostname; MICS HUPs it to load this boot's config.
WAIT_SECS=15 wait_for snmp_says restart-edge ||
    fail "SNMP sysName after restart: $(snmp_name 2>&1)"
echo "ok - SSH login, running-config intact, revisions kept, sentryd got revision $boot_rev, SNMP answers ($SECONDS s)"

# 5. The adopted sentryd dies: MICS notices through its pidfd and starts a new one.
kill -KILL "$sentryd_pid"
sentryd_replaced() { local p; p=$(pidfile sentryd) && [ -n "$p" ] && [ "$p" != "$sentryd_pid" ] && kill -0 "$p"; }
WAIT_SECS=10 wait_for sentryd_replaced ||
    { dump_logs; fail "sentryd was not restarted"; }
grep -q "adopted sentryd pid $sentryd_pid exited" "$MICS_LOG" || fail "adopted sentryd exit not logged"
serves_503() { [ "$(curl -sk -o /dev/null -w '%{http_code}' --max-time 3 -X OPTIONS "$URL")" = 503 ]; }
WAIT_SECS=10 wait_for serves_503 ||
    fail "the new sentryd does not serve"
# The new MICS never saw the `debug sentry log` commands: it took the
# settings from the sentryd it adopted, and gave them to the new one.
debug_kept() { [ "$(debug_state)" = "$DEBUG_STATE" ]; }
WAIT_SECS=10 wait_for debug_kept ||
    fail "debug log settings lost across the MICS and sentryd restarts: $(debug_state)"
echo "ok - adopted sentryd killed; MICS restarted it as pid $(pidfile sentryd), debug log settings kept ($SECONDS s)"
[ "$(census)" = "$EXPECTED" ] || fail "services after the sentryd restart: $(census)"

# 6. A clean stop covers adopted services too: no processes, nothing in run/.
stop_appliance || fail "sentry-micsd exited non-zero on SIGTERM"
sleep 0.5
if pgrep -f -- "$TEST_STATE_DIR" >/dev/null; then
    pgrep -af -- "$TEST_STATE_DIR"; fail "processes left after stop"
fi
left=$(ls -A "$RUN")
[ -z "$left" ] || fail "left in run/: $left"
echo "mics_restart: all checks passed ($SECONDS s)"
