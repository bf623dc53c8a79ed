# Shared helpers for end-to-end shell tests. Source it: . "$(dirname "$0")/lib.sh"
set -euo pipefail
# set -e ends a test at the first command that fails outside a condition
# (e.g. `st=$(curl ...)` when curl cannot connect). Say where, so a run
# never ends without a FAIL line. Quiet where a test has set +e on purpose.
trap '_e2e_rc=$?; [[ $- != *e* ]] || echo "FAIL: exit $_e2e_rc at ${BASH_SOURCE[0]##*/}:$LINENO: $BASH_COMMAND" >&2' ERR
: "${SENTRY_BUILD:?SENTRY_BUILD must point at the build dir}"

# A free TCP (or UDP with "udp") port on 127.0.0.1, chosen by the kernel.
free_port() {
    python3 - "$@" <<'PY'
import socket, sys
kind = socket.SOCK_DGRAM if (len(sys.argv) > 1 and sys.argv[1] == "udp") else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
PY
}

# A temp state dir removed at exit (with everything we started in it).
make_state_dir() {
    TEST_STATE_DIR=$(mktemp -d /tmp/sentry-test.XXXXXX)
    export TEST_STATE_DIR
}

fail() { echo "FAIL: $*" >&2; exit 1; }

# wait_for CMD... : retry a command for up to ${WAIT_SECS:-20}s.
wait_for() {
    local deadline=$((SECONDS + ${WAIT_SECS:-20}))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.2
    done
}
