#!/usr/bin/env bash
# `sentry health-monitor` (spec §5.20): MICS writes openPorts.log,
# hardware.log, cpu.log and vmstat.log under log/mihealth_export/ every
# interval (1 s here, SENTRY_HEALTH_INTERVAL) in the reference's layouts,
# sends their rows to the log collector (facility health-monitor = local1,
# severity info, the Splunk sourcetype as tag), and stops with
# `no sentry health-monitor`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/appliance.sh"
WORK=$(mktemp -d /tmp/sentry-health.XXXXXX)
LISTENER_PID=""
trap '[ -z "$LISTENER_PID" ] || kill "$LISTENER_PID" 2>/dev/null || true; cleanup_appliance; rm -rf "$WORK"' EXIT


export SENTRY_HEALTH_INTERVAL=1
start_appliance

# The collector's socket: every datagram becomes one line of $SYSLOG.
SYSLOG="$WORK/syslog.txt"
: >"$SYSLOG"
python3 "$SENTRY_SRC/tests/e2e/fixtures/log_sink.py" "$TEST_STATE_DIR/run/log.sock" "$SYSLOG" &
LISTENER_PID=$!
WAIT_SECS=10 wait_for test -S "$TEST_STATE_DIR/run/log.sock" || fail "listener did not bind"
# tagged TAG: the records of that syslog tag, as "<PRI> message".
tagged() { sed -n "s/^<\([0-9]*\)>[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]\{8\} $1\[[0-9]*\]: \(.*\)$/<\1> \2/p" "$SYSLOG"; }

D="$TEST_STATE_DIR/log/mihealth_export"
all_there() { for f in openPorts hardware cpu vmstat; do [ -s "$D/$f.log" ] || return 1; done; }
WAIT_SECS=15 wait_for all_there || fail "health logs not written: $(ls -l "$D" 2>&1)"
for f in openPorts hardware cpu vmstat; do
    [ "$(stat -c %a "$D/$f.log")" = 640 ] || fail "$f.log mode $(stat -c %a "$D/$f.log")"
done

# openPorts.log: the appliance's own listeners are there.
ports="$D/openPorts.log"
[ "$(head -1 "$ports")" = "Proto  Port" ] || fail "openPorts.log header: $(head -1 "$ports")"
# (The first export may predate the services: wait for a later one.)
WAIT_SECS=10 wait_for grep -qx "tcp    $SSH_PORT" "$ports" || fail "SSH port $SSH_PORT missing: $(cat "$ports")"
WAIT_SECS=10 wait_for grep -qx "tcp    $HTTPS_PORT" "$ports" || fail "device port $HTTPS_PORT missing: $(cat "$ports")"
WAIT_SECS=10 wait_for grep -qx "udp    $SNMP_PORT" "$ports" || fail "SNMP port $SNMP_PORT missing: $(cat "$ports")"
[ "$(sort "$ports" | uniq -d)" = "" ] || fail "a port listed twice: $(sort "$ports" | uniq -d)"
# snmpd serves SNMP on UDP only: no SMUX listener on TCP 199 (or anywhere).
snmpd_pid=$(cat "$TEST_STATE_DIR/run/snmpd.pid")
tcp=$(ss -ltnpH | grep "pid=$snmpd_pid," || true)
[ -z "$tcp" ] || fail "snmpd listens on TCP: $tcp"

# hardware.log: the machine's figures.
hw="$D/hardware.log"
grep -qx "CPU_COUNT *$(grep -c '^processor' /proc/cpuinfo)" "$hw" || fail "CPU_COUNT: $(cat "$hw")"
grep -qx "MEMORY_REAL *$(awk '/^MemTotal:/ {print $2}' /proc/meminfo) kB" "$hw" || fail "MEMORY_REAL: $(cat "$hw")"
grep -qx 'NIC_TYPE *<notAvailable>' "$hw" || fail "NIC_TYPE: $(cat "$hw")"

# cpu.log: "all" plus one row per CPU; the five shares of a row add up to
# 100 less the steal time, which the layout has no column for.
cpu="$D/cpu.log"
[ "$(head -1 "$cpu")" = "CPU    pctUser    pctNice    pctSystem    pctIowait    pctIdle" ] || fail "cpu.log header: $(head -1 "$cpu")"
[ "$(($(wc -l <"$cpu") - 2))" = "$(grep -c '^processor' /proc/cpuinfo)" ] || fail "cpu.log rows: $(cat "$cpu")"
awk '$1 == "all" { s = $2 + $3 + $4 + $5 + $6; exit !(s > 50 && s < 100.05) }' "$cpu" || fail "cpu.log shares: $(cat "$cpu")"

# vmstat.log: one line per interval in the reference's form.
vm="$D/vmstat.log"
re='^time=[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}, r=[0-9]+, b=[0-9]+, swpd=[0-9]+, free=[0-9]+, buff=[0-9]+, cache=[0-9]+, si=[0-9]+, so=[0-9]+, bi=[0-9]+, bo=[0-9]+, in=[0-9]+, cs=[0-9]+, us=[0-9]+, sy=[0-9]+, id=[0-9]+, wa=[0-9]+, st=[0-9]+$'
bad=$(grep -cvE "$re" "$vm" || true)
[ "$bad" = 0 ] || fail "vmstat.log lines not in the layout: $(grep -vE "$re" "$vm" | head -3)"
n0=$(wc -l <"$vm")
grown() { [ "$(wc -l <"$vm")" -ge $((n0 + 2)) ]; }
WAIT_SECS=10 wait_for grown || fail "vmstat.log does not grow: $(wc -l <"$vm") lines"
echo "ok - the four health logs, in the reference's layouts ($SECONDS s)"

# The same rows reach the collector: local1 (17) * 8 + info (6) = 142.
has_port() { tagged sentry_mihealth_openPorts | grep -qx "<142> tcp    $SSH_PORT"; }
WAIT_SECS=10 wait_for has_port || fail "no openPorts record: $(tail -5 "$SYSLOG")"
tagged sentry_mihealth_vmstat | grep -qE "^<142> time=" || fail "no vmstat record"
tagged sentry_mihealth_hardware | grep -q '^<142> CPU_COUNT' || fail "no hardware record"
tagged sentry_mihealth_cpu | grep -q '^<142> all ' || fail "no cpu record"
tagged sentry_mihealth_cpu | grep -q 'pctUser' && fail "the header line was sent as a record"
echo "ok - rows sent as sentry_mihealth_* records, facility health-monitor ($SECONDS s)"

# Off: nothing more is written or sent; on again: it resumes.
out=$(conf <<<'no sentry health-monitor') || fail "no sentry health-monitor: $out"
sleep 2  # an export may have been under way
n1=$(grep -c sentry_mihealth "$SYSLOG")
v1=$(wc -l <"$vm")
sleep 3
[ "$(grep -c sentry_mihealth "$SYSLOG")" = "$n1" ] || fail "records sent while health-monitor is off"
[ "$(wc -l <"$vm")" = "$v1" ] || fail "vmstat.log written while health-monitor is off"
out=$(conf <<<'sentry health-monitor') || fail "sentry health-monitor: $out"
resumed() { [ "$(grep -c sentry_mihealth "$SYSLOG")" -gt "$n1" ]; }
WAIT_SECS=10 wait_for resumed || fail "records did not resume"
echo "ok - no sentry health-monitor stops them, sentry health-monitor resumes ($SECONDS s)"
echo "PASS: health_monitor"
