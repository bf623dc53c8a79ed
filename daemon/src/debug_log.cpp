#include "sentryd/debug_log.hpp"

#include "sentryd/ascii.hpp"

#include <mics/paths.hpp>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sentryd {

using nlohmann::json;

namespace detail {
bool g_debug_log_on = false;
}

namespace {

constexpr FilterType kTypes[] = {FilterType::device_id,    FilterType::device_ip,    FilterType::user_id,
                                 FilterType::bundle_id,    FilterType::service_name, FilterType::config_uuid};
constexpr LogSide kSides[] = {LogSide::device, LogSide::server, LogSide::both};

struct File {
    std::string path;
    int fd = -1;
    std::uint64_t size = 0;

    void close() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    bool open() {
        if (fd >= 0) return true;
        if (path.empty()) path = mics::paths_from_env().log() + "/sentryd-debug.log";
        // 0600: from level 3 on it holds mail content.
        fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0) return false;
        ::fchmod(fd, 0600);
        struct stat st{};
        size = ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
        return true;
    }
};

File& file() {
    static File f;
    return f;
}

bool valid_word(std::string_view s, std::size_t max) {
    if (s.empty() || s.size() > max) return false;
    for (unsigned char c : s)
        if (c <= 0x20 || c == 0x7f) return false;
    return true;
}

bool parse_type(std::string_view name, FilterType& t) {
    for (FilterType k : kTypes)
        if (name == filter_type_name(k)) return t = k, true;
    return false;
}

bool parse_side(std::string_view name, LogSide& s) {
    for (LogSide k : kSides)
        if (name == log_side_name(k)) return s = k, true;
    return false;
}

std::string str(const json& a, const char* key) {
    auto it = a.find(key);
    return it != a.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Adds one filter after the checks every path shares (log.filter, log.set).
bool add_filter(DebugLogSettings& s, const json& f, std::string& message) {
    DebugFilter df;
    df.tag = str(f, "tag");
    df.value = str(f, "value");
    if (!valid_word(df.tag, kMaxDebugTag))
        return message = "tag: 1 to " + std::to_string(kMaxDebugTag) + " printable characters, no spaces", false;
    if (!valid_word(df.value, kMaxDebugValue))
        return message = "value: 1 to " + std::to_string(kMaxDebugValue) + " printable characters, no spaces",
               false;
    if (!parse_type(str(f, "type"), df.type)) return message = "type: not a filter type", false;
    if (f.contains("enabled") && f["enabled"].is_boolean()) df.enabled = f["enabled"].get<bool>();
    for (const auto& x : s.filters)
        if (x.tag == df.tag && x.type == df.type && x.value == df.value) return true;  // already there
    if (s.filters.size() >= kMaxDebugFilters)
        return message = "at most " + std::to_string(kMaxDebugFilters) + " filters", false;
    s.filters.push_back(std::move(df));
    return true;
}

bool set_verbosity(DebugLogSettings& s, const json& a, std::string& message) {
    auto it = a.find("verbosity");
    if (it == a.end() || !it->is_number_integer() || *it < 1 || *it > 4)
        return message = "verbosity: 1 to 4", false;
    s.verbosity = it->get<int>();
    return true;
}

}  // namespace

const char* filter_type_name(FilterType t) {
    switch (t) {
    case FilterType::device_id: return "device-id";
    case FilterType::device_ip: return "device-ip";
    case FilterType::user_id: return "user-id";
    case FilterType::bundle_id: return "bundle-id";
    case FilterType::service_name: return "service-name";
    case FilterType::config_uuid: return "config-uuid";
    }
    return "";
}

const char* log_side_name(LogSide s) {
    switch (s) {
    case LogSide::device: return "device";
    case LogSide::server: return "server";
    case LogSide::both: return "both";
    }
    return "both";
}

bool debug_filter_match(const DebugLogSettings& s, const RequestIdentity& r) {
    bool any = false;
    for (const auto& f : s.filters) {
        if (!f.enabled) continue;
        any = true;
        std::string_view v;
        switch (f.type) {
        case FilterType::device_id: v = r.device_id; break;
        case FilterType::device_ip: v = r.device_ip; break;
        case FilterType::user_id: v = r.user_id; break;
        case FilterType::service_name: v = r.service_name; break;
        case FilterType::bundle_id:
        case FilterType::config_uuid: continue;  // app-tunnel attributes; an ActiveSync request has none
        }
        if (!v.empty() && v == f.value) return true;
    }
    return !any;
}

std::string debug_log_state_json(const DebugLogSettings& s) {
    json filters = json::array();
    for (const auto& f : s.filters)
        filters.push_back({{"tag", f.tag}, {"type", filter_type_name(f.type)}, {"value", f.value}, {"enabled", f.enabled}});
    return json{{"enabled", s.enabled},
                {"log_from_to", log_side_name(s.side)},
                {"verbosity", s.verbosity},
                {"filters", filters}}
        .dump(-1, ' ', false, json::error_handler_t::replace);
}

