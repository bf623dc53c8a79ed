# NTP through the real chronyd: MICS writes chrony.conf from the `ntp`
# lines, supervises chronyd (with -x: the host clock is never touched) only
# while `service ntp` is on and a server is configured, restarts it when the
# server list changes, and `show service` reports it. chronyc, talking to
# chronyd's private socket, shows the configured sources.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/appliance.sh"
export ADMIN_PW ENABLE_PW
trap cleanup_appliance EXIT
command -v /usr/sbin/chronyd >/dev/null || fail "chronyd is not installed (scripts/install-deps.sh installs chrony)"

SOCK="$TEST_STATE_DIR/run/mics.sock"
edit() { python3 "$SENTRY_SRC/tests/e2e/fixtures/mics_client.py" "$SOCK" edits "$@"; }
cli() { SENTRY_STATE_DIR="$TEST_STATE_DIR" "$SENTRY_BUILD/cli/sentry-cli" -c "$1"; }
ntp_row() { cli 'show service' | grep '^| ntp '; }
ntp_pid() { cat "$TEST_STATE_DIR/run/chronyd.pid" 2>/dev/null; }
sources() { chronyc -h "$TEST_STATE_DIR/ntp/chronyd.sock" -n sources 2>/dev/null | awk '/^\^/ {print $2}' | sort | tr '\n' ' '; }

start_appliance
# No server configured: nothing for chronyd to do, so it is not running.
ntp_row | grep -q '| disabled ' || fail "ntp without servers: $(ntp_row)"

out=$(edit '[{"path":"ntp.server[1]","op":"set","value":"127.0.0.1"},{"path":"ntp.server[2]","op":"set","value":"127.0.0.2"}]')
[[ "$out" == ok* ]] || fail "setting NTP servers: $out"
WAIT_SECS=15 wait_for bash -c "[ \"\$(chronyc -h '$TEST_STATE_DIR/ntp/chronyd.sock' -n sources 2>/dev/null | grep -c '^\^')\" = 2 ]" ||
    { tail "$TEST_STATE_DIR/log/chronyd.log" >&2; fail "chronyd sources: $(sources)"; }
[ "$(sources)" = "127.0.0.1 127.0.0.2 " ] || fail "sources: $(sources)"
grep -q '^server 127.0.0.1 iburst prefer$' "$TEST_STATE_DIR/ntp/chrony.conf" || fail "primary not preferred"
# Columns are as wide as their longest cell (the iptables row may say "unmanaged").
ntp_row | grep -q "| running  *| $(ntp_pid) " || fail "show service: $(ntp_row)"
first=$(ntp_pid)

# A changed server list restarts chronyd with the new sources.
out=$(edit '[{"path":"ntp.server[2]","op":"delete"},{"path":"ntp.server[3]","op":"set","value":"127.0.0.3"}]')
[[ "$out" == ok* ]] || fail "changing NTP servers: $out"
WAIT_SECS=15 wait_for bash -c "[ -n \"\$(cat '$TEST_STATE_DIR/run/chronyd.pid' 2>/dev/null)\" ] && [ \"\$(cat '$TEST_STATE_DIR/run/chronyd.pid')\" != '$first' ]" ||
    fail "chronyd not restarted after a server change"
WAIT_SECS=15 wait_for bash -c "chronyc -h '$TEST_STATE_DIR/ntp/chronyd.sock' -n sources 2>/dev/null | grep -q 127.0.0.3" ||
    fail "new source missing: $(sources)"
[ "$(sources)" = "127.0.0.1 127.0.0.3 " ] || fail "sources after change: $(sources)"

# `no service ntp` stops it and `show service` says so.
last=$(ntp_pid)
out=$(edit '[{"path":"service.ntp","op":"set","value":false}]')
[[ "$out" == ok* ]] || fail "no service ntp: $out"
WAIT_SECS=10 wait_for bash -c "! kill -0 $last" || fail "chronyd still running after no service ntp"
ntp_row | grep -q '| no  *|.*| disabled ' || fail "show service after no service ntp: $(ntp_row)"

# A clean stop leaves no chronyd behind.
out=$(edit '[{"path":"service.ntp","op":"delete"}]')
[[ "$out" == ok* ]] || fail "service ntp: $out"
WAIT_SECS=10 wait_for bash -c "test -s '$TEST_STATE_DIR/run/chronyd.pid'" || fail "chronyd not started again by service ntp"
last=$(ntp_pid)
stop_appliance
! kill -0 "$last" 2>/dev/null || fail "chronyd left running after stop"
echo "ntp_chrony: ok"
