#include "health_export.hpp"

#include "files.hpp"

#include "mics/log.hpp"
#include "mics/syslog.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace micsd {

namespace fs = std::filesystem;

namespace {

// Splits on runs of spaces/tabs.
std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        std::size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
        if (j > i) out.push_back(line.substr(i, j - i));
        i = j;
    }
    return out;
}

template <class F>
void each_line(std::string_view text, F&& f) {
    while (!text.empty()) {
        std::size_t nl = text.find('\n');
        f(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
}

std::uint64_t num(std::string_view s, int base = 10) {
    std::uint64_t v = 0;
    for (char c : s) {
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else break;
        v = v * std::uint64_t(base) + std::uint64_t(d);
    }
    return v;
}

std::string read_text(const std::string& path, std::size_t max = 1 << 20) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::string s(max, '\0');
    in.read(s.data(), std::streamsize(max));
    s.resize(std::size_t(in.gcount()));
    return s;
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
    std::size_t b = s.find_first_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b);
}

std::uint64_t delta(std::uint64_t a, std::uint64_t b) { return b >= a ? b - a : 0; }

// Percent of `part` in `whole`, 0 when there is no whole.
double pct(std::uint64_t part, std::uint64_t whole) { return whole ? 100.0 * double(part) / double(whole) : 0; }

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, f);
    int n = std::vsnprintf(buf, sizeof buf, f, ap);
    va_end(ap);
    return std::string(buf, std::size_t(std::clamp(n, 0, int(sizeof buf) - 1)));
}

// utime + stime of a process in seconds; < 0 when it cannot be read.
double process_cpu_s(pid_t pid) {
    std::string st = read_text("/proc/" + std::to_string(pid) + "/stat", 4096);
    std::size_t rp = st.rfind(')');  // the command name may hold spaces
    if (rp == std::string::npos) return -1;
    auto w = words(std::string_view(st).substr(rp + 1));
    // After ")": state is field 3, utime 14, stime 15 (1-based over the whole line).
    if (w.size() < 13) return -1;
    long hz = ::sysconf(_SC_CLK_TCK);
    if (hz <= 0) return -1;
    return double(num(w[11]) + num(w[12])) / double(hz);
}

ProcSample sample_proc() {
    ProcSample s;
    parse_proc_stat(read_text("/proc/stat"), s);
    parse_proc_vmstat(read_text("/proc/vmstat"), s);
    parse_meminfo(read_text("/proc/meminfo"), s);
    return s;
}

HardwareInfo read_hardware(const ProcSample& s) {
    HardwareInfo h;
    parse_cpuinfo(read_text("/proc/cpuinfo", 4 << 20), h);
    h.memory_real_kb = s.mem_total_kb;
    h.memory_swap_kb = s.swap_total_kb;
    std::error_code ec;
    std::vector<std::string> drives;
    for (const auto& e : fs::directory_iterator("/sys/block", ec)) {
        std::string name = e.path().filename().string();
        if (name.rfind("loop", 0) == 0 || name.rfind("ram", 0) == 0 || name.rfind("zram", 0) == 0 ||
            name.rfind("dm-", 0) == 0)
            continue;
        std::uint64_t sectors = num(trimmed(read_text(e.path().string() + "/size", 64)));
        if (sectors == 0) continue;
        std::string model = trimmed(read_text(e.path().string() + "/device/model", 256));
        std::string d = name;
        if (!model.empty()) d += " (" + model + ")";
        d += " " + std::to_string((sectors * 512 + 500000000ULL) / 1000000000ULL) + " GB;";
        drives.push_back(std::move(d));
    }
    std::sort(drives.begin(), drives.end());
    for (const auto& d : drives) h.hard_drives += (h.hard_drives.empty() ? "" : " ") + d;
    for (const auto& e : fs::directory_iterator("/sys/class/net", ec))
        if (e.path().filename() != "lo") ++h.nic_count;
    return h;
}

// Rows of a rendered log after its header line.
std::vector<std::string> rows(const std::string& text) {
    std::vector<std::string> out;
    bool header = true;
    each_line(text, [&](std::string_view l) {
        if (header) {
            header = false;
            return;
        }
        if (!l.empty()) out.emplace_back(l);
    });
    return out;
}

}  // namespace

