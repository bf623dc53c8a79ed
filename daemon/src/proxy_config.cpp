#include "sentryd/proxy_config.hpp"
#include "sentryd/ascii.hpp"

#include "config_json.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace sentryd {

using nlohmann::json;
using ConfigResult = Result<std::shared_ptr<const ProxyConfig>>;

namespace {

constexpr std::size_t kMaxServersPerService = 256;
constexpr std::size_t kMaxServices = 256;
constexpr std::size_t kMaxHostName = 253;

std::string lower(std::string_view s) { return ascii_lowered(s); }

// "Host: mail.example.com:443" -> "mail.example.com"; "[::1]:443" -> "[::1]".
std::string_view strip_port(std::string_view host) {
    if (!host.empty() && host.front() == '[') {
        auto close = host.find(']');
        return close == std::string_view::npos ? host : host.substr(0, close + 1);
    }
    auto colon = host.rfind(':');
    if (colon != std::string_view::npos && host.find(':') == colon) return host.substr(0, colon);
    return host;
}

// A host name or address as we will resolve it and send it in Host/SNI:
// visible ASCII, no '/', '?', '#', '@' or spaces.
bool valid_host(std::string_view h) {
    if (h.empty() || h.size() > kMaxHostName) return false;
    return std::all_of(h.begin(), h.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f && c != '/' && c != '?' && c != '#' && c != '@';
    });
}

// The readers below leave `out` untouched when the key is absent (defaults)
// and fail naming `field.key` when it is present but wrong.
Status read_bool(const json& obj, const char* key, const std::string& field, bool& out) {
    auto it = obj.find(key);
    if (it == obj.end()) return ok_status();
    if (!it->is_boolean()) return Status::fail(field + "." + key + ": must be true or false");
    out = it->get<bool>();
    return ok_status();
}

Status read_int(const json& obj, const char* key, const std::string& field, std::int64_t lo,
                std::int64_t hi, std::int64_t& out) {
    auto it = obj.find(key);
    if (it == obj.end()) return ok_status();
    bool in_range = false;
    if (it->is_number_unsigned()) {
        auto v = it->get<std::uint64_t>();
        in_range = v <= std::uint64_t(hi) && std::int64_t(v) >= lo;
    } else if (it->is_number_integer()) {
        auto v = it->get<std::int64_t>();
        in_range = v >= lo && v <= hi;
    }
    if (!in_range)
        return Status::fail(field + "." + key + ": must be an integer " + std::to_string(lo) + ".." +
                            std::to_string(hi));
    out = it->get<std::int64_t>();
    return ok_status();
}

Status read_int(const json& obj, const char* key, const std::string& field, std::int64_t lo,
                std::int64_t hi, int& out) {
    std::int64_t v = out;
    if (auto st = read_int(obj, key, field, lo, hi, v); !st) return st;
    out = static_cast<int>(v);
    return ok_status();
}

Status read_ms(const json& obj, const char* key, const std::string& field, std::int64_t lo,
               std::int64_t hi, Millis& out) {
    std::int64_t v = out.count();
    if (auto st = read_int(obj, key, field, lo, hi, v); !st) return st;
    out = Millis(v);
    return ok_status();
}

Status read_object(const json& parent, const char* key, const std::string& field, const json*& out) {
    out = nullptr;
    auto it = parent.find(key);
    if (it == parent.end()) return ok_status();
    if (!it->is_object()) return Status::fail(field + "." + key + ": must be an object");
    out = &*it;
    return ok_status();
}

// One server entry: {"host":"mail.example.com","port":443} (port optional),
// or the bare host name as a string (what older MICS versions sent).
Status parse_server(const json& j, const std::string& field, ActiveSyncServer& out) {
    if (j.is_string()) {
        out.host = j.get<std::string>();
    } else if (j.is_object()) {
        auto host = j.find("host");
        if (host == j.end() || !host->is_string())
            return Status::fail(field + ".host: must be a string");
        out.host = host->get<std::string>();
        if (auto st = read_int(j, "port", field, 1, 65535, out.port); !st) return st;
    } else {
        return Status::fail(field + ": must be an object or a string");
    }
    if (out.host.empty()) return Status::fail(field + ".host: must not be empty");
    if (!valid_host(out.host))
        return Status::fail(field + ".host: not a host name or address: " + out.host);
    return ok_status();
}

Status parse_servers(const json& arr, const std::string& field, std::vector<ActiveSyncServer>& out) {
    if (!arr.is_array()) return Status::fail(field + ": must be an array");
    if (arr.size() > kMaxServersPerService)
        return Status::fail(field + ": at most " + std::to_string(kMaxServersPerService) + " servers");
    for (std::size_t i = 0; i < arr.size(); ++i) {
        ActiveSyncServer s;
        if (auto st = parse_server(arr[i], field + "[" + std::to_string(i) + "]", s); !st) return st;
        out.push_back(std::move(s));
    }
    return ok_status();
}

