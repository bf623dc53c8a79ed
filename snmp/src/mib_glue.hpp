// Registration of SENTRY-APPLIANCE-MIB with net-snmp's agent. This header is
// free of net-snmp types so main.cpp stays wiring-only; the .cpp files behind
// it are the only place net-snmp handler code lives.
#pragma once

struct netsnmp_agent_request_info_s;
struct netsnmp_request_info_s;

namespace sentry::snmp {

class MicsCache;

// One file per scalar group: mib_system.cpp, mib_mics.cpp.
bool register_system_group(MicsCache& cache);
bool register_mics_group(MicsCache& cache);

// Refreshes the cache from MICS every period_s seconds on net-snmp's alarm
// loop, so requests only read memory (data_access.cpp).
bool start_refresh_timer(MicsCache& cache, unsigned period_s);

}  // namespace sentry::snmp
