// Platform subtree: FIPS approved-algorithms mode, kernel parameters
// (`kparam`), the undocumented `dbconfig` line, and the boot-time state of
// the NTP client and the packet filter (spec 2.1 #9, 2.7 #83-84 #96, 2.13,
// 2.14 #127). What each one does on this appliance is in docs/platform.md.
#include "config_fields.hpp"

namespace micsd::model {

namespace {

// A boolean rendered as "<on>" / "no <off>" (the no-form only with `all`
// unless the default is true).
Field toggle(const char* path, const char* help, bool def, std::string on, std::string off) {
    Field f;
    f.info = {path, "bool", help, def};
    f.render = [on, off](const Value& x) { return std::get<bool>(x) ? on : off; };
    f.parse = [on, off](const std::vector<std::string>& w) -> std::optional<Value> {
        std::string line;
        for (const auto& s : w) line += (line.empty() ? "" : " ") + s;
        if (line == on) return true;
        if (line == off) return false;
        return std::nullopt;
    };
    return f;
}

struct Kparam {
    const char* name;
    const char* help;
    long long def, min, max;
};

// Defaults are the Linux kernel's; ranges are what the kernel accepts (the
// guide gives none for the keepalive three, spec 6.11).
constexpr Kparam kKparams[] = {
    {"rp_filter", "Reverse-path filter (net.ipv4.conf.*.rp_filter): 0 off, 1 strict, 2 loose", 0, 0, 2},
    {"log_martians", "Log packets with impossible addresses (net.ipv4.conf.*.log_martians)", 0, 0, 1},
    {"kernel_panic", "Seconds before rebooting after a kernel panic, 0 = never (kernel.panic)", 0, 0, 86400},
    {"tcp_sack", "TCP selective acknowledgements (net.ipv4.tcp_sack)", 1, 0, 1},
    {"tcp_keepalive_time", "Seconds idle before TCP keepalive probes (net.ipv4.tcp_keepalive_time)", 7200, 1, 32767},
    {"tcp_keepalive_probes", "TCP keepalive probes before dropping (net.ipv4.tcp_keepalive_probes)", 9, 1, 127},
    {"tcp_keepalive_intvl", "Seconds between TCP keepalive probes (net.ipv4.tcp_keepalive_intvl)", 75, 1, 32767},
};

}  // namespace

void add_platform_fields(std::vector<Field>& v) {
    v.push_back(toggle("system.fips", "FIPS approved-algorithms mode; takes effect at the next reload", false, "fips",
                       "no fips"));
    // Spec 2.14 #127: meaning undocumented; accepted and rendered unchanged.
    v.push_back(toggle("system.dbconfig", "The reference product's undocumented dbconfig line (no effect)", false,
                       "dbconfig", "no dbconfig"));
    v.push_back(toggle("service.ntp", "NTP client enabled at boot", true, "service ntp", "no service ntp"));
    v.push_back(toggle("service.iptables", "Packet filter (iptables) enabled at boot", true,
                       "service iptables enable", "no service iptables"));
    for (const auto& k : kKparams) {
        Field f;
        std::string name = k.name;
        f.info = {"kparam." + name, "int", k.help, k.def};
        f.min = k.min;
        f.max = k.max;
        f.render = [name](const Value& x) { return "kparam " + name + " " + std::to_string(std::get<long long>(x)); };
        f.parse = [name](const std::vector<std::string>& w) -> std::optional<Value> {
            if (w.size() != 3 || w[0] != "kparam" || w[1] != name) return std::nullopt;
            return int_or_word(w[2]);
        };
        v.push_back(std::move(f));
    }
}

}  // namespace micsd::model
