# ACLs on real links (docs/acl.md), inside a private network namespace
# (`unshare -n`) whose veth peer sits in a second namespace, so connections
# really arrive on the link GigabitEthernet 1 maps to. Configured through the
# shell (local console session): a bound ACL drops a denied TCP port and lets
# a permitted one through, ends in an implicit deny, rate-limits, never cuts
# an established connection; a ruleset iptables refuses is rolled back with
# its reason; `service iptables stop|start`, `no service iptables`, and the
# startup configuration re-applied by a restart. The host's other rules are
# left alone. Skips (77) where namespaces, iptables or nsenter are missing.
. "$(dirname "$0")/lib.sh"

if ! unshare -n true 2>/dev/null; then
    echo "SKIP: unshare -n is not permitted here" >&2
    exit 77
fi
for tool in iptables-save iptables-restore nsenter python3; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed" >&2; exit 77; }
done
# Re-run this script inside a fresh network namespace.
if [ -z "${SENTRY_IN_NETNS:-}" ]; then
    exec env SENTRY_IN_NETNS=1 unshare -n bash "$0" "$@"
fi

make_state_dir
MICS_PID="" PEER_PID="" SERVER_PID="" HOLD_PID=""
FAKE="$TEST_STATE_DIR/fakebin"
cleanup() {
    for p in $MICS_PID $PEER_PID $SERVER_PID $HOLD_PID; do kill "$p" 2>/dev/null || true; done
    for p in $MICS_PID $PEER_PID $SERVER_PID $HOLD_PID; do wait "$p" 2>/dev/null || true; done
    rm -rf "$TEST_STATE_DIR"
}
trap cleanup EXIT

# The peer: a second namespace held open by a sleeper, reached with nsenter.
unshare -n sleep 600 &
PEER_PID=$!
ip link add sg1 type veth peer name sgpeer || fail "cannot create the veth pair"
wait_for ip link set sgpeer netns "$PEER_PID" || fail "cannot move the peer end into its namespace"
ip link set lo up
peer() { nsenter -t "$PEER_PID" -n "$@"; }
peer ip link set lo up
peer ip addr add 10.9.0.2/24 dev sgpeer
peer ip link set sgpeer up
if ! iptables-save -t filter >/dev/null 2>&1; then
    echo "SKIP: iptables does not work in a network namespace here" >&2
    exit 77
fi
# A rule of "the host's" that must survive everything below.
iptables -A INPUT -s 192.0.2.99/32 -j ACCEPT

# Listeners on the appliance side: ports 7001-7003 accept and echo a line.
python3 - <<'PY' &
import socket, threading
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(64)
    while True:
        c, _ = s.accept()
        def echo(c=c):
            try:
                while True:
                    d = c.recv(100)
                    if not d: break
                    c.sendall(d)
            except OSError: pass
            c.close()
        threading.Thread(target=echo, daemon=True).start()
for p in (7001, 7002, 7003):
    threading.Thread(target=serve, args=(p,), daemon=True).start()
threading.Event().wait()
PY
SERVER_PID=$!

# iptables-restore as MICS finds it in PATH: the real one, unless told to refuse.
mkdir -p "$FAKE"
cat >"$FAKE/iptables-restore" <<EOF
#!/bin/sh
if [ -e "$FAKE/refuse" ]; then echo "iptables-restore: simulated refusal at line 3" >&2; exit 2; fi
exec $(command -v iptables-restore) "\$@"
EOF
chmod +x "$FAKE/iptables-restore"

