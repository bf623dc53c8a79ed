// Remote syslog destinations (spec #81/#82, docs/logging.md): the one parser
// of the `syslog.server` family that the config rows, the syslog ops and the
// rsyslog applier share.
//
// An entry is keyed by server, port AND facility: "<server>/<port>/<facility>"
// -> "<UDP|TCP> <level> <enable|disable>". The reference UI gives a server
// several facility check boxes while its CLI takes one facility per line, so
// one collector (server + port) may carry several facilities, each its own
// entry with its own protocol, level and state. `syslog <server> [port] ...`
// with a facility that exists edits that entry; `no syslog <server> [port]`
// removes every facility of that server + port.
#pragma once
#include "config_model.hpp"

#include "mics/syslog.hpp"

#include <optional>
#include <string>
#include <vector>

namespace micsd::syslog {

inline constexpr const char* kFamily = "syslog.server";
inline constexpr std::size_t kMaxDestinations = 16;
inline constexpr int kDefaultPort = 514;

struct Destination {
    std::string server;  // canonical: lower-case host name, dotted quad or RFC 5952 IPv6
    int port = kDefaultPort;
    std::string facility;  // general | health-monitor | audit
    std::string protocol;  // UDP | TCP
    std::string level;     // emerg .. debug (minimum severity sent)
    bool enabled = true;
};

// The keywords, in the reference's order.
const std::vector<std::string>& facilities();
const std::vector<std::string>& levels();

// The syslog facility number and severity a keyword stands for (one place:
// mics::syslog_facility_code), or -1 for an unknown keyword.
int facility_code(const std::string& facility);
int severity_code(const std::string& level);

// The canonical spelling of a server ("" + *why when it is none of an IPv4
// address, an IPv6 address or a host name). IPv6 is written as inet_ntop
// does, host names in lower case, so one collector is one key.
std::string canonical_server(const std::string& s, std::string* why = nullptr);

std::string make_key(const std::string& server, int port, const std::string& facility);
std::string make_value(const std::string& protocol, const std::string& level, bool enabled);

// "" when valid (key canonical), else why.
std::string check_key(const std::string& key);
std::string check_value(const std::string& value);

// An entry of the family as a Destination (nullopt when malformed).
std::optional<Destination> parse(const std::string& key, const std::string& value);
// Every destination of the configuration, in render order.
std::vector<Destination> destinations(const Config& c);
// Render order: server, then port, then facility in the reference's order.
bool key_less(const std::string& a, const std::string& b);

// The running-config line (spec #81 form, port and state always written).
std::string render_line(const Destination& d);
// Its inverse for `import configuration`: the words of `syslog <server>
// [port] <protocol> <facility> <level> [state]` (keywords as the shell
// expands them; port 514, state enable when left out).
std::optional<Destination> parse_line(const std::vector<std::string>& words);

// `show logging` (spec §3.3): the reference's '+'-separated table, its
// column widths, wider where a value needs it.
std::string logging_table(const std::vector<Destination>& ds);

}  // namespace micsd::syslog
