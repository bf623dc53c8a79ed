// Which devices may pass: the decision for one (device id, user) from the
// local rules, the UEM's device list and the unregistered/fail-open
// settings (docs/device-policy.md). Pure: no I/O, no clock.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sentryd/device_cache.hpp"

namespace sentryd {

enum class RuleAction : std::uint8_t { allow, block, wipe };
enum class RuleField : std::uint8_t { device_id, user, device_type };

struct DeviceRule {
    std::uint32_t seq = 0;
    RuleAction action = RuleAction::allow;
    RuleField field = RuleField::device_id;
    std::string pattern;  // case-insensitive glob: * and ?
};

struct DevicePolicy {
    bool uem = false;                      // source: UEM-synced (else standalone)
    bool auto_block_unregistered = false;  // unknown devices are blocked, pending validation
    bool fail_open = true;                 // UEM unreachable: admit devices it has not listed
    std::vector<DeviceRule> rules;         // ascending seq; first match wins

    bool operator==(const DevicePolicy& o) const;
};

struct Verdict {
    DeviceStatus status = DeviceStatus::allowed;
    bool validated = false;  // a rule or the UEM decided ("Vs: Y")
    int rule = -1;           // index into rules of the match, -1 none
};

// `uem_reachable` only matters in UEM mode for devices the UEM has not listed.
// A device that acknowledged a wipe is blocked where a rule or the UEM says
// wipe again, so it is not wiped on every connection.
Verdict decide(const DevicePolicy& p, std::string_view device_id, std::string_view user,
               std::string_view device_type, UemStatus uem, bool wiped, bool uem_reachable);

// Case-insensitive (ASCII) glob with * and ?; iterative, linear-ish in the
// worst case (no backtracking explosion on patterns like a*a*a*a*b).
bool glob_match(std::string_view pattern, std::string_view text);

std::string_view action_name(RuleAction a);
std::string_view field_name(RuleField f);

}  // namespace sentryd
