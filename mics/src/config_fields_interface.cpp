// Interface subtree: `interface GigabitEthernet <n>` sections (spec §2.14,
// rendered first as in §3.1, each closed by an indented `end`). The model
// knows GigabitEthernet 1-6; which Linux link each maps to is the applier's
// business (only touched inside a network namespace in tests).
#include "config_fields.hpp"

#include <charconv>

namespace micsd::model {

namespace {

constexpr int kInterfaces = 6;

std::string check_interface(const std::string& key) {
    return check_index(key, 1, kInterfaces).empty()
               ? std::string()
               : "GigabitEthernet " + key.substr(0, 16) + " does not exist (1-" + std::to_string(kInterfaces) + ")";
}

// "A.B.C.D/M.M.M.M": a host address and a contiguous netmask.
std::string check_address(const Value& x) {
    const auto& s = std::get<std::string>(x);
    auto slash = s.find('/');
    if (slash == std::string::npos) return "must be <address>/<netmask>";
    auto addr = ipv4(s.substr(0, slash)), mask = ipv4(s.substr(slash + 1));
    if (!addr) return "address " + s.substr(0, slash) + " is not an IPv4 address";
    if (!mask) return "netmask " + s.substr(slash + 1) + " is not an IPv4 address";
    std::uint32_t inv = ~*mask;
    if ((inv & (inv + 1)) != 0 || *mask == 0) return "netmask " + s.substr(slash + 1) + " is not a valid netmask";
    if (inv > 1 && ((*addr & inv) == 0 || (*addr & inv) == inv))
        return "address " + s.substr(0, slash) + " is the network or broadcast address of its subnet";
    return {};
}

}  // namespace

void add_interface_fields(std::vector<Field>& v) {
    Field head;
    head.info = {"interface", "string", "Ethernet interfaces GigabitEthernet 1-6", std::string(), true};
    head.key_check = check_interface;
    head.key_less = [](const std::string& a, const std::string& b) { return a.size() != b.size() ? a.size() < b.size() : a < b; };
    head.block_header = [](const std::string& k) { return "interface GigabitEthernet " + k; };
    // Both spellings of the spec: "GigabitEthernet 1" (CLI) and "GigabitEthernet1" (UI).
    head.parse_block_header = [](const std::vector<std::string>& w) -> std::optional<std::string> {
        if (words_are(w, {"interface", "GigabitEthernet", nullptr}, 3)) return w[2];
        if (words_are(w, {"interface", nullptr}, 2) && w[1].rfind("GigabitEthernet", 0) == 0 && w[1].size() > 15)
            return w[1].substr(15);
        return std::nullopt;
    };
    head.block_keys_all = [] {
        std::vector<std::string> k;
        for (int i = 1; i <= kInterfaces; ++i) k.push_back(std::to_string(i));
        return k;
    };
    v.push_back(std::move(head));

    Field addr;
    addr.info = {"interface.address", "string", "IPv4 address of the interface: [n] -> address/netmask", std::string(),
                 true};
    addr.check = check_address;
    addr.key_check = check_interface;
    addr.block = "interface";
    addr.render_absent = "no ip address";
    addr.render_entry = [](const std::string&, const Value& x) {
        const auto& s = std::get<std::string>(x);
        auto slash = s.find('/');
        return "ip address " + s.substr(0, slash) + " " + s.substr(slash + 1);
    };
    addr.parse_entry = [](const std::vector<std::string>& w) -> std::optional<std::pair<std::string, Value>> {
        if (!words_are(w, {"ip", "address", nullptr, nullptr}, 4)) return std::nullopt;
        return std::make_pair(std::string(), Value(w[2] + "/" + w[3]));
    };
    v.push_back(std::move(addr));

    // Admin state: an absent entry is enabled ("no shutdown"); only `shutdown`
    // is stored, so `no shutdown` deletes the entry.
    Field shut;
    shut.info = {"interface.shutdown", "bool", "Interface administratively down: [n] -> true", false, true};
    shut.check = [](const Value& x) {
        return std::get<bool>(x) ? std::string() : std::string("store only true; 'no shutdown' deletes the entry");
    };
    shut.key_check = check_interface;
    shut.block = "interface";
    shut.render_absent = "no shutdown";
    shut.render_entry = [](const std::string&, const Value&) { return std::string("shutdown"); };
    shut.parse_entry = [](const std::vector<std::string>& w) -> std::optional<std::pair<std::string, Value>> {
        if (!words_are(w, {"shutdown"}, 1)) return std::nullopt;
        return std::make_pair(std::string(), Value(true));
    };
    v.push_back(std::move(shut));
}

}  // namespace micsd::model
