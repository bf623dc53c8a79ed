#include "mics/log.hpp"

#include "mics/paths.hpp"
#include "mics/syslog.hpp"

#include <cstdio>
#include <ctime>
#include <string>
#include <unistd.h>

namespace mics {

namespace {
std::string g_program = "sentry";
}

void log_init(std::string_view program) {
    g_program = std::string(program);
    syslog_target(paths_from_env().log_sock());
}

void log(LogLevel level, std::string_view msg) {
    static const char* names[] = {"debug", "info", "warning", "error"};
    char ts[32];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    // One fprintf per line so concurrent children do not interleave mid-line.
    std::fprintf(stderr, "%s %s[%d]: %s: %.*s\n", ts, g_program.c_str(), int(::getpid()),
                 names[int(level)], int(msg.size()), msg.data());
    // The same line goes to the collector (facility general) for the
    // remote syslog servers; debug stays local.
    if (level != LogLevel::debug) {
        static const Severity sev[] = {Severity::debug, Severity::info, Severity::warning, Severity::err};
        syslog_send(LogFacility::general, sev[int(level)], g_program, msg);
    }
}

}  // namespace mics
