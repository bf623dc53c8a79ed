#include "sentryd/audit_record.hpp"

#include <charconv>
#include <ctime>
#include <random>

namespace sentryd {

namespace {

std::uint64_t splitmix64(std::uint64_t& s) {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void append_hex(std::string& out, std::uint64_t v, int digits) {
    static const char* hex = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; --i) out.push_back(hex[(v >> (i * 4)) & 0xf]);
}

void append_int(std::string& out, long long v) {
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// Length of the valid UTF-8 sequence at s[i], or 0.
std::size_t utf8_len(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    std::size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((b(i + k) & 0xc0) != 0x80) return 0;
    if (n == 3 && ((c == 0xe0 && b(i + 1) < 0xa0) || (c == 0xed && b(i + 1) >= 0xa0))) return 0;  // overlong, surrogate
    if (n == 4 && ((c == 0xf0 && b(i + 1) < 0x90) || (c == 0xf4 && b(i + 1) >= 0x90))) return 0;
    return n;
}

void field(std::string& out, std::string_view key, std::string_view value) {
    out.append(",\"").append(key).append("\":\"");
    append_json_escaped(out, value);
    out.push_back('"');
}

void number(std::string& out, std::string_view key, long long value) {
    out.append(",\"").append(key).append("\":");
    append_int(out, value);
}

// The fields both records start with, in the examples' order.
void head(std::string& out, const AuditSubject& s, const Guid& usecase, std::string_view type, bool with_type) {
    out.append("{\"usecaseId\":\"");
    append_guid(out, 'U', usecase);
    out.append("\",\"entryType\":\"").append(type).push_back('"');
    field(out, "userId", s.user);
    field(out, "deviceId", s.device_id);
    if (with_type) field(out, "deviceType", s.device_type);
    out.append(",\"serviceType\":\"ACTIVE_SYNC\"");
    if (!s.service_name.empty()) field(out, "serviceName", s.service_name);
    out.append(",\"clientHost\":\"/");
    append_json_escaped(out, s.client_ip);
    out.push_back('"');
    number(out, "clientPort", s.client_port);
}

void stamp(std::string& out, const Guid& entry, std::int64_t now) {
    out.append(",\"publishTime\":\"");
    append_publish_time(out, now);
    out.append("\",\"entryId\":\"");
    append_guid(out, 'E', entry);
    out.push_back('"');
}

}  // namespace

Guid next_guid() {
    thread_local std::uint64_t state = [] {
        std::random_device rd;
        return (std::uint64_t(rd()) << 32) ^ rd();
    }();
    Guid g{splitmix64(state), splitmix64(state)};
    g.hi = (g.hi & ~0xf000ULL) | 0x4000ULL;                        // version 4
    g.lo = (g.lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
    return g;
}

void append_guid(std::string& out, char prefix, const Guid& g) {
    // Into a local buffer, then one append: three ids per request.
    static const char* hex = "0123456789abcdef";
    char buf[38];
    buf[0] = prefix;
    buf[1] = '-';
    char* p = buf + 2;
    auto digits = [&](std::uint64_t v, int n) {
        for (int i = n - 1; i >= 0; --i) *p++ = hex[(v >> (i * 4)) & 0xf];
    };
    digits(g.hi >> 32, 8);
    *p++ = '-';
    digits((g.hi >> 16) & 0xffff, 4);
    *p++ = '-';
    digits(g.hi & 0xffff, 4);
    *p++ = '-';
    digits(g.lo >> 48, 4);
    *p++ = '-';
    digits(g.lo & 0xffffffffffffULL, 12);
    out.append(buf, sizeof buf);
}

void append_json_escaped(std::string& out, std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        // Runs of plain ASCII (the normal case) go in one append.
        std::size_t run = i;
        while (run < s.size()) {
            unsigned char u = static_cast<unsigned char>(s[run]);
            if (u < 0x20 || u >= 0x7f || u == '"' || u == '\\') break;
            ++run;
        }
        if (run > i) {
            out.append(s.data() + i, run - i);
            i = run;
            if (i == s.size()) break;
        }
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            std::size_t n = utf8_len(s, i);
            if (n == 0) {
                out.append("\xef\xbf\xbd");
                ++i;
            } else {
                out.append(s.data() + i, n);
                i += n;
            }
            continue;
        }
        ++i;
        switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
            if (c < 0x20 || c == 0x7f) {
                out.append("\\u00");
                append_hex(out, c, 2);
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
    }
}

void append_publish_time(std::string& out, std::int64_t unix_time) {
    // One gmtime per second, not per record.
    thread_local std::int64_t cached_at = -1;
    thread_local char cached[32];
    thread_local std::size_t cached_len = 0;
    if (unix_time != cached_at) {
        std::time_t t = static_cast<std::time_t>(unix_time);
        std::tm tm{};
        gmtime_r(&t, &tm);
        cached_len = std::strftime(cached, sizeof cached, "%m/%d/%Y ", &tm);
        char* p = cached + cached_len;
        p = std::to_chars(p, cached + sizeof cached, tm.tm_hour).ptr;
        cached_len = static_cast<std::size_t>(p - cached);
        cached_len += std::strftime(p, cached + sizeof cached - p, ":%M:%S", &tm);
        cached_at = unix_time;
    }
    out.append(cached, cached_len);
}

const char* audit_action_name(AuditAction a) {
    switch (a) {
    case AuditAction::allow: return "ALLOW";
    case AuditAction::block: return "BLOCK";
    case AuditAction::none: return "NONE";
    }
    return "NONE";
}

void render_audit_request(std::string& out, const AuditSubject& s, const Guid& usecase, const Guid& entry,
                          std::int64_t now, const AuditRequest& r) {
    head(out, s, usecase, "REQUEST", true);
    stamp(out, entry, now);
    if (!r.server_host.empty()) {  // where the guide's example has them
        field(out, "serverHost", r.server_host);
        number(out, "serverPort", r.server_port);
    }
    field(out, "requestUrl", r.url);
    field(out, "httpMethod", r.method);
    if (!r.forwarded_for.empty()) field(out, "forwardedFor", r.forwarded_for);
    out.append(",\"action\":\"").append(audit_action_name(r.action)).append("\"}");
}

void render_audit_response(std::string& out, const AuditSubject& s, const Guid& usecase, const Guid& entry,
                           std::int64_t now, const AuditResponse& r) {
    head(out, s, usecase, "RESPONSE", false);
    stamp(out, entry, now);
    if (!r.server_host.empty()) {
        field(out, "serverHost", r.server_host);
        number(out, "serverPort", r.server_port);
    }
    if (!r.sentry_host.empty()) field(out, "sentryHost", r.sentry_host);
    number(out, "sentryPort", r.sentry_port);
    if (!r.sentry_address.empty()) field(out, "sentryAddress", r.sentry_address);
    out.append(",\"httpStatus\":\"");
    append_int(out, r.status);
    out.push_back('"');
    if (!r.result.empty()) field(out, "result", r.result);
    out.push_back('}');
}

}  // namespace sentryd
