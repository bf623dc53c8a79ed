// Shared body of the scalar-group handlers (mib_*.cpp only).
#pragma once
#include "data_access.hpp"
#include "oids.hpp"

#include <optional>
#include <span>

struct netsnmp_agent_request_info_s;
struct netsnmp_request_info_s;
struct netsnmp_mib_handler_s;
struct netsnmp_handler_registration_s;

namespace sentry::snmp {

using ValueFn = std::optional<ScalarValue> (*)(const Snapshot&, oid_t column);

// Answers every request in the chain from the cache's current snapshot.
// Column = the request OID's element right after the group OID; unknown
// columns answer noSuchObject.
int serve_scalar_group(netsnmp_agent_request_info_s* reqinfo, netsnmp_request_info_s* requests,
                       const MicsCache& cache, std::span<const oid_t> group, ValueFn value);

// Creates a read-only scalar-group registration for columns [first, last]
// whose handler gets `cache` as its context.
bool register_group(const char* name,
                    int (*handler)(netsnmp_mib_handler_s*, netsnmp_handler_registration_s*,
                                   netsnmp_agent_request_info_s*, netsnmp_request_info_s*),
                    std::span<const oid_t> group, oid_t first, oid_t last, MicsCache& cache);

}  // namespace sentry::snmp
