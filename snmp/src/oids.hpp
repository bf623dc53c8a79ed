// The one place where SENTRY-APPLIANCE-MIB's OIDs exist in C++.
// Keep in step with mibs/SENTRY-APPLIANCE-MIB.txt: the unit test
// tests/unit/snmp/oids_test.cpp parses the MIB and compares.
//
// Root: NET-SNMP-MIB::netSnmpPlaypen.7 (1.3.6.1.4.1.8072.9999.9999.7), an
// experimental placeholder until the project has a Private Enterprise Number.
#pragma once
#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace sentry::snmp {

// Same width as net-snmp's `oid` on Linux; static_assert'ed where both meet.
using oid_t = unsigned long;

inline constexpr std::array<oid_t, 10> kRootOid{1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 7};

// sentryObjects = root.1, sentryConformance = root.2.
inline constexpr std::array<oid_t, 11> kObjectsOid{1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 7, 1};

// sentrySystem = sentryObjects.1: what the appliance is.
inline constexpr std::array<oid_t, 12> kSystemGroupOid{1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 7, 1, 1};
enum SystemColumn : oid_t {
    kColProductName = 1,
    kColVersion = 2,
    kColBuildDate = 3,
    kColHostname = 4,
};
inline constexpr oid_t kSystemFirst = kColProductName;
inline constexpr oid_t kSystemLast = kColHostname;

// sentryMicsStatus = sentryObjects.2: health of the configuration service.
inline constexpr std::array<oid_t, 12> kMicsGroupOid{1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 7, 1, 2};
enum MicsColumn : oid_t {
    kColMicsUptime = 1,
    kColMicsReachable = 2,
};
inline constexpr oid_t kMicsFirst = kColMicsUptime;
inline constexpr oid_t kMicsLast = kColMicsReachable;

enum class ScalarType { display_string, time_ticks, truth_value };

// Every scalar the agent serves, for tests, docs and future registration loops.
struct ScalarDef {
    std::string_view name;     // MIB descriptor
    std::string_view parent;   // MIB descriptor of the group node
    std::span<const oid_t> group;
    oid_t column;
    ScalarType type;
};

inline constexpr std::array<ScalarDef, 6> kScalars{{
    {"sentryProductName", "sentrySystem", kSystemGroupOid, kColProductName, ScalarType::display_string},
    {"sentryVersion", "sentrySystem", kSystemGroupOid, kColVersion, ScalarType::display_string},
    {"sentryBuildDate", "sentrySystem", kSystemGroupOid, kColBuildDate, ScalarType::display_string},
    {"sentryHostname", "sentrySystem", kSystemGroupOid, kColHostname, ScalarType::display_string},
    {"sentryMicsUptime", "sentryMicsStatus", kMicsGroupOid, kColMicsUptime, ScalarType::time_ticks},
    {"sentryMicsReachable", "sentryMicsStatus", kMicsGroupOid, kColMicsReachable, ScalarType::truth_value},
}};

}  // namespace sentry::snmp
