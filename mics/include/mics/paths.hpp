// Where the appliance keeps its state ($SENTRY_STATE_DIR, default ./var) and
// which ports it uses. Every process resolves these the same way.
#pragma once
#include <string>

namespace mics {

struct Paths {
    std::string state;  // absolute
    std::string db() const { return state + "/db"; }
    std::string run() const { return state + "/run"; }
    std::string log() const { return state + "/log"; }
    std::string certs() const { return state + "/certs"; }
    std::string snmp() const { return state + "/snmp"; }
    std::string keys() const { return state + "/keys"; }
    std::string mics_sock() const { return run() + "/mics.sock"; }
    std::string sentryd_sock() const { return run() + "/sentryd.sock"; }
    std::string agentx_sock() const { return run() + "/agentx.sock"; }
    std::string log_sock() const { return run() + "/log.sock"; }  // rsyslog reads it (mics/syslog.hpp)
};

// Resolves $SENTRY_STATE_DIR (default "./var") to an absolute path.
Paths paths_from_env();

// getenv with a default.
std::string env_or(const char* name, const std::string& def);
// Port from the environment; returns def when unset or out of 1..65535.
int env_port(const char* name, int def);

}  // namespace mics