void parse_proc_stat(std::string_view text, ProcSample& s) {
    each_line(text, [&](std::string_view line) {
        auto w = words(line);
        if (w.empty()) return;
        if (w[0].rfind("cpu", 0) == 0 && w.size() >= 5) {
            CpuTicks c;
            c.name = w[0] == "cpu" ? std::string("all") : std::string(w[0].substr(3));
            std::uint64_t* f[] = {&c.user, &c.nice, &c.system, &c.idle, &c.iowait, &c.irq, &c.softirq, &c.steal};
            for (std::size_t i = 0; i < 8 && i + 1 < w.size(); ++i) *f[i] = num(w[i + 1]);
            if (c.name == "all") s.cpus.insert(s.cpus.begin(), std::move(c));
            else s.cpus.push_back(std::move(c));
        } else if (w.size() >= 2) {
            if (w[0] == "intr") s.intr = num(w[1]);
            else if (w[0] == "ctxt") s.ctxt = num(w[1]);
            else if (w[0] == "procs_running") s.procs_running = num(w[1]);
            else if (w[0] == "procs_blocked") s.procs_blocked = num(w[1]);
        }
    });
}

void parse_proc_vmstat(std::string_view text, ProcSample& s) {
    each_line(text, [&](std::string_view line) {
        auto w = words(line);
        if (w.size() < 2) return;
        if (w[0] == "pgpgin") s.pgpgin = num(w[1]);
        else if (w[0] == "pgpgout") s.pgpgout = num(w[1]);
        else if (w[0] == "pswpin") s.pswpin = num(w[1]);
        else if (w[0] == "pswpout") s.pswpout = num(w[1]);
    });
}

void parse_meminfo(std::string_view text, ProcSample& s) {
    each_line(text, [&](std::string_view line) {
        auto w = words(line);
        if (w.size() < 2) return;
        std::uint64_t v = num(w[1]);
        if (w[0] == "MemTotal:") s.mem_total_kb = v;
        else if (w[0] == "MemFree:") s.mem_free_kb = v;
        else if (w[0] == "MemAvailable:") s.mem_avail_kb = v;
        else if (w[0] == "Buffers:") s.buffers_kb = v;
        else if (w[0] == "Cached:" || w[0] == "SReclaimable:") s.cached_kb += v;  // vmstat's "cache"
        else if (w[0] == "SwapTotal:") s.swap_total_kb = v;
        else if (w[0] == "SwapFree:") s.swap_free_kb = v;
    });
}

std::string render_open_ports(const NetTables& t) {
    // (proto, port), sorted by proto then port, each once (v4 and v6 alike).
    std::set<std::pair<std::string, unsigned>> ports;
    auto scan = [&](const std::string& table, const char* proto, std::string_view state) {
        bool header = true;
        each_line(table, [&](std::string_view line) {
            if (header) {
                header = false;
                return;
            }
            auto w = words(line);
            // sl local_address rem_address st ...
            if (w.size() < 4 || w[3] != state) return;
            std::size_t colon = w[1].rfind(':');
            if (colon == std::string_view::npos) return;
            unsigned port = unsigned(num(w[1].substr(colon + 1), 16));
            if (port != 0) ports.emplace(proto, port);
        });
    };
    scan(t.tcp, "tcp", "0A");   // TCP_LISTEN
    scan(t.tcp6, "tcp", "0A");
    scan(t.udp, "udp", "07");   // unconnected, bound
    scan(t.udp6, "udp", "07");
    std::string out = "Proto  Port\n";
    for (const auto& [proto, port] : ports) out += fmt("%-7s%u\n", proto.c_str(), port);
    return out;
}

void parse_cpuinfo(std::string_view text, HardwareInfo& h) {
    each_line(text, [&](std::string_view line) {
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) return;
        std::string key = trimmed(std::string(line.substr(0, colon)));
        std::string value = trimmed(std::string(line.substr(colon + 1)));
        if (key == "processor") ++h.cpu_count;
        else if (key == "model name" && h.cpu_type.empty()) h.cpu_type = value;
        else if (key == "cache size" && h.cpu_cache.empty()) h.cpu_cache = value;
    });
}

std::string render_hardware(const HardwareInfo& h) {
    auto row = [](const char* k, const std::string& v) { return fmt("%-34s%s\n", k, v.empty() ? "<notAvailable>" : v.c_str()); };
    std::string out = row("KEY", "VALUE");
    out += row("CPU_TYPE", h.cpu_type);
    out += row("CPU_CACHE", h.cpu_cache);
    out += row("CPU_COUNT", std::to_string(h.cpu_count));
    out += row("HARD_DRIVES", h.hard_drives);
    out += row("NIC_TYPE", "");  // the reference prints <notAvailable> too
    out += row("NIC_COUNT", std::to_string(h.nic_count));
    out += row("MEMORY_REAL", std::to_string(h.memory_real_kb) + " kB");
    out += row("MEMORY_SWAP", std::to_string(h.memory_swap_kb) + " kB");
    return out;
}

