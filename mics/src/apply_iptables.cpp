#include "apply_iptables.hpp"

#include "acl.hpp"

#include <algorithm>
#include <map>
#include <sstream>

namespace micsd {

namespace {

std::string cidr(const acl::Network& n) {
    std::uint32_t a = n.addr;
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) +
           "." + std::to_string(a & 255) + "/" + std::to_string(n.prefix);
}

// The match part of one entry (validated config: every name resolves).
std::string match(const acl::View& v, const acl::Ace& a) {
    std::string m;
    if (a.src != acl::kAny) m += " -s " + cidr(v.networks.at(a.src));
    if (a.dst != acl::kAny) m += " -d " + cidr(v.networks.at(a.dst));
    if (a.service == acl::kAny) return m;
    const acl::Service& s = v.services.at(a.service);
    if (s.proto == acl::Proto::ip) return s.protocol ? m + " -p " + std::to_string(s.protocol) : m;
    std::string p = s.proto == acl::Proto::tcp ? "tcp" : "udp";
    m += " -p " + p;
    if (s.src_port || s.dst_port) m += " -m " + p;
    if (s.src_port) m += " --sport " + std::to_string(s.src_port);
    if (s.dst_port) m += " --dport " + std::to_string(s.dst_port);
    return m;
}

std::string comment(const std::string& text) { return " -m comment --comment \"" + text + "\""; }

}  // namespace

IptablesRules iptables_rules(const Config& c, const LinkMap& links) {
    IptablesRules out;
    out.chains.push_back(kFilterChain);
    acl::View v = acl::bound_view(c);  // what is bound, not every list
    // One chain per ACL bound to a mapped link, numbered in name order (an
    // ACL name can be longer than iptables' 28-character chain names).
    std::map<std::string, std::string> chain_of;
    for (const auto& [n, name] : v.bindings)
        if (links.count(std::to_string(n))) chain_of.emplace(name, "");
    int next = 1;
    for (auto& [name, chain] : chain_of) {
        chain = kAclChainPrefix + std::to_string(next++);
        out.chains.push_back(chain);
    }
    std::ostringstream r;
    // Replies and the rest of connections already admitted are never
    // filtered: an ACL change cannot cut the session that makes it.
    r << "-A " << kFilterChain << " -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n";
    for (const auto& [n, name] : v.bindings) {
        auto link = links.find(std::to_string(n));
        if (link == links.end()) continue;
        r << "-A " << kFilterChain << " -i " << link->second
          << comment("GigabitEthernet " + std::to_string(n) + " access-group " + name) << " -j " << chain_of[name]
          << "\n";
    }
    for (const auto& [name, chain] : chain_of) {
        auto list = v.lists.find(name);
        if (list != v.lists.end())
            for (const auto& [seq, a] : list->second) {
                std::string head = "-A " + chain + match(v, a) + comment(name + " " + std::to_string(seq));
                if (!a.permit) {
                    r << head << " -j DROP\n";
                } else if (a.rate == 0) {
                    r << head << " -j RETURN\n";
                } else {
                    // Up to `rate` new connections a minute from each source
                    // address (burst of the same size); beyond that, drop
                    // instead of falling through to later entries.
                    std::string n = std::to_string(a.rate);
                    r << head << " -m hashlimit --hashlimit-upto " << n << "/min --hashlimit-burst " << n
                      << " --hashlimit-mode srcip --hashlimit-name sentry" << chain.substr(11) << "-" << seq
                      << " -j RETURN\n";
                    r << head << " -j DROP\n";
                }
            }
        r << "-A " << chain << comment(name + " implicit deny") << " -j DROP\n";
    }
    out.rules = r.str();
    return out;
}

namespace {

std::string acl_chain(int k) { return kAclChainPrefix + std::to_string(k); }

}  // namespace

