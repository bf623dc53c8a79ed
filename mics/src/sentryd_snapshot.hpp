// The sentryd configuration snapshot (docs/sentryd-config.md), built from the
// typed model in one place: the push after a commit (App), the pull by a
// restarted sentryd (`service.config`) and `show sentry config-properties`
// all use it. JSON stays in the .cpp: the snapshot travels as text.
#pragma once
#include "config_model.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace micsd {

// The `config` object sentryd gets, as JSON text. Cross-field rules the field
// checks cannot see (a Host header selecting two services, too many services)
// are checked here: on a violation returns "" and sets *why, naming the setting.
std::string sentryd_config_json(const Config& c, std::string* why);

// The args of `config.apply`: {"version": N, "config": {...}}; "" and *why as above.
std::string sentryd_apply_args(const Config& c, std::int64_t version, std::string* why);

// `show sentry config-properties`: the snapshot flattened to dotted keys in
// snapshot order ("activesync.service.default.servers" = "mail1:443;mail2:443").
std::vector<std::pair<std::string, std::string>> sentry_config_properties(const Config& c);

namespace activesync {

struct Server {
    std::string host;  // name, IPv4, or IPv6 without brackets
    int port = 0;      // 0: not given in the list
};

// "host[:port];..." as the CLI writes it (IPv6 in brackets). On a bad list
// returns {} and sets *why (which server and what is wrong).
std::vector<Server> parse_servers(const std::string& list, int default_port, std::string* why);
// "name;name..." Host header names (host names or IPv4 addresses).
std::vector<std::string> parse_hosts(const std::string& list, std::string* why);
// "a,b,..." IPv4/IPv6 addresses or subnets (CIDR).
std::vector<std::string> parse_emm_ips(const std::string& list, std::string* why);
// Every service in the configuration: `default` first, then by name.
std::vector<std::string> service_names(const Config& c);

}  // namespace activesync

}  // namespace micsd
