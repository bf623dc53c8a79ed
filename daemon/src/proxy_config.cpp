#include "sentryd/proxy_config.hpp"

#include "config_json.hpp"

#include <nlohmann/json.hpp>

namespace sentryd {

using nlohmann::json;
using ConfigResult = Result<std::shared_ptr<const ProxyConfig>>;

namespace {

// One server entry: {"host":"mail.example.com","port":443} (port optional),
// or the bare host name as a string.
Status parse_server(const json& j, std::size_t index, ActiveSyncServer& out) {
    std::string field = "config.activesync.servers[" + std::to_string(index) + "]";
    if (j.is_string()) {
        out.host = j.get<std::string>();
    } else if (j.is_object()) {
        auto host = j.find("host");
        if (host == j.end() || !host->is_string())
            return Status::fail(field + ".host: must be a string");
        out.host = host->get<std::string>();
        if (auto port = j.find("port"); port != j.end()) {
            if (!port->is_number_integer() || port->get<std::int64_t>() < 1 ||
                port->get<std::int64_t>() > 65535)
                return Status::fail(field + ".port: must be an integer 1..65535");
            out.port = int(port->get<std::int64_t>());
        }
    } else {
        return Status::fail(field + ": must be an object or a string");
    }
    if (out.host.empty()) return Status::fail(field + ".host: must not be empty");
    return ok_status();
}

}  // namespace

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
    if (auto as = cfg->find("activesync"); as != cfg->end()) {
        if (!as->is_object()) return ConfigResult::fail("config.activesync: must be an object");
        if (auto servers = as->find("servers"); servers != as->end()) {
            if (!servers->is_array())
                return ConfigResult::fail("config.activesync.servers: must be an array");
            for (std::size_t i = 0; i < servers->size(); ++i) {
                ActiveSyncServer s;
                if (auto st = parse_server((*servers)[i], i, s); !st) return ConfigResult::fail(st.error());
                next->activesync_servers.push_back(std::move(s));
            }
        }
    }
    return std::shared_ptr<const ProxyConfig>(std::move(next));
}

}  // namespace detail

ConfigResult parse_config_apply(std::string_view args_json, std::uint64_t current_version) {
    json args = json::parse(args_json, nullptr, /*allow_exceptions=*/false);
    if (args.is_discarded()) return ConfigResult::fail("args: malformed JSON");
    return detail::parse_config_apply(args, current_version);
}

}  // namespace sentryd
