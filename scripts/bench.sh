#!/usr/bin/env bash
# Benchmarks (never run by `make test`). Prints one table; figures are for
# comparing runs on the same machine, not absolute claims.
#   CLI: sentry-cli start-up + one command; offline parse of 10,000 config lines;
#        10,000 config lines applied through MICS (one revision each).
# Then scripts/bench-config.sh: a 10,000-line ACL configuration (load, show,
# single-change commit), scripts/bench-devices.sh: the device cache at
# 1,000,000 devices, and scripts/bench-proxy.sh: sentryd vs nginx vs haproxy
# (each its own table).
set -euo pipefail
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-3}
state=$(mktemp -d /tmp/sentry-bench.XXXXXX)
trap 'kill $(cat "$state/run/sentry-micsd.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$state"' EXIT

SENTRY_STATE_DIR=$state SENTRY_ADMIN_PASSWORD=bench-admin SENTRY_ENABLE_SECRET=bench-enable \
    "$BUILD/mics/sentry-micsd" --no-services >"$state/micsd.log" 2>&1 &
for _ in $(seq 100); do [ -S "$state/run/mics.sock" ] && break; sleep 0.1; done

# 10,000 config lines that touch the model in CONFIG mode.
python3 - "$state/config.txt" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(10000):
        f.write(["hostname edge%d" % i, "timeout %d" % (i % 60), "service ssh %d" % (i % 10 + 1),
                 "snmp-server community c%d ro" % i][i % 4] + "\n")
PY

SENTRY_STATE_DIR=$state BUILD=$BUILD ROUNDS=$ROUNDS python3 - "$state" <<'PY'
import os, subprocess, sys, time, statistics
state = sys.argv[1]
build = os.environ["BUILD"]; rounds = int(os.environ["ROUNDS"])
cli = os.path.join(build, "cli", "sentry-cli")
env = dict(os.environ, SENTRY_STATE_DIR=state)
rows = []

def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(len(xs) * p))]

# 1. start-up + one command, interleaved with a bare process start as the peer
#    (what any CLI pays just to exist on this machine right now).
cmd_t, true_t = [], []
for _ in range(rounds):
    for _ in range(50):
        t = time.perf_counter(); subprocess.run([cli, "-c", "show version"], env=env, stdout=subprocess.DEVNULL, check=True)
        cmd_t.append(time.perf_counter() - t)
        t = time.perf_counter(); subprocess.run(["/bin/true"], check=True); true_t.append(time.perf_counter() - t)
rows.append(("sentry-cli -c 'show version' p50", "%.1f ms" % (pct(cmd_t, .5) * 1e3),
             "%.1fx /bin/true" % (pct(cmd_t, .5) / pct(true_t, .5))))
rows.append(("sentry-cli -c 'show version' p90", "%.1f ms" % (pct(cmd_t, .9) * 1e3), ""))

# 2. offline parse of 10,000 lines (grammar only).
cfg = os.path.join(state, "config.txt")
ts = []
for _ in range(rounds):
    with open(cfg) as f:
        t = time.perf_counter(); subprocess.run([cli, "--check"], stdin=f, stderr=subprocess.DEVNULL, check=True)
        ts.append(time.perf_counter() - t)
best = min(ts)
rows.append(("parse 10,000 config lines (--check)", "%.0f ms" % (best * 1e3), "%.0f lines/s" % (10000 / best)))

# 3. the same lines applied through MICS, one committed revision per line.
script = "enable\nbench-enable\nconfigure terminal\n" + open(cfg).read() + "end\n"
t = time.perf_counter()
subprocess.run([cli], input=script.encode(), env=env, stdout=subprocess.DEVNULL, check=True)
el = time.perf_counter() - t
rows.append(("apply 10,000 lines via MICS (10,000 revisions)", "%.1f s" % el, "%.0f lines/s" % (10000 / el)))

# 4. show running-config after that history.
ts = []
for _ in range(20):
    t = time.perf_counter(); subprocess.run([cli, "-c", "show running-config"], env=env, stdout=subprocess.DEVNULL, check=True)
    ts.append(time.perf_counter() - t)
rows.append(("show running-config (10,000 revisions in store) p50", "%.1f ms" % (pct(ts, .5) * 1e3), ""))

w = max(len(r[0]) for r in rows)
print("%-*s  %-10s  %s" % (w, "benchmark", "value", "relative"))
for r in rows:
    print("%-*s  %-10s  %s" % (w, r[0], r[1], r[2]))
PY

echo
BUILD=$BUILD "$(dirname "$0")/bench-config.sh"
echo
BUILD=$BUILD "$(dirname "$0")/bench-devices.sh"
echo
BUILD=$BUILD ROUNDS=$ROUNDS "$(dirname "$0")/bench-proxy.sh"
