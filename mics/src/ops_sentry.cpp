// Op rows for the sentry area (see ops_detail.hpp): `show sentry ...` views of
// the proxy's configuration, rendered from the model through the same
// snapshot sentryd gets (sentryd_snapshot.cpp), so what is shown is what runs.
#include "ops_detail.hpp"
#include "sentryd_snapshot.hpp"

#include <mics/client.hpp>

#include <set>

namespace micsd::ops {

namespace {

bool flag(const Config& c, const char* path) { return std::get<bool>(get(c, path)); }
std::string on_off(bool b) { return b ? "enabled" : "disabled"; }

json show_sentry(App& app, Session& s, const json& a) {
    std::string what = str_arg(a, "what", 32);
    const Config& c = app.running();
    if (what == "config-properties") {
        // Spec §3.5: one `key = value` per line; the filter is a substring of the line.
        std::string filter = str_arg(a, "filter", 256, false);
        std::string text;
        json props = json::object();
        for (const auto& [k, v] : sentry_config_properties(c)) {
            // The UEM token is a credential: below privilege 15 only its presence shows.
            std::string shown = (k.size() >= 9 && k.compare(k.size() - 9, 9, "uem.token") == 0 && s.privilege < 15 &&
                                 !v.empty())
                                    ? std::string("***")
                                    : v;
            std::string line = k + " = " + shown;
            if (!filter.empty() && line.find(filter) == std::string::npos) continue;
            text += line + "\n";
            props[k] = shown;
        }
        return {{"text", text}, {"data", {{"revision", app.revision()}, {"properties", props}}}};
    }
    if (what == "emm-source-verify") {
        bool v = flag(c, "sentry.emm_source_verify");
        return {{"text", std::string(v ? "true" : "false") + "\n"}, {"data", {{"emm_source_verify", v}}}};
    }
    if (what == "emm-ips") {
        std::string list = get_string(c, "sentry.emm_ips");
        auto ips = list.empty() ? std::vector<std::string>{} : activesync::parse_emm_ips(list, nullptr);
        std::string text;
        for (const auto& ip : ips) text += ip + "\n";
        if (ips.empty()) text = "No EMM source addresses configured\n";
        return {{"text", text}, {"data", {{"emm_ips", ips}}}};
    }
    struct Flag {
        const char* what;
        const char* path;
        const char* label;
        const char* key;
    };
    static const Flag flags[] = {
        {"audit", "sentry.audit", "Sentry audit log data", "audit"},
        {"health-monitor", "sentry.health_monitor", "Sentry health-monitor data", "health_monitor"},
        {"hsts", "sentry.hsts", "Sentry Strict-Transport-Security (HSTS rfc6797)", "hsts"},
        {"emm-fail-open", "sentry.emm_fail_open", "New device access when the UEM is unreachable", "emm_fail_open"},
    };
    for (const auto& f : flags) {
        if (what != f.what) continue;
        bool v = flag(c, f.path);
        std::string state = what == "emm-fail-open" ? (v ? "allow" : "block") : on_off(v);
        return {{"text", std::string(f.label) + ": " + state + "\n"}, {"data", {{f.key, v}}}};
    }
    fail("not_found", "nothing to show for 'sentry " + what + "'");
}

// Relays one devices.* / stats.* op to sentryd's control socket: the device
// cache and its counters live in the data plane, MICS only checks who may
// ask (show = EXEC; debug = PRIVILEGED in CONFIG mode) and audits it.
// sentryd's reply data (JSON text it encoded) goes back to the client as
// it came: no decode and re-encode here.
std::string relay(App& app, const json& a, const std::set<std::string>& allowed) {
    std::string op = str_arg(a, "op", 64);
    if (!allowed.count(op)) fail("bad_request", "op: not a sentryd query this command may send: " + op);
    json args = a.contains("args") && a["args"].is_object() ? a["args"] : json::object();
    std::string text = args.dump();
    if (text.size() > 4096) fail("bad_request", "args: too long");
    mics::Client client;
    if (!client.connect(app.options().paths.sentryd_sock()))
        fail("unavailable", "the proxy (sentryd) is not running; start it with: service sentry start");
    mics::Reply r = client.call(op, text, 10000);
    if (!r.ok) {
        if (r.code == "transport") fail("unavailable", "the proxy (sentryd) did not answer");
        fail(r.code, r.message);
    }
    return r.data;
}

std::string sentry_query(App& app, Session&, const json& a) {
    static const std::set<std::string> kShow = {"devices.list", "devices.entry", "devices.status", "stats.entry",
                                                "stats.global", "stats.utilization", "uem.status", "status",
                                                "log.get"};
    return relay(app, a, kShow);
}

std::string sentry_debug(App& app, Session&, const json& a) {
    static const std::set<std::string> kDebug = {"devices.purge", "devices.to_disk", "devices.from_disk",
                                                 "devices.clear_redirect", "devices.from_uem", "uem.check_in",
                                                 "log.enable", "log.disable", "log.verbosity", "log.filter",
                                                 "log.filter_remove"};
    std::string op = str_arg(a, "op", 64);
    std::string d = relay(app, a, kDebug);
    // A failed check-in is a normal sentryd reply with an "error" field; as
    // an error here it is audited as a failure, not a success.
    if (op == "uem.check_in") {
        json r = json::parse(d, nullptr, false);
        if (r.is_object() && r.contains("error") && r["error"].is_string())
            fail("unavailable", "UEM check-in failed: " + r["error"].get<std::string>());
    }
    // `debug sentry log ...` lives in sentryd (runtime state, spec L7060);
    // MICS keeps the last state (sentryd's JSON object, as it came) to push
    // again when it restarts sentryd.
    if (op.rfind("log.", 0) == 0 && !d.empty() && d.front() == '{') app.remember_debug_log(d);
    return d;
}

}  // namespace

std::vector<OpDef> sentry_ops() {
    return {
        // Reporting commands are EXEC (spec §2.3): none of these reveal a secret.
        {"sentry.show", Who::session, 1, false, show_sentry},
        // Device cache and statistics views (EXEC, spec §2.3) and the
        // `debug sentry device-cache ...` actions (CONFIG mode, spec §2.4).
        {"sentry.query", Who::session, 1, false, nullptr, sentry_query},
        {"sentry.debug", Who::session, 15, true, nullptr, sentry_debug},
    };
}

}  // namespace micsd::ops