std::string iptables_restore_input(const IptablesState& now, const IptablesRules* rules) {
    // Declaring a chain creates it or flushes it, and --noflush leaves every
    // other chain alone. Every chain we may ever use is declared (at most one
    // list per interface), so nothing has to be read back from iptables
    // first: those not needed now are deleted again, once nothing jumps to
    // them (SENTRY-IN is refilled without them).
    std::string out = "*filter\n";
    if (!rules && now.jump) out += std::string("-D INPUT -j ") + kFilterChain + "\n";
    out += std::string(":") + kFilterChain + " - [0:0]\n";
    for (int k = 1; k <= kMaxAclChains; ++k) out += ":" + acl_chain(k) + " - [0:0]\n";
    for (int k = 1; k <= kMaxAclChains; ++k)
        if (!rules || std::find(rules->chains.begin(), rules->chains.end(), acl_chain(k)) == rules->chains.end())
            out += "-X " + acl_chain(k) + "\n";
    if (!rules) return out + std::string("-X ") + kFilterChain + "\nCOMMIT\n";
    out += rules->rules;
    if (!now.jump) out += std::string("-I INPUT 1 -j ") + kFilterChain + "\n";
    return out + "COMMIT\n";
}

std::string apply_iptables(const Config& c, const LinkMap& links, bool on, const Runner& run,
                           const InputRunner& feed) {
    if (links.empty()) return {};
    // Only the INPUT jump has to be known: 0 = there, 1 = not there, 2 = our
    // chain does not exist (so neither does the jump). -w: wait for the
    // xtables lock instead of failing while another tool holds it.
    ExecResult check = run({"iptables", "-w", "5", "-C", "INPUT", "-j", kFilterChain});
    if (check.status < 0 || check.status > 2) return "iptables: " + (check.output.empty() ? "failed" : check.output);
    IptablesState now{check.status == 0};
    IptablesRules rules;
    if (on) rules = iptables_rules(c, links);
    ExecResult r = feed({"iptables-restore", "--noflush", "-w", "5"}, iptables_restore_input(now, on ? &rules : nullptr));
    if (r.status != 0) return "iptables-restore: " + (r.output.empty() ? "failed" : r.output);
    return {};
}

}  // namespace micsd

// ---- the App side: the packet filter's state (`service iptables ...`) -------

#include "app.hpp"

#include "mics/log.hpp"

namespace micsd {

namespace {

ExecResult feed_argv(const Command& c, const std::string& input) { return run_argv_input(c, input); }
ExecResult run_cmd(const Command& c) { return run_argv(c); }

}  // namespace

std::string App::filter_apply(const Config& c, bool on) {
    if (links_.empty()) return {};
    std::string why = apply_iptables(c, links_, on, run_cmd, feed_argv);
    if (!why.empty()) return why;
    if (on && !filter_.running) filter_.since = std::chrono::steady_clock::now();
    filter_.running = on;
    return {};
}

void App::filter_boot() {
    // At boot the configured state wins (a `service iptables stop` before a
    // restart is forgotten, as after a reboot of the reference product).
    bool on = std::get<bool>(get(running_, "service.iptables"));
    if (std::string why = filter_apply(running_, on); !why.empty()) mics::log_error("packet filter: " + why);
}

std::string App::filter_control(const std::string& action) {
    if (links_.empty())
        return "the packet filter is not managed here: $SENTRY_INTERFACES names no links (docs/acl.md)";
    if (action == "stop") return filter_apply(running_, false);
    if (action == "restart") {
        if (std::string why = filter_apply(running_, false); !why.empty()) return why;
        ++filter_.restarts;
    }
    return filter_apply(running_, true);
}

App::FilterStatus App::filter_status() const {
    FilterStatus s;
    s.enabled = std::get<bool>(get(running_, "service.iptables"));
    s.state = links_.empty() ? "unmanaged" : filter_.running ? "running" : s.enabled ? "stopped" : "disabled";
    if (filter_.running)
        s.uptime_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - filter_.since)
                         .count();
    s.restarts = filter_.restarts;
    return s;
}

}  // namespace micsd
