#!/usr/bin/env python3
"""Turns scripts/bench-proxy.sh's raw results into the markdown table.

Input: a TSV of `round  proxy  metric  value` lines. Metrics: ka_rps ka_p50
ka_p99 ka_cpu ka_eff hs_rate hs_cpu hs_eff held_kb held_n (eff: work per
CPU-second of the proxy process), and with PROFILE=1 ka_us_{total,kernel,
tls,libc,own} (CPU microseconds per keep-alive request from perf samples); `na` and `*_note` carry text
(a proxy that answered non-200, a short held count, errors). The run's
settings come from the environment (see bench-proxy.sh).

Every figure is the median over rounds. sentryd's ratios to nginx are the
median of the per-round ratios, so a slow stretch of the shared VM hits both
sides of a ratio. A proxy without a figure shows why instead of a number.
"""
import collections
import datetime
import os
import statistics
import sys

rows = [l.rstrip("\n").split("\t", 3) for l in open(sys.argv[1]) if l.strip()]
names = sys.argv[2].split()
env = os.environ

val = collections.defaultdict(dict)  # (proxy, metric) -> {round: value}
notes = collections.defaultdict(list)
for rnd, p, m, v in rows:
    if m == "na" or m.endswith("_note"):
        notes[p].append((rnd, m, v))
    else:
        val[(p, m)][rnd] = float(v)


def med(p, m):
    xs = list(val[(p, m)].values())
    return statistics.median(xs) if xs else None


def ratio(m, a="sentryd", b="nginx"):
    rs = [x / val[(b, m)][r] for r, x in val[(a, m)].items() if val[(b, m)].get(r)]
    return statistics.median(rs) if rs else None


def why(p, prefix):
    """The reason a figure is missing: the proxy's n/a, else the test's note."""
    for _, m, v in notes[p]:
        if m == "na":
            return "n/a: " + v
    for _, m, v in notes[p]:
        if m.startswith(prefix):
            return "n/a: " + v
    return "n/a"


def cell(p, m, spec):
    x = med(p, m)
    return spec % x if x is not None else why(p, m.split("_")[0])


cols = ["proxy", "keep-alive Sync req/s", "p50 ms", "p99 ms", "new TLS conn/s",
        "KB RSS per held Ping", "proxy CPU % (keep-alive / new TLS)",
        "Sync req per proxy CPU-s", "new TLS conn per proxy CPU-s"]
table = []
for p in names:
    cpu_ka, cpu_hs = med(p, "ka_cpu"), med(p, "hs_cpu")
    cpu = "-" if cpu_ka is None and cpu_hs is None else "%s / %s" % (
        "-" if cpu_ka is None else "%.0f" % cpu_ka, "-" if cpu_hs is None else "%.0f" % cpu_hs)
    table.append([p, cell(p, "ka_rps", "%.0f"), cell(p, "ka_p50", "%.2f"), cell(p, "ka_p99", "%.2f"),
                  cell(p, "hs_rate", "%.0f"), cell(p, "held_kb", "%.1f"), cpu,
                  cell(p, "ka_eff", "%.0f"), cell(p, "hs_eff", "%.0f")])


def fx(x):
    return "%.2f×" % x if x is not None else "n/a"


targets = []
if "sentryd" in names and "nginx" in names:
    r = {m: ratio(m) for m in ("ka_rps", "ka_p50", "ka_p99", "hs_rate", "held_kb", "ka_eff", "hs_eff")}
    table.append(["sentryd / nginx", fx(r["ka_rps"]), fx(r["ka_p50"]), fx(r["ka_p99"]),
                  fx(r["hs_rate"]), fx(r["held_kb"]), "", fx(r["ka_eff"]), fx(r["hs_eff"])])

    def verdict(x, ok):
        return "not met (not measured)" if x is None else ("met" if ok(x) else "not met")

    ka_verdict = verdict(r["ka_rps"], lambda x: x >= 1.2)
    # req/s only ranks proxies when they are the bottleneck. If either ran
    # well below a full core, the load side (or another tenant) set the pace,
    # and work per proxy CPU-second is what a saturated core would show.
    busy = [med(p, "ka_cpu") for p in ("sentryd", "nginx")]
    if r["ka_rps"] is not None and any(c is not None and c < 80 for c in busy) and r["ka_eff"] is not None:
        ka_verdict += ("; not both CPU-bound (sentryd %s %%, nginx %s %% of a core), and per proxy "
                       "CPU-second sentryd did %s nginx: %s" % (
                           "%.0f" % busy[0] if busy[0] is not None else "?",
                           "%.0f" % busy[1] if busy[1] is not None else "?", fx(r["ka_eff"]),
                           "met" if r["ka_eff"] >= 1.2 else "not met"))
    targets = [
        ("keep-alive Sync req/s ≥ 1.2× nginx", fx(r["ka_rps"]), ka_verdict),
        ("p99 ≤ nginx", fx(r["ka_p99"]), verdict(r["ka_p99"], lambda x: x <= 1.0)),
        ("KB RSS per held Ping ≤ 0.8× nginx", fx(r["held_kb"]), verdict(r["held_kb"], lambda x: x <= 0.8)),
    ]

held_n = [int(v) for (p, m), d in val.items() if m == "held_n" for v in d.values()]
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
print("Measured %s. %s (1-min load average %s); %s." % (
    now, env.get("MACHINE", "?"), env.get("LOADAVG", "?"), env.get("VERSIONS", "?")))
print("%s rounds, medians. Keep-alive: wrk -t1 -c%s -d%ss. New TLS: %s threads × %ss, full "
      "handshakes. Held Pings: %s requested%s. Proxy on CPU %s; wrk, load tools and backend on CPU %s."
      % (env.get("ROUNDS"), env.get("KA_CONNECTIONS"), env.get("DURATION"), env.get("HS_CONCURRENCY"),
         env.get("HS_SECONDS"), env.get("HELD"),
         " (%d–%d held per round)" % (min(held_n), max(held_n)) if held_n else "",
         env.get("PROXY_CPU"), env.get("LOAD_CPU")))
print()
print("| " + " | ".join(cols) + " |")
print("|" + "---|" * len(cols))
for row in table:
    print("| " + " | ".join(row) + " |")
if targets:
    print()
    print("| target (issue #7) | sentryd / nginx | verdict |")
    print("|---|---|---|")
    for name, x, v in targets:
        print("| %s | %s | %s |" % (name, x, v))
split = ("ka_us_total", "ka_us_kernel", "ka_us_tls", "ka_us_libc", "ka_us_own")
if any(val[(p, "ka_us_total")] for p in names):
    print()
    print("Where the proxy's CPU goes per keep-alive Sync (PROFILE=1: perf cpu-clock samples of the "
          "proxy process during the keep-alive run; microseconds per request, medians):")
    print()
    print("| proxy | total µs | kernel | OpenSSL (libssl + libcrypto) | libc | own code (binary, libstdc++, vdso) |")
    print("|---|---|---|---|---|---|")
    for p in names:
        print("| %s | %s |" % (p, " | ".join(cell(p, m, "%.1f") for m in split)))
    if "sentryd" in names and "nginx" in names:
        print("| sentryd / nginx | %s |" % " | ".join(fx(ratio(m)) for m in split))
shown = [(p, rnd, v) for p in names for rnd, m, v in notes[p]]
if shown:
    print()
    for p, rnd, v in shown:
        print("* %s, round %s: %s" % (p, rnd, v))
