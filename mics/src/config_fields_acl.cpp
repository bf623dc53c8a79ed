// ACL subtree (spec §5.15; grammar and semantics in docs/acl.md): network
// objects, network services (built-ins pre-populated), access lists with
// ordered entries, and one ACL bound per interface. Values are parsed by
// acl.hpp, the single parser the applier and `show access-list` share.
// Rendered last, so every object exists before a line that names it when the
// text is replayed, and the bindings come after the lists they bind.
#include "acl.hpp"
#include "config_fields.hpp"

#include <cctype>

namespace micsd::model {

namespace {

using Words = std::vector<std::string>;
using Entry = std::optional<std::pair<std::string, Value>>;

std::string join_from(const Words& w, std::size_t i) {
    std::string out;
    for (; i < w.size(); ++i) out += (out.empty() ? "" : " ") + w[i];
    return out;
}

std::string str(const Value& x) { return std::get<std::string>(x); }

// "object {network|service} NAME REST...": one entry per object.
Field object_field(const char* path, const char* kind, const char* help, std::string (*check)(const std::string&)) {
    Field f;
    f.info = {path, "string", help, std::string(), true};
    f.key_check = acl::check_name;
    f.check = [check](const Value& x) { return check(str(x)); };
    std::string head = std::string("object ") + kind + " ";
    f.render_entry = [head](const std::string& k, const Value& x) { return head + k + " " + str(x); };
    f.parse_entry = [kind = std::string(kind)](const Words& w) -> Entry {
        if (w.size() < 4 || w[0] != "object" || w[1] != kind) return std::nullopt;
        return std::make_pair(w[2], Value(join_from(w, 3)));
    };
    std::string family = path;
    f.check_delete = [family](const Config& c, const std::string& k) { return acl::check_delete(c, family, k); };
    return f;
}

std::string check_binding_key(const std::string& k) {
    return check_index(k, 1, 6).empty() ? std::string()
                                        : "GigabitEthernet " + k.substr(0, 16) + " does not exist (1-6)";
}

}  // namespace

void add_acl_fields(std::vector<Field>& v) {
    Field net = object_field("acl.network", "network",
                             "ACL network objects: [name] -> host A.B.C.D | subnet A.B.C.D/M [description]",
                             acl::check_network);
    net.max_entries = 10000;
    v.push_back(std::move(net));

    Field svc = object_field("acl.service", "service",
                             "ACL network services: [name] -> {tcp|udp} [src-port N] [dst-port N] | ip [protocol N] "
                             "[description]; built-ins pre-populated",
                             acl::check_service);
    svc.max_entries = 2000;
    svc.key_default = [](const std::string& k) -> std::optional<Value> {
        if (auto b = acl::builtin_service(k)) return Value(*b);
        return std::nullopt;
    };
    svc.keys_all = [](const Config&) {
        std::vector<std::string> k;
        for (const auto& b : acl::builtin_services()) k.push_back(b.first);
        return k;
    };
    v.push_back(std::move(svc));

    Field desc;
    desc.info = {"acl.description", "string", "ACL descriptions: [acl] -> text", std::string(), true};
    desc.key_check = acl::check_name;
    desc.check = [](const Value& x) { return acl::check_description(str(x)); };
    desc.render_entry = [](const std::string& k, const Value& x) { return "access-list " + k + " description " + str(x); };
    desc.parse_entry = [](const Words& w) -> Entry {
        if (w.size() < 4 || w[0] != "access-list" || w[2] != "description") return std::nullopt;
        return std::make_pair(w[1], Value(join_from(w, 3)));
    };
    desc.check_delete = [](const Config& c, const std::string& k) { return acl::check_delete(c, "acl.description", k); };
    desc.max_entries = 1000;
    v.push_back(std::move(desc));

    Field ace;
    ace.info = {"acl.entry", "string",
                "ACL entries: [acl:sequence] -> {permit|deny} SOURCE DESTINATION SERVICE [rate N] [description]",
                std::string(), true};
    ace.key_check = acl::check_entry_key;
    ace.key_less = acl::entry_key_less;
    ace.check = [](const Value& x) { return acl::check_ace(str(x)); };
    ace.render_entry = [](const std::string& k, const Value& x) {
        auto colon = k.rfind(':');
        return "access-list " + k.substr(0, colon) + " " + k.substr(colon + 1) + " " + str(x);
    };
    ace.parse_entry = [](const Words& w) -> Entry {
        if (w.size() < 7 || w[0] != "access-list" || w[2].empty() || !std::isdigit(static_cast<unsigned char>(w[2][0])))
            return std::nullopt;
        return std::make_pair(w[1] + ":" + w[2], Value(join_from(w, 3)));
    };
    ace.check_delete = [](const Config& c, const std::string& k) { return acl::check_delete(c, "acl.entry", k); };
    ace.max_entries = 20000;
    v.push_back(std::move(ace));

    Field bind;
    bind.info = {"acl.binding", "string", "ACL bound to an interface (inbound): [n] -> acl name", std::string(), true};
    bind.key_check = check_binding_key;
    bind.check = [](const Value& x) { return acl::check_name(str(x)); };
    bind.render_entry = [](const std::string& k, const Value& x) {
        return "access-group " + str(x) + " in interface GigabitEthernet " + k;
    };
    bind.parse_entry = [](const Words& w) -> Entry {
        if (words_are(w, {"access-group", nullptr, "in", "interface", "GigabitEthernet", nullptr}, 6))
            return std::make_pair(w[5], Value(w[1]));
        if (words_are(w, {"access-group", nullptr, "in", "interface", nullptr}, 5) &&
            w[4].rfind("GigabitEthernet", 0) == 0 && w[4].size() > 15)
            return std::make_pair(w[4].substr(15), Value(w[1]));
        return std::nullopt;
    };
    // The subtree's cross-entry rules hang on its last row.
    bind.check_config = acl::validate;
    bind.check_change = acl::validate_change;
    v.push_back(std::move(bind));
}

}  // namespace micsd::model
