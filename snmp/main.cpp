// sentry-snmp-agent: wiring only. Flags and environment -> net-snmp AgentX
// subagent setup -> MIB registration -> agent loop until SIGTERM/SIGINT.
#include "src/data_access.hpp"
#include "src/mib_glue.hpp"
#include "src/options.hpp"

#include "mics/log.hpp"
#include "mics/paths.hpp"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sys/un.h>

namespace {

constexpr const char* kAppName = "sentry-snmp-agent";
constexpr int kAgentxPingSeconds = 5;  // how soon we notice (and survive) an snmpd restart
constexpr unsigned kRefreshSeconds = 5;

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int) { g_stop = 1; }

void install_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: interrupt select() so the loop sees g_stop
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

bool socket_path_ok(const std::string& p, const char* what) {
    // A "unix:" prefix is net-snmp transport syntax; the rest must fit sun_path.
    std::string path = p.rfind("unix:", 0) == 0 ? p.substr(5) : p;
    if (path.empty() || path.size() >= sizeof(sockaddr_un{}.sun_path)) {
        std::cerr << kAppName << ": " << what << " socket path unusable: " << p << "\n";
        return false;
    }
    return true;
}

// Keep net-snmp inside the state dir: no /etc/snmp, no /var/lib/snmp, no MIB
// files (an agent needs none, and missing ones only print noise).
void confine_netsnmp(const std::string& snmp_dir) {
    std::string persist = snmp_dir + "/persist";
    std::error_code ec;
    std::filesystem::create_directories(persist, ec);
    ::setenv("SNMPCONFPATH", snmp_dir.c_str(), 1);
    ::setenv("SNMP_PERSISTENT_DIR", persist.c_str(), 1);
    ::setenv("MIBS", "", 1);
    ::setenv("MIBDIRS", "", 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
    netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR, persist.c_str());
    netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_CONFIGURATION_DIR, snmp_dir.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    using namespace sentry::snmp;
    mics::log_init(kAppName);
    const mics::Paths paths = mics::paths_from_env();

    ParseResult pr = parse_args(std::vector<std::string>(argv + 1, argv + argc), paths.state);
    if (!pr.error.empty()) {
        std::cerr << kAppName << ": " << pr.error << "\n" << usage(kAppName);
        return 2;
    }
    const Options& o = pr.opts;
    if (o.show_help) {
        std::cout << usage(kAppName);
        return 0;
    }
    if (o.show_version) {
        std::cout << version_text();
        return 0;
    }
    if (!socket_path_ok(o.agentx_socket, "AgentX") || !socket_path_ok(o.mics_socket, "MICS"))
        return 1;
    if (o.check_config) return 0;

    confine_netsnmp(paths.snmp());
    snmp_enable_stderrlog();
    netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
    netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET,
                          o.agentx_socket.c_str());
    netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL,
                       kAgentxPingSeconds);
    if (init_agent(kAppName) != 0) {
        mics::log_error("init_agent failed");
        return 1;
    }

    MicsCache cache = MicsCache::for_socket(o.mics_socket);
    cache.refresh();  // first values before the first request, not 5 s later
    if (!register_system_group(cache) || !register_mics_group(cache) ||
        !start_refresh_timer(cache, kRefreshSeconds)) {
        snmp_shutdown(kAppName);
        return 1;
    }
    init_snmp(kAppName);
    install_signals();
    mics::log_info("serving SENTRY-APPLIANCE-MIB via AgentX " + o.agentx_socket + ", MICS " +
                   o.mics_socket);

    while (!g_stop) agent_check_and_process(1);

    mics::log_info("shutting down");
    snmp_shutdown(kAppName);
    return 0;
}
