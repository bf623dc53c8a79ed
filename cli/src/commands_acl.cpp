// Access control lists (spec §5.15; grammar and semantics in docs/acl.md):
// network and service objects, access lists of ordered entries, the binding
// of one ACL per interface (CONFIG: `access-group ... in interface ...`,
// INTERFACE sub-mode: `ip access-group NAME`), and `show access-list`.
// Each handler builds the canonical value MICS stores (mics/src/acl.hpp);
// MICS checks names, ranges and references.
#include "command_util.hpp"

#include <cctype>

namespace cli {

using nlohmann::json;

namespace {

// Descriptions are stored with single spaces, so what is typed renders back
// the same way.
std::string squeeze(const std::string& text) {
    std::string out;
    for (char ch : text) {
        if (std::isspace(static_cast<unsigned char>(ch))) {
            if (!out.empty() && out.back() != ' ') out.push_back(' ');
        } else {
            out.push_back(ch);
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::string with_description(std::string v, const Args& a) {
    if (a.has("desc")) v += " description " + squeeze(a.str("desc"));
    return v;
}

std::string object_path(const char* family, const Args& a) { return std::string(family) + "[" + a.str("name") + "]"; }
std::string entry_path(const Args& a) { return "acl.entry[" + a.str("name") + ":" + a.str("seq") + "]"; }

int do_network(Shell& sh, const Args& a) {
    std::string v = a.has("host") ? "host " + a.str("ip") : "subnet " + a.str("prefix");
    return config_edit(sh, object_path("acl.network", a), "set", with_description(v, a));
}

int do_service(Shell& sh, const Args& a) {
    std::string v;
    if (a.has("ip")) {
        v = "ip";
        if (a.has("proto") && a.num("proto")) v += " protocol " + std::to_string(a.num("proto"));
    } else {
        v = a.has("tcp") ? "tcp" : "udp";
        if (a.has("sport") && a.num("sport")) v += " src-port " + std::to_string(a.num("sport"));
        if (a.has("dport") && a.num("dport")) v += " dst-port " + std::to_string(a.num("dport"));
    }
    return config_edit(sh, object_path("acl.service", a), "set", with_description(v, a));
}

int do_entry(Shell& sh, const Args& a) {
    std::string v = std::string(a.has("permit") ? "permit" : "deny") + " " + a.str("src") + " " + a.str("dst") + " " +
                    a.str("svc");
    if (a.has("rate") && a.num("rate")) v += " rate " + std::to_string(a.num("rate"));
    return config_edit(sh, entry_path(a), "set", with_description(v, a));
}

int do_no_acl(Shell& sh, const Args& a) {
    if (a.has("seq")) return config_edit(sh, entry_path(a), "delete");
    // The whole list in one revision; MICS refuses while it is bound.
    mics::Reply r = sh.call("acl.delete", json{{"name", a.str("name")}}.dump());
    if (!r.ok) return sh.fail(r);
    return kOk;
}

int do_show(Shell& sh, const Args& a) {
    json args = json::object();
    if (a.has("name")) args["name"] = a.str("name");
    mics::Reply r = sh.call("acl.show", args.dump());
    if (!r.ok) return sh.fail(r);
    json d = json::parse(r.data, nullptr, false);
    if (!d.is_object()) d = json::object();
    sh.emit(d.value("text", ""), d.contains("data") ? d["data"].dump() : "null");
    return kOk;
}

std::string binding_path(const std::string& n) { return "acl.binding[" + n + "]"; }

}  // namespace

void register_acl_commands(Grammar& g) {
    const std::string no = kNoHelp;
    const std::string obj = "Define an object for access lists\n";
    const std::string desc = "Describe it\nText to the end of the line\n";

    const std::string net = "A network or host\nObject name\n";
    g.add({"object network WORD$name {host A.B.C.D$ip|subnet A.B.C.D/M$prefix} [description LINE$desc]",
           obj + net + "A single host\nIPv4 address\nA subnet\nNetwork/prefix length (CIDR)\n" + desc, kConfig, 15,
           do_network, false,
           "Define or replace a network object: one host or a subnet in CIDR notation (no host bits set). Names: "
           "1-64 letters, digits, '_', '.', '-'; 'any' is reserved."});
    g.add({"no object network WORD$name", no + obj + net, kConfig, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, object_path("acl.network", a), "delete"); }, false,
           "Delete a network object; refused while an access-list entry uses it."});

    const std::string svc = "A network service (protocol and ports)\nObject name\n";
    g.add({"object service WORD$name {tcp|udp} [src-port (0-65535)$sport] [dst-port (0-65535)$dport] "
           "[description LINE$desc]",
           obj + svc + "TCP\nUDP\nSource port\nPort (0 = any)\nDestination port\nPort (0 = any)\n" + desc, kConfig, 15,
           do_service, false,
           "Define or replace a TCP or UDP service; a port left out or 0 matches any port. Built-in services (ssh, "
           "https, ...) can be redefined."});
    g.add({"object service WORD$name ip [protocol (0-255)$proto] [description LINE$desc]",
           obj + svc + "Any IP protocol, or one by number\nIP protocol number\nNumber (0 = any)\n" + desc, kConfig,
           15, do_service, false, "Define or replace an IP service: one IP protocol (50 = ESP) or, left out, all."});
    g.add({"no object service WORD$name", no + obj + svc, kConfig, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, object_path("acl.service", a), "delete"); }, false,
           "Delete a network service (refused while an entry uses it); a built-in one returns to its definition."});

