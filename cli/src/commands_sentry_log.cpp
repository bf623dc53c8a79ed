// `debug sentry log ...` and `show sentry log [filter]` (spec #35, #36,
// #46-#50, layouts §3.13). The state lives in sentryd (runtime only, not in
// the running-config, gone after a reboot: guide L7060); MICS relays the ops
// (sentry.debug at privilege 15, sentry.query for the views) and re-pushes
// the state when it restarts sentryd. Decisions: docs/logging-sentryd.md.
#include "command_util.hpp"

namespace cli {

using nlohmann::json;

namespace {

std::string pad(const std::string& s, std::size_t w) {
    return s.size() < w ? s + std::string(w - s.size(), ' ') : s + " ";
}

// Every debug sentry log command answers `Successful` (spec §3.15).
Handler edit(std::string op, std::function<json(const Args&)> args) {
    return [op = std::move(op), args = std::move(args)](Shell& sh, const Args& a) -> int {
        json d;
        if (!sentryd_query(sh, "sentry.debug", op, args ? args(a) : json::object(), d)) return kCommandError;
        sh.print("Successful\n");
        return kOk;
    };
}

int show_log(Shell& sh, bool filters) {
    json d;
    if (!sentryd_query(sh, "sentry.query", "log.get", json::object(), d)) return kCommandError;
    std::string t;
    if (!filters) {
        t += "   log-from-to = " + d.value("log_from_to", "both") + "\n";
        t += std::string("   enable = ") + (d.value("enabled", false) ? "true" : "false") + "\n";
        t += "   verbosity = level" + std::to_string(d.value("verbosity", 1)) + "\n";
        sh.emit(t, json{{"log_from_to", d.value("log_from_to", "both")},
                        {"enable", d.value("enabled", false)},
                        {"verbosity", "level" + std::to_string(d.value("verbosity", 1))}}
                       .dump());
        return kOk;
    }
    t = "      " + pad("TAG", 13) + pad("ENABLED", 13) + pad("TYPE", 11) + "VALUE\n";
    json rows = json::array();
    for (const auto& f : d.value("filters", json::array())) {
        bool on = f.value("enabled", true);
        t += "      " + pad(f.value("tag", ""), 13) + pad(on ? "true" : "false", 13) + pad(f.value("type", ""), 11) +
             f.value("value", "") + "\n";
        rows.push_back({{"tag", f.value("tag", "")}, {"enabled", on}, {"type", f.value("type", "")},
                        {"value", f.value("value", "")}});
    }
    sh.emit(t, rows.dump());
    return kOk;
}

}  // namespace

void register_sentry_log_commands(Grammar& g) {
    const std::string dbg = std::string(kDebugHelp) + kSentryHelp + "The proxy's debug log (runtime only, not saved)\n";
    const std::string no = kNoHelp;
    // Shared with the no form (a test keeps `no X` help equal to `X`).
    const std::string filter =
        "Log only matching requests (filters are OR-ed)\nTag naming the filter (reuse it to group filters)\n";
    g.add({"debug sentry log enable [{device|server|both}]",
           dbg + "Start debug logging\nTraffic to and from devices\nTraffic to and from the ActiveSync servers\n"
                 "Both (default)\n",
           kConfig, 15,
           edit("log.enable",
                [](const Args& a) {
                    return json{{"log_from_to", a.has("device") ? "device" : a.has("server") ? "server" : "both"}};
                }),
           false,
           "Log device requests and responses to var/log/sentryd-debug.log (mode 0600, never sent to syslog): the "
           "device side, the server side or both (default). Not part of the configuration; gone after a reboot."});
    g.add({"debug sentry log filter WORD$tag {device-id|device-ip|user-id|bundle-id|service-name|config-uuid} "
           "WORD$value",
           dbg + filter +
               "Device id\nDevice IP address\nUser id\nApp bundle id (app tunnels; matches no ActiveSync request)\n"
                 "ActiveSync service name\nApp configuration UUID (app tunnels; matches no ActiveSync request)\n"
                 "Value, compared exactly (case-sensitive)\n",
           kConfig, 15,
           edit("log.filter",
                [](const Args& a) {
                    std::string type;
                    for (const char* t : {"device-id", "device-ip", "user-id", "bundle-id", "service-name", "config-uuid"})
                        if (a.has(t)) type = t;
                    return json{{"tag", a.str("tag")}, {"type", type}, {"value", a.str("value")}};
                }),
           false,
           "Add a filter: with filters, only requests matching at least one are logged. At most 32 filters; tag up "
           "to 64 and value up to 256 characters."});
    g.add({"debug sentry log verbosity {level_1_lowest|level_2|level_3|level_4_highest}",
           dbg + "Detail of the debug log\nRequest and response lines, operational messages (default)\n"
                 "Level 1 and HTTP headers (Authorization and Cookie values masked)\n"
                 "Level 2 and message content (first 4 KiB, WBXML as hex)\nEverything (content up to 64 KiB)\n",
           kConfig, 15,
           edit("log.verbosity",
                [](const Args& a) {
                    int v = a.has("level_4_highest") ? 4 : a.has("level_3") ? 3 : a.has("level_2") ? 2 : 1;
                    return json{{"verbosity", v}};
                }),
           false, "Set the debug log's level; level 3 and up write mail content to the file."});
    g.add({"no debug sentry log", no + dbg, kConfig, 15, edit("log.disable", nullptr), false,
           "Stop debug logging (filters and verbosity stay for the next `debug sentry log enable`)."});
    g.add({"no debug sentry log filter WORD$tag", no + dbg + filter,
           kConfig, 15, edit("log.filter_remove", [](const Args& a) { return json{{"tag", a.str("tag")}}; }), false,
           "Delete every filter with this tag."});

    const std::string show = std::string(kShowHelp) + kSentryHelp + "The proxy's debug log settings\n";
    g.add({"show sentry log", show, kExec, 1, [](Shell& sh, const Args&) { return show_log(sh, false); }, true,
           "Debug log settings: which side is logged, whether it is on, the verbosity (spec §3.13)."});
    g.add({"show sentry log filter", show + "The debug log filters\n", kExec, 1,
           [](Shell& sh, const Args&) { return show_log(sh, true); }, true,
           "Debug log filters: tag, enabled, type and value, one per line."});
}

}  // namespace cli
