// Op rows for remote syslog (spec #81, #82, #12; docs/logging.md). The
// server is made canonical here, in MICS, so one collector is one key
// whatever the spelling; the entries are ordinary syslog.server edits.
#include "apply_syslog.hpp"
#include "ops_detail.hpp"
#include "syslog_dest.hpp"

#include <algorithm>

namespace micsd::ops {

namespace {

std::string server_arg(const json& a) {
    std::string raw = str_arg(a, "server", 253);
    std::string why;
    std::string server = syslog::canonical_server(raw, &why);
    if (server.empty()) fail("invalid", "syslog " + raw + ": " + why);
    return server;
}

int port_arg(const json& a) {
    return a.contains("port") ? int(int_arg(a, "port", 1, 65535)) : syslog::kDefaultPort;
}

std::string keyword_arg(const json& a, const char* key, const std::vector<std::string>& allowed) {
    std::string v = str_arg(a, key, 32);
    if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
        std::string list;
        for (const auto& x : allowed) list += (list.empty() ? "" : ", ") + x;
        fail("invalid", std::string(key) + " must be one of " + list);
    }
    return v;
}

json commit(App& app, Session& s, const json& a, const std::vector<App::Edit>& edits) {
    std::int64_t rev = 0;
    bool invalid = false;
    if (std::string why = app.commit_edits(edits, s, str_arg(a, "line", 4096, false), &rev, &invalid); !why.empty())
        fail(invalid ? "invalid" : "apply_failed", why);
    return {{"revision", rev ? rev : app.revision()}, {"changed", rev != 0}};
}

// syslog <server> [port] <protocol> <facility> <level> [enable|disable]
json syslog_set(App& app, Session& s, const json& a) {
    std::string server = server_arg(a);
    int port = port_arg(a);
    std::string protocol = keyword_arg(a, "protocol", {"UDP", "TCP"});
    std::string facility = keyword_arg(a, "facility", syslog::facilities());
    std::string level = keyword_arg(a, "level", syslog::levels());
    bool enabled = true;
    if (a.contains("state")) enabled = keyword_arg(a, "state", {"enable", "disable"}) == "enable";
    std::string path = std::string(syslog::kFamily) + "[" + syslog::make_key(server, port, facility) + "]";
    return commit(app, s, a, {{path, "set", Value(syslog::make_value(protocol, level, enabled))}});
}

// no syslog <server> [port] [facility]: every facility of server + port, or one.
json syslog_delete(App& app, Session& s, const json& a) {
    std::string server = server_arg(a);
    int port = port_arg(a);
    std::string only = a.contains("facility") ? keyword_arg(a, "facility", syslog::facilities()) : "";
    std::vector<App::Edit> edits;
    for (const auto& d : syslog::destinations(app.running()))
        if (d.server == server && d.port == port && (only.empty() || d.facility == only))
            edits.push_back({std::string(syslog::kFamily) + "[" + syslog::make_key(server, port, d.facility) + "]",
                             "delete", std::nullopt});
    if (edits.empty())
        fail("not_found", "syslog server " + server + " port " + std::to_string(port) +
                              (only.empty() ? "" : " facility " + only) + " is not configured");
    return commit(app, s, a, edits);
}

json syslog_show(App& app, Session&, const json&) {
    auto ds = syslog::destinations(app.running());
    std::string text = syslog::logging_table(ds);
    json list = json::array();
    for (const auto& d : ds)
        list.push_back({{"server", d.server}, {"port", d.port}, {"protocol", d.protocol}, {"facility", d.facility},
                        {"level", d.level}, {"state", d.enabled ? "enable" : "disable"}});
    // The collector's state, so a table of destinations nothing forwards to
    // cannot pass for working forwarding.
    std::string collector = "stopped";
    if (!syslog_enabled(app.running())) collector = "idle";
    else if (!rsyslogd_installed()) collector = "not installed";
    else if (Supervisor* sup = app.supervisor(); !sup) collector = "unmanaged";
    else if (sup->pid("syslog")) collector = "running";
    if (collector == "not installed")
        text += "% " + rsyslogd_path() + " is not installed (apt-get install rsyslog): nothing is forwarded\n";
    else if (collector == "unmanaged")
        text += "% Services are not supervised (sentry-micsd --no-services): nothing is forwarded\n";
    return {{"text", text}, {"data", {{"destinations", list}, {"collector", collector}}}};
}

}  // namespace

std::vector<OpDef> syslog_ops() {
    return {
        {"syslog.set", Who::session, 15, true, syslog_set},
        {"syslog.delete", Who::session, 15, true, syslog_delete},
        {"syslog.show", Who::session, 1, false, syslog_show},
    };
}

}  // namespace micsd::ops