export SENTRY_STATE_DIR="$TEST_STATE_DIR" SENTRY_INTERFACES="1=sg1"
export SENTRY_ADMIN_PASSWORD=acl-admin-pw SENTRY_ENABLE_SECRET=acl-enable-pw
LOG="$TEST_STATE_DIR/micsd.out"
start_mics() {
    PATH="$FAKE:$PATH" "$SENTRY_BUILD/mics/sentry-micsd" --no-services >>"$LOG" 2>&1 &
    MICS_PID=$!
    wait_for "$SENTRY_BUILD/cli/sentry-cli" -c 'show version' || { cat "$LOG" >&2; fail "MICS did not start"; }
}
stop_mics() { kill "$MICS_PID"; wait "$MICS_PID" 2>/dev/null || true; MICS_PID=""; }
# priv LINES...: the lines at privilege 15 (console session); conf: in CONFIG mode.
priv() { { printf 'enable\n%s\n' "$SENTRY_ENABLE_SECRET"; printf '%s\n' "$@"; } | timeout 60 "$SENTRY_BUILD/cli/sentry-cli" 2>&1; }
conf() { priv 'configure terminal' "$@" 'end'; }
# reach PORT: 0 when a TCP connection from the peer to 10.9.0.1:PORT opens within 1 s.
reach() {
    peer python3 -c 'import socket,sys; socket.create_connection(("10.9.0.1", int(sys.argv[1])), timeout=1).close()' "$1" \
        2>/dev/null
}
revisions() { sqlite3 -readonly "$TEST_STATE_DIR/db/sentry.db" 'SELECT count(*) FROM revisions'; }
ours() { iptables-save -t filter | grep -E '^(:SENTRY|-A INPUT -j SENTRY|-A SENTRY)' || true; }

start_mics
out=$(conf 'interface GigabitEthernet 1' 'ip address 10.9.0.1 255.255.255.0' 'exit' \
           'object service p7001 tcp dst-port 7001 description the denied port' \
           'object service p7002 tcp dst-port 7002' 'object service p7003 tcp dst-port 7003' \
           'object network peer host 10.9.0.2' \
           'access-list t description e2e list' \
           'access-list t 10 deny any any p7001' 'access-list t 20 permit peer any p7002' \
           'access-list t 30 permit any any p7003') || fail "configuring: $out"
wait_for reach 7001 || fail "7001 not reachable before any ACL is bound"
reach 7002 || fail "7002 not reachable before any ACL is bound"
# The filter runs (the default) with nothing bound: only our entry chain.
[ "$(ours | grep -c SENTRY-ACL)" = 0 ] || fail "ACL chains installed before anything was bound: $(ours)"
ours | grep -qx -- '-A INPUT -j SENTRY-IN' || fail "the filter is not running at boot: $(ours)"
echo "ok - objects and list configured, nothing filtered yet ($SECONDS s)"

# 1. Bind: 7001 dropped by entry 10, 7002 let through by entry 20.
out=$(conf 'interface GigabitEthernet 1' 'ip access-group t in' 'exit') || fail "binding: $out"
! reach 7001 || fail "7001 still reachable with 'deny any any p7001' bound"
reach 7002 || fail "7002 not reachable with 'permit peer any p7002' bound"
saved=$(iptables-save -t filter)
grep -qx -- '-A INPUT -j SENTRY-IN' <<<"$saved" || fail "no INPUT jump: $saved"
grep -q -- '-A SENTRY-IN -i sg1 .*-j SENTRY-ACL-1' <<<"$saved" || fail "no jump for sg1: $saved"
grep -q -- '-A SENTRY-ACL-1 -p tcp -m tcp --dport 7001 -m comment --comment "t 10" -j DROP' <<<"$saved" ||
    fail "entry 10 missing: $saved"
grep -q -- '--comment "t implicit deny" -j DROP' <<<"$saved" || fail "implicit deny missing: $saved"
grep -qx -- '-A INPUT -s 192.0.2.99/32 -j ACCEPT' <<<"$saved" || fail "the host's rule is gone: $saved"
running=$(priv 'show running-config access-group')
grep -qx 'access-group t in interface GigabitEthernet 1' <<<"$running" || fail "binding not rendered: $running"
shown=$(priv 'show access-list t')
grep -q 'bound inbound to: GigabitEthernet 1 (packet filter running)' <<<"$shown" || fail "show access-list: $shown"
grep -q '20 .*permit .*peer (host 10.9.0.2)' <<<"$shown" || fail "show access-list entries: $shown"
status=$(priv 'service iptables status')
grep -q '| iptables *| yes *| *| running' <<<"$status" || fail "iptables status: $status"
echo "ok - bound: denied port dropped, permitted port through, chains as documented ($SECONDS s)"

