// sentryMicsStatus scalar group: MICS uptime and reachability.
#include "mib_common.hpp"
#include "mib_glue.hpp"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

namespace sentry::snmp {

namespace {

int handle_mics(netsnmp_mib_handler* handler, netsnmp_handler_registration* /*reg*/,
                netsnmp_agent_request_info* reqinfo, netsnmp_request_info* requests) {
    const auto& cache = *static_cast<const MicsCache*>(handler->myvoid);
    return serve_scalar_group(reqinfo, requests, cache, kMicsGroupOid, mics_value);
}

}  // namespace

bool register_mics_group(MicsCache& cache) {
    return register_group("sentryMicsStatus", handle_mics, kMicsGroupOid, kMicsFirst, kMicsLast,
                          cache);
}

}  // namespace sentry::snmp
