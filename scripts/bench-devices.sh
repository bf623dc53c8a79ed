#!/usr/bin/env bash
# Device-cache benchmark (issue #8; never run by `make test`):
#   1. sentry-bench-devices: memory per entry, lookup time, summary and scan
#      at N devices (CPU time of the process, so other load barely moves it);
#   2. the same N devices as sentryd's persistent list in a fresh appliance,
#      then `show sentry device-cache status` and a full streamed dump timed
#      end to end through sentry-cli -> MICS -> sentryd (wall time, p50),
#      and the dump's CPU time in each of the three processes (what a
#      shared VM does not distort).
set -euo pipefail
BUILD=${BUILD:-build}
N=${DEVICES:-1000000}
RUNS=${RUNS:-10}
state=$(mktemp -d /tmp/sentry-bench-dev.XXXXXX)
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cleanup() {
    [ -f "$state/run/sentry-micsd.pid" ] && kill "$(cat "$state/run/sentry-micsd.pid")" 2>/dev/null || true
    sleep 1
    rm -rf "$state"
}
trap cleanup EXIT
mkdir -p "$state/db"

echo "== device cache, $N entries (sentry-bench-devices) =="
"$BUILD/daemon/sentry-bench-devices" --entries "$N" --write "$state/db/devices.bin"

SENTRY_STATE_DIR=$state SENTRY_ADMIN_PASSWORD=bench-admin SENTRY_ENABLE_SECRET=bench-enable \
SENTRY_SSH_PORT=$(port) SENTRY_HTTPS_PORT=$(port) SENTRY_SNMP_PORT=$(port) \
    "$BUILD/mics/sentry-micsd" >"$state/micsd.log" 2>&1 &
cli() { SENTRY_STATE_DIR=$state "$BUILD/cli/sentry-cli" "$@"; }
for _ in $(seq 300); do
    cli -c 'show sentry device-cache status' 2>/dev/null | grep -q "^In-memory device list size *: $N\$" && break
    sleep 0.2
done
cli -c 'show sentry device-cache status' | grep -q "^In-memory device list size *: $N\$" ||
    { cat "$state/micsd.log"; echo "sentryd did not restore $N devices" >&2; exit 1; }

echo
echo "== end to end through sentry-cli -> MICS -> sentryd ($N devices restored from disk) =="
BUILD=$BUILD RUNS=$RUNS SENTRY_STATE_DIR=$state python3 - <<'PY'
import os, resource, subprocess, time
cli = os.path.join(os.environ["BUILD"], "cli", "sentry-cli"); runs = int(os.environ["RUNS"])
def timed(args):
    ts = []
    for _ in range(runs):
        t = time.perf_counter(); out = subprocess.run([cli, "-c", args], capture_output=True, check=True)
        ts.append(time.perf_counter() - t)
    ts.sort(); return ts[len(ts) // 2], out.stdout.decode()
def cpu(pidfile):
    """CPU seconds (user + system) a daemon has used so far."""
    try:
        pid = open(os.path.join(os.environ["SENTRY_STATE_DIR"], "run", pidfile)).read().split()[0]
        f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")
p50, _ = timed("show version")
print("sentry-cli -c 'show version' (baseline)           p50 %7.1f ms" % (p50 * 1e3))
p50, _ = timed("show sentry device-cache status")
print("show sentry device-cache status                  p50 %7.1f ms" % (p50 * 1e3))
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
cli_before = ru.ru_utime + ru.ru_stime
t = time.perf_counter()
c0 = {d: cpu(d + ".pid") for d in ("sentry-micsd", "sentryd")}
out = subprocess.run([cli, "-c", "show sentry device-cache dump all | count"], capture_output=True, check=True)
el = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
cpus = {d: cpu(d + ".pid") - c0[d] for d in c0}
print("show sentry device-cache dump all | count        %9.1f s  (%s)" % (el, out.stdout.decode().strip()))
print("  its CPU time: sentry-cli %.2f s, MICS %.2f s, sentryd %.2f s" %
      (ru.ru_utime + ru.ru_stime - cli_before, cpus["sentry-micsd"], cpus["sentryd"]))
def rss_kib(pidfile):
    """Resident set (VmRSS, KiB) of the daemon this run started, by its pid file:
    other sentryd processes on the machine (other appliances, tests) are not ours."""
    try:
        pid = open(os.path.join(os.environ["SENTRY_STATE_DIR"], "run", pidfile)).read().split()[0]
        for line in open("/proc/%s/status" % pid):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return float("nan")
print("sentryd RSS with the devices loaded               %7.0f MiB" % (rss_kib("sentryd.pid") / 1024))
PY
