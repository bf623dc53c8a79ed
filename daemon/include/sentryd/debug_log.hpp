// `debug sentry log ...` (spec #46-#50, §3.13): the proxy's per-request
// debug log. Runtime state only: it lives in this process (MICS keeps a copy
// and pushes it again when it restarts sentryd), is not in the
// configuration and is gone when the appliance restarts (guide L7060).
//
// Records go to a local file, var/log/sentryd-debug.log (0600, one
// rotation), never to syslog: from level 3 on they hold mail content.
// Decisions: docs/logging-sentryd.md.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sentryd {

enum class LogSide : std::uint8_t { device, server, both };
enum class FilterType : std::uint8_t { device_id, device_ip, user_id, bundle_id, service_name, config_uuid };

struct DebugFilter {
    std::string tag;
    FilterType type = FilterType::user_id;
    std::string value;  // compared exactly (case-sensitive, guide L6556)
    bool enabled = true;
};

struct DebugLogSettings {
    bool enabled = false;
    LogSide side = LogSide::both;
    int verbosity = 1;  // 1..4
    std::vector<DebugFilter> filters;
};

inline constexpr std::size_t kMaxDebugFilters = 32;
inline constexpr std::size_t kMaxDebugTag = 64;
inline constexpr std::size_t kMaxDebugValue = 256;
// Body bytes shown at level 3 and at level 4.
inline constexpr std::size_t kDebugBodyLevel3 = 4 * 1024;
inline constexpr std::size_t kDebugBodyLevel4 = 64 * 1024;
// The file is cut over to sentryd-debug.log.1 at this size.
inline constexpr std::uint64_t kDebugLogMaxBytes = 16 * 1024 * 1024;

// What a request is matched on; ActiveSync requests have no bundle id and
// no config UUID, so filters of those types never match one.
struct RequestIdentity {
    std::string_view device_id;
    std::string_view device_ip;
    std::string_view user_id;
    std::string_view service_name;
};

// No enabled filter: every request. Otherwise any matching filter (OR).
bool debug_filter_match(const DebugLogSettings& s, const RequestIdentity& r);

// Names as typed and shown: "device-id", "level_2" ... / "both".
const char* filter_type_name(FilterType t);
const char* log_side_name(LogSide s);

// Control ops log.get, log.set (the whole state, as MICS re-pushes it),
// log.enable {side}, log.disable, log.verbosity {level 1..4},
// log.filter {tag,type,value}, log.filter_remove {tag}. Edits `s`; every
// reply is the whole state (debug_log_state_json). Returns false when `op`
// is not a log.* op.
bool handle_debug_log_op(DebugLogSettings& s, const std::string& op, std::string_view args_json, std::string& data,
                         std::string& code, std::string& message);
std::string debug_log_state_json(const DebugLogSettings& s);

// The process's settings. debug_log_on() is the one branch the hot path
// pays while logging is off.
namespace detail {
extern bool g_debug_log_on;
}
inline bool debug_log_on() { return detail::g_debug_log_on; }
DebugLogSettings& debug_log_settings();
// Call after editing debug_log_settings(): refreshes the flag, opens or
// closes the file.
void debug_log_settings_changed();

// Where records go; default $SENTRY_STATE_DIR/log/sentryd-debug.log.
void debug_log_path(std::string path);
// Appends text (one or more whole lines) to the file; rotates at
// kDebugLogMaxBytes, keeping one older file.
void debug_log_write(std::string_view text);

// Formatting helpers (pure, for the glue and the tests).
// Authorization, Proxy-Authorization, Cookie, Set-Cookie: values never shown.
bool is_masked_header(std::string_view name);
// One header line "  Name: value\n", the value masked where it must be.
void append_debug_header(std::string& out, std::string_view name, std::string_view value);
// The body at `verbosity` (nothing below 3): WBXML as hex, 32 bytes a line,
// other content as text with control characters escaped; cut at the
// level's limit with a note of the full size.
void append_debug_body(std::string& out, std::string_view body, bool wbxml, int verbosity);

}  // namespace sentryd
