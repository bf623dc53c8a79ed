#include "sentryd_snapshot.hpp"

#include "config_fields.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <charconv>
#include <map>
#include <set>

namespace micsd {

using nlohmann::json;

namespace activesync {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        auto at = s.find(sep, start);
        out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
        if (at == std::string::npos) return out;
        start = at + 1;
    }
}

std::string lower(std::string s) {
    for (char& ch : s) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

bool all_digits_dots(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char ch) { return ch == '.' || std::isdigit(static_cast<unsigned char>(ch)); });
}

// A host name, or (all digits and dots) a strict IPv4 address.
bool host_or_ipv4(const std::string& h) {
    return all_digits_dots(h) ? model::ipv4(h).has_value() : model::valid_hostname(h);
}

bool ipv6(const std::string& s) {
    in6_addr a{};
    return s.size() < 64 && ::inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

}  // namespace

std::vector<Server> parse_servers(const std::string& list, int default_port, std::string* why) {
    auto bad = [&](const std::string& w) {
        if (why) *why = w;
        return std::vector<Server>{};
    };
    if (list.empty()) return bad("the server list is empty");
    if (list.size() > 4000) return bad("the server list is longer than 4000 characters");
    std::vector<Server> out;
    std::set<std::pair<std::string, int>> seen;
    for (const std::string& item : split(list, ';')) {
        std::string at = "server " + std::to_string(out.size() + 1) + " '" + item.substr(0, 80) + "': ";
        if (item.empty()) return bad("server " + std::to_string(out.size() + 1) + " is empty (servers are separated by one ';')");
        Server s;
        std::string port;
        if (item[0] == '[') {  // [IPv6]:port
            auto close = item.find(']');
            if (close == std::string::npos) return bad(at + "missing ']' after the IPv6 address");
            s.host = item.substr(1, close - 1);
            if (!ipv6(s.host)) return bad(at + "not an IPv6 address");
            if (close + 1 < item.size()) {
                if (item[close + 1] != ':') return bad(at + "expected ':<port>' after ']'");
                port = item.substr(close + 2);
                if (port.empty()) return bad(at + "empty port");
            }
        } else {
            auto colon = item.find(':');
            s.host = item.substr(0, colon);
            if (colon != std::string::npos) {
                port = item.substr(colon + 1);
                if (port.empty()) return bad(at + "empty port");
            }
            if (!host_or_ipv4(s.host)) return bad(at + "not a host name or IPv4 address (IPv6: [address]:port)");
        }
        if (!port.empty()) {
            int p = 0;
            auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
            if (ec != std::errc() || end != port.data() + port.size() || p < 1 || p > 65535)
                return bad(at + "port " + port.substr(0, 16) + " is out of range 1-65535");
            s.port = p;
        }
        if (!seen.insert({lower(s.host), s.port ? s.port : default_port}).second) return bad(at + "listed twice");
        out.push_back(std::move(s));
        if (out.size() > 256) return bad("more than 256 servers");
    }
    return out;
}

std::vector<std::string> parse_hosts(const std::string& list, std::string* why) {
    std::vector<std::string> out;
    if (list.empty()) {
        if (why) *why = "the host list is empty";
        return {};
    }
    for (const std::string& h : split(list, ';')) {
        std::string at = "host " + std::to_string(out.size() + 1) + " '" + h.substr(0, 80) + "': ";
        if (!host_or_ipv4(h)) {
            if (why) *why = h.empty() ? "host " + std::to_string(out.size() + 1) + " is empty (hosts are separated by one ';')"
                                      : at + "not a host name or IPv4 address";
            return {};
        }
        if (std::find(out.begin(), out.end(), lower(h)) != out.end()) {
            if (why) *why = at + "listed twice";
            return {};
        }
        out.push_back(lower(h));
        if (out.size() > 64) {
            if (why) *why = "more than 64 host names";
            return {};
        }
    }
    return out;
}

std::vector<std::string> parse_emm_ips(const std::string& list, std::string* why) {
    std::vector<std::string> out;
    if (list.empty() || list.size() > 4000) {
        if (why) *why = "the address list must be 1-4000 characters";
        return {};
    }
    for (const std::string& item : split(list, ',')) {
        std::string at = "entry " + std::to_string(out.size() + 1) + " '" + item.substr(0, 80) + "': ";
        auto slash = item.find('/');
        std::string addr = item.substr(0, slash);
        bool v4 = model::ipv4(addr).has_value(), v6 = !v4 && ipv6(addr);
        std::string fail;
        if (item.empty()) fail = "entry " + std::to_string(out.size() + 1) + " is empty (separate entries with ',' or spaces)";
        else if (!v4 && !v6) fail = at + "not an IPv4 or IPv6 address";
        else if (slash != std::string::npos) {
            std::string len = item.substr(slash + 1);
            int n = -1, max = v4 ? 32 : 128;
            auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), n);
            if (len.empty() || ec != std::errc() || end != len.data() + len.size() || n < 0 || n > max)
                fail = at + "prefix length must be 0-" + std::to_string(max);
        }
        if (!fail.empty()) {
            if (why) *why = fail;
            return {};
        }
        out.push_back(item);
        if (out.size() > 256) {
            if (why) *why = "more than 256 entries";
            return {};
        }
    }
    return out;
}

