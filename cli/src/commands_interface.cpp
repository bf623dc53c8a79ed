// INTERFACE sub-mode (spec 2.14 #121-125): `interface GigabitEthernet <1-6>`
// enters host/config-if#, whose commands edit that interface's members of
// the model's `interface` section (mics/src/config_fields_interface.cpp).
// The shell holds the interface number as the mode's context; MICS validates.
#include "command_util.hpp"

namespace cli {

namespace {

// The model path of this interface's member `member` ("interface.address[2]").
std::string member(const Shell& sh, const char* name) { return std::string("interface.") + name + "[" + sh.context() + "]"; }

int do_interface(Shell& sh, const Args& a) { return sh.enter_mode(kConfigIf, a.str("n")); }

int do_address(Shell& sh, const Args& a) {
    return config_edit(sh, member(sh, "address"), "set", a.str("ip") + "/" + a.str("mask"));
}

}  // namespace

void register_interface_commands(Grammar& g) {
    const std::string no = kNoHelp;
    const std::string gi = "Gigabit Ethernet interface\nInterface number\n";
    CommandDef enter{"interface {GigabitEthernet (1-6)$n|GigabitEthernet(1-6)$n}",
                     "Select an interface to configure\n" + gi + "Gigabit Ethernet interface and number\n", kConfig, 15,
                     do_interface, false,
                     "Enter INTERFACE mode (prompt host/config-if#) for GigabitEthernet 1-6; both spellings "
                     "'GigabitEthernet 1' and 'GigabitEthernet1' are accepted; entering changes nothing by itself."};
    enter.enters = kConfigIf;
    g.add(std::move(enter));

    const std::string ip = "Configure IP settings\n";
    const std::string addr = "Set the IPv4 address of the interface\nIPv4 address\nNetmask (dotted quad)\n";
    g.add({"ip address A.B.C.D$ip A.B.C.D$mask", ip + addr, kConfigIf, 15, do_address, false,
           "Set the interface's IPv4 address and netmask (a contiguous mask; not the network or broadcast address)."});
    g.add({"no ip address [A.B.C.D$ip A.B.C.D$mask]", no + ip + addr, kConfigIf, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, member(sh, "address"), "delete"); }, false,
           "Remove the interface's IPv4 address (an address given is not compared)."});
    g.add({"shutdown", "Administratively disable the interface\n", kConfigIf, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, member(sh, "shutdown"), "set", true); }, false,
           "Disable the interface (admin state down)."});
    g.add({"no shutdown", no + "Administratively disable the interface\n", kConfigIf, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, member(sh, "shutdown"), "delete"); }, false,
           "Enable the interface (the default)."});
}

}  // namespace cli
