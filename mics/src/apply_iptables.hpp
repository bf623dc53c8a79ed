// Applier for the ACL subtree (docs/acl.md): the ACLs bound to interfaces
// become iptables rules in chains of our own, installed in one atomic
// `iptables-restore --noflush` (argv only, the ruleset on stdin):
//
//   INPUT         -j SENTRY-IN (inserted first, once)
//   SENTRY-IN     established/related -> RETURN; per bound interface's Linux
//                 link -> SENTRY-ACL-<n>
//   SENTRY-ACL-n  one rule per entry in sequence order (permit -> RETURN, to
//                 the host's own INPUT rules; deny -> DROP), then the
//                 implicit deny (DROP)
//
// Nothing else of the host's tables is touched, and only interfaces named in
// the link map ($SENTRY_INTERFACES) are filtered: with no map the applier
// does nothing at all, so a development box or CI host keeps its firewall.
#pragma once
#include "apply_network.hpp"
#include "config_model.hpp"

#include <string>
#include <vector>

namespace micsd {

inline constexpr const char* kFilterChain = "SENTRY-IN";
inline constexpr const char* kAclChainPrefix = "SENTRY-ACL-";

struct IptablesRules {
    std::vector<std::string> chains;  // ours, SENTRY-IN first
    std::string rules;                // "-A ..." lines
};
// The ruleset for `c` on the mapped links: deterministic text (golden-tested).
IptablesRules iptables_rules(const Config& c, const LinkMap& links);

// What is installed now, read from `iptables-save -t filter`.
struct IptablesState {
    std::vector<std::string> chains;  // every SENTRY-* chain
    bool jump = false;                // INPUT has "-j SENTRY-IN"
};
IptablesState parse_iptables_save(const std::string& text);

// The iptables-restore --noflush input that takes `now` to `rules`
// (nullptr: remove everything of ours). "" when there is nothing to do.
std::string iptables_restore_input(const IptablesState& now, const IptablesRules* rules);

using InputRunner = std::function<ExecResult(const Command&, const std::string& input)>;
// Installs the rules for `c` (on) or removes ours (off). "" or why, in
// iptables' own words; a refused ruleset changes nothing (restore is atomic).
// Does nothing when `links` is empty.
std::string apply_iptables(const Config& c, const LinkMap& links, bool on, const Runner& run,
                           const InputRunner& feed);

}  // namespace micsd