std::vector<std::string> service_names(const Config& c) {
    static const std::string prefix = "activesync.service";
    std::set<std::string> names;
    for (auto it = c.values.lower_bound(prefix); it != c.values.end() && it->first.rfind(prefix, 0) == 0; ++it) {
        const std::string& p = it->first;
        auto open = p.find('[');
        if (open == std::string::npos || p.back() != ']') continue;
        names.insert(p.substr(open + 1, p.size() - open - 2));
    }
    names.erase("default");
    std::vector<std::string> out{"default"};
    out.insert(out.end(), names.begin(), names.end());
    return out;
}

}  // namespace activesync

namespace {

// Effective value of a per-service setting: its entry, else the family's default.
Value service_value(const Config& c, const std::string& family, const std::string& name) {
    auto it = c.values.find(family + "[" + name + "]");
    if (it != c.values.end()) return it->second;
    const FieldInfo* f = find_field(family);
    return f ? f->def : Value(std::string());
}

bool svc_bool(const Config& c, const std::string& fam, const std::string& n) { return std::get<bool>(service_value(c, fam, n)); }
long long svc_int(const Config& c, const std::string& fam, const std::string& n) {
    return std::get<long long>(service_value(c, fam, n));
}
std::string svc_str(const Config& c, const std::string& fam, const std::string& n) {
    return std::get<std::string>(service_value(c, fam, n));
}

bool get_bool(const Config& c, const std::string& path) { return std::get<bool>(get(c, path)); }

json build(const Config& c, std::string* why) {
    auto bad = [&](const std::string& w) {
        if (why) *why = w;
        return json();
    };
    json services = json::array();
    std::map<std::string, std::string> selects;  // Host header -> service
    auto names = activesync::service_names(c);
    if (names.size() > 64) return bad("activesync.service: at most 64 services");
    for (const auto& name : names) {
        bool tls = svc_bool(c, "activesync.service.tls", name);
        std::string why_list;
        json servers = json::array();
        if (std::string list = svc_str(c, "activesync.service.servers", name); !list.empty()) {
            auto parsed = activesync::parse_servers(list, tls ? 443 : 80, &why_list);
            if (parsed.empty()) return bad("activesync.service.servers[" + name + "]: " + why_list);
            for (const auto& s : parsed) servers.push_back({{"host", s.host}, {"port", s.port ? s.port : (tls ? 443 : 80)}});
        }
        // No Host header names: the service name itself, as the reference
        // product matches the Host header against the service name.
        std::vector<std::string> hosts;
        bool implicit = false;
        if (std::string list = svc_str(c, "activesync.service.hosts", name); !list.empty()) {
            hosts = activesync::parse_hosts(list, &why_list);
            if (hosts.empty()) return bad("activesync.service.hosts[" + name + "]: " + why_list);
        } else if (name != "default" && model::valid_hostname(name)) {
            std::string h = name;
            for (char& ch : h) ch = char(std::tolower(static_cast<unsigned char>(ch)));
            hosts.push_back(h);
            implicit = true;
        }
        for (const auto& h : hosts) {
            auto [it, fresh] = selects.emplace(h, name);
            if (!fresh)
                return bad(implicit ? "activesync.service[" + name + "]: its name " + h +
                                          " is already a Host header name of service " + it->second +
                                          " (give this service hosts of its own)"
                                    : "activesync.service.hosts[" + name + "]: " + h +
                                          " already selects service " + it->second);
        }
        services.push_back(
            {{"name", name},
             {"hosts", hosts},
             {"servers", servers},
             {"tls", tls},
             {"verify", svc_bool(c, "activesync.service.verify", name)},
             {"redirect_451", svc_bool(c, "activesync.service.redirect_451", name)},
             {"scheduling", svc_str(c, "activesync.service.scheduling", name)},
             {"health",
              {{"enabled", svc_bool(c, "activesync.service.health", name)},
               {"interval_s", svc_int(c, "activesync.service.health.interval_s", name)},
               {"live_threshold", svc_int(c, "activesync.service.health.live_threshold", name)},
               {"dead_threshold", svc_int(c, "activesync.service.health.dead_threshold", name)},
               {"failure_window_ms", svc_int(c, "activesync.service.health.failure_window_ms", name)},
               {"dead_time_ms", svc_int(c, "activesync.service.health.dead_time_ms", name)}}}});
    }
    // Device policy (docs/device-policy.md): rules in sequence order.
    json rules = json::array();
    for (const auto& [seq, v] : entries(c, "sentry.device_rule")) {
        const std::string& r = std::get<std::string>(v);
        std::size_t a = r.find(' '), b = r.find(' ', a + 1);
        rules.push_back({{"seq", std::stoll(seq)},
                         {"action", r.substr(0, a)},
                         {"match", r.substr(a + 1, b - a - 1)},
                         {"pattern", r.substr(b + 1)}});
    }
    std::string source = get_string(c, "sentry.device_policy.source");
    if (source == "uem" && get_string(c, "sentry.uem.url").empty())
        return bad("sentry.device_policy.source: uem needs the UEM's address first (sentry uem url https://...)");
    std::string ips = get_string(c, "sentry.emm_ips");
    json emm_ips = json::array();
    if (!ips.empty())
        for (const auto& ip : activesync::parse_emm_ips(ips, nullptr)) emm_ips.push_back(ip);
    return {{"hostname", get_string(c, "system.hostname")},
            {"timeouts",
             {{"socket_ms", get_int(c, "sentry.timeout.socket_ms")},
              {"connect_ms", get_int(c, "sentry.timeout.connect_ms")},
              {"response_ms", get_int(c, "sentry.timeout.response_ms")},
              {"request_ms", get_int(c, "sentry.timeout.request_ms")}}},
            {"activesync",
             {{"enabled", get_bool(c, "activesync.enabled")},
              {"all_dead", get_string(c, "activesync.all_dead")},
              {"services", services}}},
            {"device_policy",
             {{"emm_fail_open", get_bool(c, "sentry.emm_fail_open")},
              {"emm_source_verify", get_bool(c, "sentry.emm_source_verify")},
              {"emm_ips", emm_ips},
              {"source", source},
              {"auto_block_unregistered", get_bool(c, "sentry.device_policy.auto_block")},
              {"rules", rules},
              {"uem",
               {{"url", get_string(c, "sentry.uem.url")},
                {"token", get_string(c, "sentry.uem.token")},
                {"ca_file", get_string(c, "sentry.uem.ca_file")},
                {"verify", get_bool(c, "sentry.uem.verify")},
                {"poll_s", get_int(c, "sentry.uem.poll_s")},
                {"resync_h", get_int(c, "sentry.uem.resync_h")}}}}},
            {"logging", {{"audit", get_bool(c, "sentry.audit")}, {"health_monitor", get_bool(c, "sentry.health_monitor")}}},
            {"hsts", get_bool(c, "sentry.hsts")}};
}

std::string scalar_text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

void flatten(const std::string& prefix, const json& j, std::vector<std::pair<std::string, std::string>>& out) {
    for (const auto& [k, v] : j.items()) {
        std::string key = prefix.empty() ? k : prefix + "." + k;
        if (k == "services" && v.is_array()) {
            for (const auto& s : v) {
                json rest = s;
                rest.erase("name");
                flatten(key == "activesync.services" ? "activesync.service." + s["name"].get<std::string>() : key, rest,
                        out);
            }
        } else if (v.is_object()) {
            flatten(key, v, out);
        } else if (v.is_array()) {
            std::string text;
            char sep = k == "emm_ips" ? ',' : ';';
            for (const auto& e : v) {
                if (!text.empty()) text.push_back(sep);
                if (e.is_object() && e.contains("host")) {  // a server
                    text += e["host"].get<std::string>() + ":" + std::to_string(e["port"].get<int>());
                } else if (e.is_object() && e.contains("seq")) {  // a device rule, as typed after device-rule
                    text += scalar_text(e["seq"]) + " " + scalar_text(e["action"]) + " " + scalar_text(e["match"]) +
                            " " + scalar_text(e["pattern"]);
                } else if (e.is_object()) {
                    text += e.dump();
                } else {
                    text += scalar_text(e);
                }
            }
            out.emplace_back(key, text);
        } else {
            out.emplace_back(key, scalar_text(v));
        }
    }
}

}  // namespace

std::string sentryd_config_json(const Config& c, std::string* why) {
    json j = build(c, why);
    return j.is_null() ? std::string() : j.dump();
}

std::string sentryd_apply_args(const Config& c, std::int64_t version, std::string* why) {
    json j = build(c, why);
    if (j.is_null()) return {};
    return json{{"version", version}, {"config", std::move(j)}}.dump();
}

std::vector<std::pair<std::string, std::string>> sentry_config_properties(const Config& c) {
    std::vector<std::pair<std::string, std::string>> out;
    json j = build(c, nullptr);
    if (!j.is_null()) flatten("", j, out);
    return out;
}

}  // namespace micsd
