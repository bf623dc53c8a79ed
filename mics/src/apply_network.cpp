#include "apply_network.hpp"

#include "config_fields.hpp"

#include <bit>
#include <cstdint>
#include <sstream>

namespace micsd {

namespace {

// "a.b.c.d" netmask -> prefix length (masks are validated by the model).
int prefix_len(const std::string& mask) { return std::popcount(model::ipv4(mask).value_or(0)); }

// "A/M.M.M.M" -> "A/len"
std::string cidr(const std::string& addr_mask) {
    auto slash = addr_mask.find('/');
    return addr_mask.substr(0, slash) + "/" + std::to_string(prefix_len(addr_mask.substr(slash + 1)));
}

std::map<std::string, std::string> string_entries(const Config& c, const std::string& family) {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : entries(c, family)) out[k] = std::get<std::string>(v);
    return out;
}

bool is_down(const Config& c, const std::string& n) {
    return c.values.count("interface.shutdown[" + n + "]") != 0;
}

Command ip(std::initializer_list<std::string> args) {
    Command c{"ip"};
    c.insert(c.end(), args);
    return c;
}

}  // namespace

std::string parse_link_map(const std::string& text, LinkMap& out) {
    LinkMap m;
    std::istringstream in(text);
    for (std::string item; std::getline(in, item, ',');) {
        if (item.empty()) continue;
        auto eq = item.find('=');
        if (eq == std::string::npos) return "interface map entry '" + item + "' is not N=LINK";
        std::string n = item.substr(0, eq), link = item.substr(eq + 1);
        if (n.size() != 1 || n[0] < '1' || n[0] > '6') return "interface map: GigabitEthernet " + n + " does not exist (1-6)";
        if (link.empty() || link.size() > 15 || link.find_first_of("/ \t") != std::string::npos)
            return "interface map: '" + link + "' is not a Linux link name";
        m[n] = link;
    }
    out = std::move(m);
    return {};
}

std::vector<Command> network_plan(const Config& prev_in, const Config& next, const LinkMap& links, bool full) {
    std::vector<Command> route_del, addr_del, link_state, addr_add, route_add;
    if (links.empty()) return {};
    const Config empty;
    const Config& prev = full ? empty : prev_in;

    auto pa = string_entries(prev, "interface.address"), na = string_entries(next, "interface.address");
    for (const auto& [n, dev] : links) {
        auto p = pa.find(n), q = na.find(n);
        std::string before = p == pa.end() ? "" : p->second, after = q == na.end() ? "" : q->second;
        if (full) addr_del.push_back(ip({"addr", "flush", "dev", dev, "scope", "global"}));
        else if (!before.empty() && before != after) addr_del.push_back(ip({"addr", "del", cidr(before), "dev", dev}));
        if (!after.empty() && (full || before != after)) addr_add.push_back(ip({"addr", "add", cidr(after), "dev", dev}));
        if (full || is_down(prev, n) != is_down(next, n))
            link_state.push_back(ip({"link", "set", "dev", dev, is_down(next, n) ? "down" : "up"}));
    }

    auto pr = string_entries(prev, "ip.route"), nr = string_entries(next, "ip.route");
    auto dest = [](const std::string& key) { return cidr(key); };  // key is network/netmask
    if (full) route_del.push_back(ip({"route", "flush", "proto", kRouteProto}));
    for (const auto& [k, gw] : pr)
        if (!nr.count(k)) route_del.push_back(ip({"route", "del", dest(k), "via", gw, "proto", kRouteProto}));
    // The kernel drops routes through an address that goes away or a link
    // that goes down, so any link change re-installs every route.
    bool links_changed = !addr_del.empty() || !link_state.empty();
    for (const auto& [k, gw] : nr) {
        auto p = pr.find(k);
        if (full || links_changed || p == pr.end() || p->second != gw)
            route_add.push_back(ip({"route", "replace", dest(k), "via", gw, "proto", kRouteProto}));
    }

    std::vector<Command> plan;
    for (auto* part : {&route_del, &addr_del, &link_state, &addr_add, &route_add})
        plan.insert(plan.end(), part->begin(), part->end());
    return plan;
}

std::string apply_network(const Config& prev, const Config& next, const LinkMap& links, bool full,
                          const Runner& run) {
    for (const auto& cmd : network_plan(prev, next, links, full)) {
        ExecResult r = run(cmd);
        if (r.status == 0) continue;
        std::string what;
        for (std::size_t i = 1; i < cmd.size(); ++i) what += (i > 1 ? " " : "") + cmd[i];
        std::string why = "ip " + what + ": " + (r.output.empty() ? "failed" : r.output);
        // Undo what did run: the reverse diff, ignoring commands that fail
        // because their half never happened.
        if (!full)
            for (const auto& undo : network_plan(next, prev, links, false)) run(undo);
        return why;
    }
    return {};
}

}  // namespace micsd
