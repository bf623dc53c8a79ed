#!/usr/bin/env bash
# The 10,000-line configuration benchmark (issue #4 item 10; never run by
# `make test`): a generated configuration of ACL entries and the objects they
# use, measured on MICS with no services (--no-services) in throwaway state
# dirs:
#   * load it: `import configuration` (one revision), and the same lines piped
#     through sentry-cli in CONFIG mode (one revision per line);
#   * `show running-config` of it (sentry-cli -c, p50/p90);
#   * a single-change commit (config.edit over the socket, p50/p90) with that
#     configuration loaded, next to the same change on a factory configuration.
# Knobs (env): BUILD (build), ROUNDS (3: imports), SHOWS (20), COMMITS (200),
# SHELL_LOAD (1: also pipe the lines through the shell), LINES (10000).
# Prints one markdown table; docs/BENCHMARKS.md keeps the figures.
set -euo pipefail
BUILD=${BUILD:-build}
work=$(mktemp -d /tmp/sentry-bench-config.XXXXXX)
# Every MICS the script starts writes its pid here; exactly those are killed.
cleanup() {
    for f in "$work"/*/run/sentry-micsd.pid; do
        [ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

BUILD=$BUILD WORK=$work python3 - <<'PY'
import json, os, socket, statistics, struct, subprocess, sys, time

build, work = os.environ["BUILD"], os.environ["WORK"]
rounds = int(os.environ.get("ROUNDS", 3))
shows = int(os.environ.get("SHOWS", 20))
commits = int(os.environ.get("COMMITS", 200))
shell_load = os.environ.get("SHELL_LOAD", "1") == "1"
total = int(os.environ.get("LINES", 10000))
micsd = os.path.join(build, "mics", "sentry-micsd")
cli = os.path.join(build, "cli", "sentry-cli")
ENABLE = "bench-enable"
n_mics = 0


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def start_mics():
    """A fresh MICS (no services) in its own state dir; returns the dir."""
    global n_mics
    n_mics += 1
    state = os.path.join(work, "m%d" % n_mics)
    os.makedirs(state)
    env = dict(os.environ, SENTRY_STATE_DIR=state, SENTRY_ADMIN_PASSWORD="bench-admin",
               SENTRY_ENABLE_SECRET=ENABLE)
    env.pop("SENTRY_INTERFACES", None)  # never touch the host's links or firewall
    subprocess.Popen([micsd, "--no-services"], env=env, stdout=open(os.path.join(state, "micsd.out"), "w"),
                     stderr=subprocess.STDOUT)
    for _ in range(200):
        if subprocess.run([cli, "-c", "show version"], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0:
            return state
        time.sleep(0.05)
    sys.exit("MICS did not start: " + open(os.path.join(state, "micsd.out")).read())


def stop_mics(state):
    pid = int(open(os.path.join(state, "run", "sentry-micsd.pid")).read())
    os.kill(pid, 15)
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def run_cli(state, script=None, args=()):
    env = dict(os.environ, SENTRY_STATE_DIR=state)
    r = subprocess.run([cli, *args], input=script.encode() if script is not None else None, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = r.stdout.decode(errors="replace")
    if r.returncode != 0 or "\n%" in out:
        sys.exit("sentry-cli failed: " + out[-2000:])
    return out


def generate(admin_line):
    """`total` lines: the account of last resort, objects, lists, entries, bindings."""
    n_net, n_svc, n_acl = max(10, total * 15 // 100), max(4, total * 3 // 100), 20
    lines = [admin_line, "hostname bench-edge", "ip route 0.0.0.0 0.0.0.0 10.0.0.1"]
    for i in range(n_net):
        if i % 3 == 0:
            lines.append("object network n%d subnet 10.%d.%d.0/24 description Branch office %d"
                         % (i, i // 256 % 256, i % 256, i))
        else:
            lines.append("object network n%d host 172.16.%d.%d" % (i, i // 256 % 256, i % 256))
    for i in range(n_svc):
        lines.append("object service s%d %s dst-port %d" % (i, "tcp" if i % 2 else "udp", 10000 + i))
    for a in range(n_acl):
        lines.append("access-list acl%d description Bench list %d" % (a, a))
    n_ace = total - len(lines) - 6
    for k in range(n_ace):
        src = "any" if k % 5 == 0 else "n%d" % (k % n_net)
        dst = "n%d" % ((k * 7) % n_net)
        svc = ["any", "https", "ssh", "s%d" % (k % n_svc)][k % 4]
        act = "deny" if k % 9 == 0 else "permit"
        rate = " rate %d" % (k % 50 + 1) if act == "permit" and k % 6 == 0 else ""
        desc = " description rule %d" % k if k % 10 == 0 else ""
        lines.append("access-list acl%d %d %s %s %s %s%s%s" % (k % n_acl, 10 * (k // n_acl + 1), act, src, dst, svc,
                                                             rate, desc))
    for g in range(1, 7):
        lines.append("access-group acl%d in interface GigabitEthernet %d" % (g - 1, g))
    return lines, {"networks": n_net, "services": n_svc, "lists": n_acl, "entries": n_ace}


def admin_line(state):
    text = run_cli(state, "enable\n%s\nshow running-config\n" % ENABLE)
    return next(l for l in text.splitlines() if l.startswith("username admin "))


class Api:
    """Raw MICS client (docs/mics-protocol.md): a local session at privilege 15 in CONFIG mode."""

    def __init__(self, state):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(os.path.join(state, "run", "mics.sock"))
        self.n = 0
        self.call("session.local")
        self.call("session.enable", {"secret": ENABLE})
        self.call("session.mode", {"mode": "config"})

    def call(self, op, args=None):
        self.n += 1
        body = json.dumps({"v": 1, "id": self.n, "op": op, "args": args or {}}).encode()
        self.s.sendall(struct.pack(">I", len(body)) + body)
        (n,) = struct.unpack(">I", self.recv(4))
        reply = json.loads(self.recv(n))
        if not reply.get("ok"):
            sys.exit("%s: %s" % (op, reply))
        return reply["data"]

    def recv(self, n):
        b = b""
        while len(b) < n:
            chunk = self.s.recv(n - len(b))
            if not chunk:
                sys.exit("MICS closed the connection")
            b += chunk
        return b


def cpu_s(state):
    """MICS's user + system CPU time so far (a figure the VM's disk latency does not move)."""
    pid = open(os.path.join(state, "run", "sentry-micsd.pid")).read().strip()
    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def commit_latency(state, path, values):
    api = Api(state)
    ts = []
    cpu = cpu_s(state)
    for i in range(commits):
        t = time.perf_counter()
        d = api.call("config.edit", {"edits": [{"path": path, "op": "set", "value": values[i % 2]}],
                                      "line": "bench"})
        ts.append(time.perf_counter() - t)
        assert d["changed"], d
    return pct(ts, .5) * 1e3, pct(ts, .9) * 1e3, (cpu_s(state) - cpu) / commits * 1e3


def db_mib(state):
    db = os.path.join(state, "db")
    return sum(os.path.getsize(os.path.join(db, f)) for f in os.listdir(db)) / 2 ** 20


rows = []
# 1. import configuration, each round into a fresh MICS.
times = []
for r in range(rounds):
    state = start_mics()
    lines, counts = generate(admin_line(state))
    os.makedirs(os.path.join(state, "exports"), exist_ok=True)
    cfg = "\n".join(lines) + "\n"
    open(os.path.join(state, "exports", "bench.cfg"), "w").write(cfg)
    t = time.perf_counter()
    run_cli(state, "enable\n%s\nimport configuration bench.cfg\n" % ENABLE)
    times.append(time.perf_counter() - t)
    if r < rounds - 1:
        stop_mics(state)
loaded = state
rows.append(("load %d lines: `import configuration` (one revision), median of %d" % (len(lines), rounds),
             "%.2f s" % statistics.median(times), "%.0f lines/s" % (len(lines) / statistics.median(times))))

# 2. show running-config of it.
running = run_cli(loaded, args=("-c", "show running-config"))
assert len(running.splitlines()) >= len(lines) - 1, len(running.splitlines())
ts = []
for _ in range(shows):
    t = time.perf_counter()
    run_cli(loaded, args=("-c", "show running-config"))
    ts.append(time.perf_counter() - t)
rows.append(("`show running-config` of it (sentry-cli -c, %d runs) p50" % shows, "%.0f ms" % (pct(ts, .5) * 1e3),
             "%d lines, %d KiB; p90 %.0f ms" % (len(running.splitlines()), len(running) // 1024, pct(ts, .9) * 1e3)))

# 3. single-change commits, with the configuration loaded and on a factory one.
ace = ("acl.entry[acl0:65000]", ["deny any n1 any", "deny any n2 any"])
host = ("system.hostname", ["bench-a", "bench-b"])
fresh = start_mics()
Api(fresh).call("config.edit", {"edits": [{"path": "acl.network[n1]", "op": "set", "value": "host 10.0.0.1"},
                                          {"path": "acl.network[n2]", "op": "set", "value": "host 10.0.0.2"}]})
for what, (path, values) in (("an ACL entry", ace), ("the hostname", host)):
    big = commit_latency(loaded, path, values)
    small = commit_latency(fresh, path, values)
    rows.append(("single-change commit (config.edit), %s, %d-line config loaded: p50" % (what, len(lines)),
                 "%.2f ms" % big[0], "p90 %.2f ms, MICS CPU %.2f ms/commit; factory config: p50 %.2f ms, p90 %.2f ms, "
                 "CPU %.2f ms/commit (n = %d each)" % (big[1], big[2], small[0], small[1], small[2], commits)))
rows.append(("SQLite store after the import and %d commits" % (2 * commits), "%.1f MiB" % db_mib(loaded), ""))

# 4. The same lines through the shell: one revision per line.
if shell_load:
    state = start_mics()
    lines, _ = generate(admin_line(state))
    script = "enable\n%s\nconfigure terminal\n%s\nend\n" % (ENABLE, "\n".join(lines))
    t = time.perf_counter()
    run_cli(state, script)
    el = time.perf_counter() - t
    rows.append(("load %d lines through sentry-cli (CONFIG mode, one revision each)" % len(lines), "%.1f s" % el,
                 "%.0f lines/s; store %.1f MiB" % (len(lines) / el, db_mib(state))))

print("Configuration: %(entries)d ACL entries in %(lists)d lists, %(networks)d network objects, "
      "%(services)d services, 6 bindings, 4 other lines." % counts)
print()
print("| benchmark | value | notes |")
print("|---|---|---|")
for r in rows:
    print("| %s | %s | %s |" % r)
PY