Status parse_health(const json& svc, const std::string& field, HealthCheck& h) {
    const json* obj = nullptr;
    if (auto st = read_object(svc, "health", field, obj); !st) return st;
    if (!obj) return ok_status();
    std::string f = field + ".health";
    if (auto st = read_bool(*obj, "enabled", f, h.enabled); !st) return st;
    if (auto st = read_int(*obj, "interval_s", f, 10, 600, h.interval_s); !st) return st;
    if (auto st = read_int(*obj, "live_threshold", f, 1, 10, h.live_threshold); !st) return st;
    if (auto st = read_int(*obj, "dead_threshold", f, 1, 1000, h.dead_threshold); !st) return st;
    if (auto st = read_ms(*obj, "failure_window_ms", f, 1, 86400000, h.failure_window); !st) return st;
    if (auto st = read_ms(*obj, "dead_time_ms", f, 1, 172800000, h.dead_time); !st) return st;
    return ok_status();
}

Status parse_service(const json& j, const std::string& field, ActiveSyncService& s) {
    if (!j.is_object()) return Status::fail(field + ": must be an object");
    auto name = j.find("name");
    if (name == j.end() || !name->is_string()) return Status::fail(field + ".name: must be a string");
    s.name = name->get<std::string>();
    if (s.name.empty() || s.name.size() > 64) return Status::fail(field + ".name: must be 1-64 characters");
    for (char c : s.name)
        if (std::string_view("/;?*<>\" ").find(c) != std::string_view::npos ||
            static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return Status::fail(field + ".name: must not contain / ; ? * < > \" or space");

    if (auto hosts = j.find("hosts"); hosts != j.end()) {
        if (!hosts->is_array()) return Status::fail(field + ".hosts: must be an array");
        for (std::size_t i = 0; i < hosts->size(); ++i) {
            const auto& h = (*hosts)[i];
            std::string hf = field + ".hosts[" + std::to_string(i) + "]";
            if (!h.is_string()) return Status::fail(hf + ": must be a string");
            std::string host = lower(strip_port(h.get<std::string>()));
            if (!valid_host(host)) return Status::fail(hf + ": not a host name");
            s.hosts.push_back(std::move(host));
        }
    }
    if (auto servers = j.find("servers"); servers != j.end())
        if (auto st = parse_servers(*servers, field + ".servers", s.servers); !st) return st;
    if (auto st = read_bool(j, "tls", field, s.tls); !st) return st;
    if (auto st = read_bool(j, "verify", field, s.verify); !st) return st;
    if (auto st = read_bool(j, "redirect_451", field, s.redirect_451); !st) return st;
    if (auto sch = j.find("scheduling"); sch != j.end()) {
        if (*sch == "priority")
            s.scheduling = Scheduling::priority;
        else if (*sch == "round-robin")
            s.scheduling = Scheduling::round_robin;
        else
            return Status::fail(field + ".scheduling: must be \"priority\" or \"round-robin\"");
    }
    return parse_health(j, field, s.health);
}

Status parse_activesync(const json& as, ActiveSyncConfig& out) {
    const std::string field = "config.activesync";
    if (auto st = read_bool(as, "enabled", field, out.enabled); !st) return st;
    if (auto ad = as.find("all_dead"); ad != as.end()) {
        if (*ad == "try-anyway")
            out.all_dead = AllDead::try_anyway;
        else if (*ad == "reject")
            out.all_dead = AllDead::reject;
        else
            return Status::fail(field + ".all_dead: must be \"try-anyway\" or \"reject\"");
    }
    auto services = as.find("services");
    if (services != as.end()) {
        if (!services->is_array()) return Status::fail(field + ".services: must be an array");
        if (services->size() > kMaxServices)
            return Status::fail(field + ".services: at most " + std::to_string(kMaxServices));
        std::set<std::string> names, hosts;
        for (std::size_t i = 0; i < services->size(); ++i) {
            std::string f = field + ".services[" + std::to_string(i) + "]";
            ActiveSyncService s;
            if (auto st = parse_service((*services)[i], f, s); !st) return st;
            if (!names.insert(s.name).second)
                return Status::fail(f + ".name: duplicate service name " + s.name);
            for (const auto& h : s.hosts)
                if (!hosts.insert(h).second)
                    return Status::fail(f + ".hosts: " + h + " already selects another service");
            out.services.push_back(std::move(s));
        }
    }
    // Legacy shape (MICS before the services list): the servers of `default`.
    // Ignored when `services` is present, so a MICS in transition may send both.
    if (auto servers = as.find("servers"); servers != as.end()) {
        ActiveSyncService legacy;
        legacy.name = "default";
        if (auto st = parse_servers(*servers, field + ".servers", legacy.servers); !st) return st;
        if (services == as.end()) out.services.push_back(std::move(legacy));
    }
    return ok_status();
}

Status parse_listen(const json& cfg, std::optional<ListenAddress>& out) {
    const json* obj = nullptr;
    if (auto st = read_object(cfg, "listen", "config", obj); !st) return st;
    if (!obj) return ok_status();
    ListenAddress l;
    auto addr = obj->find("address");
    if (addr == obj->end() || !addr->is_string() || addr->get<std::string>().empty())
        return Status::fail("config.listen.address: must be a numeric address");
    l.address = addr->get<std::string>();
    if (l.address.size() > 2 && l.address.front() == '[' && l.address.back() == ']')
        l.address = l.address.substr(1, l.address.size() - 2);
    if (obj->find("port") == obj->end()) return Status::fail("config.listen.port: required");
    if (auto st = read_int(*obj, "port", "config.listen", 1, 65535, l.port); !st) return st;
    out = std::move(l);
    return ok_status();
}

Status parse_logging(const json& cfg, LoggingConfig& l) {
    const json* obj = nullptr;
    if (auto st = read_object(cfg, "logging", "config", obj); !st) return st;
    if (!obj) return ok_status();
    if (auto st = read_bool(*obj, "audit", "config.logging", l.audit); !st) return st;
    return read_bool(*obj, "health_monitor", "config.logging", l.health_monitor);
}

Status parse_timeouts(const json& cfg, Timeouts& t) {
    const json* obj = nullptr;
    if (auto st = read_object(cfg, "timeouts", "config", obj); !st) return st;
    if (!obj) return ok_status();
    const std::string f = "config.timeouts";
    constexpr std::int64_t kMax = 3600000;
    if (auto st = read_ms(*obj, "socket_ms", f, 1, kMax, t.socket); !st) return st;
    if (auto st = read_ms(*obj, "connect_ms", f, 1, kMax, t.connect); !st) return st;
    if (auto st = read_ms(*obj, "response_ms", f, 1, kMax, t.response); !st) return st;
    if (auto st = read_ms(*obj, "request_ms", f, 1, kMax, t.request); !st) return st;
    return ok_status();
}

// "device_policy" (docs/sentryd-config.md): source, unregistered handling,
// local rules, the UEM connector. Absent keys keep the defaults.
Status parse_device_policy(const json& dp, DevicePolicy& p, UemConfig& u) {
    const std::string f = "config.device_policy";
    if (!dp.is_object()) return Status::fail(f + ": must be an object");
    if (auto src = dp.find("source"); src != dp.end()) {
        if (*src == "standalone")
            p.uem = false;
        else if (*src == "uem")
            p.uem = true;
        else
            return Status::fail(f + ".source: must be \"standalone\" or \"uem\"");
    }
    if (auto st = read_bool(dp, "auto_block_unregistered", f, p.auto_block_unregistered); !st) return st;
    if (auto st = read_bool(dp, "emm_fail_open", f, p.fail_open); !st) return st;
    if (auto rules = dp.find("rules"); rules != dp.end()) {
        if (!rules->is_array() || rules->size() > 4096) return Status::fail(f + ".rules: must be an array of at most 4096");
        for (std::size_t i = 0; i < rules->size(); ++i) {
            const json& r = (*rules)[i];
            std::string rf = f + ".rules[" + std::to_string(i) + "]";
            if (!r.is_object()) return Status::fail(rf + ": must be an object");
            DeviceRule rule;
            int seq = 0;
            if (auto st = read_int(r, "seq", rf, 1, 65535, seq); !st) return st;
            rule.seq = static_cast<std::uint32_t>(seq);
            auto action = r.value("action", std::string());
            auto match = r.value("match", std::string());
            if (action == "allow") rule.action = RuleAction::allow;
            else if (action == "block") rule.action = RuleAction::block;
            else if (action == "wipe") rule.action = RuleAction::wipe;
            else return Status::fail(rf + ".action: must be allow, block or wipe");
            if (match == "device-id") rule.field = RuleField::device_id;
            else if (match == "user") rule.field = RuleField::user;
            else if (match == "device-type") rule.field = RuleField::device_type;
            else return Status::fail(rf + ".match: must be device-id, user or device-type");
            auto pat = r.find("pattern");
            if (pat == r.end() || !pat->is_string() || pat->get<std::string>().empty() ||
                pat->get<std::string>().size() > 128)
                return Status::fail(rf + ".pattern: must be a string of 1-128 characters");
            rule.pattern = pat->get<std::string>();
            if (!p.rules.empty() && p.rules.back().seq >= rule.seq)
                return Status::fail(rf + ".seq: rules must be in ascending sequence order");
            p.rules.push_back(std::move(rule));
        }
    }
    const json* uem = nullptr;
    if (auto st = read_object(dp, "uem", f, uem); !st) return st;
    if (uem) {
        const std::string uf = f + ".uem";
        for (auto [key, out, max] : {std::tuple<const char*, std::string*, std::size_t>{"url", &u.url, 512},
                                     {"token", &u.token, 512}, {"ca_file", &u.ca_file, 1024}}) {
            auto it = uem->find(key);
            if (it == uem->end()) continue;
            if (!it->is_string() || it->get<std::string>().size() > max)
                return Status::fail(uf + "." + key + ": must be a string of at most " + std::to_string(max));
            *out = it->get<std::string>();
        }
        if (!u.url.empty() && u.url.rfind("https://", 0) != 0) return Status::fail(uf + ".url: must start with https://");
        // The token goes into a header line: nothing that could end or split it.
        for (char c : u.token)
            if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
                return Status::fail(uf + ".token: must be visible ASCII without spaces");
        if (auto st = read_bool(*uem, "verify", uf, u.verify); !st) return st;
        if (auto st = read_int(*uem, "poll_s", uf, 10, 3600, u.poll_s); !st) return st;
        if (auto st = read_int(*uem, "resync_h", uf, 1, 168, u.resync_h); !st) return st;
    }
    if (p.uem && u.url.empty()) return Status::fail(f + ".source: uem needs uem.url");
    return ok_status();
}

}  // namespace

