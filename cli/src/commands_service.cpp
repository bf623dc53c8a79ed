// System services: the status table and start/stop/restart through MICS's
// supervisor. MICS checks privilege; stopping ssh from an SSH session ends it.
#include "command_util.hpp"

namespace cli {

using nlohmann::json;

namespace {

int service_call(Shell& sh, const json& args) {
    mics::Reply r = sh.call(args.contains("service") ? "service.control" : "service.status", args.dump());
    if (!r.ok) return sh.fail(r);
    json d = json::parse(r.data, nullptr, false);
    if (!d.is_object()) d = json::object();
    sh.emit(d.value("text", ""), d.contains("data") ? d["data"].dump() : "null");
    return kOk;
}

int do_service(Shell& sh, const Args& a) {
    std::string svc = a.has("sentry") ? "sentry" : a.has("snmp") ? "snmp" : a.has("iptables") ? "iptables" : "ssh";
    std::string action = a.has("start") ? "start" : a.has("stop") ? "stop" : a.has("restart") ? "restart" : "status";
    return service_call(sh, {{"service", svc}, {"action", action}});
}

}  // namespace

void register_service_commands(Grammar& g) {
    g.add({"show service", std::string(kShowHelp) + "System services and their state\n", kExec, 1,
           [](Shell& s, const Args&) { return service_call(s, json::object()); }, true,
           "Table of services: enabled at boot, session limit (ssh), state, PID, uptime and restarts."});
    g.add({"service {sentry|snmp|ssh|iptables} {start|stop|restart|status}",
           "Configure a system service\nThe ActiveSync proxy (sentryd)\nThe SNMP agent (snmpd and the subagent)\n"
           "SSH access to the CLI\nThe packet filter (iptables)\nStart the service\nStop the service\n"
           "Stop, then start the service\nShow the service's state\n",
           kExec, 15, do_service, true,
           "Start, stop or restart a service, or show its state; stopping ssh from an SSH session ends that "
           "session (and every other one), and a stopped service stays stopped until started again or MICS restarts. "
           "iptables: start installs the bound access lists' rules, stop removes them (every new connection is let "
           "through), restart does both; only where $SENTRY_INTERFACES maps interfaces to links (docs/acl.md)."});
}

}  // namespace cli
