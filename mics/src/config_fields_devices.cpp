// Device access policy subtree (issue #8, spec §5.5): where the policy comes
// from (standalone rules or a UEM), the unregistered-device setting, the
// local rules, and the UEM connector. sentryd enforces it; MICS only types,
// validates and renders it. Grammar and decisions: docs/device-policy.md.
#include "config_fields.hpp"

#include <algorithm>
#include <charconv>

namespace micsd::model {

namespace {

using Words = std::vector<std::string>;

void bool_line(std::vector<Field>& v, const char* path, const char* help, bool def, std::string line) {
    v.push_back({{path, "bool", help, def}, 0, 0, nullptr,
                 [line](const Value& x) { return (std::get<bool>(x) ? "" : "no ") + line; }});
    v.back().parse = [line](const Words& w) -> std::optional<Value> {
        bool neg = !w.empty() && w[0] == "no";
        std::string joined;
        for (std::size_t i = neg ? 1 : 0; i < w.size(); ++i) joined += (joined.empty() ? "" : " ") + w[i];
        if (joined != line) return std::nullopt;
        return Value(!neg);
    };
}

void value_line(std::vector<Field>& v, const char* path, const char* type, const char* help, Value def,
                long long lo, long long hi, std::function<std::string(const Value&)> check, Words kw) {
    std::string prefix;
    for (const auto& k : kw) prefix += k + " ";
    bool is_int = std::string(type) == "int";
    v.push_back({{path, type, help, std::move(def)}, lo, hi, std::move(check), [prefix, is_int](const Value& x) {
                     return prefix + (is_int ? std::to_string(std::get<long long>(x)) : std::get<std::string>(x));
                 }});
    v.back().parse = [kw, is_int](const Words& w) -> std::optional<Value> {
        if (w.size() != kw.size() + 1 || !std::equal(kw.begin(), kw.end(), w.begin())) return std::nullopt;
        return is_int ? int_or_word(w.back()) : Value(w.back());
    };
}

// "ACTION FIELD PATTERN" of one rule; "" if well-formed, else why.
std::string check_rule(const Value& x) {
    const auto& s = std::get<std::string>(x);
    std::size_t a = s.find(' '), b = a == std::string::npos ? a : s.find(' ', a + 1);
    if (b == std::string::npos) return "must be ACTION FIELD PATTERN";
    std::string action = s.substr(0, a), field = s.substr(a + 1, b - a - 1), pattern = s.substr(b + 1);
    if (action != "allow" && action != "block" && action != "wipe") return "action must be allow, block or wipe";
    if (field != "device-id" && field != "user" && field != "device-type")
        return "match must be device-id, user or device-type";
    if (!printable_word(pattern, 128)) return "pattern must be 1-128 printable characters without spaces";
    return {};
}

bool seq_less(const std::string& a, const std::string& b) {
    long x = 0, y = 0;
    std::from_chars(a.data(), a.data() + a.size(), x);
    std::from_chars(b.data(), b.data() + b.size(), y);
    return x < y;
}

std::string check_uem_url(const Value& x) {
    const auto& s = std::get<std::string>(x);
    if (s.rfind("https://", 0) != 0) return "must start with https:// (the device list is never fetched in clear)";
    if (s.size() <= 8 || s.size() > 512) return "must be 9-512 characters";
    for (char c : s)
        if (c <= 0x20 || c >= 0x7f) return "must be printable characters without spaces";
    return {};
}

std::string check_token(const Value& x) {
    const auto& s = std::get<std::string>(x);
    return printable_word(s, 512) ? std::string() : std::string("must be 1-512 printable characters without spaces");
}

std::string check_path(const Value& x) {
    const auto& s = std::get<std::string>(x);
    if (s.empty() || s[0] != '/' || s.size() > 1024) return "must be an absolute path of at most 1024 characters";
    for (char c : s)
        if (c <= 0x20 || c >= 0x7f) return "must be printable characters without spaces";
    return {};
}

}  // namespace

void add_device_fields(std::vector<Field>& v) {
    // The UEM's address comes first: replaying running-config line by line
    // must never select the uem source before it has somewhere to go.
    value_line(v, "sentry.uem.url", "string", "Base URL of the UEM device API (https://host[:port]/path)",
               std::string(""), 0, 0, check_uem_url, {"sentry", "uem", "url"});
    value_line(v, "sentry.uem.token", "string", "Bearer token sentryd presents to the UEM (secret)", std::string(""),
               0, 0, check_token, {"sentry", "uem", "token"});
    value_line(v, "sentry.uem.ca_file", "string",
               "PEM file of CAs that sign the UEM's certificate (empty: the system trust store)", std::string(""), 0,
               0, check_path, {"sentry", "uem", "ca-file"});
    bool_line(v, "sentry.uem.verify", "Verify the UEM's certificate and host name", true,
              "sentry uem verify-certificate");
    value_line(v, "sentry.uem.poll_s", "int", "Seconds between delta polls (also the connectivity check)", 60LL, 10,
               3600, nullptr, {"sentry", "uem", "poll-interval"});
    value_line(v, "sentry.uem.resync_h", "int", "Hours between full resyncs of the device list", 12LL, 1, 168,
               nullptr, {"sentry", "uem", "resync-interval"});
    value_line(v, "sentry.device_policy.source", "string",
               "Where device decisions come from: standalone (local rules) or uem (the UEM's device list)",
               std::string("standalone"), 0, 0,
               [](const Value& x) {
                   const auto& s = std::get<std::string>(x);
                   return s == "standalone" || s == "uem" ? std::string() : std::string("must be standalone or uem");
               },
               {"sentry", "device-policy"});
    bool_line(v, "sentry.device_policy.auto_block", "Block devices no rule or UEM record admits (pending validation)",
              false, "sentry auto-block-unregistered");
    {
        Field f;
        f.info = {"sentry.device_rule", "string",
                  "Local device rules, first match in sequence order: [seq] -> ACTION FIELD PATTERN", Value(), true};
        // A sequence number 1-65535, canonical (no sign, no leading zero) so
        // one rule has one key.
        f.key_check = [](const std::string& k) {
            bool digits = !k.empty() && k.size() <= 5 && k[0] != '0' &&
                          std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; });
            if (digits && std::stol(k) <= 65535) return std::string();
            return "sequence " + k.substr(0, 16) + " is out of range 1-65535";
        };
        f.key_less = seq_less;
        f.check = check_rule;
        f.render_entry = [](const std::string& k, const Value& x) {
            return "sentry device-rule " + k + " " + std::get<std::string>(x);
        };
        f.parse_entry = [](const Words& w) -> std::optional<std::pair<std::string, Value>> {
            if (!words_are(w, {"sentry", "device-rule", nullptr, nullptr, nullptr, nullptr}, 6)) return std::nullopt;
            return std::make_pair(w[2], Value(w[3] + " " + w[4] + " " + w[5]));
        };
        f.max_entries = 4096;
        v.push_back(std::move(f));
    }
}

}  // namespace micsd::model
