# The INTERFACE sub-mode and reload over a real PTY (issue: the shell): the
# config-if prompt, '?' and TAB in the sub-mode, end/exit/Ctrl-Z, the CONFIG
# fallback, and reload's questions; afterwards the unsaved host name and
# interface are gone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/appliance.sh"
trap cleanup_appliance EXIT

start_appliance
expect "$SENTRY_SRC/tests/e2e/fixtures/cli_submode_local.exp" "$SENTRY_BUILD/cli/sentry-cli" "$TEST_STATE_DIR" \
    "$ENABLE_PW" > "$TEST_STATE_DIR/submode.log" 2>&1 || { cat "$TEST_STATE_DIR/submode.log"; fail "sub-mode PTY session"; }
echo "ok - interface sub-mode prompt, ?, TAB, end/exit/Ctrl-Z and reload questions on a PTY ($SECONDS s)"

out=$(SENTRY_STATE_DIR="$TEST_STATE_DIR" "$SENTRY_BUILD/cli/sentry-cli" -c 'show running-config') || fail "show: $out"
grep -q '^hostname edge3$' <<<"$out" && fail "the unsaved host name survived reload: $out"
grep -q '^interface GigabitEthernet 3$' <<<"$out" && fail "the unsaved interface survived reload: $out"
WAIT_SECS=30 wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$SSH_PORT" || fail "sshd did not come back after reload"
WAIT_SECS=30 wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$HTTPS_PORT" || fail "sentryd did not come back after reload"
echo "ok - reload discarded the unsaved changes and the services are back ($SECONDS s)"

stop_appliance || fail "sentry-micsd exited non-zero on SIGTERM"
echo "cli_submode_pty: all checks passed"
