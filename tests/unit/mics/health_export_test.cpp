// Health-monitor logs (spec §5.20) and utilization alerts (spec §5.12) from
// fixed /proc text: parsing, the reference's layouts, the thresholds.
#include "health_export.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace micsd;

namespace {

const char* kStat0 =
    "cpu  1000 100 500 8000 200 50 50 100 0 0\n"
    "cpu0 500 50 250 4000 100 25 25 50 0 0\n"
    "cpu1 500 50 250 4000 100 25 25 50 0 0\n"
    "intr 100000 1 2 3\n"
    "ctxt 50000\n"
    "btime 1700000000\n"
    "processes 1234\n"
    "procs_running 3\n"
    "procs_blocked 1\n";
// +1000 ticks on each CPU: cpu0 busy (user 600), cpu1 mostly idle (idle 850).
const char* kStat1 =
    "cpu  1700 100 600 9100 200 50 50 200 0 0\n"
    "cpu0 1100 50 300 4250 100 25 25 150 0 0\n"
    "cpu1 600 50 300 4850 100 25 25 50 0 0\n"
    "intr 130000 1 2 3\n"
    "ctxt 80000\n"
    "procs_running 2\n"
    "procs_blocked 0\n";

ProcSample sample(const char* stat, const char* vmstat = "", const char* meminfo = "") {
    ProcSample s;
    parse_proc_stat(stat, s);
    parse_proc_vmstat(vmstat, s);
    parse_meminfo(meminfo, s);
    return s;
}

}  // namespace

TEST_CASE("proc parsers: CPUs (all first), counters, memory") {
    ProcSample s = sample(kStat0, "pgpgin 10\npgpgout 20\npswpin 1\npswpout 2\nnr_free_pages 5\n",
                          "MemTotal:       2000000 kB\nMemFree:         500000 kB\nMemAvailable:   1200000 kB\n"
                          "Buffers:          10000 kB\nCached:          300000 kB\nSwapCached: 7 kB\n"
                          "SReclaimable:     20000 kB\nSwapTotal:       400000 kB\nSwapFree:        300000 kB\n");
    REQUIRE(s.cpus.size() == 3);
    CHECK(s.cpus[0].name == "all");
    CHECK(s.cpus[1].name == "0");
    CHECK(s.cpus[0].total() == 1000 + 100 + 500 + 8000 + 200 + 50 + 50 + 100);
    CHECK(s.intr == 100000);
    CHECK(s.ctxt == 50000);
    CHECK(s.procs_running == 3);
    CHECK(s.pgpgout == 20);
    CHECK(s.pswpout == 2);
    CHECK(s.mem_total_kb == 2000000);
    CHECK(s.mem_avail_kb == 1200000);
    CHECK(s.cached_kb == 320000);  // Cached + SReclaimable, as vmstat's "cache"; not SwapCached
    CHECK(s.swap_free_kb == 300000);
}

TEST_CASE("cpu.log: shares of the ticks between two samples, all and per CPU") {
    std::string out = render_cpu(sample(kStat0), sample(kStat1));
    CHECK(out ==
          "CPU    pctUser    pctNice    pctSystem    pctIowait    pctIdle\n"
          "all    35.00      0.00       5.00         0.00         55.00\n"
          "0      60.00      0.00       5.00         0.00         25.00\n"
          "1      10.00      0.00       5.00         0.00         85.00\n");
    // A CPU missing from the first sample (hot-plugged) is left out, not divided by zero.
    ProcSample before = sample("cpu  1 1 1 1 1 1 1 1\n");
    CHECK(render_cpu(before, sample(kStat1)).find("\n0 ") == std::string::npos);
    CHECK(cpu_busy_pct(sample(kStat0), sample(kStat1)) == doctest::Approx(45.0));
}

