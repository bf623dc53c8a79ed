// The MICS op table: every op with who may call it, and its handler.
// Privilege and mode are checked here, never trusted from the shell.
#include "accounts.hpp"
#include "app.hpp"
#include "ops_detail.hpp"
#include "password.hpp"
#include "sentryd_snapshot.hpp"

#include "mics/log.hpp"
#include "mics/version.hpp"

#include <nlohmann/json.hpp>

#include <ctime>
#include <functional>
#include <utility>
#include <openssl/rand.h>

namespace micsd {

using nlohmann::json;
using namespace ops;

json ops::session_json(const Session& s, const App& app) {
    return {{"session_id", s.id}, {"user", s.user}, {"privilege", s.privilege}, {"mode", mode_name(s.mode)},
            {"hostname", get_string(app.running(), "system.hostname")},
            // The shell enforces the CLI idle timeout and re-reads it after every command.
            {"idle_timeout_min", get_int(app.running(), "system.cli.timeout")}};
}

namespace {

std::string new_session_id() {
    unsigned char b[8];
    RAND_bytes(b, sizeof b);
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (unsigned char c : b) {
        s.push_back(hex[c >> 4]);
        s.push_back(hex[c & 15]);
    }
    return s;
}

std::string format_uptime(long long s) {
    long long d = s / 86400, h = (s / 3600) % 24, m = (s / 60) % 60, sec = s % 60;
    std::string out;
    if (d) out += std::to_string(d) + (d == 1 ? " day, " : " days, ");
    out += std::to_string(h) + (h == 1 ? " hour, " : " hours, ");
    out += std::to_string(m) + (m == 1 ? " minute, " : " minutes, ");
    out += std::to_string(sec) + (sec == 1 ? " second" : " seconds");
    return out;
}

json hello(App& app) {
    return {{"product", mics::kProductName}, {"version", mics::kVersion}, {"git", mics::kGitDescribe},
            {"build_date", mics::kBuildDate}, {"uptime_s", app.uptime_s()},
            {"hostname", get_string(app.running(), "system.hostname")}};
}

json show(App& app, Session& s, const json& a) {
    std::string what = str_arg(a, "what", 64);
    // Per-subject privilege, mirroring the grammar: the shell hiding a command is not enough.
    if (what == "startup-config" && s.privilege < 15) fail("denied", "privilege level 15 required");
    if (what == "running-config" || what == "startup-config") {
        // Password hashes and keys only for privilege 15 (accounts.hpp).
        Config c = s.privilege >= 15 ? app.running() : accounts::mask_secrets(app.running());
        std::int64_t rev = app.revision();
        if (what == "startup-config") {
            auto id = app.store().startup_id();
            auto r = id ? app.store().revision(*id) : std::nullopt;
            if (!r) fail("not_found", "startup-config is not present");
            std::string err;
            if (!from_json(r->config, c, &err)) fail("internal", "stored startup-config is invalid: " + err);
            rev = r->id;
        }
        bool all = a.value("all", false);
        // The shell asks for the text or (`| json`) the data: a large
        // configuration then travels once per reply. Both by default.
        bool want_text = !a.contains("text") || a["text"] == true;
        bool want_data = !a.contains("data") || a["data"] == true;
        json data = json::object();
        for (const auto& f : fields()) {
            if (!want_data) break;
            if (f.keyed) {  // a family is an object {key: value}; no entries = {}
                json fam = json::object();
                for (const auto& [k, v] : entries(c, f.path)) std::visit([&](const auto& x) { fam[k] = x; }, v);
                data["settings"][f.path] = fam;
                continue;
            }
            Value v = get(c, f.path);
            std::visit([&](const auto& x) { data["settings"][f.path] = x; }, v);
        }
        data["revision"] = rev;
        return {{"text", want_text ? render(c, all) : std::string()}, {"data", data}};
    }
    if (what == "version") {
        json h = hello(app);
        std::string text = std::string(mics::kProductName) + "\n" + "Version: " + mics::kVersion + " (" +
                           mics::kGitDescribe + ")\n" + "Build date: " + mics::kBuildDate + "\n" +
                           "Host name: " + h["hostname"].get<std::string>() + "\n" +
                           "Uptime: " + format_uptime(app.uptime_s()) + "\n";
        return {{"text", text}, {"data", h}};
    }
    fail("not_found", "nothing to show for '" + what + "'");
}

json config_edit(App& app, Session& s, const json& a) {
    if (!a.contains("edits") || !a["edits"].is_array() || a["edits"].empty() || a["edits"].size() > 1000)
        fail("bad_request", "'edits' must be a non-empty array (at most 1000)");
    std::string line = str_arg(a, "line", 4096, false);
    std::vector<App::Edit> edits;
    for (const auto& e : a["edits"]) {
        if (!e.is_object()) fail("bad_request", "each edit must be an object");
        App::Edit ed{str_arg(e, "path", 256), str_arg(e, "op", 16), std::nullopt};
        if (e.contains("value")) {
            const json& jv = e["value"];
            if (jv.is_string()) ed.value = jv.get<std::string>();
            else if (jv.is_boolean()) ed.value = jv.get<bool>();
            else if (jv.is_number_integer()) ed.value = jv.get<long long>();
            else fail("bad_request", "edit value must be a string, integer or boolean");
        }
        edits.push_back(std::move(ed));
    }
    std::int64_t rev = 0;
    bool invalid = false;
    if (std::string why = app.commit_edits(edits, s, line, &rev, &invalid); !why.empty())
        fail(invalid ? "invalid" : "apply_failed", why);
    if (rev == 0) return {{"revision", app.revision()}, {"changed", false}};
    return {{"revision", rev}, {"changed", true}};
}

std::vector<OpDef> with(std::vector<OpDef> base, std::vector<OpDef> more) {
    for (auto& d : more) base.push_back(std::move(d));
    return base;
}

const std::vector<OpDef>& op_table() {
    static const std::vector<OpDef> t = with({
        {"hello", Who::anyone, 0, false, [](App& app, Session&, const json&) { return hello(app); }},
        // auth.login and auth.pubkey: ops_accounts.cpp (lockout, lines).
        {"session.local", Who::trusted, 0, false,
         [](App& app, Session& s, const json& a) -> json {
             s.trusted = false;
             s.authenticated = true;
             s.user = "console";
             s.source = str_arg(a, "source", 64, false);
             if (s.source.empty()) s.source = "console";
             s.privilege = 1;
             s.id = new_session_id();
             app.lines().add(s, "console", std::int64_t(std::time(nullptr)));
             app.store().audit({0, s.user, s.source, s.id, "login", "local console session", "success"});
             return session_json(s, app);
         }},
        {"session.info", Who::session, 1, false,
         [](App& app, Session& s, const json&) { return session_json(s, app); }},
        // session.enable: ops_accounts.cpp (enable failures count toward lockout).
        {"session.disable", Who::session, 1, false,
         [](App& app, Session& s, const json&) {
             s.privilege = 1;
             s.mode = Mode::exec;
             s.submode.clear();
             return session_json(s, app);
         }},
        {"session.mode", Who::session, 1, false,
         [](App& app, Session& s, const json& a) {
             std::string m = str_arg(a, "mode", 16);
             // A sub-mode (the shell's interface mode) is configuration mode here;
             // only its name is kept, for the audit trail.
             if (m == "config" || m == "config-if") {
                 if (s.privilege < 15) fail("denied", "configuration mode requires privilege level 15");
                 s.mode = Mode::config;
                 s.submode = m == "config" ? "" : m;
             } else if (m == "exec") {
                 s.mode = Mode::exec;
                 s.submode.clear();
             } else {
                 fail("bad_request", "unknown mode '" + m + "'");
             }
             return session_json(s, app);
         }},
        {"show", Who::session, 1, false, show},
        {"config.edit", Who::session, 15, true, config_edit},
        {"config.save", Who::session, 15, false,
         [](App& app, Session&, const json&) -> json {
             if (!app.store().set_startup(app.revision())) fail("internal", "cannot mark the startup revision");
             return {{"revision", app.revision()}};
         }},
        {"audit.record", Who::session, 1, false,
         [](App&, Session&, const json& a) -> json {
             // The record itself is written by dispatch() from the 'line' argument.
             str_arg(a, "result", 256);
             return nullptr;
         }},
        {"session.login_only", Who::trusted, 0, false,
         [](App&, Session& s, const json&) -> json {
             s.login_only = true;  // one way: nothing but a login can lift it
             return nullptr;
         }},
        {"ssh.settings", Who::trusted, 0, false,
         [](App& app, Session&, const json&) -> json {
             const Config& c = app.running();
             return {{"banner", get_string(c, "ssh.banner")},
                     {"max_sessions", get_int(c, "ssh.max_sessions")},
                     {"grace_time_s", get_int(c, "ssh.grace_time")},
                     {"idle_timeout_min", get_int(c, "system.cli.timeout")},
                     {"enabled", std::get<bool>(get(c, "ssh.enabled"))}};
         }},
        {"service.config", Who::trusted, 0, false,
         [](App& app, Session&, const json& a) -> json {
             std::string svc = str_arg(a, "service", 32);
             if (svc != "sentryd") fail("not_found", "no configuration for service '" + svc + "'");
             std::string why, args = sentryd_apply_args(app.running(), app.revision(), &why);
             if (args.empty()) fail("internal", "running configuration: " + why);
             return json::parse(args);
         }},
    }, with(archive_ops(), with(account_ops(), with(sentry_ops(), with(acl_ops(), with(syslog_ops(), system_ops()))))));
    return t;
}

json error_reply(const json& id, const std::string& code, const std::string& msg) {
    return {{"id", id}, {"ok", false}, {"error", {{"code", code}, {"message", msg}}}};
}

}  // namespace

std::string App::dispatch(Session& s, const std::string& frame) {
    json req = json::parse(frame, nullptr, false);
    if (req.is_discarded() || !req.is_object())
        return error_reply(nullptr, "bad_request", "malformed JSON").dump();
    json id = req.contains("id") ? req["id"] : json(nullptr);
    if (!req.contains("op") || !req["op"].is_string())
        return error_reply(id, "bad_request", "missing 'op'").dump();
    if (req.contains("v") && req["v"] != 1) return error_reply(id, "bad_request", "unsupported protocol version").dump();
    std::string op = req["op"].get<std::string>();
    json args = req.contains("args") ? req["args"] : json::object();
    if (!args.is_object()) return error_reply(id, "bad_request", "'args' must be an object").dump();

    const OpDef* def = nullptr;
    for (const auto& d : op_table())
        if (op == d.name) def = &d;

    // The command line the user typed, for the audit trail (the shell masks secrets in it).
    std::string line = args.contains("line") && args["line"].is_string() ? args["line"].get<std::string>() : "";
    if (line.size() > 4096) line.resize(4096);
    std::string mode = mode_label(s);
    auto audit = [&](const std::string& result) {
        if (!line.empty() && s.authenticated) store_.audit({0, s.user, s.source, s.id, mode, line, result});
    };

    if (!def) {
        audit("error: unknown op");
        return error_reply(id, "unknown_op", "unknown op '" + op + "'").dump();
    }
    std::string denied;
    if (s.login_only && op != "hello" && op != "auth.login" && op != "auth.pubkey")
        denied = "this connection may only log in";
    else switch (def->who) {
        case Who::anyone: break;
        case Who::trusted:
            if (!s.trusted) denied = "op '" + op + "' is reserved for appliance services";
            break;
        case Who::session:
            if (!s.authenticated) denied = "not logged in";
            else if (s.privilege < def->min_priv) denied = "privilege level " + std::to_string(def->min_priv) + " required";
            else if (def->config_mode && s.mode != Mode::config) denied = "configuration mode required";
            break;
    }
    if (s.authenticated) lines_.touch(s.id, std::int64_t(std::time(nullptr)));  // `show users` idle time
    if (!denied.empty()) {
        audit("denied: " + denied);
        return error_reply(id, "denied", denied).dump();
    }
    try {
        if (def->raw) {
            std::string data = def->raw(*this, s, args);
            audit("success");
            return "{\"id\":" + id.dump() + ",\"ok\":true,\"data\":" + (data.empty() ? "null" : data) + "}";
        }
        json data = def->fn(*this, s, args);
        if (op == "audit.record") audit(args.value("result", "error"));
        else audit("success");
        return json{{"id", id}, {"ok", true}, {"data", data}}.dump();
    } catch (const OpError& e) {
        audit("error: " + e.message);
        return error_reply(id, e.code, e.message).dump();
    } catch (const std::exception& e) {
        mics::log_error("op " + op + " failed: " + e.what());
        audit("error: internal");
        return error_reply(id, "internal", "internal error").dump();
    }
}

}  // namespace micsd
