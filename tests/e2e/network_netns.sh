# The network applier on real links, inside a private network namespace
# (`unshare -n`) holding a veth pair that stands in for GigabitEthernet 1-2:
# interface addresses, admin state and static routes follow the committed
# configuration; a change the kernel refuses (gateway not on any link) is
# rolled back with the kernel's reason and leaves no revision, no route and
# no address behind; a restart re-applies the startup configuration.
# The host's own links are never touched. Skips (77) where namespaces are
# not allowed.
. "$(dirname "$0")/lib.sh"

if ! unshare -n true 2>/dev/null; then
    echo "SKIP: unshare -n is not permitted here" >&2
    exit 77
fi
# Re-run this script inside a fresh network namespace.
if [ -z "${SENTRY_IN_NETNS:-}" ]; then
    exec env SENTRY_IN_NETNS=1 unshare -n bash "$0" "$@"
fi

make_state_dir
MICS_PID=""
cleanup() {
    [ -z "$MICS_PID" ] || kill "$MICS_PID" 2>/dev/null || true
    [ -z "$MICS_PID" ] || wait "$MICS_PID" 2>/dev/null || true
    rm -rf "$TEST_STATE_DIR"
}
trap cleanup EXIT

ip link add sg1 type veth peer name sg2 || fail "cannot create the veth pair"
ip link set lo up

export SENTRY_STATE_DIR="$TEST_STATE_DIR" SENTRY_INTERFACES="1=sg1,2=sg2"
export ADMIN_PW=netns-admin-pw ENABLE_PW=netns-enable-pw
export SENTRY_ADMIN_PASSWORD=$ADMIN_PW SENTRY_ENABLE_SECRET=$ENABLE_PW
SOCK="$TEST_STATE_DIR/run/mics.sock"
LOG="$TEST_STATE_DIR/micsd.log"
start_mics() {
    "$SENTRY_BUILD/mics/sentry-micsd" --no-services >>"$LOG" 2>&1 &
    MICS_PID=$!
    wait_for python3 "$SENTRY_SRC/tests/e2e/fixtures/mics_client.py" "$SOCK" hello || { cat "$LOG" >&2; fail "MICS did not start"; }
}
stop_mics() { kill "$MICS_PID"; wait "$MICS_PID" 2>/dev/null || true; MICS_PID=""; }

# edit 'JSON edits' [save]: one config.edit as admin in CONFIG mode; prints
# "ok <revision>" or "<code>: <message>".
edit() { python3 "$SENTRY_SRC/tests/e2e/fixtures/mics_client.py" "$SOCK" edits "$@"; }
revisions() { sqlite3 -readonly "$TEST_STATE_DIR/db/sentry.db" 'SELECT count(*) FROM revisions'; }
addr_of() { ip -o -4 addr show dev "$1" scope global | awk '{print $4}'; }
state_of() { ip -o link show dev "$1" | grep -o '<[^>]*>' | tr ',<>' '   ' | grep -qw UP && echo up || echo down; }

start_mics
# Boot with an empty configuration: links up, no addresses, none of our routes.
[ "$(state_of sg1)" = up ] || fail "GigabitEthernet 1 not brought up at boot"
[ -z "$(addr_of sg1)" ] || fail "unexpected address at boot: $(addr_of sg1)"

# 1. Addresses, admin state and a route, in one commit.
out=$(edit '[{"path":"interface.address[1]","op":"set","value":"10.9.0.1/255.255.255.0"},
             {"path":"interface.address[2]","op":"set","value":"10.9.1.1/255.255.255.0"},
             {"path":"interface.shutdown[2]","op":"set","value":true},
             {"path":"ip.route[10.10.0.0/255.255.0.0]","op":"set","value":"10.9.0.254"}]' save)
[[ "$out" == ok* ]] || fail "first commit: $out"
[ "$(addr_of sg1)" = 10.9.0.1/24 ] || fail "sg1 address: $(addr_of sg1)"
[ "$(addr_of sg2)" = 10.9.1.1/24 ] || fail "sg2 address: $(addr_of sg2)"
[ "$(state_of sg2)" = down ] || fail "GigabitEthernet 2 should be shut down"
ip route show proto 186 | grep -q '^10.10.0.0/16 via 10.9.0.254 dev sg1' || fail "route missing: $(ip route)"

# 2. A change: new address on 1, 2 back up, route moved.
out=$(edit '[{"path":"interface.address[1]","op":"set","value":"10.9.0.2/255.255.0.0"},
             {"path":"interface.shutdown[2]","op":"delete"},
             {"path":"ip.route[10.10.0.0/255.255.0.0]","op":"set","value":"10.9.0.253"}]')
[[ "$out" == ok* ]] || fail "second commit: $out"
[ "$(addr_of sg1)" = 10.9.0.2/16 ] || fail "sg1 address after change: $(addr_of sg1)"
[ "$(state_of sg2)" = up ] || fail "GigabitEthernet 2 should be up again"
ip route show proto 186 | grep -q '^10.10.0.0/16 via 10.9.0.253' || fail "route not moved: $(ip route)"

# 3. The kernel refuses a gateway on no link: the whole commit is undone.
before=$(revisions)
out=$(edit '[{"path":"interface.address[2]","op":"set","value":"10.9.2.1/255.255.255.0"},
             {"path":"ip.route[10.20.0.0/255.255.0.0]","op":"set","value":"192.0.2.1"}]')
[[ "$out" == apply_failed:*"ip route replace 10.20.0.0/16 via 192.0.2.1"* ]] || fail "refused change should say why: $out"
[ "$(revisions)" = "$before" ] || fail "a refused change stored a revision"
[ "$(addr_of sg2)" = 10.9.1.1/24 ] || fail "sg2 address half-applied: $(addr_of sg2)"
! ip route show | grep -q '^10.20.0.0/16' || fail "refused route left behind"

# 4. Restart boots startup-config (step 1, saved) and re-applies it.
stop_mics
ip addr flush dev sg1 scope global
ip route flush proto 186
start_mics
[ "$(addr_of sg1)" = 10.9.0.1/24 ] || fail "startup address not re-applied: $(addr_of sg1)"
ip route show proto 186 | grep -q '^10.10.0.0/16 via 10.9.0.254' || fail "startup route not re-applied: $(ip route)"
[ "$(state_of sg2)" = down ] || fail "startup shutdown not re-applied"
echo "network_netns: ok"