    const std::string al = "Configure an access list\nAccess list name\n";
    g.add({"access-list WORD$name (1-65535)$seq {permit|deny} WORD$src WORD$dst WORD$svc [rate (0-100000)$rate] "
           "[description LINE$desc]",
           al + "Sequence number (entries are evaluated in this order)\nLet matching connections through\n"
                "Drop matching connections\nSource: 'any' or a network object\nDestination: 'any' or a network "
                "object\nService: 'any' or a network service\nLimit new connections per minute per source\n"
                "Connections per minute (0 = unlimited)\n" + desc,
           kConfig, 15, do_entry, false,
           "Add or replace the entry at a sequence number. The first matching entry decides; a new inbound "
           "connection no entry matches is dropped (docs/acl.md). A rate applies to permit entries only."});
    g.add({"access-list WORD$name description LINE$desc", al + "Describe the access list\nText to the end of the line\n",
           kConfig, 15,
           [](Shell& sh, const Args& a) {
               return config_edit(sh, "acl.description[" + a.str("name") + "]", "set", squeeze(a.str("desc")));
           },
           false, "Set the access list's description (an access list exists once it has an entry or a description)."});
    g.add({"no access-list WORD$name [(1-65535)$seq [LINE$rest]]",
           no + al + "Sequence number (entries are evaluated in this order)\nThe rest of the entry\n", kConfig, 15,
           do_no_acl, false,
           "Delete one entry (anything after the sequence number is not compared), or without a sequence number the "
           "whole access list; refused when that would leave a bound access list without entries or description."});
    g.add({"no access-list WORD$name description [LINE$desc]",
           no + al + "Describe the access list\nText to the end of the line\n", kConfig, 15,
           [](Shell& sh, const Args& a) {
               return config_edit(sh, "acl.description[" + a.str("name") + "]", "delete");
           },
           false, "Remove the access list's description (the text is not compared)."});

    const std::string ag = "Bind an access list to an interface\n";
    const std::string ifc = "Inbound connections\nOn an interface\nGigabit Ethernet interface\nInterface number\n"
                            "Gigabit Ethernet interface and number\n";
    g.add({"access-group WORD$name in interface {GigabitEthernet (1-6)$n|GigabitEthernet(1-6)$n}",
           ag + "Access list name\n" + ifc, kConfig, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, binding_path(a.str("n")), "set", a.str("name")); },
           false,
           "Filter new inbound connections on the interface with the access list (one per interface; needs "
           "'service iptables enable'). The same as 'ip access-group NAME' in interface mode; running-config "
           "shows this form, after the lists it names."});
    g.add({"no access-group [WORD$name] in interface {GigabitEthernet (1-6)$n|GigabitEthernet(1-6)$n}",
           no + ag + "Access list name\n" + ifc, kConfig, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, binding_path(a.str("n")), "delete"); }, false,
           "Stop filtering the interface (a name given is not compared)."});

    const std::string ip = "Configure IP settings\n";
    const std::string ipag = "Filter inbound connections with an access list\n";
    g.add({"ip access-group WORD$name [in]", ip + ipag + "Access list name\nInbound connections (the only direction)\n",
           kConfigIf, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, binding_path(sh.context()), "set", a.str("name")); },
           false,
           "Bind an access list to this interface (replaces the one bound before). Rendered as 'access-group NAME "
           "in interface GigabitEthernet N' after the access lists."});
    g.add({"no ip access-group [WORD$name] [in]",
           no + ip + ipag + "Access list name\nInbound connections (the only direction)\n", kConfigIf,
           15, [](Shell& sh, const Args&) { return config_edit(sh, binding_path(sh.context()), "delete"); }, false,
           "Remove this interface's access list (a name given is not compared)."});

    g.add({"show access-list [WORD$name]",
           std::string(kShowHelp) + "Access lists: entries, objects they use, bindings\nOne access list\n", kExec, 1,
           do_show, true,
           "Each access list (or one) with its description, the interfaces it is bound to and the packet filter's "
           "state, and its entries in evaluation order with the objects resolved, ending in the implicit deny."});
}

}  // namespace cli