std::string render_cpu(const ProcSample& before, const ProcSample& after) {
    std::string out = "CPU    pctUser    pctNice    pctSystem    pctIowait    pctIdle\n";
    for (const auto& a : after.cpus) {
        auto b = std::find_if(before.cpus.begin(), before.cpus.end(), [&](const CpuTicks& c) { return c.name == a.name; });
        if (b == before.cpus.end()) continue;  // a CPU that came online meanwhile
        std::uint64_t total = delta(b->total(), a.total());
        // System time includes interrupt handling, as vmstat's "sy" does.
        std::uint64_t sys = delta(b->system + b->irq + b->softirq, a.system + a.irq + a.softirq);
        out += fmt("%-7s%-11.2f%-11.2f%-13.2f%-13.2f%.2f\n", a.name.c_str(), pct(delta(b->user, a.user), total),
                   pct(delta(b->nice, a.nice), total), pct(sys, total), pct(delta(b->iowait, a.iowait), total),
                   pct(delta(b->idle, a.idle), total));
    }
    return out;
}

double cpu_busy_pct(const ProcSample& before, const ProcSample& after) {
    if (before.cpus.empty() || after.cpus.empty()) return 0;
    const CpuTicks& b = before.cpus.front();
    const CpuTicks& a = after.cpus.front();
    std::uint64_t total = delta(b.total(), a.total());
    std::uint64_t idle = delta(b.idle + b.iowait, a.idle + a.iowait);
    return total ? 100.0 * double(total - std::min(idle, total)) / double(total) : 0;
}

std::string render_vmstat(const ProcSample& before, const ProcSample& after, double seconds, long long unix_time) {
    auto rate = [&](std::uint64_t b, std::uint64_t a) {
        return seconds > 0 ? static_cast<unsigned long long>(std::llround(double(delta(b, a)) / seconds)) : 0ULL;
    };
    long page_kb = ::sysconf(_SC_PAGESIZE) / 1024;
    if (page_kb <= 0) page_kb = 4;
    CpuTicks b = before.cpus.empty() ? CpuTicks{} : before.cpus.front();
    CpuTicks a = after.cpus.empty() ? CpuTicks{} : after.cpus.front();
    std::uint64_t total = delta(b.total(), a.total());
    auto share = [&](std::uint64_t x, std::uint64_t y) { return static_cast<unsigned>(std::lround(pct(delta(x, y), total))); };
    char when[32];
    std::time_t t = static_cast<std::time_t>(unix_time);
    struct tm tm {};
    ::localtime_r(&t, &tm);
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    return fmt("time=%s, r=%llu, b=%llu, swpd=%llu, free=%llu, buff=%llu, cache=%llu, si=%llu, so=%llu, bi=%llu, "
               "bo=%llu, in=%llu, cs=%llu, us=%u, sy=%u, id=%u, wa=%u, st=%u",
               when,
               // vmstat does not count itself as running; neither do we.
               static_cast<unsigned long long>(after.procs_running > 0 ? after.procs_running - 1 : 0),
               static_cast<unsigned long long>(after.procs_blocked),
               static_cast<unsigned long long>(delta(after.swap_free_kb, after.swap_total_kb)),
               static_cast<unsigned long long>(after.mem_free_kb), static_cast<unsigned long long>(after.buffers_kb),
               static_cast<unsigned long long>(after.cached_kb), rate(before.pswpin, after.pswpin) * page_kb,
               rate(before.pswpout, after.pswpout) * page_kb, rate(before.pgpgin, after.pgpgin),
               rate(before.pgpgout, after.pgpgout), rate(before.intr, after.intr), rate(before.ctxt, after.ctxt),
               share(b.user + b.nice, a.user + a.nice), share(b.system + b.irq + b.softirq, a.system + a.irq + a.softirq),
               share(b.idle, a.idle), share(b.iowait, a.iowait), share(b.steal, a.steal));
}

std::vector<std::string> utilization_alerts(const Utilization& u, const AlertThresholds& t, long seconds) {
    std::vector<std::string> out;
    auto check = [&](const char* what, double value, double limit, const char* span) {
        if (value > limit)
            out.push_back(fmt("utilization alert: %s %.1f %% %s exceeds the %.0f %% threshold", what, value, span, limit));
    };
    std::string over = seconds % 60 == 0 && seconds >= 60 ? "over the last " + std::to_string(seconds / 60) + " minutes"
                                                         : "over the last " + std::to_string(seconds) + " s";
    if (u.thread_pool_pct) check("Thread Pool Utilization", *u.thread_pool_pct, t.thread_pool_pct, over.c_str());
    check("CPU Utilization", u.cpu_pct, t.cpu_pct, over.c_str());
    check("System Memory Utilization", u.memory_pct, t.memory_pct, "now");
    return out;
}

