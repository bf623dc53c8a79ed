// Health-monitor data and utilization alerts (docs/health-monitor.md).
//
// With `sentry health-monitor` on, MICS writes the reference product's four
// health logs (spec §5.20, guide L5770-5835) to log/mihealth_export/ every
// interval and sends their rows to the log collector (facility
// health-monitor, severity info, the Splunk sourcetype as the tag):
//   openPorts.log  listening TCP and bound UDP ports (/proc/net)
//   hardware.log   CPU, disks, NICs, memory (/proc, /sys)
//   cpu.log        CPU shares over the last interval, all and per CPU
//   vmstat.log     one vmstat-like line per interval (appended, rotated)
// Independently of that switch, every alert interval (30 min) it compares
// utilization over the interval with the reference's thresholds (spec
// §5.12, guide L6805-6818: thread pool 80 %, CPU 70 %, system memory 70 %)
// and logs a warning (facility general) for each one exceeded.
//
// The parsers and renderers take the /proc and /sys text, so unit tests
// feed them fixed input; HealthMonitor reads the real files.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace micsd {

// One "cpu" / "cpuN" line of /proc/stat, in clock ticks.
struct CpuTicks {
    std::string name;  // "all" for the "cpu" line, else the CPU number
    std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    std::uint64_t total() const { return user + nice + system + idle + iowait + irq + softirq + steal; }
};

// What one look at /proc gives: /proc/stat, /proc/vmstat and /proc/meminfo.
struct ProcSample {
    std::vector<CpuTicks> cpus;  // "all" first
    std::uint64_t intr = 0, ctxt = 0, procs_running = 0, procs_blocked = 0;
    std::uint64_t pgpgin = 0, pgpgout = 0, pswpin = 0, pswpout = 0;  // /proc/vmstat
    std::uint64_t mem_total_kb = 0, mem_free_kb = 0, mem_avail_kb = 0, buffers_kb = 0, cached_kb = 0,
                  swap_total_kb = 0, swap_free_kb = 0;
};

// Each parser fills its part of `s` and ignores lines it does not know.
void parse_proc_stat(std::string_view text, ProcSample& s);
void parse_proc_vmstat(std::string_view text, ProcSample& s);
void parse_meminfo(std::string_view text, ProcSample& s);

// openPorts.log: "Proto  Port" then one row per distinct (proto, port),
// from /proc/net/{tcp,tcp6} (LISTEN) and /proc/net/{udp,udp6} (bound).
struct NetTables {
    std::string tcp, tcp6, udp, udp6;
};
std::string render_open_ports(const NetTables& t);

struct HardwareInfo {
    std::string cpu_type, cpu_cache;  // "model name", "cache size" of /proc/cpuinfo
    unsigned cpu_count = 0;
    std::string hard_drives;          // "sda (Virtual disk) 200 GB; vdb 8 GB;"
    unsigned nic_count = 0;
    std::uint64_t memory_real_kb = 0, memory_swap_kb = 0;
};
void parse_cpuinfo(std::string_view text, HardwareInfo& h);
std::string render_hardware(const HardwareInfo& h);

// cpu.log from two samples (shares of the ticks between them).
std::string render_cpu(const ProcSample& before, const ProcSample& after);

// One vmstat.log line: "time=YYYY-MM-DD HH:MM:SS, r=…, …, st=…". Rates
// (si so bi bo in cs) are per second over `seconds`.
std::string render_vmstat(const ProcSample& before, const ProcSample& after, double seconds, long long unix_time);

// CPU busy share (all CPUs) between two samples, 0-100.
double cpu_busy_pct(const ProcSample& before, const ProcSample& after);

// The alerts due for one alert interval, as log lines ("" entries skipped).
struct Utilization {
    std::optional<double> thread_pool_pct;  // sentryd's event loop (none: not running)
    double cpu_pct = 0;
    double memory_pct = 0;
};
struct AlertThresholds {
    double thread_pool_pct = 80, cpu_pct = 70, memory_pct = 70;
};
// `seconds`: the length of the interval the CPU figures cover.
std::vector<std::string> utilization_alerts(const Utilization& u, const AlertThresholds& t, long seconds);

class HealthMonitor {
public:
    using clock = std::chrono::steady_clock;
    // `dir`: where the four logs go (created when first needed).
    HealthMonitor(std::string dir, std::chrono::seconds interval, std::chrono::seconds alert_interval);

    // Whether tick() has work: a clock read, cheap enough for every MICS
    // loop turn, so the caller looks up its arguments only then.
    bool due() const;
    // Exports and/or checks what is due (nothing when nothing is).
    // `enabled`: `sentry health-monitor`. `sentryd_pid`: 0 when sentryd is
    // not running (no thread-pool figure then).
    void tick(bool enabled, pid_t sentryd_pid);

private:
    void export_logs(const ProcSample& now, double seconds);
    void check_alerts(const ProcSample& now, pid_t sentryd_pid, double seconds);

    std::string dir_;
    std::chrono::seconds interval_, alert_interval_;
    bool started_ = false;
    clock::time_point last_export_{}, last_alert_{};
    ProcSample export_base_, alert_base_;
    double alert_base_sentryd_s_ = -1;  // sentryd CPU seconds at the alert base
    pid_t alert_base_pid_ = 0;
};

}  // namespace micsd
