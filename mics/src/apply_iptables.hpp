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
// Only what is bound is read (acl::bound_view).
IptablesRules iptables_rules(const Config& c, const LinkMap& links);

// At most one list per interface, so at most this many SENTRY-ACL-n chains.
inline constexpr int kMaxAclChains = 6;

// What has to be known of the installed state (`iptables -C`): nothing
// else is read back, so an apply costs one restore of our own rules.
struct IptablesState {
    bool jump = false;  // INPUT has "-j SENTRY-IN"
};

// The iptables-restore --noflush input that takes any state of our chains to
// `rules` (nullptr: remove every chain of ours and the jump).
std::string iptables_restore_input(const IptablesState& now, const IptablesRules* rules);

using InputRunner = std::function<ExecResult(const Command&, const std::string& input)>;
// Installs the rules for `c` (on) or removes ours (off). "" or why, in
// iptables' own words; a refused ruleset changes nothing (restore is atomic).
// Does nothing when `links` is empty.
std::string apply_iptables(const Config& c, const LinkMap& links, bool on, const Runner& run,
                           const InputRunner& feed);

}  // namespace micsd
