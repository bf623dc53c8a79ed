// Remote syslog (spec #81, #82, #12; docs/logging.md): destinations and
// `show logging`. MICS makes the server canonical and owns the entries
// (ops_syslog.cpp); these rows only name the arguments.
#include "command_util.hpp"

namespace cli {

namespace {

using nlohmann::json;

const char* const kLevels[] = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};
const char* const kFacilities[] = {"general", "health-monitor", "audit"};

// The server and the optional port (MICS applies the default 514).
json target(const Args& a) {
    json j = {{"server", a.str("server")}};
    if (a.has("port")) j["port"] = a.num("port");
    return j;
}

// Which keyword of a set was given (the grammar passes keywords as arguments named by themselves).
template <std::size_t N>
std::string which(const Args& a, const char* const (&words)[N]) {
    for (const char* w : words)
        if (a.has(w)) return w;
    return {};
}

int call(Shell& sh, const char* op, const json& args) {
    mics::Reply r = sh.call(op, args.dump());
    if (!r.ok) return sh.fail(r);
    return kOk;
}

int do_syslog(Shell& sh, const Args& a) {
    json j = target(a);
    j["protocol"] = a.has("tcp") ? "TCP" : "UDP";  // keyword arguments are named in lower case
    j["facility"] = which(a, kFacilities);
    j["level"] = which(a, kLevels);
    if (a.has("disable")) j["state"] = "disable";
    else if (a.has("enable")) j["state"] = "enable";
    return call(sh, "syslog.set", j);
}

int do_no_syslog(Shell& sh, const Args& a) {
    json j = target(a);
    if (std::string f = which(a, kFacilities); !f.empty()) j["facility"] = f;
    return call(sh, "syslog.delete", j);
}

}  // namespace

void register_logging_commands(Grammar& g) {
    // One WORD for the three forms: typed arguments at one position would
    // collide in the grammar; MICS checks the form and names what is wrong.
    const std::string server = "Configure a remote syslog server\n"
                               "Server: IPv4 address, IPv6 address or host name\nPort (default 514)\n";
    const std::string server_syntax = "WORD$server [(1-65535)$port]";
    const std::string facility = "Proxy and configuration-service logs (mi.log)\n"
                                 "Back-end and utilization events\n"
                                 "Audit records: device requests, logins, configuration changes\n";
    const std::string levels = "Emergencies (0)\nAlerts (1)\nCritical (2)\nErrors (3)\nWarnings (4)\n"
                               "Notifications (5)\nInformational (6)\nDebugging (7)\n";
    g.add({"syslog " + server_syntax + " {UDP|TCP} {general|health-monitor|audit} "
                                       "{emerg|alert|crit|err|warning|notice|info|debug} [{enable|disable}]",
           server + "Send over UDP\nSend over TCP\n" + facility + levels +
               "Forward to it (default)\nKeep it configured, forward nothing\n",
           kConfig, 15, do_syslog, false,
           "Add a remote syslog destination, or edit it when the server, port and facility exist: records of the "
           "facility at the level or more severe are forwarded in real time by the appliance's rsyslog. One server "
           "and port may carry several facilities (one line each); at most 16 destinations. Facility audit also "
           "needs 'sentry audit' (on by default) for the proxy's records; the configuration service's own audit "
           "trail (logins, changes, failures) is always sent."});
    g.add({"no syslog " + server_syntax + " [{general|health-monitor|audit}]",
           std::string(kNoHelp) + server + facility, kConfig, 15, do_no_syslog, false,
           "Remove a remote syslog destination: every facility of the server and port (514 when omitted), or the "
           "one named."});
    g.add({"show logging", std::string(kShowHelp) + "Remote syslog servers\n", kExec, 1,
           [](Shell& sh, const Args&) -> int {
               mics::Reply r = sh.call("syslog.show");
               if (!r.ok) return sh.fail(r);
               json d = reply_data(r);
               sh.emit(d.value("text", ""), d.contains("data") ? d["data"].dump() : "null");
               return kOk;
           },
           true, "List the remote syslog destinations (spec §3.3 layout; '| json' adds the collector's state)."});
}

}  // namespace cli
