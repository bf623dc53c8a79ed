#include "mics/syslog.hpp"

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <mutex>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace mics {

namespace {

// The target is set at start-up (before threads) and rarely after; a mutex
// guards the address, sendto itself needs none.
std::mutex g_mu;
int g_fd = -1;
sockaddr_un g_addr{};
socklen_t g_addr_len = 0;
int g_pid = 0;  // getpid() is a system call; a record must not cost one
std::atomic<std::uint64_t> g_dropped{0};

}  // namespace

int syslog_facility_code(LogFacility f) {
    switch (f) {
    case LogFacility::general: return 3;          // daemon
    case LogFacility::health_monitor: return 17;  // local1
    case LogFacility::audit: return 13;           // log audit (RFC 5424)
    }
    return 3;
}

void syslog_target(std::string socket_path) {
    std::lock_guard lk(g_mu);
    g_addr_len = 0;
    if (socket_path.empty() || socket_path.size() >= sizeof(g_addr.sun_path)) return;
    if (g_fd < 0) {
        g_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (g_fd < 0) return;
    }
    g_addr = {};
    g_addr.sun_family = AF_UNIX;
    std::memcpy(g_addr.sun_path, socket_path.data(), socket_path.size());
    g_addr_len = socklen_t(offsetof(sockaddr_un, sun_path) + socket_path.size() + 1);
    g_pid = int(::getpid());
    // sentry-sshd forks connection processes that log without an exec: a
    // child refreshes the cached pid (it is alone then; no lock needed).
    static bool hooked = ::pthread_atfork(nullptr, nullptr, [] { g_pid = int(::getpid()); }) == 0;
    (void)hooked;
}

namespace {

// Renders into `out` (cleared): syslog_send reuses one buffer per thread, so
// a record (sentryd sends two per audited request) allocates nothing. No
// printf and no per-byte push_back: this runs twice per audited request.
void format_into(std::string& out, LogFacility f, Severity s, std::string_view tag, int pid, std::string_view msg,
                 long long unix_time) {
    static const char* mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    // "Mmm dd hh:mm:ss " changes once a second.
    thread_local long long stamp_at = -1;
    thread_local char stamp[24];
    if (unix_time != stamp_at) {
        std::time_t t = std::time_t(unix_time);
        std::tm tm{};
        gmtime_r(&t, &tm);
        std::snprintf(stamp, sizeof stamp, "%s %2d %02d:%02d:%02d ", mon[tm.tm_mon], tm.tm_mday, tm.tm_hour,
                      tm.tm_min, tm.tm_sec);
        stamp_at = unix_time;
    }
    char num[24];
    out.assign("<");
    out.append(num, std::to_chars(num, num + sizeof num, syslog_facility_code(f) * 8 + int(s)).ptr);
    out.push_back('>');
    out.append(stamp);
    // A tag is a short word; anything else would let a caller forge fields.
    std::size_t k = 0;
    for (char c : tag) {
        if (k++ == 32) break;
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        out.push_back(ok ? c : '_');
    }
    out.push_back('[');
    out.append(num, std::to_chars(num, num + sizeof num, pid).ptr);
    out.append("]: ");
    // One record is one line: a newline in a message could forge a record.
    std::string_view m = msg.substr(0, kSyslogMaxMessage);
    std::size_t at = out.size();
    out.append(m);
    char* p = out.data() + at;
    std::size_t i = 0;
    // Eight bytes at a time: a word with no byte < 0x20 and none == 0x7f
    // (the usual case) is left as copied; only a flagged word is walked.
    constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    for (; i + 8 <= m.size(); i += 8) {
        std::uint64_t x;
        std::memcpy(&x, p + i, 8);
        std::uint64_t del = x ^ (0x7f * ones);
        if ((((x - 0x20 * ones) & ~x) | ((del - ones) & ~del)) & highs)
            for (std::size_t k = i; k < i + 8; ++k)
                if ((unsigned char)p[k] < 0x20 || p[k] == 0x7f) p[k] = ' ';
    }
    for (; i < m.size(); ++i)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) p[i] = ' ';
}

}  // namespace

std::string syslog_format(LogFacility f, Severity s, std::string_view tag, int pid,
                          std::string_view msg, long long unix_time) {
    std::string out;
    format_into(out, f, s, tag, pid, msg, unix_time);
    return out;
}

bool syslog_send(LogFacility f, Severity s, std::string_view tag, std::string_view msg) {
    int fd, pid;
    sockaddr_un addr;
    socklen_t len;
    {
        std::lock_guard lk(g_mu);
        fd = g_fd;
        addr = g_addr;
        len = g_addr_len;
        pid = g_pid;
    }
    if (fd < 0 || len == 0) {  // no target: nothing to format
        g_dropped.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    thread_local std::string d;
    format_into(d, f, s, tag, pid, msg, (long long)std::time(nullptr));
    if (::sendto(fd, d.data(), d.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), len) < 0) {
        g_dropped.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    return true;
}

std::uint64_t syslog_dropped() { return g_dropped.load(std::memory_order_relaxed); }

}  // namespace mics
