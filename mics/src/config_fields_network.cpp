// Network subtree: static routes, DNS name servers and domain, NTP servers
// (spec §2.14, rendered in the order of §3.1).
#include "config_fields.hpp"

#include <algorithm>
#include <cctype>

namespace micsd::model {

namespace {

// A route key "network/mask" as two numbers, or nullopt.
std::optional<std::pair<std::uint32_t, std::uint32_t>> route_key(const std::string& key) {
    auto slash = key.find('/');
    if (slash == std::string::npos) return std::nullopt;
    auto net = ipv4(key.substr(0, slash)), mask = ipv4(key.substr(slash + 1));
    if (!net || !mask) return std::nullopt;
    return std::make_pair(*net, *mask);
}

std::string check_route_key(const std::string& key) {
    auto slash = key.find('/');
    if (slash == std::string::npos) return "key must be <network>/<netmask>";
    std::string n = key.substr(0, slash), m = key.substr(slash + 1);
    auto net = ipv4(n);
    if (!net) return "network " + n + " is not an IPv4 address";
    auto mask = ipv4(m);
    if (!mask) return "netmask " + m + " is not an IPv4 address";
    std::uint32_t inv = ~*mask;
    if ((inv & (inv + 1)) != 0) return "netmask " + m + " is not contiguous";
    if ((*net & inv) != 0) return "network " + n + " has host bits set for netmask " + m;
    return {};
}

}  // namespace

void add_network_fields(std::vector<Field>& v) {
    v.push_back({{"ip.route", "string", "Static IPv4 routes: [network/netmask] -> gateway", std::string(), true},
                 0, 0,
                 [](const Value& x) {
                     return ipv4(std::get<std::string>(x)) ? std::string()
                                                            : std::string("gateway must be an IPv4 address");
                 },
                 nullptr});
    v.back().key_check = check_route_key;
    v.back().render_entry = [](const std::string& k, const Value& x) {
        auto slash = k.find('/');
        return "ip route " + k.substr(0, slash) + " " + k.substr(slash + 1) + " " + std::get<std::string>(x);
    };
    v.back().parse_entry = [](const std::vector<std::string>& w) -> std::optional<std::pair<std::string, Value>> {
        if (!words_are(w, {"ip", "route", nullptr, nullptr, nullptr}, 5)) return std::nullopt;
        return std::make_pair(w[2] + "/" + w[3], Value(w[4]));
    };
    v.back().key_less = [](const std::string& a, const std::string& b) {
        auto ka = route_key(a), kb = route_key(b);
        if (ka && kb) return *ka < *kb;
        return a < b;
    };
    v.back().max_entries = 64;

    v.push_back({{"dns.server", "string", "DNS name servers: [0] preferred, [1]-[2] alternates", std::string(),
                  true},
                 0, 0,
                 [](const Value& x) {
                     return ipv4(std::get<std::string>(x)) ? std::string()
                                                            : std::string("must be an IPv4 address");
                 },
                 nullptr});
    v.back().key_check = [](const std::string& k) { return check_index(k, 0, 2); };
    v.back().render_entry = [](const std::string& k, const Value& x) {
        return "ip name-server " + std::get<std::string>(x) + " " + k;
    };
    v.back().parse_entry = [](const std::vector<std::string>& w) -> std::optional<std::pair<std::string, Value>> {
        if (!words_are(w, {"ip", "name-server", nullptr, nullptr}, 4)) return std::nullopt;
        return std::make_pair(w[3], Value(w[2]));
    };

    v.push_back({{"dns.domain", "string", "Default DNS domain", std::string("")},
                 0, 0,
                 [](const Value& x) {
                     return valid_hostname(std::get<std::string>(x))
                                ? std::string()
                                : std::string("must be a domain name of letters, digits, '-' and '.' (max 253)");
                 },
                 [](const Value& x) { return "ip domain-name " + std::get<std::string>(x); }});
    v.back().parse = [](const std::vector<std::string>& w) -> std::optional<Value> {
        if (!words_are(w, {"ip", "domain-name", nullptr}, 3)) return std::nullopt;
        return w[2];
    };

    v.push_back({{"ntp.server", "string", "NTP servers: [1] primary, [2] secondary, [3] tertiary", std::string(),
                  true},
                 0, 0,
                 [](const Value& x) {
                     const auto& s = std::get<std::string>(x);
                     bool dotted_digits = std::all_of(s.begin(), s.end(), [](char ch) {
                         return ch == '.' || std::isdigit(static_cast<unsigned char>(ch));
                     });
                     bool ok = dotted_digits ? ipv4(s).has_value() : valid_hostname(s);
                     return ok ? std::string() : std::string("must be an IPv4 address or a host name");
                 },
                 nullptr});
    v.back().key_check = [](const std::string& k) { return check_index(k, 1, 3); };
    v.back().render_entry = [](const std::string& k, const Value& x) {
        return "ntp " + std::get<std::string>(x) + " " + k;
    };
    v.back().parse_entry = [](const std::vector<std::string>& w) -> std::optional<std::pair<std::string, Value>> {
        if (!words_are(w, {"ntp", nullptr, nullptr}, 3)) return std::nullopt;
        return std::make_pair(w[2], Value(w[1]));
    };
}

}  // namespace micsd::model