# 2. An established connection survives a list that would refuse it now;
#    then the implicit deny catches 7003 once entry 30 is gone.
peer python3 - "$TEST_STATE_DIR/go" <<'PY' &
import os, socket, sys, time
s = socket.create_connection(("10.9.0.1", 7003), timeout=5)
open(sys.argv[1] + ".up", "w").close()
while not os.path.exists(sys.argv[1]): time.sleep(0.05)
s.sendall(b"still-here\n"); s.settimeout(3)
sys.exit(0 if s.recv(100) == b"still-here\n" else 1)
PY
HOLD_PID=$!
wait_for test -e "$TEST_STATE_DIR/go.up" || fail "held connection did not open"
out=$(conf 'no access-list t 30') || fail "removing entry 30: $out"
touch "$TEST_STATE_DIR/go"
wait "$HOLD_PID" || fail "the established connection was cut by the ACL change"
HOLD_PID=""
! reach 7003 || fail "7003 reachable although no entry permits it (implicit deny)"
echo "ok - established connection kept, implicit deny for the rest ($SECONDS s)"

# 3. A rate: 2 new connections a minute from one source, the third dropped.
out=$(conf 'access-list t 20 permit peer any p7002 rate 2') || fail "rate: $out"
reach 7002 || fail "first rated connection refused"
reach 7002 || fail "second rated connection refused"
! reach 7002 || fail "third connection within the minute let through (rate 2)"
out=$(conf 'access-list t 20 permit peer any p7002') || fail "rate off: $out"
reach 7002 || fail "7002 refused after the rate was removed"
echo "ok - connections per minute enforced per source ($SECONDS s)"

# 4. A ruleset iptables refuses: the commit is undone, with iptables' reason.
before=$(revisions)
rules_before=$(ours)
touch "$FAKE/refuse"
out=$(conf 'access-list t 40 deny any any any') && fail "a refused ruleset was committed: $out"
rm -f "$FAKE/refuse"
grep -q '% Configuration failed: packet filter: iptables-restore: iptables-restore: simulated refusal at line 3' <<<"$out" ||
    fail "refusal reason not shown: $out"
[ "$(revisions)" = "$before" ] || fail "a refused ruleset stored a revision"
[ "$(ours)" = "$rules_before" ] || fail "rules changed by a refused commit: $(ours)"
priv 'show running-config access-list' | grep -q 'access-list t 40' && fail "entry 40 in running-config"
echo "ok - refused ruleset rolled back with iptables' reason ($SECONDS s)"

# 5. service iptables stop / start; `no service iptables` refused while bound.
out=$(priv 'service iptables stop') || fail "stop: $out"
[ -z "$(ours)" ] || fail "chains left after stop: $(ours)"
reach 7001 || fail "7001 still dropped after 'service iptables stop'"
grep -q '| stopped' <<<"$out" || fail "stop status: $out"
out=$(priv 'service iptables start') || fail "start: $out"
! reach 7001 || fail "7001 reachable after 'service iptables start'"
out=$(conf 'no service iptables') && fail "'no service iptables' accepted with a list bound: $out"
grep -q 'needs the packet filter' <<<"$out" || fail "no service iptables refusal: $out"
echo "ok - stop removes our chains, start restores them ($SECONDS s)"

# 6. A restart installs the startup configuration again.
priv 'write memory' >/dev/null || fail "write memory"
stop_mics
iptables-restore --noflush <<'EOF'
*filter
-D INPUT -j SENTRY-IN
-F SENTRY-IN
-F SENTRY-ACL-1
-X SENTRY-IN
-X SENTRY-ACL-1
COMMIT
EOF
reach 7001 || fail "7001 dropped with the chains removed by hand"
start_mics
! reach 7001 || fail "startup ACL not re-applied at boot"
echo "ok - boot re-applies the startup ACLs ($SECONDS s)"

# 7. Unbound and switched off: every chain of ours is gone, the host's rule stays.
out=$(conf 'interface GigabitEthernet 1' 'no ip access-group' 'exit' 'no service iptables') || fail "switch off: $out"
[ -z "$(ours)" ] || fail "chains left after 'no service iptables': $(ours)"
iptables-save -t filter | grep -qx -- '-A INPUT -s 192.0.2.99/32 -j ACCEPT' || fail "the host's rule is gone"
status=$(priv 'service iptables status')
grep -q '| iptables *| no *| *| disabled' <<<"$status" || fail "iptables status after no service iptables: $status"
reach 7001 || fail "7001 dropped with the filter off"
echo "acl_netns: all checks passed"
