# Remote syslog through the real rsyslogd (docs/logging.md): two collectors
# on free ports of 127.0.0.1 (UDP and TCP, a Python listener), configured with
# `syslog` through sentry-cli. MICS's audit trail (a configuration change, a
# failed SSH login) must reach the audit destination as MICS_AUDIT records,
# a daemon's general log line the TCP one; severity and facility filters,
# `disable`, `no syslog`, `show logging` and the running-config line are
# checked, and rsyslogd runs only while a destination is enabled.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/appliance.sh"
export ADMIN_PW ENABLE_PW
RSYSLOGD=${SENTRY_RSYSLOGD:-/usr/sbin/rsyslogd}
if [ ! -x "$RSYSLOGD" ]; then
    rm -rf "$TEST_STATE_DIR"
    echo "SKIP: $RSYSLOGD is not installed (make test installs it: scripts/install-deps.sh)"
    exit 77
fi

UDP_PORT=$(free_port udp)
TCP_PORT=$(free_port)
RECV=$(mktemp -d /tmp/sentry-syslog.XXXXXX)
LISTENER_PID=""
trap '[ -n "$LISTENER_PID" ] && kill "$LISTENER_PID" 2>/dev/null; cleanup_appliance; rm -rf "$RECV"' EXIT

# The collectors: every UDP datagram / TCP line appended to udp.log / tcp.log.
python3 - "$UDP_PORT" "$TCP_PORT" "$RECV" <<'PY' &
import socket, sys, threading
udp_port, tcp_port, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
def write(name, line):
    with lock, open(f"{out}/{name}", "a") as f:
        f.write(line.rstrip("\n") + "\n")
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", udp_port))
    while True:
        write("udp.log", s.recv(65536).decode(errors="replace"))
def conn(c):
    buf = b""
    while True:
        d = c.recv(65536)
        if not d:
            return
        buf += d
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            write("tcp.log", line.decode(errors="replace"))
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", tcp_port))
t.listen(8)
threading.Thread(target=udp, daemon=True).start()
open(f"{out}/ready", "w").close()
while True:
    c, _ = t.accept()
    threading.Thread(target=conn, args=(c,), daemon=True).start()
PY
LISTENER_PID=$!
wait_for test -e "$RECV/ready" || fail "collector did not start"
touch "$RECV/udp.log" "$RECV/tcp.log"

configure() { printf 'configure terminal\n%s\nend\n' "$1" | priv 2>&1; }
syslog_row() { cli -c 'show service' | grep '^| syslog '; }
rs_pid() { cat "$TEST_STATE_DIR/run/rsyslogd.pid" 2>/dev/null; }
# wait_udp / wait_tcp PATTERN...: a received record matching every pattern (fixed strings).
has_all() {
    local f=$1; shift
    local lines; lines=$(cat "$f")
    for p in "$@"; do lines=$(grep -F -- "$p" <<<"$lines") || return 1; done
}
wait_udp() { WAIT_SECS=20 wait_for has_all "$RECV/udp.log" "$@"; }
wait_tcp() { WAIT_SECS=20 wait_for has_all "$RECV/tcp.log" "$@"; }
# A record straight into the collector's socket, as a daemon's libmics sends it.
inject() {
    python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.sendto(sys.argv[2].encode(), sys.argv[1])' \
        "$TEST_STATE_DIR/run/log.sock" "$1"
}

start_appliance

# 1. Nothing configured: the header only, and no collector running.
out=$(cli -c 'show logging') || fail "show logging: $out"
[ "$(wc -l <<<"$out")" = 3 ] || fail "show logging without destinations: $out"
grep -q '^  Hostname / IP Address       + Port + Protocol + Facility Type  + Log Level + State$' <<<"$out" ||
    fail "show logging header: $out"
syslog_row | grep -q '| disabled ' || fail "rsyslogd without destinations: $(syslog_row)"

# Level 1 may look but not configure.
out=$(cli -c "syslog 127.0.0.1 $UDP_PORT UDP audit info" 2>&1) && fail "syslog at level 1 accepted: $out"