const ActiveSyncService* ProxyConfig::service_named(std::string_view name) const {
    for (const auto& s : activesync.services)
        if (s.name == name) return &s;
    return nullptr;
}

const ActiveSyncService* ProxyConfig::service_for_host(std::string_view host_header) const {
    if (!host_header.empty()) {
        // Once per request: compare in place (`hosts` are stored lower case)
        // rather than build a lower-cased copy.
        std::string_view host = strip_port(host_header);
        auto same = [host](const std::string& h) { return iequals(h, host); };
        for (const auto& s : activesync.services)
            if (std::any_of(s.hosts.begin(), s.hosts.end(), same)) return &s;
    }
    return service_named("default");
}

namespace detail {

ConfigResult parse_config_apply(const json& args, std::uint64_t current_version) {
    if (!args.is_object()) return ConfigResult::fail("args: must be an object");

    auto ver = args.find("version");
    // is_number_integer() is false for 1.5 and for booleans; unsigned rejects < 0.
    if (ver == args.end() || !ver->is_number_integer() ||
        (!ver->is_number_unsigned() && ver->get<std::int64_t>() < 0))
        return ConfigResult::fail("version: must be a non-negative integer");
    auto version = ver->get<std::uint64_t>();
    if (version <= current_version)
        return ConfigResult::fail("version: " + std::to_string(version) +
                                  " is not newer than the current version " +
                                  std::to_string(current_version));

    auto cfg = args.find("config");
    if (cfg == args.end() || !cfg->is_object())
        return ConfigResult::fail("config: must be an object");

    auto next = std::make_shared<ProxyConfig>();
    next->version = version;

    if (auto h = cfg->find("hostname"); h != cfg->end()) {
        if (!h->is_string()) return ConfigResult::fail("config.hostname: must be a string");
        next->hostname = h->get<std::string>();
    }
    if (auto st = parse_listen(*cfg, next->listen); !st) return ConfigResult::fail(st.error());
    if (auto st = parse_timeouts(*cfg, next->timeouts); !st) return ConfigResult::fail(st.error());
    if (auto st = read_bool(*cfg, "hsts", "config", next->hsts); !st) return ConfigResult::fail(st.error());
    if (auto st = parse_logging(*cfg, next->logging); !st) return ConfigResult::fail(st.error());
    if (auto as = cfg->find("activesync"); as != cfg->end()) {
        if (!as->is_object()) return ConfigResult::fail("config.activesync: must be an object");
        if (auto st = parse_activesync(*as, next->activesync); !st) return ConfigResult::fail(st.error());
    }
    if (auto dp = cfg->find("device_policy"); dp != cfg->end())
        if (auto st = parse_device_policy(*dp, next->device_policy, next->uem); !st)
            return ConfigResult::fail(st.error());
    return std::shared_ptr<const ProxyConfig>(std::move(next));
}

}  // namespace detail

ConfigResult parse_config_apply(std::string_view args_json, std::uint64_t current_version) {
    json args = json::parse(args_json, nullptr, /*allow_exceptions=*/false);
    if (args.is_discarded()) return ConfigResult::fail("args: malformed JSON");
    return detail::parse_config_apply(args, current_version);
}

}  // namespace sentryd
