// Applier for the network subtree: interface addresses and admin state and
// static routes, driven through iproute2 (`ip`, exec argv only). Only links
// named in the link map are touched, so a development box or CI host keeps
// its own networking; tests map veth pairs inside `unshare -n`.
#pragma once
#include "config_model.hpp"
#include "exec.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace micsd {

// GigabitEthernet number -> Linux link ("1" -> "eth0"). Empty: not managed.
using LinkMap = std::map<std::string, std::string>;
// "1=eth0,2=eth1" (from --interfaces / $SENTRY_INTERFACES). "" or why.
std::string parse_link_map(const std::string& text, LinkMap& out);

using Command = std::vector<std::string>;
// Routes we install carry this protocol number so we never touch others'.
inline constexpr const char* kRouteProto = "186";

// The `ip` commands that take the links from prev's state to next's. With
// full=true (boot) prev is ignored: addresses and our routes are flushed and
// everything in next is installed. Order: route deletions, address
// deletions, link state, address additions, route additions.
std::vector<Command> network_plan(const Config& prev, const Config& next, const LinkMap& links, bool full);

using Runner = std::function<ExecResult(const Command&)>;
// Runs the plan. On the first failure runs the reverse plan (best effort) so
// nothing stays half-applied, and returns why ("" on success).
std::string apply_network(const Config& prev, const Config& next, const LinkMap& links, bool full,
                          const Runner& run);

}  // namespace micsd