# 2. Two destinations: audit over UDP, general over TCP.
out=$(configure "syslog 127.0.0.1 $UDP_PORT UDP audit info
syslog 127.0.0.1 $TCP_PORT TCP general info") || fail "configuring syslog: $out"
grep -q '^%' <<<"$out" && fail "a syslog line was refused: $out"
WAIT_SECS=15 wait_for bash -c "syslog_row() { SENTRY_STATE_DIR='$TEST_STATE_DIR' '$SENTRY_BUILD/cli/sentry-cli' -c 'show service' | grep '^| syslog '; }; syslog_row | grep -q '| running '" ||
    { tail "$TEST_STATE_DIR/log/rsyslogd.log" >&2; fail "rsyslogd not running: $(syslog_row)"; }
pid=$(rs_pid)
tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "-n -f $TEST_STATE_DIR/syslog/rsyslog.conf -i " ||
    fail "rsyslogd argv: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
[ -S "$TEST_STATE_DIR/run/log.sock" ] || fail "no collector socket"
grep -q "port=\"$UDP_PORT\" protocol=\"udp\"" "$TEST_STATE_DIR/syslog/rsyslog.conf" || fail "UDP action missing"
grep -q 'SysSock.Use="off"' "$TEST_STATE_DIR/syslog/rsyslog.conf" || fail "rsyslogd would take /dev/log"

out=$(cli -c 'show logging') || fail "show logging: $out"
grep -Eq "^  127\.0\.0\.1 +$UDP_PORT +UDP +audit +info +enable$" <<<"$out" || fail "audit row: $out"
grep -Eq "^  127\.0\.0\.1 +$TCP_PORT +TCP +general +info +enable$" <<<"$out" || fail "general row: $out"
out=$(cli -c 'show logging | json') || fail "show logging | json: $out"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["collector"]=="running", d; assert {"server":"127.0.0.1","port":int(sys.argv[2]),"protocol":"UDP","facility":"audit","level":"info","state":"enable"} in d["destinations"], d' \
    "$out" "$UDP_PORT" || fail "show logging | json: $out"
echo "ok - destinations configured, rsyslogd supervised on its own config ($SECONDS s)"

# 3. A configuration change: its MICS_AUDIT record at the audit collector,
# under the new host name (rsyslogd restarted for it before the record went
# out); then sentryd's general log line about a new configuration over TCP.
out=$(configure "hostname fwd-e2e") || fail "hostname: $out"
grep -q '^%' <<<"$out" && fail "hostname refused: $out"
wait_udp ' fwd-e2e MICS_AUDIT[' 'INFO {' '"command":"hostname fwd-e2e"' '"result":"success"' '"user":"console"' ||
    fail "no MICS_AUDIT record of the change at the UDP collector: $(cat "$RECV/udp.log")"
grep -q '^<110>' <(grep -F '"command":"hostname fwd-e2e"' "$RECV/udp.log") || fail "audit record not facility 13 / info"
out=$(configure "sentry timeout socket 20000") || fail "sentry timeout: $out"
wait_tcp ' fwd-e2e sentryd[' 'config version' ||
    fail "no sentryd general line at the TCP collector: $(cat "$RECV/tcp.log")"
grep -q '^<30>' <(grep -F 'config version' "$RECV/tcp.log") || fail "sentryd line not facility 3 / info"
grep -q MICS_AUDIT "$RECV/tcp.log" && fail "an audit record reached the general-only destination"
echo "ok - configuration change audited at the collector, general line over TCP ($SECONDS s)"

# 4. A failed SSH login is audited too (WARN, severity warning).
ADMIN_PW="not-the-password" ssh_exec 'show version' >/dev/null 2>&1 && fail "a wrong password logged in"
wait_udp 'MICS_AUDIT[' 'WARN {' '"command":"login via ssh"' '"result":"failure"' '"user":"admin"' ||
    fail "no MICS_AUDIT record of the failed login: $(cat "$RECV/udp.log")"
grep -q '^<108>' <(grep -F '"command":"login via ssh"' "$RECV/udp.log" | grep -F failure) ||
    fail "failed login not facility 13 / warning"
echo "ok - failed login audited ($SECONDS s)"

# 5. The level is a minimum severity: debug does not pass an info destination.
inject "<31>Nov 29 22:50:07 probe[1]: debug-probe-$$"
inject "<30>Nov 29 22:50:07 probe[1]: info-probe-$$"
wait_tcp "info-probe-$$" || fail "info record not forwarded: $(cat "$RECV/tcp.log")"
sleep 0.5
grep -q "debug-probe-$$" "$RECV/tcp.log" && fail "a debug record passed an info destination"
out=$(configure "syslog 127.0.0.1 $TCP_PORT TCP general debug") || fail "level debug: $out"
inject "<31>Nov 29 22:50:07 probe[1]: debug2-probe-$$"
wait_tcp "debug2-probe-$$" || fail "debug record not forwarded to a debug destination"
out=$(cli -c 'show logging')
grep -Eq "^  127\.0\.0\.1 +$TCP_PORT +TCP +general +debug +enable$" <<<"$out" || fail "edited row: $out"
echo "ok - severity filter, edit in place ($SECONDS s)"

# 6. disable: kept in the configuration, nothing forwarded.
out=$(configure "syslog 127.0.0.1 $UDP_PORT UDP audit info disable") || fail "disable: $out"
grep -Eq "^  127\.0\.0\.1 +$UDP_PORT +UDP +audit +info +disable$" <<<"$(cli -c 'show logging')" || fail "disabled row"
grep -q "port=\"$UDP_PORT\"" "$TEST_STATE_DIR/syslog/rsyslog.conf" && fail "disabled destination still forwarded"
n=$(grep -c 'config version' "$RECV/tcp.log")
out=$(configure "sentry timeout socket 20001") || fail "sentry timeout: $out"
WAIT_SECS=20 wait_for bash -c "[ \$(grep -c 'config version' '$RECV/tcp.log') -gt $n ]" ||
    fail "TCP destination stopped with the UDP one"
sleep 1
grep -q 'sentry timeout socket 20001' "$RECV/udp.log" && fail "a disabled destination still received records"
echo "ok - disable stops delivery ($SECONDS s)"

# 7. The running-config line, then no syslog removes a destination.
out=$(cli -c 'show running-config')
grep -qx "syslog 127.0.0.1 $TCP_PORT TCP general debug enable" <<<"$out" || fail "running-config: $out"
grep -qx "syslog 127.0.0.1 $UDP_PORT UDP audit info disable" <<<"$out" || fail "running-config: $out"
out=$(configure "no syslog 127.0.0.1 $UDP_PORT") || fail "no syslog: $out"
grep -q "$UDP_PORT" <<<"$(cli -c 'show logging')" && fail "removed destination still listed"
out=$(configure "no syslog 127.0.0.1 $UDP_PORT") || true
grep -q "% .*syslog server 127.0.0.1 port $UDP_PORT is not configured" <<<"$out" || fail "removing twice: $out"
out=$(configure "syslog 127.0.0.1 0 UDP audit info") || true
grep -q "Invalid input" <<<"$out" || fail "port 0 accepted: $out"

# 8. No enabled destination left: rsyslogd stops; a clean stop leaves none behind.
last=$(rs_pid)
out=$(configure "no syslog 127.0.0.1 $TCP_PORT") || fail "no syslog: $out"
WAIT_SECS=10 wait_for bash -c "! kill -0 $last" || fail "rsyslogd still running without destinations"
syslog_row | grep -q '| disabled ' || fail "show service: $(syslog_row)"
out=$(configure "syslog 127.0.0.1 $TCP_PORT TCP audit info") || fail "re-adding: $out"
WAIT_SECS=10 wait_for test -S "$TEST_STATE_DIR/run/log.sock" || fail "rsyslogd not started again"
last=$(rs_pid)
stop_appliance
! kill -0 "$last" 2>/dev/null || fail "rsyslogd left running after stop"
echo "syslog_forward: ok"