bool handle_debug_log_op(DebugLogSettings& s, const std::string& op, std::string_view args_json, std::string& data,
                         std::string& code, std::string& message) {
    if (op.rfind("log.", 0) != 0) return false;
    json a = args_json.empty() ? json::object() : json::parse(args_json, nullptr, false);
    if (!a.is_object()) a = json::object();
    DebugLogSettings next = s;  // edits are all or nothing
    bool ok = true;
    if (op == "log.get") {
    } else if (op == "log.enable") {
        next.enabled = true;
        std::string side = str(a, "log_from_to");
        if (!side.empty() && !parse_side(side, next.side)) ok = false, message = "log_from_to: device, server or both";
        if (side.empty()) next.side = LogSide::both;
    } else if (op == "log.disable") {
        next.enabled = false;
    } else if (op == "log.verbosity") {
        ok = set_verbosity(next, a, message);
    } else if (op == "log.filter") {
        ok = add_filter(next, a, message);
    } else if (op == "log.filter_remove") {
        std::string tag = str(a, "tag");
        if (!valid_word(tag, kMaxDebugTag)) {
            ok = false, message = "tag: 1 to " + std::to_string(kMaxDebugTag) + " printable characters, no spaces";
        } else {
            std::erase_if(next.filters, [&](const DebugFilter& f) { return f.tag == tag; });
            if (next.filters.size() == s.filters.size()) ok = false, code = "not_found", message = "no filter with tag " + tag;
        }
    } else if (op == "log.set") {
        next = DebugLogSettings{};
        next.enabled = a.value("enabled", false);
        std::string side = str(a, "log_from_to");
        if (!side.empty() && !parse_side(side, next.side)) ok = false, message = "log_from_to: device, server or both";
        if (ok && a.contains("verbosity")) ok = set_verbosity(next, a, message);
        if (ok && a.contains("filters")) {
            if (!a["filters"].is_array()) ok = false, message = "filters: an array";
            for (const auto& f : ok ? a["filters"] : json::array())
                if (!(ok = f.is_object() && add_filter(next, f, message))) break;
        }
    } else {
        return false;
    }
    if (!ok) {
        if (code.empty()) code = "invalid";
        return true;
    }
    s = std::move(next);
    data = debug_log_state_json(s);
    return true;
}

DebugLogSettings& debug_log_settings() {
    static DebugLogSettings s;
    return s;
}

void debug_log_settings_changed() {
    const auto& s = debug_log_settings();
    detail::g_debug_log_on = s.enabled;
    if (!s.enabled) file().close();  // nothing held open while off
}

void debug_log_path(std::string path) {
    file().close();
    file().path = std::move(path);
}

void debug_log_write(std::string_view text) {
    File& f = file();
    if (!f.open()) return;
    if (f.size + text.size() > kDebugLogMaxBytes && f.size > 0) {
        f.close();
        std::rename(f.path.c_str(), (f.path + ".1").c_str());
        if (!f.open()) return;
    }
    // The file is local and small writes to it do not block for long; a
    // debug log is off in normal operation.
    ssize_t n = ::write(f.fd, text.data(), text.size());
    if (n > 0) f.size += static_cast<std::uint64_t>(n);
}

bool is_masked_header(std::string_view name) {
    return iequals(name, "authorization") || iequals(name, "proxy-authorization") || iequals(name, "cookie") ||
           iequals(name, "set-cookie");
}

void append_debug_header(std::string& out, std::string_view name, std::string_view value) {
    out.append("  ").append(name).append(": ");
    if (is_masked_header(name)) {
        // The scheme tells a reader what kind of credential it was; the rest never shows.
        bool auth = (name.back() | 0x20) == 'n';  // *authorization, not *cookie
        auto sp = value.find(' ');
        if (auth && sp != std::string_view::npos && sp < 16) out.append(value.substr(0, sp)).append(" ");
        out.append("********\n");
        return;
    }
    for (char c : value) out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
    out.push_back('\n');
}

void append_debug_body(std::string& out, std::string_view body, bool wbxml, int verbosity) {
    if (verbosity < 3 || body.empty()) return;
    std::size_t limit = verbosity >= 4 ? kDebugBodyLevel4 : kDebugBodyLevel3;
    std::string_view shown = body.substr(0, limit);
    static const char* hex = "0123456789abcdef";
    if (wbxml) {
        for (std::size_t i = 0; i < shown.size(); ++i) {
            if (i % 32 == 0) out.append(i ? "\n  " : "  ");
            unsigned char c = static_cast<unsigned char>(shown[i]);
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xf]);
        }
        out.push_back('\n');
    } else {
        out.append("  ");
        for (char c : shown) {
            unsigned char u = static_cast<unsigned char>(c);
            if (c == '\n') {
                out.append("\n  ");
            } else if (u < 0x20 || u == 0x7f) {
                out.append("\\x").push_back(hex[u >> 4]);
                out.push_back(hex[u & 0xf]);
            } else {
                out.push_back(c);
            }
        }
        out.push_back('\n');
    }
    if (shown.size() < body.size())
        out.append("  [body cut: " + std::to_string(shown.size()) + " of " + std::to_string(body.size()) +
                   " bytes shown]\n");
}

}  // namespace sentryd