HealthMonitor::HealthMonitor(std::string dir, std::chrono::seconds interval, std::chrono::seconds alert_interval)
    : dir_(std::move(dir)), interval_(interval), alert_interval_(alert_interval) {}

bool HealthMonitor::due() const {
    if (!started_) return true;
    auto now = clock::now();
    return now - last_export_ >= interval_ || now - last_alert_ >= alert_interval_;
}

void HealthMonitor::tick(bool enabled, pid_t sentryd_pid) {
    auto now = clock::now();
    bool export_due = now - last_export_ >= interval_, alert_due = now - last_alert_ >= alert_interval_;
    if (started_ && !export_due && !alert_due) return;
    // One look at /proc serves whichever is due (every 30 minutes, both).
    ProcSample s = sample_proc();
    if (!started_) {
        started_ = true;
        export_base_ = alert_base_ = std::move(s);
        last_export_ = last_alert_ = now;
        alert_base_pid_ = sentryd_pid;
        alert_base_sentryd_s_ = sentryd_pid > 0 ? process_cpu_s(sentryd_pid) : -1;
        return;
    }
    if (alert_due) {
        check_alerts(s, sentryd_pid, std::chrono::duration<double>(now - last_alert_).count());
        last_alert_ = now;
    }
    if (export_due) {
        // The base moves on while the switch is off, so the first export after
        // `sentry health-monitor` covers one interval, not the time since boot.
        if (enabled) export_logs(s, std::chrono::duration<double>(now - last_export_).count());
        export_base_ = std::move(s);
        last_export_ = now;
    }
}

void HealthMonitor::export_logs(const ProcSample& now, double seconds) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    NetTables t{read_text("/proc/net/tcp"), read_text("/proc/net/tcp6"), read_text("/proc/net/udp"),
                read_text("/proc/net/udp6")};
    const std::pair<const char*, std::string> snapshots[] = {
        {"openPorts", render_open_ports(t)},
        {"hardware", render_hardware(read_hardware(now))},
        {"cpu", render_cpu(export_base_, now)},
    };
    for (const auto& [name, text] : snapshots) {
        if (!write_file_atomic(dir_ + "/" + name + ".log", text, 0640))
            mics::log_warn(std::string("health-monitor: cannot write ") + dir_ + "/" + name + ".log");
        std::string tag = std::string("sentry_mihealth_") + name;
        for (const auto& r : rows(text)) mics::syslog_send(mics::LogFacility::health_monitor, mics::Severity::info, tag, r);
    }
    // vmstat.log grows by a line per interval; one old generation is kept.
    std::string line = render_vmstat(export_base_, now, seconds, static_cast<long long>(std::time(nullptr)));
    std::string path = dir_ + "/vmstat.log";
    static constexpr std::uintmax_t kVmstatMax = 1 << 20;
    if (fs::file_size(path, ec) > kVmstatMax && !ec) fs::rename(path, path + ".1", ec);
    if (FILE* f = std::fopen(path.c_str(), "a")) {
        ::fchmod(::fileno(f), 0640);
        std::fprintf(f, "%s\n", line.c_str());
        std::fclose(f);
    } else {
        mics::log_warn("health-monitor: cannot append to " + path);
    }
    mics::syslog_send(mics::LogFacility::health_monitor, mics::Severity::info, "sentry_mihealth_vmstat", line);
}

void HealthMonitor::check_alerts(const ProcSample& now, pid_t sentryd_pid, double seconds) {
    Utilization u;
    u.cpu_pct = cpu_busy_pct(alert_base_, now);
    u.memory_pct = pct(now.mem_total_kb - std::min(now.mem_avail_kb, now.mem_total_kb), now.mem_total_kb);
    // sentryd runs one event loop: its busy share is its CPU share (what
    // `show sentry utilization` calls Thread Pool Utilization). Only when the
    // same sentryd ran through the whole interval.
    double cpu_s = sentryd_pid > 0 ? process_cpu_s(sentryd_pid) : -1;
    if (sentryd_pid > 0 && sentryd_pid == alert_base_pid_ && cpu_s >= 0 && alert_base_sentryd_s_ >= 0 && seconds > 0)
        u.thread_pool_pct = std::min(100.0, 100.0 * (cpu_s - alert_base_sentryd_s_) / seconds);
    for (const auto& a : utilization_alerts(u, AlertThresholds{}, long(std::lround(seconds))))
        mics::log_warn(a);
    alert_base_ = now;
    alert_base_pid_ = sentryd_pid;
    alert_base_sentryd_s_ = cpu_s;
}

}  // namespace micsd
