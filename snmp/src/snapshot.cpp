#include "snapshot.hpp"

#include "mics/version.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

namespace sentry::snmp {

using nlohmann::json;

namespace {

std::string string_field(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return {};
    return it->get<std::string>();
}

bool all_hex(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

std::string display_string(std::string s) {
    if (s.size() > kDisplayStringMax) s.resize(kDisplayStringMax);
    return s;
}

}  // namespace

std::optional<HelloInfo> parse_hello(std::string_view data_json, std::string* err) {
    auto fail = [&](std::string why) -> std::optional<HelloInfo> {
        if (err) *err = std::move(why);
        return std::nullopt;
    };
    json j = json::parse(data_json, nullptr, false);
    if (j.is_discarded()) return fail("hello reply is not JSON");
    if (!j.is_object()) return fail("hello reply is not an object");
    auto up = j.find("uptime_s");
    if (up == j.end()) return fail("hello reply lacks uptime_s");
    HelloInfo h;
    if (up->is_number_unsigned()) {
        h.uptime_s = up->get<std::uint64_t>();
    } else if (up->is_number_integer() || up->is_number_float()) {
        // MICS may send a float; negative uptime means a broken peer.
        double v = up->get<double>();
        if (v < 0) return fail("hello uptime_s is negative");
        h.uptime_s = static_cast<std::uint64_t>(v);
    } else {
        return fail("hello uptime_s is not a number");
    }
    h.product = string_field(j, "product");
    h.version = string_field(j, "version");
    h.git = string_field(j, "git");
    h.build_date = string_field(j, "build_date");
    h.hostname = string_field(j, "hostname");
    return h;
}

std::string format_version(std::string_view version, std::string_view git) {
    std::string_view rev;
    if (!git.empty() && git != "unknown") {
        // `git describe --tags` gives "<tag>-<n>-g<hash>[-dirty]": keep from "g".
        auto pos = git.rfind("-g");
        if (pos != std::string_view::npos) {
            std::string_view tail = git.substr(pos + 2);
            std::string_view hash = tail.substr(0, tail.find('-'));
            if (all_hex(hash)) rev = git.substr(pos + 1);
        }
        if (rev.empty()) rev = git;
    }
    if (rev.empty()) return std::string(version);
    // A bare hash (with or without -dirty) gets git's usual "g" prefix.
    std::string_view hash = rev.substr(0, rev.find('-'));
    std::string r = all_hex(hash) ? "g" + std::string(rev) : std::string(rev);
    if (version.empty()) return r;
    return std::string(version) + " (" + r + ")";
}

std::uint32_t to_timeticks(std::uint64_t seconds) {
    return static_cast<std::uint32_t>(seconds * 100u);  // mod 2^32 by design
}

Snapshot initial_snapshot() {
    Snapshot s;
    s.product = mics::kProductName;
    s.version = format_version(mics::kVersion, mics::kGitDescribe);
    s.build_date = mics::kBuildDate;
    return s;
}

void apply_hello(Snapshot& s, const HelloInfo& h) {
    if (!h.product.empty()) s.product = h.product;
    if (!h.version.empty() || !h.git.empty()) s.version = format_version(h.version, h.git);
    if (!h.build_date.empty()) s.build_date = h.build_date;
    if (!h.hostname.empty()) s.hostname = h.hostname;
    s.mics_uptime_s = h.uptime_s;
}

std::optional<ScalarValue> system_value(const Snapshot& s, oid_t col) {
    ScalarValue v;
    v.type = ScalarType::display_string;
    switch (col) {
    case kColProductName: v.text = display_string(s.product); break;
    case kColVersion: v.text = display_string(s.version); break;
    case kColBuildDate: v.text = display_string(s.build_date); break;
    case kColHostname: v.text = display_string(s.hostname); break;
    default: return std::nullopt;
    }
    return v;
}

std::optional<ScalarValue> mics_value(const Snapshot& s, oid_t col) {
    ScalarValue v;
    switch (col) {
    case kColMicsUptime:
        v.type = ScalarType::time_ticks;
        v.number = to_timeticks(s.mics_uptime_s);
        break;
    case kColMicsReachable:
        v.type = ScalarType::truth_value;
        v.number = s.mics_reachable ? 1 : 2;  // TruthValue: true(1), false(2)
        break;
    default: return std::nullopt;
    }
    return v;
}

}  // namespace sentry::snmp
