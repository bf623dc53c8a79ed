// Device access policy (issue #8): the `sentry device-policy / device-rule /
// auto-block-unregistered / uem ...` configuration lines, the
// `show sentry device-cache | statistics | utilization` views and the
// `debug sentry device-cache ...` actions. The views ask sentryd through MICS
// (op sentry.query / sentry.debug); layouts follow spec §3.6-3.12.
// Decisions: docs/device-policy.md.
#include "command_util.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <utility>
#include <vector>

namespace cli {

using nlohmann::json;

bool sentryd_query(Shell& sh, const char* mics_op, const std::string& op, const json& args, json& out) {
    mics::Reply r = sh.call(mics_op, json{{"op", op}, {"args", args}}.dump());
    if (!r.ok) {
        sh.fail(r);
        return false;
    }
    out = reply_data(r);
    return true;
}

namespace {

const std::string kSentry = kSentryHelp;
const std::string kNo = kNoHelp;

std::string pad(const std::string& s, std::size_t w) {
    return s.size() < w ? s + std::string(w - s.size(), ' ') : s + " ";
}

const char* kLegend =
    "S: Tunnel State {A:Allowed, B:Blocked, P:Policy Pending, W:Wipe Pending}\n"
    "Vs: EMM Validation State {Y:validated, N:not-validated}\n"
    "Cn: Connection count\n"
    "Ver: AppTunnel Version or ActiveSync Version\n"
    "Time: Timestamp of the last request or connection\n"
    "Application[/ID]: Application[/ActiveSync Device ID (if application is 'ActiveSync')]\n"
    "Tunnel-ID: Generic Tunnel ID\n";

std::string table_row(std::size_t index, const json& r) {
    std::string app = r.value("application", "") + "/" + r.value("device_id", "");
    return pad(std::to_string(index), 6) + pad(r.value("user", ""), 16) + pad(r.value("state", ""), 2) +
           pad(r.value("validated", false) ? "Y" : "N", 3) + pad(std::to_string(r.value("connections", 0)), 3) +
           pad(r.value("version", ""), 5) + pad(r.value("time", ""), 24) + pad(app, 39) + r.value("tunnel_id", "") +
           "\n";
}

// A device-cache table, fetched from sentryd page by page and printed as it
// comes (spec §3.6), so a million entries never sit in memory at once.
int device_table(Shell& sh, const std::string& filter, const json& extra) {
    sh.stream_begin();
    std::string head = std::string(kLegend) + "\n" + pad("Index", 6) + pad("User", 16) + pad("S", 2) + pad("Vs", 3) +
                       pad("Cn", 3) + pad("Ver", 5) + pad("Time", 24) + pad("Application[/ID]", 39) + "Tunnel-ID\n";
    bool go = sh.stream_lines(head, {});
    std::size_t index = 0;
    json cursor = 0;
    while (go) {
        json args = extra;
        args["filter"] = filter;
        args["cursor"] = cursor;
        args["limit"] = 1000;
        json page;
        if (!sentryd_query(sh, "sentry.query", "devices.list", args, page)) {
            sh.stream_end();
            return kCommandError;
        }
        std::string text;
        std::vector<std::string> items;
        for (const auto& r : page.value("rows", json::array())) {
            text += table_row(++index, r);
            items.push_back(r.dump());
        }
        go = sh.stream_lines(text, items);
        cursor = page.value("next", json(nullptr));
        if (cursor.is_null()) break;
    }
    sh.stream_end();
    return kOk;
}

int show_status(Shell& sh) {
    json d;
    if (!sentryd_query(sh, "sentry.query", "devices.status", json::object(), d)) return kCommandError;
    auto num = [&](const char* k) { return d[k].is_null() ? std::string("unknown") : d[k].dump(); };
    std::string t;
    t += "In-memory device list size         : " + num("in_memory") + "\n";
    t += "Persistent device list size        : " +
         (d["persistent"].is_null() ? std::string("not written since start") : d["persistent"].dump()) + "\n";
    t += "Last periodic disk update          : " + d.value("last_disk_update", "") + "\n";
    t += "Next periodic disk update          : " + d.value("next_disk_update", "") + "\n";
    t += "Last restore from disk             : " + d.value("last_restore", "") + " (" + num("last_restore_count") +
         " devices)\n";
    t += "Last load from EMM                 : " + d.value("last_uem_load", "") + " (" + num("last_uem_load_count") +
         " devices)\n";
    t += "Entries pending EMM validation     : " + num("pending_validation") + "\n";
    t += "Allowed / Blocked / Pending / Wipe : " + num("allowed") + " / " + num("blocked") + " / " + num("pending") +
         " / " + num("wipe_pending") + "\n";
    t += "Device-cache memory (bytes)        : " + num("memory_bytes") + "\n";
    t += "Maximum entries                    : " + num("max_entries") + "\n";
    sh.emit(t, d.dump());
    return kOk;
}

int show_entry(Shell& sh, const Args& a) {
    json d;
    if (!sentryd_query(sh, "sentry.query", "devices.entry", {{"device_id", a.str("device")}, {"user", a.str("user")}}, d))
        return kCommandError;
    // Spec §6 gap: the detail layout is not given; one `key = value` per attribute.
    std::string t;
    for (const char* k : {"device_id", "user", "tunnel_id", "status", "validated", "uem_status", "wiped",
                          "connections", "version", "device_type", "first_seen", "time", "policy_key",
                          "redirect_url"}) {
        const json& v = d[k];
        t += std::string(k) + " = " + (v.is_string() ? v.get<std::string>() : v.dump()) + "\n";
    }
    sh.emit(t, d.dump());
    return kOk;
}

// `name = value` lines in the spec's order; the filter matches name or value.
int counters_view(Shell& sh, const std::string& op, const json& args, const std::string& filter) {
    json d;
    if (!sentryd_query(sh, "sentry.query", op, args, d)) return kCommandError;
    std::string t;
    json obj = json::object();
    for (const auto& c : d.value("counters", json::array())) {
        std::string name = c.value("name", "");
        const json& v = c["value"];
        std::string value = v.is_string() ? v.get<std::string>() : v.dump();
        if (!filter.empty() && name.find(filter) == std::string::npos && value.find(filter) == std::string::npos)
            continue;
        t += name + " = " + value + "\n";
        obj[name] = v;
    }
    sh.emit(t, obj.dump());
    return kOk;
}

int show_utilization(Shell& sh) {
    json d;
    if (!sentryd_query(sh, "sentry.query", "stats.utilization", json::object(), d)) return kCommandError;
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "Number of Connected Devices : %llu\n"
                  "Number of Open Connections  : %llu\n"
                  "Thread Pool Utilization     : %.1f%%\n"
                  "CPU Utilization             : %.0f%%\n"
                  "System Memory Utilization   : %.0f%%\n"
                  "Heap Memory Utilization     : %.0f%%\n",
                  d.value("connected_devices", 0ULL), d.value("open_connections", 0ULL), d.value("loop_busy_pct", 0.0),
                  d.value("cpu_pct", 0.0), d.value("mem_pct", 0.0), d.value("heap_pct", 0.0));
    sh.emit(buf, d.dump());
    return kOk;
}

// `label : value` lines with the colons lined up within the group (spec §3.8).
std::string aligned(const std::vector<std::pair<std::string, std::string>>& rows) {
    std::size_t w = 0;
    for (const auto& [label, value] : rows) w = std::max(w, label.size());
    std::string t;
    for (const auto& [label, value] : rows) t += label + std::string(w - label.size(), ' ') + " : " + value + "\n";
    return t;
}

// Spec §3.8: connectivity to the UEM and the fail-open setting.
int show_uem_status(Shell& sh) {
    json d;
    if (!sentryd_query(sh, "sentry.query", "uem.status", json::object(), d)) return kCommandError;
    auto s = [&](const char* k) { return d.value(k, std::string()); };
    std::string t;
    if (!d.value("active", false)) {
        t = aligned({{"EMM server type", "None (sentry device-policy standalone)"},
                     {"Connectivity to UEM", s("connectivity")}});
        sh.emit(t, d.dump());
        return kOk;
    }
    t += aligned({{"EMM server type", s("server_type")},
                  {"EMM server URL", s("url")},
                  {"Connectivity to UEM", s("connectivity")},
                  {"Last connectivity change detected by", s("last_change_by")},
                  {"Last connectivity change time", s("last_change")}});
    t += "UEM periodic connectivity check status\n";
    std::vector<std::pair<std::string, std::string>> check = {{"Current time", s("current_time")},
                                                              {"Last successful", s("last_success")},
                                                              {"Last failed", s("last_failure")}};
    if (!s("last_failure_reason").empty()) check.push_back({"Last failure reason", s("last_failure_reason")});
    check.push_back({"Next scheduled", s("next_scheduled")});
    t += aligned(check);
    t += aligned({{"EMM server fail-open status", s("fail_open")},
                  {"Last fail-open status change detected by", s("fail_open_changed_by")},
                  {"Last fail-open status change time", s("fail_open_changed")}});
    sh.emit(t, d.dump());
    return kOk;
}

// Spec §3.11 dates: MM/DD/YYYY HH:MM:SS (UTC), or Never.
std::string us_date(long long ms_ago, std::time_t now) {
    if (ms_ago < 0) return "Never";
    std::time_t t = now - static_cast<std::time_t>(ms_ago / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%m/%d/%Y %H:%M:%S", &tm);
    return buf;
}

// Spec §3.11: every ActiveSync service's servers with their declared
// status, from sentryd's `status` op (no app-tunnel services exist here).
int show_server_status(Shell& sh) {
    json d;
    if (!sentryd_query(sh, "sentry.query", "status", json::object(), d)) return kCommandError;
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char cur[40];
    std::strftime(cur, sizeof cur, "%a %b %d %H:%M:%S UTC %Y", &tm);
    std::string t = std::string("Current Time : ") + cur + "\n";
    json out = {{"current_time", cur}, {"services", json::array()}};
    for (const auto& svc : d.value("services", json::array())) {
        std::string sched = svc.value("scheduling", "") == "round-robin" ? "ROUND_ROBIN" : "PRIORITY";
        bool hc = svc.value("health_enabled", false);
        t += "\nService Name : " + svc.value("name", "") + "\n";
        t += "Service Type : Active-Sync\n";
        t += "Server Scheduling : " + sched + "\n";
        t += std::string("Active Background Health Check : ") + (hc ? "Enabled" : "Disabled") + "\n";
        t += pad("Server", 37) + pad("Declared", 9) + pad("Last", 21) + pad("Last", 21) + "Failure\n";
        t += pad("Name/IP", 37) + pad("Status", 9) + pad("Successful", 21) + pad("Failed", 21) + "Count\n";
        t += std::string(95, '-') + "\n";
        json servers = json::array();
        for (const auto& srv : svc.value("servers", json::array())) {
            int port = srv.value("port", 443);
            std::string host = srv.value("host", "");
            if (host.find(':') != std::string::npos) host = "[" + host + "]";
            std::string name = port == 443 ? host : host + ":" + std::to_string(port);
            std::string status = srv.value("status", "") == "dead" ? "Dead" : "Live";
            std::string ok = us_date(srv.value("last_success_ms_ago", -1LL), now);
            std::string bad = us_date(srv.value("last_failure_ms_ago", -1LL), now);
            auto failures = srv.value("failures", 0ULL);
            t += pad(name, 37) + pad(status, 9) + pad(ok, 21) + pad(bad, 21) + std::to_string(failures) + "\n";
            servers.push_back({{"name", name}, {"declared_status", status}, {"last_successful", ok},
                               {"last_failed", bad}, {"failure_count", failures}});
        }
        out["services"].push_back({{"name", svc.value("name", "")}, {"type", "Active-Sync"},
                                   {"scheduling", sched}, {"health_check", hc}, {"servers", servers}});
    }
    sh.emit(t, out.dump());
    return kOk;
}

int debug_op(Shell& sh, const std::string& op, const json& args, json& out) {
    return sentryd_query(sh, "sentry.debug", op, args, out) ? kOk : kCommandError;
}

}  // namespace

void register_device_commands(Grammar& g) {
    const std::string no = kNo;
    // ---- configuration ---------------------------------------------------------------
    const std::string dp = "Where device decisions come from\nLocal rules only (default)\n"
                           "The UEM's device list (sentry uem ...), local rules first\n";
    g.add({"sentry device-policy {standalone|uem}", kSentry + dp, kConfig, 15,
           [](Shell& sh, const Args& a) {
               return config_edit(sh, "sentry.device_policy.source", "set", a.has("uem") ? "uem" : "standalone");
           },
           false,
           "Choose the device policy source. With `uem`, sentryd keeps the UEM's device list in its device cache "
           "(full resync and delta polls); local rules still win over it."});
    g.add({"no sentry device-policy [{standalone|uem}]", no + kSentry + dp, kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "sentry.device_policy.source", "delete"); }, false,
           "Back to the standalone device policy."});
    const std::string ab = "Block devices no rule or UEM record admits; they are listed as pending validation\n";
    g.add({"sentry auto-block-unregistered", kSentry + ab, kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "sentry.device_policy.auto_block", "set", true); },
           false, "Block unregistered devices (STIG V-251008 wants this on)."});
    g.add({"no sentry auto-block-unregistered", no + kSentry + ab, kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "sentry.device_policy.auto_block", "set", false); },
           false, "Admit unregistered devices (default)."});
    const std::string rule = "A local device rule\nSequence number (first match in sequence order wins)\n"
                             "Admit the device\nRefuse the device (403)\nRemote-wipe the device, then refuse it\n"
                             "Match the EAS device id\nMatch the user\nMatch the device type\n"
                             "Pattern: text with * and ? wildcards, case-insensitive\n";
    g.add({"sentry device-rule (1-65535)$seq {allow|block|wipe} {device-id|user|device-type} WORD$pattern",
           kSentry + rule, kConfig, 15,
           [](Shell& sh, const Args& a) {
               std::string action = a.has("allow") ? "allow" : a.has("block") ? "block" : "wipe";
               std::string match = a.has("device-id") ? "device-id" : a.has("user") ? "user" : "device-type";
               return config_edit(sh, "sentry.device_rule[" + a.str("seq") + "]", "set",
                                  action + " " + match + " " + a.str("pattern"));
           },
           false, "Add or replace a local device rule. Rules are evaluated before the UEM's list and the unregistered setting."});
    g.add({"no sentry device-rule (1-65535)$seq", no + kSentry + "A local device rule\nSequence number (first match in sequence order wins)\n", kConfig, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, "sentry.device_rule[" + a.str("seq") + "]", "delete"); },
           false, "Delete a local device rule."});
    const std::string uem = "The UEM connector (device list over HTTPS)\n";
    g.add({"sentry uem url WORD$url", kSentry + uem + "Base URL of the device API\nhttps://host[:port]/path\n", kConfig,
           15, [](Shell& sh, const Args& a) { return config_edit(sh, "sentry.uem.url", "set", a.str("url")); }, false,
           "Set the UEM device API's base URL (https only)."});
    g.add({"no sentry uem url", no + kSentry + uem + "Base URL of the device API\n", kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "sentry.uem.url", "delete"); }, false,
           "Remove the UEM's address (not allowed while the policy source is uem)."});
    g.add({"sentry uem token PASSWORD$token", kSentry + uem + "Bearer token sentryd presents\nThe token (secret)\n",
           kConfig, 15,
           [](Shell& sh, const Args& a) { return config_edit(sh, "sentry.uem.token", "set", a.str("token")); }, false,
           "Set the bearer token for the UEM API; shown only to privilege 15 and masked in the audit trail."});
    g.add({"no sentry uem token", no + kSentry + uem + "Bearer token sentryd presents\n", kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "sentry.uem.token", "delete"); }, false,
           "Remove the UEM token."});
    g.add({"sentry uem ca-file WORD$path", kSentry + uem + "CA certificates for the UEM's certificate\nPEM file path\n",
           kConfig, 15, [](Shell& sh, const Args& a) { return config_edit(sh, "sentry.uem.ca_file", "set", a.str("path")); },
           false, "Trust these CAs for the UEM's certificate instead of the system store."});
    g.add({"no sentry uem ca-file", no + kSentry + uem + "CA certificates for the UEM's certificate\n", kConfig, 15,
           [](Shell& sh, const Args&) { return config_edit(sh, "sentry.uem.ca_file", "delete"); }, false,
           "Use the system trust store for the UEM's certificate."});
    g.add({"sentry uem verify-certificate", kSentry + uem + "Verify the UEM's certificate and host name\n",
           kConfig, 15, [](Shell& sh, const Args&) { return config_edit(sh, "sentry.uem.verify", "set", true); }, false,
           "Verify the UEM's certificate (default)."});
    g.add({"no sentry uem verify-certificate", no + kSentry + uem + "Verify the UEM's certificate and host name\n",
           kConfig, 15, [](Shell& sh, const Args&) { return config_edit(sh, "sentry.uem.verify", "set", false); }, false,
           "Do not verify the UEM's certificate (lab use only)."});
    g.add({"sentry uem poll-interval (10-3600)$s", kSentry + uem + "Seconds between delta polls\nSeconds (default 60)\n",
           kConfig, 15, [](Shell& sh, const Args& a) { return config_edit(sh, "sentry.uem.poll_s", "set", a.num("s")); },
           false, "How often sentryd asks the UEM for changes; also its connectivity check."});
    g.add({"no sentry uem poll-interval [(10-3600)$s]", no + kSentry + uem + "Seconds between delta polls\nSeconds (default 60)\n",
           kConfig, 15, [](Shell& sh, const Args&) { return config_edit(sh, "sentry.uem.poll_s", "delete"); }, false,
           "Back to 60 s."});
    g.add({"sentry uem resync-interval (1-168)$h", kSentry + uem + "Hours between full resyncs\nHours (default 12)\n",
           kConfig, 15, [](Shell& sh, const Args& a) { return config_edit(sh, "sentry.uem.resync_h", "set", a.num("h")); },
           false, "How often sentryd fetches the UEM's whole device list."});
    g.add({"no sentry uem resync-interval [(1-168)$h]", no + kSentry + uem + "Hours between full resyncs\nHours (default 12)\n",
           kConfig, 15, [](Shell& sh, const Args&) { return config_edit(sh, "sentry.uem.resync_h", "delete"); }, false,
           "Back to 12 hours."});

    // ---- show ----------------------------------------------------------------------------
    const std::string show = std::string(kShowHelp) + kSentry;
    const std::string dc = "The proxy's device cache\n";
    g.add({"show sentry device-cache dump {all|active-sync|app-tunnel}",
           show + dc + "Every entry\nAll entries\nActiveSync entries\nApp-tunnel entries (none on this appliance)\n",
           kExec, 1,
           [](Shell& sh, const Args& a) {
               return device_table(sh, a.has("app-tunnel") ? "app-tunnel" : a.has("active-sync") ? "active-sync" : "all",
                                   json::object());
           },
           true, "The device-cache table (legend, header, one line per entry), streamed page by page from sentryd."});
    g.add({"show sentry device-cache entry WORD$device WORD$user",
           show + dc + "One entry in full\nTunnel id (the device id, any case)\nUser\n", kExec, 1, show_entry, true,
           "Every attribute of one entry as `key = value`."});
    g.add({"show sentry device-cache device WORD$value", show + dc + "Entries of matching devices\nPart of a device id\n",
           kExec, 1, [](Shell& sh, const Args& a) { return device_table(sh, "device", {{"value", a.str("value")}}); },
           true, "Entries whose device id contains the text (case-insensitive)."});
    g.add({"show sentry device-cache user WORD$value", show + dc + "Entries of matching users\nPart of a user id\n",
           kExec, 1, [](Shell& sh, const Args& a) { return device_table(sh, "user", {{"value", a.str("value")}}); },
           true, "Entries whose user contains the text (case-insensitive)."});
    g.add({"show sentry device-cache min-connection (0-1000000)$value",
           show + dc + "Entries with at least this many connections\nConnections\n", kExec, 1,
           [](Shell& sh, const Args& a) { return device_table(sh, "min-connection", {{"min", a.num("value")}}); }, true,
           "Entries whose open connection count is at least the value."});
    g.add({"show sentry device-cache validation-pending {yes|no}",
           show + dc + "By validation state\nEntries not validated yet\nValidated entries\n", kExec, 1,
           [](Shell& sh, const Args& a) {
               return device_table(sh, "validation-pending", {{"value", a.has("yes") ? "yes" : "no"}});
           },
           true, "Entries still waiting for validation (yes) or decided by a rule or the UEM (no)."});
    g.add({"show sentry device-cache status", show + dc + "Sizes and persistence of the device list\n", kExec, 1,
           [](Shell& sh, const Args&) { return show_status(sh); }, true,
           "In-memory and persistent list sizes, disk and UEM load times, pending validations."});
    const std::string st = "Proxy statistics\n";
    g.add({"show sentry statistics entry WORD$device WORD$user",
           show + st + "Counters of one device\nDevice id\nUser\n", kExec, 1,
           [](Shell& sh, const Args& a) {
               return counters_view(sh, "stats.entry", {{"device_id", a.str("device")}, {"user", a.str("user")}}, "");
           },
           true, "The 67 per-device counters of spec §4.1, `name = value`."});
    g.add({"show sentry statistics global {device|system|server} [WORD$filter]",
           show + st + "Totals\nDevice-side counters summed over all devices\nSystem peaks\n"
                       "Health-check counters of the ActiveSync servers\n"
                       "Only lines whose name or value contains this text\n",
           kExec, 1,
           [](Shell& sh, const Args& a) {
               std::string group = a.has("device") ? "device" : a.has("system") ? "system" : "server";
               return counters_view(sh, "stats.global", {{"group", group}}, a.has("filter") ? a.str("filter") : "");
           },
           true,
           "Global device counters (sum over all devices since start), system peaks with their dates, or the "
           "background health checks' hc-* counters (spec §4.3)."});
    g.add({"show sentry status", show + "Connectivity to the UEM and the fail-open state\n", kExec, 1,
           [](Shell& sh, const Args&) { return show_uem_status(sh); }, true,
           "Connectivity to the UEM (device policy source uem): last change and what detected it, the periodic "
           "check's last success, failure and next run, and the fail-open setting."});
    g.add({"show sentry server status",
           show + "The ActiveSync servers\nEvery service's servers with their declared status\n", kExec, 1,
           [](Shell& sh, const Args&) { return show_server_status(sh); }, true,
           "Each ActiveSync service's scheduling, health-check state and servers: Live or Dead, last successful "
           "and last failed contact, failure count."});
    g.add({"show sentry utilization", show + "Live resource figures of the proxy\n", kExec, 1,
           [](Shell& sh, const Args&) { return show_utilization(sh); }, true,
           "Connected devices, open connections, event-loop, CPU, system and heap memory utilisation (10 s samples)."});

    // ---- debug (CONFIG mode, spec §2.4) --------------------------------------------------
    const std::string dbg = std::string(kDebugHelp) + kSentry + dc;
    g.add({"debug sentry device-cache purge all", dbg + "Drop entries\nEvery entry\n", kConfig, 15,
           [](Shell& sh, const Args&) {
               json d;
               return debug_op(sh, "devices.purge", {{"all", true}}, d);
           },
           false, "Drop every device-cache entry (silent on success); devices are decided afresh on their next request."});
    g.add({"debug sentry device-cache purge entry WORD$device WORD$user",
           dbg + "Drop entries\nOne entry\nDevice id\nUser\n", kConfig, 15,
           [](Shell& sh, const Args& a) {
               json d;
               return debug_op(sh, "devices.purge", {{"device_id", a.str("device")}, {"user", a.str("user")}}, d);
           },
           false, "Drop one device-cache entry (silent on success)."});
    g.add({"debug sentry device-cache to-disk", dbg + "Write the in-memory list to the persistent list\n", kConfig, 15,
           [](Shell& sh, const Args&) -> int {
               json d;
               if (int rc = debug_op(sh, "devices.to_disk", json::object(), d); rc != kOk) return rc;
               sh.print("Wrote device-cache to disk. Number of devices written: " + d["written"].dump() + "\n");
               return kOk;
           },
           false, "Write the device list to disk now (entries still pending a decision are skipped)."});
    g.add({"debug sentry device-cache from-disk", dbg + "Load the persistent list into memory\n", kConfig, 15,
           [](Shell& sh, const Args&) -> int {
               json d;
               if (int rc = debug_op(sh, "devices.from_disk", json::object(), d); rc != kOk) return rc;
               sh.print("Restored device-cache from disk. Number of devices restored: " + d["restored"].dump() + "\n");
               return kOk;
           },
           false, "Add the persistent list's entries that are not in memory (those already there are not counted)."});
    g.add({"debug sentry device-cache {from-emm|from-uem}",
           dbg + "Fetch the UEM's device list now and update the cache\nThe same as from-emm\n", kConfig, 15,
           [](Shell& sh, const Args&) -> int {
               json d;
               if (int rc = debug_op(sh, "devices.from_uem", json::object(), d); rc != kOk) return rc;
               if (d.value("done", false))
                   sh.print("Loaded and updated device-cache from UEM. Number of devices loaded: " +
                            d["loaded"].dump() + "\n");
               else
                   sh.print("Loading the device-cache from UEM continues in the background (" +
                            d["loaded_so_far"].dump() +
                            " devices so far); 'show sentry device-cache status' shows when it is done.\n");
               return kOk;
           },
           false,
           "Run a full resync with the UEM now (device policy source uem) and print how many devices it listed. "
           "A load that takes longer than 8 seconds carries on in the background."});
    g.add({"debug sentry check-in", std::string(kDebugHelp) + kSentry + "Poll the UEM for device changes now\n",
           kConfig, 15,
           [](Shell& sh, const Args&) -> int {
               json d;
               if (int rc = debug_op(sh, "uem.check_in", json::object(), d); rc != kOk) return rc;
               if (!d.value("applicable", false)) {
                   // The reference's answer on the wrong device-policy source, word for word.
                   sh.print("This command is not applicable for the EMM Server\n");
                   return kCommandError;
               }
               if (!d.value("done", false)) {
                   sh.print("The check-in with the UEM continues in the background; 'show sentry status' shows "
                            "how it ended.\n");
                   return kOk;
               }
               // (A failed check-in arrives as an error reply from MICS, printed by debug_op.)
               if (d.value("full", false))
                   sh.print("Checked in with the UEM (full resync). Number of devices loaded: " + d["changed"].dump() +
                            "\n");
               else
                   sh.print("Checked in with the UEM. Number of device changes applied: " + d["changed"].dump() + "\n");
               return kOk;
           },
           false,
           "Poll the UEM now (device policy source uem): a delta poll, or the full resync the connector needs "
           "first, and print how many device records it applied. In standalone mode it answers \"This command is "
           "not applicable for the EMM Server\" and fails."});
    g.add({"debug sentry device-cache clear-redirect-url all", dbg + "Forget stored 451 redirect URLs\nEvery entry\n",
           kConfig, 15,
           [](Shell& sh, const Args&) {
               json d;
               return debug_op(sh, "devices.clear_redirect", {{"all", true}}, d);
           },
           false, "Forget every stored ActiveSync 451 redirect URL."});
    g.add({"debug sentry device-cache clear-redirect-url entry WORD$device WORD$user",
           dbg + "Forget stored 451 redirect URLs\nOne entry\nDevice id\nUser\n", kConfig, 15,
           [](Shell& sh, const Args& a) {
               json d;
               return debug_op(sh, "devices.clear_redirect", {{"device_id", a.str("device")}, {"user", a.str("user")}}, d);
           },
           false, "Forget one device's stored 451 redirect URL."});
}

}  // namespace cli
