// Network configuration: static routes, DNS name servers and domain, NTP servers.
// Each row is one config.edit on a keyed model entry (mics/src/config_model.cpp).
// These are modelled and rendered; applying them to the links/resolver/chrony is a later issue.
#include "command_util.hpp"

namespace cli {

namespace {

std::string route_path(const Args& a) { return "ip.route[" + a.str("network") + "/" + a.str("mask") + "]"; }
std::string index_path(const char* family, const Args& a) {
    return std::string(family) + "[" + std::to_string(a.num("index")) + "]";
}

}  // namespace

void register_network_commands(Grammar& g) {
    const std::string no = kNoHelp;
    const std::string ip = "Configure IP settings\n";
    const std::string route = "Configure a static route\nDestination network\nDestination netmask\n";
    g.add({"ip route A.B.C.D$network A.B.C.D$mask A.B.C.D$gateway", ip + route + "Gateway address\n", kConfig, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, route_path(a), "set", a.str("gateway")); }, false,
           "Add or replace a static route (0.0.0.0 0.0.0.0 = default gateway; at most 64)."});
    g.add({"no ip route A.B.C.D$network A.B.C.D$mask [A.B.C.D$gateway]", no + ip + route + "Gateway address\n",
           kConfig, 15, [](Shell& sh, const Args& a) { return config_edit(sh, route_path(a), "delete"); }, false,
           "Remove the static route to network/netmask (the gateway is optional and not compared)."});
    const std::string ns = "Configure a DNS name server\n";
    g.add({"ip name-server A.B.C.D$ip (0-2)$index", ip + ns + "Name server address\nIndex (0 = preferred, 1-2 = alternates)\n",
           kConfig, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, index_path("dns.server", a), "set", a.str("ip")); },
           false, "Set the DNS name server at an index (0 preferred, 1-2 alternates)."});
    g.add({"no ip name-server A.B.C.D$ip (0-2)$index",
           no + ip + ns + "Name server address\nIndex (0 = preferred, 1-2 = alternates)\n", kConfig, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, index_path("dns.server", a), "delete"); }, false,
           "Remove the DNS name server at an index (the address is not compared)."});
    g.add({"ip domain-name HOSTNAME$domain", ip + "Set the default DNS domain\nDomain name\n", kConfig, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, "dns.domain", "set", a.str("domain")); }, false,
           "Set the default DNS domain."});
    g.add({"no ip domain-name [HOSTNAME$domain]", no + ip + "Set the default DNS domain\nDomain name\n", kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "dns.domain", "delete"); }, false,
           "Remove the default DNS domain."});
    const std::string ntp = "Configure an NTP server\n";
    g.add({"ntp HOSTNAME$server (1-3)$index",
           ntp + "Server IPv4 address or host name\nIndex (1 = primary, 2 = secondary, 3 = tertiary)\n", kConfig, 15,
           [](Shell& sh, const Args& a) {
               return config_edit(sh, index_path("ntp.server", a), "set", a.str("server"));
           },
           false, "Set the NTP server at an index (1 primary, 2 secondary, 3 tertiary)."});
    g.add({"no ntp HOSTNAME$server (1-3)$index",
           no + ntp + "Server IPv4 address or host name\nIndex (1 = primary, 2 = secondary, 3 = tertiary)\n", kConfig, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, index_path("ntp.server", a), "delete"); }, false,
           "Remove the NTP server at an index (the server is not compared)."});
}

}  // namespace cli
