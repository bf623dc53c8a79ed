// Command line of sentry-snmp-agent, parsed without side effects so that
// main.cpp only wires and tests can cover every flag.
#pragma once
#include <string>
#include <vector>

namespace sentry::snmp {

struct Options {
    std::string agentx_socket;  // AgentX master's socket (Unix path)
    std::string mics_socket;    // MICS socket
    std::string state_dir;      // $SENTRY_STATE_DIR resolved
    bool show_help = false;
    bool show_version = false;
    bool check_config = false;
};

struct ParseResult {
    Options opts;
    std::string error;  // non-empty: print usage, exit 2
};

// args excludes argv[0]; state_dir provides the defaults.
ParseResult parse_args(const std::vector<std::string>& args, const std::string& state_dir);

std::string usage(const std::string& prog);
std::string version_text();

}  // namespace sentry::snmp
