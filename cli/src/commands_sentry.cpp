// `sentry ...` configuration of the ActiveSync proxy (spec §2.5, §5.2-5.5) and
// the `show sentry ...` views of it. Every row is one config.edit on the
// model rows of mics/src/config_fields_sentry.cpp; the grammar and its
// decisions are in docs/activesync-config.md. Per-service settings are flat
// lines keyed by the service name: `sentry activesync service NAME ...`.
#include "command_util.hpp"

#include <unistd.h>

namespace cli {

using nlohmann::json;

namespace {

// The same words after "show" as the other `show sentry` rows, and for `sentry` itself.
const std::string kSentry = kSentryHelp;

int edits(Shell& sh, const json& list) {
    mics::Reply r = sh.call("config.edit", json{{"edits", list}}.dump());
    if (!r.ok) return sh.fail(r);
    return kOk;
}

json edit(const std::string& path, const char* op, const json& value = nullptr) {
    json e = {{"path", path}, {"op", op}};
    if (!value.is_null()) e["value"] = value;
    return e;
}

// A per-service edit; a service other than `default` is created by any of them.
int service_edit(Shell& sh, const Args& a, const std::string& family, const char* op, const json& value = nullptr) {
    std::string name = a.str("name");
    json list = json::array({edit(family + "[" + name + "]", op, value)});
    if (name != "default") list.push_back(edit("activesync.service[" + name + "]", "set", true));
    return edits(sh, list);
}

// Every per-service family: `no sentry activesync service NAME` deletes them all.
const char* const kServiceFamilies[] = {
    "activesync.service.servers", "activesync.service.hosts", "activesync.service.tls",
    "activesync.service.verify", "activesync.service.redirect_451", "activesync.service.scheduling",
    "activesync.service.health", "activesync.service.health.interval_s",
    "activesync.service.health.live_threshold", "activesync.service.health.dead_threshold",
    "activesync.service.health.failure_window_ms", "activesync.service.health.dead_time_ms",
};

int do_service(Shell& sh, const Args& a) {
    std::string name = a.str("name");
    if (!a.has("no")) {
        if (name == "default") return kOk;  // always exists
        return edits(sh, json::array({edit("activesync.service[" + name + "]", "set", true)}));
    }
    // MICS refuses deleting `default` (the first edit names it).
    json list = json::array({edit("activesync.service[" + name + "]", "delete")});
    for (const char* f : kServiceFamilies) list.push_back(edit(std::string(f) + "[" + name + "]", "delete"));
    return edits(sh, list);
}

// The on/off per-service keywords and their model families.
std::string flag_family(const Args& a) {
    if (a.has("server-tls")) return "activesync.service.tls";
    if (a.has("server-verify")) return "activesync.service.verify";
    if (a.has("redirect-451")) return "activesync.service.redirect_451";
    return "activesync.service.health";
}

struct HealthParam {
    const char* keyword;
    const char* family;
};
const HealthParam kHealth[] = {
    {"interval", "activesync.service.health.interval_s"},
    {"live-threshold", "activesync.service.health.live_threshold"},
    {"dead-threshold", "activesync.service.health.dead_threshold"},
    {"failure-window", "activesync.service.health.failure_window_ms"},
    {"dead-time", "activesync.service.health.dead_time_ms"},
};

int do_health(Shell& sh, const Args& a) {
    for (const auto& p : kHealth) {
        if (!a.has(p.keyword)) continue;
        if (a.has("no")) return service_edit(sh, a, p.family, "delete");
        return service_edit(sh, a, p.family, "set", a.num("value"));
    }
    return sh.error("no health-check parameter given");
}

std::string timeout_path(const Args& a) {
    for (const char* t : {"socket", "connect", "response", "request"})
        if (a.has(t)) return std::string("sentry.timeout.") + t + "_ms";
    return "sentry.timeout.socket_ms";
}

// "a, b c" -> "a,b,c": the list is stored comma-separated (MICS checks each entry).
std::string comma_list(const std::string& s) {
    std::string out, item;
    for (char ch : s + ",") {
        if (ch == ',' || ch == ' ' || ch == '\t') {
            if (!item.empty()) out += (out.empty() ? "" : ",") + item;
            item.clear();
        } else {
            item.push_back(ch);
        }
    }
    return out;
}

// The reference product's question (spec #77); an empty answer is no. Only an
// interactive user is asked: a script or a replayed running-config applies it.
bool confirm_hsts(Shell& sh) {
    if (!sh.options().interactive) return true;
    sh.print("Are you sure you want to enable Sentry Strict-Transport-Security (HSTS rfc6797)? {yes|[no]} : ");
    std::string answer;
    char c;
    ssize_t n = 0;
    while ((n = ::read(0, &c, 1)) == 1 && c != '\n' && c != '\r')
        if (answer.size() < 16) answer.push_back(c);
    if (n != 1) sh.print("\n");
    while (!answer.empty() && answer.back() == ' ') answer.pop_back();
    return answer == "yes" || answer == "y";
}

int do_hsts(Shell& sh, const Args& a) {
    if (a.has("no")) {
        sh.print("Disabling Strict-Transport-Security (HSTS rfc6797) for Sentry.\n");
        if (int rc = config_edit(sh, "sentry.hsts", "set", false); rc != kOk) return rc;
        sh.print("Browsers that already saw the header keep using HTTPS until its max-age expires.\n");
        return kOk;
    }
    if (!confirm_hsts(sh)) {
        sh.print("Strict-Transport-Security not changed.\n");
        return kOk;
    }
    return config_edit(sh, "sentry.hsts", "set", true);
}

int show_sentry(Shell& sh, const std::string& what, const Args& a) {
    json args = {{"what", what}};
    if (a.has("filter")) args["filter"] = a.str("filter");
    mics::Reply r = sh.call("sentry.show", args.dump());
    if (!r.ok) return sh.fail(r);
    json d = json::parse(r.data, nullptr, false);
    if (!d.is_object()) d = json::object();
    sh.emit(d.value("text", ""), d.contains("data") ? d["data"].dump() : "null");
    return kOk;
}

const char* kNoJvm = "sentryd is native code: there is no Java VM, garbage-collector log or worker-thread monitor";

}  // namespace

void register_sentry_commands(Grammar& g) {
    const std::string no = kNoHelp;
    const std::string sentry = kSentry;
    const std::string as = sentry + "ActiveSync proxy settings\n";
    const std::string svc = as + "An ActiveSync service (its settings keyed by name)\n"
                                 "Service name (default, or 1-64 characters without / ; ? * < > \")\n";

    // ---- global ActiveSync -------------------------------------------------------
    g.add({"sentry activesync enable", as + "Turn the ActiveSync proxy on\n", kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "activesync.enabled", "set", true); }, false,
           "Turn the ActiveSync proxy on (the factory default)."});
    g.add({"no sentry activesync enable", no + as + "Turn the ActiveSync proxy on\n", kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "activesync.enabled", "set", false); }, false,
           "Turn the ActiveSync proxy off: every ActiveSync request gets 503 (ActiveSync is disabled)."});
    const std::string all_dead = "What to do when every server of a service is dead\n"
                                 "Try the server dead longest (devices keep working if the health check is wrong)\n"
                                 "Answer 503 with Retry-After\n";
    g.add({"sentry activesync all-dead {try-anyway|reject}", as + all_dead, kConfig, 15,
           [](Shell& sh, const Args& a) {
               return config_edit(sh, "activesync.all_dead", "set", a.has("reject") ? "reject" : "try-anyway");
           },
           false, "Behaviour when every server of a service is dead (default try-anyway)."});
    g.add({"no sentry activesync all-dead [{try-anyway|reject}]", no + as + all_dead, kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "activesync.all_dead", "delete"); }, false,
           "Back to the default all-dead behaviour (try-anyway)."});

    // ---- services --------------------------------------------------------------------
    g.add({"sentry activesync service WORD$name", svc, kConfig, 15, do_service, false,
           "Create an ActiveSync service (the `default` one always exists). A device's Host header selects the "
           "service whose hosts list it (or, without hosts, whose name it is); otherwise `default` serves it."});
    g.add({"no sentry activesync service WORD$name", no + svc, kConfig, 15, do_service, false,
           "Delete an ActiveSync service and all its settings; `default` cannot be deleted."});
    const std::string servers = "Back-end ActiveSync servers, in priority order\n"
                                "host[:port];host[:port];... (at most 4000 characters; IPv6 as [address]:port)\n";
    g.add({"sentry activesync service WORD$name servers WORD$list", svc + servers, kConfig, 15,
           [](Shell& sh, const Args& a) { return service_edit(sh, a, "activesync.service.servers", "set", a.str("list")); },
           false,
           "Set a service's back-end servers; a server without a port is on 443 (80 with server TLS off). They fail "
           "over for each other."});
    g.add({"no sentry activesync service WORD$name servers [WORD$list]", no + svc + servers, kConfig, 15,
           [](Shell& sh, const Args& a) { return service_edit(sh, a, "activesync.service.servers", "delete"); }, false,
           "Remove a service's back-end servers (the list, if given, is not compared)."});
    const std::string hosts = "Host header names that select this service\nname;name;... (host names or IPv4 addresses)\n";
    g.add({"sentry activesync service WORD$name hosts WORD$list", svc + hosts, kConfig, 15,
           [](Shell& sh, const Args& a) { return service_edit(sh, a, "activesync.service.hosts", "set", a.str("list")); },
           false, "Set the Host header names (case-insensitive, port ignored) that select a service."});
    g.add({"no sentry activesync service WORD$name hosts [WORD$list]", no + svc + hosts, kConfig, 15,
           [](Shell& sh, const Args& a) { return service_edit(sh, a, "activesync.service.hosts", "delete"); }, false,
           "Remove the Host header names: the service is selected by its own name again."});
    const std::string flags = "Back ends speak TLS (Enable Server TLS; default on)\n"
                              "Verify the back end's certificate and host name (default off)\n"
                              "Follow 451 redirects itself (Enable Redirect Processing; default on)\n"
                              "Background health check of the servers (default on)\n";
    const std::string flag_alts = "{server-tls|server-verify|redirect-451|health-check}";
    g.add({"sentry activesync service WORD$name " + flag_alts, svc + flags, kConfig, 15,
           [](Shell& sh, const Args& a) { return service_edit(sh, a, flag_family(a), "set", true); }, false,
           "Turn a service's server TLS, certificate verification, 451 redirect processing or health check on."});
    g.add({"no sentry activesync service WORD$name " + flag_alts, no + svc + flags, kConfig, 15,
           [](Shell& sh, const Args& a) { return service_edit(sh, a, flag_family(a), "set", false); }, false,
           "Turn a service's server TLS, certificate verification, 451 redirect processing or health check off."});
    const std::string sched = "How a server is chosen\nThe first live server in list order (default)\n"
                              "Each live server in turn\n";
    g.add({"sentry activesync service WORD$name scheduling {priority|round-robin}", svc + sched, kConfig, 15,
           [](Shell& sh, const Args& a) {
               return service_edit(sh, a, "activesync.service.scheduling", "set",
                                   a.has("round-robin") ? "round-robin" : "priority");
           },
           false, "Choose a service's scheduling: priority (first live in list order) or round-robin."});
    g.add({"no sentry activesync service WORD$name scheduling [{priority|round-robin}]", no + svc + sched, kConfig, 15,
           [](Shell& sh, const Args& a) { return service_edit(sh, a, "activesync.service.scheduling", "delete"); },
           false, "Back to priority scheduling."});
    const std::string hc = "Background health check of the servers (default on)\n";
    const std::string hp = "Seconds between checks (default 60)\nSeconds\n"
                           "Consecutive good checks before a dead server is live (default 3)\nChecks\n"
                           "Failures within the failure window that mark a server dead (default 3)\nFailures\n"
                           "Window for the dead threshold (default 60000)\nMilliseconds\n"
                           "How long a dead server is skipped before it is retried (default 60000)\nMilliseconds\n";
    g.add({"sentry activesync service WORD$name health-check {interval (10-600)$value|live-threshold (1-10)$value"
           "|dead-threshold (1-1000)$value|failure-window (1-86400000)$value|dead-time (1-172800000)$value}",
           svc + hc + hp, kConfig, 15, do_health, false,
           "Set a service's health-check interval, live threshold, dead threshold, failure window or dead time."});
    const std::string hp_names = "Seconds between checks (default 60)\n"
                                 "Consecutive good checks before a dead server is live (default 3)\n"
                                 "Failures within the failure window that mark a server dead (default 3)\n"
                                 "Window for the dead threshold (default 60000)\n"
                                 "How long a dead server is skipped before it is retried (default 60000)\n";
    g.add({"no sentry activesync service WORD$name health-check "
           "{interval|live-threshold|dead-threshold|failure-window|dead-time}",
           no + svc + hc + hp_names, kConfig, 15, do_health, false,
           "Set a health-check parameter of a service back to its default."});

    // ---- proxy timeouts ----------------------------------------------------------------
    const std::string to = "Proxy timeouts (ActiveSync and app tunnels)\n"
                           "Idle read/write on device and server sockets (default 10000)\n"
                           "TCP + TLS connect to a back end (default 10000)\n"
                           "Wait for the back end's response headers (default 60000; a Ping is exempt)\n"
                           "Wait for a device request on a new or kept-alive connection (default 10000)\n";
    g.add({"sentry timeout {socket|connect|response|request} (1-3600000)$ms", sentry + to + "Milliseconds\n", kConfig,
           15, [](Shell& sh, const Args& a) { return config_edit(sh, timeout_path(a), "set", a.num("ms")); }, false,
           "Set a proxy timeout in milliseconds (the guide warns not to change them without direction)."});
    g.add({"no sentry timeout {socket|connect|response|request} [(1-3600000)$ms]", no + sentry + to + "Milliseconds\n",
           kConfig, 15, [](Shell& sh, const Args& a) { return config_edit(sh, timeout_path(a), "delete"); }, false,
           "Set a proxy timeout back to its default."});

    // ---- device access policy, logging, HSTS --------------------------------------------
    const std::string fo = "New devices may connect while the UEM is unreachable (fail-open; default)\n";
    g.add({"sentry emm-fail-open", sentry + fo, kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "sentry.emm_fail_open", "set", true); }, false,
           "Allow devices not in the device cache while the UEM is unreachable (default)."});
    g.add({"no sentry emm-fail-open", no + sentry + fo, kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "sentry.emm_fail_open", "set", false); }, false,
           "Block devices not in the device cache while the UEM is unreachable."});
    const std::string au = "The proxy's audit records to syslog facility audit (default on)\n";
    g.add({"sentry audit", sentry + au, kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "sentry.audit", "set", true); }, false,
           "The proxy sends one SENTRY_AUDIT record per device request and response (syslog facility audit) to "
           "the appliance's collector, which forwards them to every 'syslog ... audit' destination "
           "(docs/logging.md)."});
    g.add({"no sentry audit", no + sentry + au, kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "sentry.audit", "set", false); }, false,
           "Stop the proxy's SENTRY_AUDIT records. The configuration service's own audit trail (MICS_AUDIT: "
           "logins, changes, failures) is still sent."});
    const std::string hm = "The proxy's health-monitor events to syslog facility health-monitor (default on)\n";
    g.add({"sentry health-monitor", sentry + hm, kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "sentry.health_monitor", "set", true); }, false,
           "The proxy sends SENTRY_HEALTH records when a back-end server turns dead or live (syslog facility "
           "health-monitor, local1) to "
           "the appliance's collector, which forwards them to every 'syslog ... health-monitor' destination "
           "(docs/logging.md)."});
    g.add({"no sentry health-monitor", no + sentry + hm, kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "sentry.health_monitor", "set", false); }, false,
           "Stop the proxy's health-monitor events."});
    const std::string sv = "Accept UEM management requests only from the emm-ips addresses (default true)\n"
                           "Check the source address\nAccept any source\n";
    g.add({"sentry emm-source-verify {true|false}", sentry + sv, kConfig, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, "sentry.emm_source_verify", "set", a.has("true")); },
           false, "Check the source of UEM management requests against sentry emm-ips (the STIG requires true)."});
    g.add({"no sentry emm-source-verify", no + sentry + "Accept UEM management requests only from the emm-ips addresses (default true)\n",
           kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "sentry.emm_source_verify", "set", false); }, false,
           "Same as sentry emm-source-verify false."});
    const std::string ips = "UEM source addresses trusted by emm-source-verify\n"
                            "Addresses or subnets (A.B.C.D[/M] or IPv6[/M]), separated by commas or spaces\n";
    g.add({"sentry emm-ips LINE$list", sentry + ips, kConfig, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, "sentry.emm_ips", "set", comma_list(a.str("list"))); },
           false, "Set the UEM source addresses/subnets (replaces the list; shown comma-separated)."});
    g.add({"no sentry emm-ips [LINE$list]", no + sentry + ips, kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "sentry.emm_ips", "delete"); }, false,
           "Remove every UEM source address."});
    const std::string hsts = "Strict-Transport-Security header on the proxy's responses (default on)\n";
    g.add({"sentry hsts enable", sentry + hsts + "Send the header\n", kConfig, 15, do_hsts, false,
           "Send Strict-Transport-Security on the proxy's responses; an interactive user confirms first "
           "(empty answer = no), a script does not."});
    g.add({"no sentry hsts", no + sentry + hsts, kConfig, 15, do_hsts, false,
           "Stop sending Strict-Transport-Security; browsers keep the cached entry until its max-age expires."});
    const std::string gc = "Garbage-collector logging of the Java VM\nNumber of files (1-100)\nFile size (8K-300M)\n";
    auto no_jvm = [](Shell& sh, const Args&) { return sh.error(std::string("Not available on this appliance: ") + kNoJvm); };
    g.add({"sentry gc-log [(1-100)$count [WORD$size]]", sentry + gc, kConfig, 15, no_jvm, false,
           "Not available: no Java VM."});
    g.add({"no sentry gc-log", no + sentry + "Garbage-collector logging of the Java VM\n", kConfig, 15, no_jvm, false,
           "Not available: no Java VM."});

    // ---- show ---------------------------------------------------------------------------
    const std::string show = std::string(kShowHelp) + kSentry;
    g.add({"show sentry config-properties [WORD$filter]",
           show + "The proxy's effective configuration as key = value\nOnly lines containing this text\n", kExec, 1,
           [](Shell& sh, const Args& a) { return show_sentry(sh, "config-properties", a); }, true,
           "Every setting the proxy runs with (defaults included) as `key = value`, from the same snapshot MICS "
           "pushes to sentryd."});
    g.add({"show sentry {emm-source-verify|emm-ips|health-monitor|hsts|emm-fail-open}",
           show + "Whether UEM requests are checked against emm-ips\nThe trusted UEM source addresses\n"
                  "Whether health-monitor data is produced\nWhether the proxy sends Strict-Transport-Security\n"
                  "New device access while the UEM is unreachable\n",
           kExec, 1,
           [](Shell& sh, const Args& a) -> int {
               for (const char* w : {"emm-source-verify", "emm-ips", "health-monitor", "hsts", "emm-fail-open"})
                   if (a.has(w)) return show_sentry(sh, w, a);
               return kOk;
           },
           true, "One device-policy or logging setting of the proxy."});
    g.add({"show sentry audit config", show + "Audit log data\nWhether audit log data is produced\n", kExec, 1,
           [](Shell& sh, const Args& a) { return show_sentry(sh, "audit", a); }, true,
           "Whether the proxy produces audit log data."});
}

}  // namespace cli
