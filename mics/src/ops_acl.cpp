// Op rows for access lists (docs/acl.md): deleting a whole ACL in one
// revision (`no access-list NAME`) and `show access-list [NAME]`. Single
// entries and objects are ordinary config.edit paths (acl.hpp).
#include "acl.hpp"
#include "ops_detail.hpp"

#include <set>

namespace micsd::ops {

namespace {

std::string acl_name_arg(const json& a) {
    std::string name = str_arg(a, "name", acl::kMaxName);
    if (std::string why = acl::check_name(name); !why.empty()) fail("invalid", "access-list " + name + ": " + why);
    return name;
}

json acl_delete(App& app, Session& s, const json& a) {
    std::string name = acl_name_arg(a);
    const Config& run = app.running();
    if (!acl::exists(run, name)) fail("not_found", "access-list " + name + " does not exist");
    for (const auto& [n, x] : entries(run, "acl.binding"))
        if (std::get<std::string>(x) == name)
            fail("invalid", "access-list " + name + " is bound to GigabitEthernet " + n +
                                "; remove the binding first ('no ip access-group' in interface GigabitEthernet " + n +
                                ")");
    Config next = run;
    next.values.erase("acl.description[" + name + "]");
    std::string prefix = "acl.entry[" + name + ":";
    auto it = next.values.lower_bound(prefix);
    while (it != next.values.end() && it->first.rfind(prefix, 0) == 0) it = next.values.erase(it);
    std::int64_t rev = 0;
    if (std::string why = app.commit(std::move(next), s, str_arg(a, "line", 4096, false), &rev); !why.empty())
        fail("apply_failed", why);
    return {{"revision", rev}, {"changed", true}};
}

// "web1 (subnet 10.0.1.0/24)": the name with what it stands for.
template <class Map>
std::string object_text(const Map& objects, const std::string& ref) {
    auto it = objects.find(ref);
    if (ref == acl::kAny || it == objects.end()) return ref;
    auto o = it->second;
    o.description.clear();
    return ref + " (" + acl::format(o) + ")";
}

json acl_show(App& app, Session&, const json& a) {
    std::string only = a.contains("name") ? acl_name_arg(a) : "";
    const Config& c = app.running();
    acl::View v = acl::view(c);
    std::set<std::string> names;
    for (const auto& [n, l] : v.lists) names.insert(n);
    for (const auto& [n, d] : v.descriptions) names.insert(n);
    if (!only.empty()) {
        if (!names.count(only)) fail("not_found", "access-list " + only + " does not exist");
        names = {only};
    }
    App::FilterStatus filter = app.filter_status();
    std::string text;
    json lists = json::array();
    for (const auto& name : names) {
        std::vector<std::string> bound;
        for (const auto& [n, x] : v.bindings)
            if (x == name) bound.push_back("GigabitEthernet " + std::to_string(n));
        auto d = v.descriptions.find(name);
        text += "access-list " + name + (d != v.descriptions.end() ? " (" + d->second + ")" : "") + "\n";
        std::string where;
        for (const auto& b : bound) where += (where.empty() ? "" : ", ") + b;
        text += "  bound inbound to: " + (where.empty() ? std::string("none") : where + " (packet filter " +
                                                                                     filter.state + ")") +
                "\n";
        std::vector<std::vector<std::string>> rows = {
            {"  Seq", "Action", "Source", "Destination", "Service", "Conn/min", "Description"}};
        json list = json::array();
        auto l = v.lists.find(name);
        if (l != v.lists.end())
            for (const auto& [seq, e] : l->second) {
                rows.push_back({"  " + std::to_string(seq), e.permit ? "permit" : "deny", object_text(v.networks, e.src),
                                object_text(v.networks, e.dst), object_text(v.services, e.service),
                                e.rate ? std::to_string(e.rate) : "", e.description});
                list.push_back({{"sequence", seq}, {"action", e.permit ? "permit" : "deny"}, {"source", e.src},
                                {"destination", e.dst}, {"service", e.service}, {"rate_per_min", e.rate},
                                {"description", e.description}});
            }
        rows.push_back({"  -", "deny", "any", "any", "any", "", "implicit: every other new connection"});
        text += columns(rows);
        lists.push_back({{"name", name},
                         {"description", d != v.descriptions.end() ? json(d->second) : json(nullptr)},
                         {"bound", bound},
                         {"entries", list}});
    }
    if (names.empty()) text = "No access lists configured.\n";
    return {{"text", text}, {"data", {{"access_lists", lists}, {"packet_filter", filter.state}}}};
}

}  // namespace

std::vector<OpDef> acl_ops() {
    return {
        {"acl.delete", Who::session, 15, true, acl_delete},
        {"acl.show", Who::session, 1, false, acl_show},
    };
}

}  // namespace micsd::ops