TEST_CASE("vmstat.log: one line, rates per second, vmstat's fields") {
    ProcSample a = sample(kStat0, "pgpgin 1000\npgpgout 2000\npswpin 10\npswpout 0\n",
                          "MemTotal: 2000000 kB\nMemFree: 500000 kB\nBuffers: 10000 kB\nCached: 300000 kB\n"
                          "SwapTotal: 400000 kB\nSwapFree: 300000 kB\n");
    ProcSample b = sample(kStat1, "pgpgin 1500\npgpgout 2000\npswpin 20\npswpout 0\n",
                          "MemTotal: 2000000 kB\nMemFree: 400000 kB\nBuffers: 11000 kB\nCached: 310000 kB\n"
                          "SwapTotal: 400000 kB\nSwapFree: 300000 kB\n");
    std::string line = render_vmstat(a, b, 10.0, 0);
    // The time is local; the rest is fixed.
    REQUIRE(line.rfind("time=", 0) == 0);
    std::string rest = line.substr(line.find(", r="));
    CHECK(rest ==
          ", r=1, b=0, swpd=100000, free=400000, buff=11000, cache=310000, si=4, so=0, bi=50, bo=0, in=3000, "
          "cs=3000, us=35, sy=5, id=55, wa=0, st=5");
}

TEST_CASE("openPorts.log: TCP listeners and bound UDP sockets, v4 and v6, each once") {
    NetTables t;
    t.tcp =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 0100007F:23A0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n"
        "   1: 0100007F:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1\n"
        "   2: 0100007F:A000 0100007F:01BB 01 00000000:00000000 00:00000000 00000000     0        0 3 1\n";
    t.tcp6 =
        "  sl  local_address                         remote_address                        st ...\n"
        "   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 0\n"
        "   1: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 0\n";
    t.udp =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 0100007F:0481 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4 2\n"
        "   1: 0100007F:9C40 0100007F:0035 01 00000000:00000000 00:00000000 00000000     0        0 5 2\n";
    CHECK(render_open_ports(t) ==
          "Proto  Port\n"
          "tcp    22\n"
          "tcp    443\n"
          "tcp    9120\n"
          "udp    1153\n");
    CHECK(render_open_ports(NetTables{}) == "Proto  Port\n");
}

TEST_CASE("hardware.log: the reference's keys, <notAvailable> when unknown") {
    HardwareInfo h;
    parse_cpuinfo("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) CPU E5504 @ 2.00GHz\ncache size\t: 4096 KB\n\n"
                  "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) CPU E5504 @ 2.00GHz\ncache size\t: 4096 KB\n",
                  h);
    h.hard_drives = "sda (Virtual disk) 200 GB;";
    h.nic_count = 1;
    h.memory_real_kb = 2054232;
    h.memory_swap_kb = 4128764;
    std::string out = render_hardware(h);
    CHECK(out.rfind("KEY                               VALUE\n", 0) == 0);
    CHECK(out.find("CPU_TYPE                          Intel(R) Xeon(R) CPU E5504 @ 2.00GHz\n") != std::string::npos);
    CHECK(out.find("CPU_CACHE                         4096 KB\n") != std::string::npos);
    CHECK(out.find("CPU_COUNT                         2\n") != std::string::npos);
    CHECK(out.find("HARD_DRIVES                       sda (Virtual disk) 200 GB;\n") != std::string::npos);
    CHECK(out.find("NIC_TYPE                          <notAvailable>\n") != std::string::npos);
    CHECK(out.find("MEMORY_REAL                       2054232 kB\n") != std::string::npos);
    CHECK(out.find("MEMORY_SWAP                       4128764 kB\n") != std::string::npos);
    CHECK(render_hardware(HardwareInfo{}).find("CPU_TYPE                          <notAvailable>\n") != std::string::npos);
}

TEST_CASE("utilization alerts: the guide's thresholds, strictly exceeded") {
    AlertThresholds t;
    Utilization u;
    u.thread_pool_pct = 80.0;  // at the threshold: no alert
    u.cpu_pct = 70.5;
    u.memory_pct = 69.9;
    auto a = utilization_alerts(u, t, 1800);
    REQUIRE(a.size() == 1);
    CHECK(a[0] == "utilization alert: CPU Utilization 70.5 % over the last 30 minutes exceeds the 70 % threshold");
    u.thread_pool_pct = 93.25;
    u.memory_pct = 71;
    a = utilization_alerts(u, t, 5);
    REQUIRE(a.size() == 3);
    CHECK(a[0] == "utilization alert: Thread Pool Utilization 93.2 % over the last 5 s exceeds the 80 % threshold");
    CHECK(a[2] == "utilization alert: System Memory Utilization 71.0 % now exceeds the 70 % threshold");
    u.thread_pool_pct.reset();  // sentryd not running for the whole interval
    u.cpu_pct = 0;
    u.memory_pct = 0;
    CHECK(utilization_alerts(u, t, 1800).empty());
}
