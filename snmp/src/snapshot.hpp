// What the agent knows about the appliance, and how MICS replies and values
// are turned into it. Pure functions: no sockets, no net-snmp.
#pragma once
#include "oids.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sentry::snmp {

// Fields of a MICS `hello` reply (docs/mics-protocol.md).
struct HelloInfo {
    std::string product;
    std::string version;
    std::string git;
    std::string build_date;
    std::string hostname;
    std::uint64_t uptime_s = 0;
};

// Parses the JSON text of a `hello` reply's data. Missing optional strings
// become ""; a missing/negative/non-numeric uptime_s or non-object data is an
// error (described in *err) because the poll cannot be trusted then.
std::optional<HelloInfo> parse_hello(std::string_view data_json, std::string* err = nullptr);

// "0.1.0" + "v0.1.0-3-g1234abc-dirty" -> "0.1.0 (g1234abc-dirty)";
// "0.1.0" + "1234abc" -> "0.1.0 (g1234abc)"; unknown/empty git -> "0.1.0".
std::string format_version(std::string_view version, std::string_view git);

// Seconds -> TimeTicks (1/100 s), wrapping at 2^32 like sysUpTime does.
std::uint32_t to_timeticks(std::uint64_t seconds);

// The cached view served to SNMP managers.
struct Snapshot {
    std::string product;
    std::string version;  // already formatted with format_version()
    std::string build_date;
    std::string hostname;
    std::uint64_t mics_uptime_s = 0;
    bool mics_reachable = false;
};

// Snapshot before MICS ever answered: this binary's own build identity.
Snapshot initial_snapshot();

// Folds a successful hello into the snapshot; empty strings keep old values
// so that a sparse reply never blanks a field a manager has already seen.
void apply_hello(Snapshot& s, const HelloInfo& h);

// One scalar's value, independent of net-snmp's varbind types.
struct ScalarValue {
    ScalarType type = ScalarType::display_string;
    std::string text;          // display_string
    std::uint32_t number = 0;  // time_ticks, or truth_value (1 true, 2 false)
};

// DisplayString is at most 255 octets (SNMPv2-TC); longer text is cut.
inline constexpr std::size_t kDisplayStringMax = 255;

// Value of column `col` of a group, or nullopt for a column we do not have
// (the handler answers noSuchObject).
std::optional<ScalarValue> system_value(const Snapshot& s, oid_t col);
std::optional<ScalarValue> mics_value(const Snapshot& s, oid_t col);

}  // namespace sentry::snmp
