# The interactive shell over a real PTY (issue: the shell): '?', TAB, Ctrl-C,
# caret, the --More-- pager, terminal length/width, show history, Ctrl-Z and
# the idle timeout. One appliance; an SSH session (TERM=dumb, so --More-- must
# be plain text) and a local console session (sized PTY, idle test hook, which
# sentry-sshd would not pass through since it builds the child env itself).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/appliance.sh"
trap cleanup_appliance EXIT

start_appliance

expect "$SENTRY_SRC/tests/e2e/fixtures/cli_pty_ssh.exp" "$SSH_PORT" "$ADMIN_PW" "$ENABLE_PW" \
    > "$TEST_STATE_DIR/ssh.log" 2>&1 || { cat "$TEST_STATE_DIR/ssh.log"; fail "SSH PTY session"; }
echo "ok - help, completion, Ctrl-C, caret, pager, history, Ctrl-Z over SSH ($SECONDS s)"

expect "$SENTRY_SRC/tests/e2e/fixtures/cli_pty_local.exp" "$SENTRY_BUILD/cli/sentry-cli" "$TEST_STATE_DIR" \
    > "$TEST_STATE_DIR/local.log" 2>&1 || { cat "$TEST_STATE_DIR/local.log"; fail "local PTY session"; }
echo "ok - window size, pager keys and idle timeout on a local console ($SECONDS s)"

stop_appliance || fail "sentry-micsd exited non-zero on SIGTERM"
echo "cli_pty: all checks passed"
