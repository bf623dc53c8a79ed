// Sentry subtree: ActiveSync services, back-end pools, proxy timeouts and the
// device-policy settings pushed to sentryd (docs/sentryd-config.md). Grammar
// and decisions: docs/activesync-config.md.
//
// Global settings are scalars. Per-service settings are keyed families
// "activesync.service.<setting>[<service>]" with a per-entry default (absent
// = default); `activesync.service[<name>]` records that a service other than
// `default` exists. A service exists when any of its entries does; `default`
// always exists. Every line is flat: `sentry activesync service NAME ...`.
#include "config_fields.hpp"
#include "sentryd_snapshot.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <charconv>
#include <set>

namespace micsd::model {

namespace {

const std::string kSvc = "sentry activesync service ";

// Service names: spec §5.2 (none of / ; ? * < > " or space), 1-64 characters;
// also printable ASCII only and no [ ] (they delimit the key in a path).
std::string check_service_name(const std::string& k) {
    if (k.empty() || k.size() > 64) return "service name must be 1-64 characters";
    for (char ch : k) {
        if (ch <= 0x20 || ch >= 0x7f) return "service name must be printable characters without spaces";
        if (std::string("/;?*<>\"[]").find(ch) != std::string::npos)
            return std::string("service name must not contain '") + ch + "' (none of / ; ? * < > \" [ ] or space)";
    }
    return {};
}

// Services first by name, `default` first of all.
bool service_less(const std::string& a, const std::string& b) {
    if (a == b) return false;
    if (a == "default") return true;
    if (b == "default") return false;
    return a < b;
}

std::vector<std::string> all_services(const Config& c) { return activesync::service_names(c); }

std::string check_servers(const Value& x) {
    std::string why;
    activesync::parse_servers(std::get<std::string>(x), 443, &why);
    return why;
}

std::string check_hosts(const Value& x) {
    std::string why;
    activesync::parse_hosts(std::get<std::string>(x), &why);
    return why;
}

std::string check_emm_ips(const Value& x) {
    std::string why;
    activesync::parse_emm_ips(std::get<std::string>(x), &why);
    return why;
}

using Words = std::vector<std::string>;
using Entry = std::optional<std::pair<std::string, Value>>;

// A per-service family. `words` is the setting's keywords after
// "sentry activesync service NAME"; the value (if any) is the last word.
Field service_field(const std::string& path, const char* type, const char* help, Value def) {
    Field f;
    f.info = {path, type, help, std::move(def), true};
    f.key_check = check_service_name;
    f.key_less = service_less;
    f.keys_all = all_services;
    return f;
}

// Boolean per-service setting: true renders "sentry activesync service N kw",
// false "no sentry activesync service N kw".
void add_service_bool(std::vector<Field>& v, const std::string& path, const char* help, bool def,
                      std::vector<std::string> kw) {
    Field f = service_field(path, "bool", help, def);
    std::string text;
    for (const auto& k : kw) text += " " + k;
    f.render_entry = [text](const std::string& k, const Value& x) {
        return (std::get<bool>(x) ? "" : "no ") + kSvc + k + text;
    };
    f.parse_entry = [kw](const Words& w) -> Entry {
        bool neg = !w.empty() && w[0] == "no";
        std::size_t o = neg ? 1 : 0;
        if (w.size() != o + 4 + kw.size()) return std::nullopt;
        if (w[o] != "sentry" || w[o + 1] != "activesync" || w[o + 2] != "service") return std::nullopt;
        for (std::size_t i = 0; i < kw.size(); ++i)
            if (w[o + 4 + i] != kw[i]) return std::nullopt;
        return std::make_pair(w[o + 3], Value(!neg));
    };
    v.push_back(std::move(f));
}

// Valued per-service setting: "sentry activesync service N kw... VALUE".
void add_service_value(std::vector<Field>& v, Field f, std::vector<std::string> kw) {
    std::string text;
    for (const auto& k : kw) text += " " + k;
    bool is_int = f.info.type == "int";
    f.render_entry = [text, is_int](const std::string& k, const Value& x) {
        return kSvc + k + text + " " + (is_int ? std::to_string(std::get<long long>(x)) : std::get<std::string>(x));
    };
    f.parse_entry = [kw, is_int](const Words& w) -> Entry {
        if (w.size() != 5 + kw.size()) return std::nullopt;
        if (w[0] != "sentry" || w[1] != "activesync" || w[2] != "service") return std::nullopt;
        for (std::size_t i = 0; i < kw.size(); ++i)
            if (w[4 + i] != kw[i]) return std::nullopt;
        const std::string& val = w.back();
        return std::make_pair(w[3], is_int ? int_or_word(val) : Value(val));
    };
    v.push_back(std::move(f));
}

void add_service_int(std::vector<Field>& v, const std::string& path, const char* help, long long def, long long lo,
                     long long hi, std::vector<std::string> kw) {
    Field f = service_field(path, "int", help, def);
    f.min = lo;
    f.max = hi;
    add_service_value(v, std::move(f), std::move(kw));
}

// Scalar bool rendered as "LINE" / "no LINE".
void add_flag(std::vector<Field>& v, const std::string& path, const char* help, bool def, std::string line) {
    v.push_back({{path, "bool", help, def}, 0, 0, nullptr, [line](const Value& x) {
                     return (std::get<bool>(x) ? "" : "no ") + line;
                 }});
    v.back().parse = [line](const Words& w) -> std::optional<Value> {
        std::string joined;
        bool neg = !w.empty() && w[0] == "no";
        for (std::size_t i = neg ? 1 : 0; i < w.size(); ++i) joined += (joined.empty() ? "" : " ") + w[i];
        if (joined != line) return std::nullopt;
        return Value(!neg);
    };
}

void add_timeout(std::vector<Field>& v, const char* name, const char* help, long long def) {
    std::string kw = name;
    v.push_back({{"sentry.timeout." + kw + "_ms", "int", help, def}, 1, 3600000, nullptr,
                 [kw](const Value& x) { return "sentry timeout " + kw + " " + std::to_string(std::get<long long>(x)); }});
    v.back().parse = [kw](const Words& w) -> std::optional<Value> {
        if (!words_are(w, {"sentry", "timeout", kw.c_str(), nullptr}, 4)) return std::nullopt;
        return int_or_word(w[3]);
    };
}

}  // namespace

void add_sentry_fields(std::vector<Field>& v) {
    // ---- global ActiveSync ---------------------------------------------------
    // On by default (spec §5.2 says off): the proxy is the appliance's purpose,
    // and without servers a device gets 503 either way (docs/activesync-config.md).
    add_flag(v, "activesync.enabled", "ActiveSync proxy on (off: every ActiveSync request gets 503)", true,
             "sentry activesync enable");
    v.push_back({{"activesync.all_dead", "string",
                  "When every server of a service is dead: try-anyway (the one dead longest) or reject (503)",
                  std::string("try-anyway")},
                 0, 0,
                 [](const Value& x) {
                     const auto& s = std::get<std::string>(x);
                     return s == "try-anyway" || s == "reject" ? std::string()
                                                               : std::string("must be try-anyway or reject");
                 },
                 [](const Value& x) { return "sentry activesync all-dead " + std::get<std::string>(x); }});
    v.back().parse = [](const Words& w) -> std::optional<Value> {
        if (!words_are(w, {"sentry", "activesync", "all-dead", nullptr}, 4)) return std::nullopt;
        return w[3];
    };

    // ---- services ------------------------------------------------------------
    {
        Field f;
        f.info = {"activesync.service", "bool", "ActiveSync services other than default: [name] -> true", false, true};
        f.key_check = [](const std::string& k) {
            if (k == "default") return std::string("the default service always exists and cannot be added or deleted");
            return check_service_name(k);
        };
        f.check = [](const Value& x) {
            return std::get<bool>(x) ? std::string() : std::string("store only true; delete the entry instead");
        };
        f.key_less = service_less;
        f.render_entry = [](const std::string& k, const Value&) { return kSvc + k; };
        f.parse_entry = [](const Words& w) -> Entry {
            if (!words_are(w, {"sentry", "activesync", "service", nullptr}, 4)) return std::nullopt;
            return std::make_pair(w[3], Value(true));
        };
        f.max_entries = 64;
        v.push_back(std::move(f));
    }
    {
        Field f = service_field("activesync.service.servers", "string",
                                "Back-end servers of a service: [name] -> host[:port];... (at most 4000 characters)",
                                std::string());
        f.keys_all = nullptr;  // no servers is not a value worth listing
        f.check = check_servers;
        add_service_value(v, std::move(f), {"servers"});
    }
    {
        Field f = service_field("activesync.service.hosts", "string",
                                "Host header names that select a service: [name] -> host;... (none: the service name)",
                                std::string());
        f.keys_all = nullptr;
        f.check = check_hosts;
        add_service_value(v, std::move(f), {"hosts"});
    }
    add_service_bool(v, "activesync.service.tls", "Back ends of a service speak TLS (Enable Server TLS)", true,
                     {"server-tls"});
    add_service_bool(v, "activesync.service.verify",
                     "Verify the back end's certificate and host name (system trust store)", false, {"server-verify"});
    add_service_bool(v, "activesync.service.redirect_451",
                     "Follow 451 + X-MS-Location itself (Enable Redirect Processing)", true, {"redirect-451"});
    {
        Field f = service_field("activesync.service.scheduling", "string",
                                "Server choice: priority (first live in list order) or round-robin",
                                std::string("priority"));
        f.check = [](const Value& x) {
            const auto& s = std::get<std::string>(x);
            return s == "priority" || s == "round-robin" ? std::string()
                                                         : std::string("must be priority or round-robin");
        };
        add_service_value(v, std::move(f), {"scheduling"});
    }
    add_service_bool(v, "activesync.service.health", "Background health check of a service's servers", true,
                     {"health-check"});
    add_service_int(v, "activesync.service.health.interval_s", "Seconds between health checks", 60, 10, 600,
                    {"health-check", "interval"});
    add_service_int(v, "activesync.service.health.live_threshold",
                    "Consecutive good checks before a dead server is live again", 3, 1, 10,
                    {"health-check", "live-threshold"});
    add_service_int(v, "activesync.service.health.dead_threshold",
                    "Failures within the failure window that mark a server dead", 3, 1, 1000,
                    {"health-check", "dead-threshold"});
    add_service_int(v, "activesync.service.health.failure_window_ms",
                    "Window in milliseconds for the dead threshold", 60000, 1, 86400000,
                    {"health-check", "failure-window"});
    add_service_int(v, "activesync.service.health.dead_time_ms",
                    "Milliseconds a dead server is skipped before it is retried", 60000, 1, 172800000,
                    {"health-check", "dead-time"});

    // ---- proxy timeouts (spec §5.4) -----------------------------------------
    add_timeout(v, "socket", "Idle read/write timeout on device and server sockets (ms)", 10000);
    add_timeout(v, "connect", "TCP + TLS connect timeout to a back end (ms)", 10000);
    add_timeout(v, "response", "Wait for the back end's response headers (ms; Ping is exempt)", 60000);
    add_timeout(v, "request", "Wait for a device request on a new or kept-alive connection (ms)", 10000);

    // ---- device access policy, logging, HSTS (spec §2.5, §5.5) ----------------
    add_flag(v, "sentry.emm_fail_open", "Allow new devices while the UEM is unreachable (fail-open)", true,
             "sentry emm-fail-open");
    v.push_back({{"sentry.emm_source_verify", "bool",
                  "Accept UEM management requests only from the addresses in sentry emm-ips", true},
                 0, 0, nullptr, [](const Value& x) {
                     return std::string("sentry emm-source-verify ") + (std::get<bool>(x) ? "true" : "false");
                 }});
    v.back().parse = [](const Words& w) -> std::optional<Value> {
        if (!words_are(w, {"sentry", "emm-source-verify", nullptr}, 3)) return std::nullopt;
        if (w[2] == "true") return Value(true);
        if (w[2] == "false") return Value(false);
        return w[2];  // the type check names the field
    };
    v.push_back({{"sentry.emm_ips", "string", "UEM source addresses/subnets trusted by emm-source-verify",
                  std::string("")},
                 0, 0, check_emm_ips,
                 [](const Value& x) { return "sentry emm-ips " + std::get<std::string>(x); }});
    v.back().parse = [](const Words& w) -> std::optional<Value> {
        if (w.size() < 3 || w[0] != "sentry" || w[1] != "emm-ips") return std::nullopt;
        std::string out;
        for (std::size_t i = 2; i < w.size(); ++i) out += (out.empty() ? "" : ",") + w[i];
        return Value(out);  // canonical: comma-separated (the check rejects empty items)
    };
    add_flag(v, "sentry.audit", "Produce audit log data (syslog facility audit)", true, "sentry audit");
    add_flag(v, "sentry.health_monitor", "Produce health-monitor log data", true, "sentry health-monitor");
    v.push_back({{"sentry.hsts", "bool", "Strict-Transport-Security header on the proxy's responses", true},
                 0, 0, nullptr,
                 [](const Value& x) { return std::string(std::get<bool>(x) ? "sentry hsts enable" : "no sentry hsts"); }});
    v.back().parse = [](const Words& w) -> std::optional<Value> {
        if (words_are(w, {"sentry", "hsts", "enable"}, 3)) return Value(true);
        if (words_are(w, {"no", "sentry", "hsts"}, 3)) return Value(false);
        return std::nullopt;
    };
}

}  // namespace micsd::model
