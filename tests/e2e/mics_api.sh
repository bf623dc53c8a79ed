# MICS's socket API with a raw-frame client (fixtures/mics_client.py), against
# a real sentry-micsd without services (fast): privilege is enforced by MICS
# whatever a client sends, a user session loses the service ops, framing errors
# are answered without losing the connection (or close it cleanly when the
# stream cannot be resynchronised), unprivileged peers are kept out, and 100
# clients at once all get correct answers.
. "$(dirname "$0")/lib.sh"

CLIENT="$SENTRY_SRC/tests/e2e/fixtures/mics_client.py"
export ADMIN_PW="Adm1n-$RANDOM-pw" ENABLE_PW="En4ble-$RANDOM-pw"
make_state_dir
chmod 0755 "$TEST_STATE_DIR"  # so that 'nobody' reaches run/ and meets the socket's own mode
SOCK="$TEST_STATE_DIR/run/mics.sock"
MICS_PID=""
cleanup() {
    [ -z "$MICS_PID" ] || kill -TERM "$MICS_PID" 2>/dev/null || true
    [ -z "$MICS_PID" ] || wait "$MICS_PID" 2>/dev/null || true
    rm -rf "$TEST_STATE_DIR"
}
trap cleanup EXIT

SENTRY_STATE_DIR="$TEST_STATE_DIR" SENTRY_ADMIN_PASSWORD="$ADMIN_PW" SENTRY_ENABLE_SECRET="$ENABLE_PW" \
    "$SENTRY_BUILD/mics/sentry-micsd" --no-services >"$TEST_STATE_DIR/micsd.out" 2>&1 &
MICS_PID=$!
WAIT_SECS=30 wait_for test -S "$SOCK" || { cat "$TEST_STATE_DIR/micsd.out"; fail "MICS did not start"; }

client() { python3 "$CLIENT" "$SOCK" "$@"; }
# As user nobody, the script on stdin so nothing else needs to be readable to it.
# The system python: a per-user one (pyenv under /root) is not reachable for nobody.
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 - "$SOCK" "$@" <"$CLIENT"; }
alive() { kill -0 "$MICS_PID" 2>/dev/null || { cat "$TEST_STATE_DIR/micsd.out"; fail "MICS died ($1)"; }; }

# (a) Privilege lives in MICS: raw config ops at privilege 1 are denied.
client privilege || fail "privilege"
alive privilege
echo "ok - privilege 1 is refused config.edit/session.mode config/config.save/startup-config; enable lifts it ($SECONDS s)"

# (b) A logged-in connection is the user's session, never a service again.
client service-ops || fail "service ops after login"
echo "ok - a user session cannot call service ops ($SECONDS s)"

# (c) Framing: errors answered on the same connection; an oversized frame closes it cleanly.
client framing || fail "framing"
alive framing
echo "ok - malformed JSON / unknown op keep the connection; 2 MiB header closes it cleanly ($SECONDS s)"

# Pipelined requests are answered in order; a client that never reads is throttled.
out=$(client pipeline) || fail "pipelining"
alive pipeline
echo "ok - 500 pipelined requests answered in order; $out ($SECONDS s)"

# (d) Unprivileged peers: the 0660 root-owned socket keeps them out entirely...
[ "$(stat -c %a "$SOCK")" = 660 ] || fail "mics.sock mode is $(stat -c %a "$SOCK"), expected 660"
as_nobody no-connect || fail "nobody could connect to mics.sock"
# ...and even with the socket opened up, a non-root peer is not trusted (SO_PEERCRED).
chmod 0666 "$SOCK"
rc=0; as_nobody untrusted || rc=$?
chmod 0660 "$SOCK"
[ "$rc" = 0 ] || fail "an untrusted peer got more than hello"
echo "ok - nobody cannot connect; a non-root peer cannot auth.login ($SECONDS s)"

# (e) 100 clients at once (each: hello, auth.login, show version), then MICS still answers.
out=$(client concurrent 100) || fail "concurrent clients"
echo "ok - $out ($SECONDS s)"
alive concurrent
client hello >/dev/null || fail "hello after the concurrent run"
grep -q "too many MICS connections" "$TEST_STATE_DIR/micsd.out" && fail "connections were refused"

kill -TERM "$MICS_PID"
rc=0; wait "$MICS_PID" || rc=$?
MICS_PID=""
[ "$rc" = 0 ] || fail "sentry-micsd exited $rc on SIGTERM"
echo "mics_api: all checks passed"
