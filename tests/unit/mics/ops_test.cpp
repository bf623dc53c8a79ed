// The MICS op dispatcher: framing errors, trust, login, privilege and mode
// checks, config edits and their revisions, save/startup, and the audit trail.
// Each test builds a real App over a temp state dir (services not started).
#include "app.hpp"
#include "render_fixtures.hpp"

#include <doctest/doctest.h>

using sentry_test::all_interfaces;

#include "temp_dir.hpp"
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <sys/stat.h>

using namespace micsd;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* kAdminPw = "Adm1n-Test-Pass";
const char* kEnable = "En4ble-Test-Secret";

struct TempDir : sentry_test::TempDir {
    TempDir() : sentry_test::TempDir("ops-test") {}
};

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

unsigned perms(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

std::unique_ptr<App> make_app(const std::string& state) {
    Options o;
    o.paths.state = state;
    o.start_services = false;
    auto app = std::make_unique<App>(o);
    std::string why = app->init();
    REQUIRE_MESSAGE(why.empty(), why);
    return app;
}

struct Appliance {
    TempDir dir;
    std::unique_ptr<App> app;
    explicit Appliance(bool env_credentials = true) {
        if (env_credentials) {
            ::setenv("SENTRY_ADMIN_PASSWORD", kAdminPw, 1);
            ::setenv("SENTRY_ENABLE_SECRET", kEnable, 1);
        } else {
            ::unsetenv("SENTRY_ADMIN_PASSWORD");
            ::unsetenv("SENTRY_ENABLE_SECRET");
        }
        ::unsetenv("SENTRY_SNMP_COMMUNITY");
        app = make_app(dir.path);
    }
    void reboot() {
        app.reset();
        app = make_app(dir.path);
    }
};

json call(App& app, Session& s, const std::string& op, json args = json::object(), int id = 1) {
    json req = {{"v", 1}, {"id", id}, {"op", op}, {"args", std::move(args)}};
    std::string reply = app.dispatch(s, req.dump());
    json r = json::parse(reply, nullptr, false);
    REQUIRE_MESSAGE(r.is_object(), reply);
    return r;
}

json raw(App& app, Session& s, const std::string& frame) {
    std::string reply = app.dispatch(s, frame);
    json r = json::parse(reply, nullptr, false);
    REQUIRE_MESSAGE(r.is_object(), reply);
    return r;
}

std::string code(const json& r) {
    if (r.value("ok", false)) return "ok";
    return r["error"].value("code", "?");
}
std::string message(const json& r) { return r["error"].value("message", ""); }

Session trusted() {
    Session s;
    s.trusted = true;
    return s;
}

// A logged-in admin session (privilege 1, EXEC).
Session login(App& app, const std::string& source = "192.0.2.10") {
    Session s = trusted();
    json r = call(app, s, "auth.login", {{"user", "admin"}, {"password", kAdminPw}, {"source", source}, {"service", "ssh"}});
    REQUIRE_MESSAGE(code(r) == "ok", r.dump());
    return s;
}

Session enabled(App& app) {
    Session s = login(app);
    json r = call(app, s, "session.enable", {{"secret", kEnable}});
    REQUIRE_MESSAGE(code(r) == "ok", r.dump());
    return s;
}

Session config_mode(App& app) {
    Session s = enabled(app);
    json r = call(app, s, "session.mode", {{"mode", "config"}});
    REQUIRE_MESSAGE(code(r) == "ok", r.dump());
    return s;
}

json edit(const std::string& path, const json& value, const std::string& line) {
    json e = {{"path", path}, {"op", "set"}, {"value", value}};
    return {{"edits", json::array({e})}, {"line", line}};
}

}  // namespace

TEST_CASE("init creates the state layout, the factory config and the generated files") {
    Appliance a;
    const std::string& st = a.dir.path;
    for (const char* d : {"db", "run", "log", "certs", "snmp", "keys"}) CHECK(fs::is_directory(st + "/" + d));
    CHECK(perms(st + "/db") == 0700);
    CHECK(perms(st + "/keys") == 0700);
    CHECK(perms(st + "/certs") == 0700);
    CHECK(perms(st + "/run") == 0755);
    CHECK(fs::exists(st + "/db/sentry.db"));
    CHECK(fs::exists(st + "/certs/sentry.crt"));
    CHECK(fs::exists(st + "/certs/sentry.key"));
    // Credentials came from the environment: nothing written to disk.
    CHECK_FALSE(fs::exists(st + "/initial-admin-password"));
    CHECK_FALSE(fs::exists(st + "/initial-enable-secret"));

    // Factory configuration: the dev community and the admin user, saved as startup.
    CHECK(a.app->revision() > 0);
    CHECK(a.app->store().startup_id() == a.app->revision());
    CHECK(a.app->running().values.size() == 2);
    CHECK(a.app->running().values.count("user.secret[admin]") == 1);
    CHECK(get_string(a.app->running(), "snmp.community") == "sentry-dev");
    CHECK(get_string(a.app->running(), "system.hostname") == "sentry");
    auto rev = a.app->store().latest();
    REQUIRE(rev);
    CHECK(rev->meta.command == "factory configuration");
    CHECK(rev->meta.user == "system");

    std::string conf = slurp(st + "/snmp/snmpd.conf");
    CHECK(conf.find("rocommunity sentry-dev default\n") != std::string::npos);
    CHECK(conf.find("sysName sentry\n") != std::string::npos);
    CHECK(conf.find("agentaddress udp:127.0.0.1:1161\n") != std::string::npos);
    CHECK(perms(st + "/snmp/snmpd.conf") == 0640);

    // Stored hashes, never the secrets themselves.
    auto h = a.app->store().account_hash("admin");
    REQUIRE(h);
    CHECK(h->rfind("$y$", 0) == 0);
    CHECK(h->find(kAdminPw) == std::string::npos);
    auto e = a.app->store().secret("enable");
    REQUIRE(e);
    CHECK(e->rfind("$y$", 0) == 0);
}

TEST_CASE("first boot without env credentials generates and saves them 0600") {
    Appliance a(false);
    const std::string pwfile = a.dir.path + "/initial-admin-password";
    const std::string enfile = a.dir.path + "/initial-enable-secret";
    REQUIRE(fs::exists(pwfile));
    REQUIRE(fs::exists(enfile));
    CHECK(perms(pwfile) == 0600);
    CHECK(perms(enfile) == 0600);
    std::string pw = slurp(pwfile);
    std::string en = slurp(enfile);
    REQUIRE(pw.size() == 17);
    CHECK(pw.back() == '\n');
    pw.pop_back();
    en.pop_back();
    CHECK(pw != en);

    Session s = trusted();
    json r = call(*a.app, s, "auth.login", {{"user", "admin"}, {"password", pw}});
    REQUIRE(code(r) == "ok");
    r = call(*a.app, s, "session.enable", {{"secret", en}});
    CHECK(code(r) == "ok");
    CHECK(r["data"]["privilege"] == 15);
}

TEST_CASE("a second init on the same state keeps the first boot's credentials") {
    Appliance a;
    auto before = a.app->store().account_hash("admin");
    ::setenv("SENTRY_ADMIN_PASSWORD", "something-else", 1);
    a.app.reset();
    a.app = make_app(a.dir.path);
    ::setenv("SENTRY_ADMIN_PASSWORD", kAdminPw, 1);
    CHECK(a.app->store().account_hash("admin") == before);
    Session s = trusted();
    CHECK(code(call(*a.app, s, "auth.login", {{"user", "admin"}, {"password", "something-else"}})) ==
          "auth_failed");
    login(*a.app);
}

TEST_CASE("framing errors: malformed JSON, missing op, version, args") {
    Appliance a;
    Session s = trusted();
    json r = raw(*a.app, s, "{not json");
    CHECK(code(r) == "bad_request");
    CHECK(message(r) == "malformed JSON");
    CHECK(r["id"].is_null());
    CHECK(r["ok"] == false);

    CHECK(code(raw(*a.app, s, "[1,2,3]")) == "bad_request");
    CHECK(code(raw(*a.app, s, "")) == "bad_request");
    CHECK(code(raw(*a.app, s, "\"hello\"")) == "bad_request");

    r = raw(*a.app, s, R"({"v":1,"id":42})");
    CHECK(code(r) == "bad_request");
    CHECK(message(r) == "missing 'op'");
    CHECK(r["id"] == 42);
    CHECK(code(raw(*a.app, s, R"({"v":1,"id":1,"op":7})")) == "bad_request");

    r = raw(*a.app, s, R"({"v":2,"id":3,"op":"hello"})");
    CHECK(code(r) == "bad_request");
    CHECK(message(r) == "unsupported protocol version");
    CHECK(r["id"] == 3);

    r = raw(*a.app, s, R"({"v":1,"id":4,"op":"hello","args":[1]})");
    CHECK(code(r) == "bad_request");
    CHECK(message(r) == "'args' must be an object");

    // The session is still usable afterwards.
    r = raw(*a.app, s, R"({"v":1,"id":5,"op":"hello"})");
    CHECK(code(r) == "ok");
    CHECK(r["id"] == 5);
}

TEST_CASE("unknown op") {
    Appliance a;
    Session s = trusted();
    json r = call(*a.app, s, "frobnicate", json::object(), 9);
    CHECK(code(r) == "unknown_op");
    CHECK(message(r) == "unknown op 'frobnicate'");
    CHECK(r["id"] == 9);
}

TEST_CASE("hello works for anyone and echoes the id") {
    Appliance a;
    Session s;  // untrusted, not logged in
    json r = call(*a.app, s, "hello", json::object(), 77);
    REQUIRE(code(r) == "ok");
    CHECK(r["id"] == 77);
    CHECK(r["data"]["hostname"] == "sentry");
    CHECK(r["data"]["product"].is_string());
    CHECK(r["data"]["version"].is_string());
    CHECK(r["data"]["uptime_s"].is_number_integer());
    CHECK(r["data"]["uptime_s"] >= 0);
}

TEST_CASE("an untrusted peer cannot log in or call service ops") {
    Appliance a;
    Session s;  // e.g. an unprivileged uid connecting directly
    json r = call(*a.app, s, "auth.login", {{"user", "admin"}, {"password", kAdminPw}});
    CHECK(code(r) == "denied");
    CHECK(message(r) == "op 'auth.login' is reserved for appliance services");
    CHECK_FALSE(s.authenticated);
    CHECK(s.privilege == 0);
    CHECK(code(call(*a.app, s, "session.local")) == "denied");
    CHECK(code(call(*a.app, s, "ssh.settings")) == "denied");
    CHECK(code(call(*a.app, s, "service.config", {{"service", "sentryd"}})) == "denied");
    // Session ops need a login.
    r = call(*a.app, s, "session.info");
    CHECK(code(r) == "denied");
    CHECK(message(r) == "not logged in");
    CHECK(code(call(*a.app, s, "show", {{"what", "running-config"}})) == "denied");
    CHECK(code(call(*a.app, s, "config.edit", edit("system.hostname", "x", "hostname x"))) == "denied");
    CHECK(code(call(*a.app, s, "session.enable", {{"secret", kEnable}})) == "denied");
    CHECK(s.privilege == 0);
}

TEST_CASE("auth.login: wrong password and unknown user fail identically and are audited") {
    Appliance a;
    Session s = trusted();
    json wrong = call(*a.app, s, "auth.login",
                      {{"user", "admin"}, {"password", "nope"}, {"source", "198.51.100.1"}, {"service", "ssh"}});
    CHECK(code(wrong) == "auth_failed");
    json unknown = call(*a.app, s, "auth.login",
                        {{"user", "mallory"}, {"password", "nope"}, {"source", "198.51.100.1"}, {"service", "ssh"}});
    CHECK(code(unknown) == "auth_failed");
    CHECK(message(wrong) == "Authentication failed");
    CHECK(message(unknown) == message(wrong));
    CHECK(wrong["error"] == unknown["error"]);

    // Still an unauthenticated, trusted connection.
    CHECK(s.trusted);
    CHECK_FALSE(s.authenticated);
    CHECK(s.privilege == 0);
    CHECK(code(call(*a.app, s, "ssh.settings")) == "ok");

    auto tail = a.app->store().audit_tail(2);
    REQUIRE(tail.size() == 2);
    CHECK(tail[0].user == "admin");
    CHECK(tail[0].result == "failure");
    CHECK(tail[0].mode == "login");
    CHECK(tail[0].source == "198.51.100.1");
    CHECK(tail[0].command == "login via ssh");
    CHECK(tail[1].user == "mallory");
    CHECK(tail[1].result == "failure");
    // The password never reaches the audit trail.
    for (const auto& rec : a.app->store().audit_tail(100)) CHECK(rec.command.find("nope") == std::string::npos);
}

TEST_CASE("auth.login argument checks") {
    Appliance a;
    Session s = trusted();
    json r = call(*a.app, s, "auth.login", {{"user", "admin"}});
    CHECK(code(r) == "bad_request");
    CHECK(message(r) == "missing argument 'password'");
    r = call(*a.app, s, "auth.login", {{"user", 5}, {"password", kAdminPw}});
    CHECK(code(r) == "bad_request");
    CHECK(message(r) == "argument 'user' must be a string");
    r = call(*a.app, s, "auth.login", {{"user", std::string(65, 'a')}, {"password", kAdminPw}});
    CHECK(code(r) == "bad_request");
    CHECK(message(r) == "argument 'user' is too long");
    CHECK(s.trusted);
    CHECK_FALSE(s.authenticated);
}

TEST_CASE("auth.login success gives privilege 1 and drops the service trust for good") {
    Appliance a;
    Session s = trusted();
    json r = call(*a.app, s, "auth.login",
                  {{"user", "admin"}, {"password", kAdminPw}, {"source", "192.0.2.10"}, {"service", "ssh"}});
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["privilege"] == 1);
    CHECK(r["data"]["user"] == "admin");
    CHECK(r["data"]["mode"] == "exec");
    CHECK(r["data"]["hostname"] == "sentry");
    std::string sid = r["data"]["session_id"];
    CHECK(sid.size() == 16);
    CHECK(sid.find_first_not_of("0123456789abcdef") == std::string::npos);

    CHECK_FALSE(s.trusted);
    CHECK(s.authenticated);
    CHECK(s.privilege == 1);
    CHECK(s.user == "admin");
    CHECK(s.source == "192.0.2.10");
    CHECK(s.id == sid);

    json d = call(*a.app, s, "ssh.settings");
    CHECK(code(d) == "denied");
    CHECK(message(d) == "op 'ssh.settings' is reserved for appliance services");
    CHECK(code(call(*a.app, s, "service.config", {{"service", "sentryd"}})) == "denied");
    // No second login on the same connection (no switching users).
    CHECK(code(call(*a.app, s, "auth.login", {{"user", "admin"}, {"password", kAdminPw}})) == "denied");
    CHECK(code(call(*a.app, s, "session.local")) == "denied");

    auto info = call(*a.app, s, "session.info");
    REQUIRE(code(info) == "ok");
    CHECK(info["data"]["session_id"] == sid);
    CHECK(info["data"]["privilege"] == 1);

    auto tail = a.app->store().audit_tail(1);
    REQUIRE(tail.size() == 1);
    CHECK(tail[0].result == "success");
    CHECK(tail[0].user == "admin");

    // Two logins get different session ids.
    Session s2 = login(*a.app);
    CHECK(s2.id != s.id);
}

TEST_CASE("login without a source reports 'unknown'") {
    Appliance a;
    Session s = trusted();
    REQUIRE(code(call(*a.app, s, "auth.login", {{"user", "admin"}, {"password", kAdminPw}})) == "ok");
    CHECK(s.source == "unknown");
}

TEST_CASE("session.local gives a console session at privilege 1") {
    Appliance a;
    Session s = trusted();
    json r = call(*a.app, s, "session.local");
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["user"] == "console");
    CHECK(r["data"]["privilege"] == 1);
    CHECK(s.source == "console");
    CHECK_FALSE(s.trusted);
    CHECK(code(call(*a.app, s, "ssh.settings")) == "denied");
    auto tail = a.app->store().audit_tail(1);
    REQUIRE(tail.size() == 1);
    CHECK(tail[0].command == "local console session");
    CHECK(tail[0].session == s.id);
}

TEST_CASE("privilege 1 cannot edit the configuration") {
    Appliance a;
    Session s = login(*a.app);
    auto rev = a.app->revision();
    json r = call(*a.app, s, "config.edit", edit("system.hostname", "pwned", "hostname pwned"));
    CHECK(code(r) == "denied");
    CHECK(message(r) == "privilege level 15 required");
    CHECK(get_string(a.app->running(), "system.hostname") == "sentry");
    CHECK(a.app->revision() == rev);
    CHECK(a.app->store().latest()->id == rev);

    // Even a session whose mode field was tampered with to CONFIG.
    s.mode = Mode::config;
    CHECK(code(call(*a.app, s, "config.edit", edit("system.hostname", "pwned", "hostname pwned"))) == "denied");
    CHECK(get_string(a.app->running(), "system.hostname") == "sentry");

    CHECK(code(call(*a.app, s, "config.save")) == "denied");

    auto tail = a.app->store().audit_tail(1);
    REQUIRE(tail.size() == 1);
    CHECK(tail[0].command == "hostname pwned");
    CHECK(tail[0].result == "denied: privilege level 15 required");
}

TEST_CASE("configuration mode needs privilege 15") {
    Appliance a;
    Session s = login(*a.app);
    json r = call(*a.app, s, "session.mode", {{"mode", "config"}});
    CHECK(code(r) == "denied");
    CHECK(message(r) == "configuration mode requires privilege level 15");
    CHECK(s.mode == Mode::exec);
    r = call(*a.app, s, "session.mode", {{"mode", "exec"}});
    CHECK(code(r) == "ok");
    r = call(*a.app, s, "session.mode", {{"mode", "interface"}});
    CHECK(code(r) == "bad_request");
    CHECK(message(r) == "unknown mode 'interface'");
}

TEST_CASE("session.enable checks the enable secret") {
    Appliance a;
    Session s = login(*a.app);
    json r = call(*a.app, s, "session.enable", {{"secret", "wrong"}});
    CHECK(code(r) == "auth_failed");
    CHECK(message(r) == "Access denied");
    CHECK(s.privilege == 1);
    // The login password is not the enable secret.
    CHECK(code(call(*a.app, s, "session.enable", {{"secret", kAdminPw}})) == "auth_failed");
    CHECK(s.privilege == 1);
    auto tail = a.app->store().audit_tail(1);
    REQUIRE(tail.size() == 1);
    CHECK(tail[0].command == "enable");
    CHECK(tail[0].result == "failure");
    CHECK(tail[0].user == "admin");

    r = call(*a.app, s, "session.enable", {{"secret", kEnable}});
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["privilege"] == 15);
    CHECK(s.privilege == 15);
    CHECK(a.app->store().audit_tail(1)[0].result == "success");
    // Enabling grants privilege, not the service trust.
    CHECK(code(call(*a.app, s, "ssh.settings")) == "denied");
}

TEST_CASE("config.edit needs configuration mode even at privilege 15") {
    Appliance a;
    Session s = enabled(*a.app);
    json r = call(*a.app, s, "config.edit", edit("system.hostname", "edge1", "hostname edge1"));
    CHECK(code(r) == "denied");
    CHECK(message(r) == "configuration mode required");
    CHECK(get_string(a.app->running(), "system.hostname") == "sentry");
}

TEST_CASE("config.edit in configuration mode commits a new revision") {
    Appliance a;
    Session s = config_mode(*a.app);
    auto before = a.app->revision();
    json r = call(*a.app, s, "config.edit", edit("system.hostname", "edge1", "hostname edge1"));
    REQUIRE_MESSAGE(code(r) == "ok", r.dump());
    std::int64_t rev = r["data"]["revision"];
    CHECK(rev > before);
    CHECK(r["data"]["changed"] == true);
    CHECK(a.app->revision() == rev);
    CHECK(get_string(a.app->running(), "system.hostname") == "edge1");

    auto stored = a.app->store().revision(rev);
    REQUIRE(stored);
    CHECK(stored->meta.command == "hostname edge1");
    CHECK(stored->meta.user == "admin");
    CHECK(stored->meta.session == s.id);
    CHECK(stored->meta.source == "192.0.2.10");
    auto cfg = json::parse(stored->config);
    CHECK(cfg["system.hostname"] == "edge1");
    CHECK(cfg["snmp.community"] == "sentry-dev");

    // The appliers ran: snmpd.conf carries the new sysName.
    CHECK(slurp(a.dir.path + "/snmp/snmpd.conf").find("sysName edge1\n") != std::string::npos);
    // And sessions see it.
    CHECK(call(*a.app, s, "session.info")["data"]["hostname"] == "edge1");
    CHECK(call(*a.app, s, "hello")["data"]["hostname"] == "edge1");

    // Not saved yet: the startup pointer still names the factory revision.
    CHECK(a.app->store().startup_id() == before);
}

TEST_CASE("config.edit: the same value again changes nothing") {
    Appliance a;
    Session s = config_mode(*a.app);
    json r = call(*a.app, s, "config.edit", edit("system.hostname", "edge1", "hostname edge1"));
    REQUIRE(code(r) == "ok");
    std::int64_t rev = r["data"]["revision"];
    r = call(*a.app, s, "config.edit", edit("system.hostname", "edge1", "hostname edge1"));
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["changed"] == false);
    CHECK(r["data"]["revision"] == rev);
    CHECK(a.app->store().latest()->id == rev);
}

TEST_CASE("config.edit with an invalid value leaves the running config unchanged") {
    Appliance a;
    Session s = config_mode(*a.app);
    auto rev = a.app->revision();
    json r = call(*a.app, s, "config.edit", edit("system.hostname", "-bad-", "hostname -bad-"));
    CHECK(code(r) == "invalid");
    CHECK(message(r) == "system.hostname: must be a host name of letters, digits, '-' and '.' (max 253)");
    CHECK(get_string(a.app->running(), "system.hostname") == "sentry");
    CHECK(a.app->revision() == rev);
    CHECK(a.app->store().latest()->id == rev);

    r = call(*a.app, s, "config.edit", edit("system.cli.timeout", 35792, "timeout 35792"));
    CHECK(code(r) == "invalid");
    CHECK(message(r) == "system.cli.timeout: 35792 is out of range 0-35791");
    r = call(*a.app, s, "config.edit", edit("ssh.max_sessions", 0, "service ssh 0"));
    CHECK(code(r) == "invalid");
    CHECK(message(r) == "ssh.max_sessions: 0 is out of range 1-10");
    r = call(*a.app, s, "config.edit", edit("system.nope", 1, "nope"));
    CHECK(code(r) == "invalid");
    CHECK(message(r) == "unknown setting system.nope");
    r = call(*a.app, s, "config.edit", edit("system.cli.timeout", "10", "timeout 10"));
    CHECK(code(r) == "invalid");
    CHECK(message(r) == "system.cli.timeout: expected int");
    CHECK(a.app->revision() == rev);

    auto tail = a.app->store().audit_tail(5);
    REQUIRE(tail.size() == 5);
    CHECK(tail[0].command == "hostname -bad-");
    CHECK(tail[0].result ==
          "error: system.hostname: must be a host name of letters, digits, '-' and '.' (max 253)");
}

TEST_CASE("config.edit is all or nothing across several edits") {
    Appliance a;
    Session s = config_mode(*a.app);
    auto rev = a.app->revision();
    json args = {{"edits",
                  {{{"path", "system.hostname"}, {"op", "set"}, {"value", "edge1"}},
                   {{"path", "ssh.max_sessions"}, {"op", "set"}, {"value", 99}}}},
                 {"line", "two edits"}};
    json r = call(*a.app, s, "config.edit", args);
    CHECK(code(r) == "invalid");
    CHECK(get_string(a.app->running(), "system.hostname") == "sentry");
    CHECK(get_int(a.app->running(), "ssh.max_sessions") == 5);
    CHECK(a.app->revision() == rev);

    args["edits"][1]["value"] = 3;
    r = call(*a.app, s, "config.edit", args);
    REQUIRE(code(r) == "ok");
    CHECK(get_string(a.app->running(), "system.hostname") == "edge1");
    CHECK(get_int(a.app->running(), "ssh.max_sessions") == 3);
    CHECK(r["data"]["revision"] == rev + 1);
}

TEST_CASE("config.edit argument checks") {
    Appliance a;
    Session s = config_mode(*a.app);
    CHECK(code(call(*a.app, s, "config.edit", json::object())) == "bad_request");
    CHECK(code(call(*a.app, s, "config.edit", {{"edits", json::array()}})) == "bad_request");
    CHECK(code(call(*a.app, s, "config.edit", {{"edits", "hostname x"}})) == "bad_request");
    CHECK(code(call(*a.app, s, "config.edit", {{"edits", {1}}})) == "bad_request");
    CHECK(code(call(*a.app, s, "config.edit", {{"edits", {{{"op", "set"}, {"value", "x"}}}}})) == "bad_request");
    json r = call(*a.app, s, "config.edit", edit("ssh.max_sessions", 2.5, "service ssh 2.5"));
    CHECK(code(r) == "bad_request");
    CHECK(message(r) == "edit value must be a string, integer or boolean");
    r = call(*a.app, s, "config.edit",
             {{"edits", {{{"path", "system.hostname"}, {"op", "rename"}, {"value", "x"}}}}});
    CHECK(code(r) == "invalid");
    CHECK(message(r) == "unknown edit operation rename");
    r = call(*a.app, s, "config.edit", {{"edits", {{{"path", "system.hostname"}, {"op", "set"}}}}});
    CHECK(code(r) == "invalid");
    CHECK(message(r) == "system.hostname: a value is required");
    json many = json::array();
    for (int i = 0; i < 1001; ++i) many.push_back({{"path", "system.hostname"}, {"op", "delete"}});
    CHECK(code(call(*a.app, s, "config.edit", {{"edits", many}})) == "bad_request");
}

TEST_CASE("delete restores a default through config.edit") {
    Appliance a;
    Session s = config_mode(*a.app);
    REQUIRE(code(call(*a.app, s, "config.edit", edit("system.hostname", "edge1", "hostname edge1"))) == "ok");
    json r = call(*a.app, s, "config.edit",
                  {{"edits", {{{"path", "system.hostname"}, {"op", "delete"}}}}, {"line", "no hostname"}});
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["changed"] == true);
    CHECK(get_string(a.app->running(), "system.hostname") == "sentry");
    CHECK(a.app->running().values.count("system.hostname") == 0);
}

TEST_CASE("show running-config renders the running data") {
    Appliance a;
    Session s = config_mode(*a.app);
    REQUIRE(code(call(*a.app, s, "config.edit", edit("system.hostname", "edge1", "hostname edge1"))) == "ok");
    Session viewer = login(*a.app);  // privilege 1 may look, without the secrets (community too)
    json r = call(*a.app, viewer, "show", {{"what", "running-config"}});
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["text"] == "hostname edge1\nusername admin secret ***\nsnmp-server community *** ro\n");
    CHECK(r["data"]["data"]["revision"] == a.app->revision());
    CHECK(r["data"]["data"]["settings"]["system.hostname"] == "edge1");
    CHECK(r["data"]["data"]["settings"]["system.cli.timeout"] == 10);
    CHECK(r["data"]["data"]["settings"]["ssh.max_sessions"] == 5);
    CHECK(r["data"]["data"]["settings"].size() == fields().size());

    r = call(*a.app, viewer, "show", {{"what", "running-config"}, {"all", true}});
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["text"] == all_interfaces() + "hostname edge1\ntimeout 10\nusername admin secret ***\n" +
                                    sentry_test::all_accounts() + "snmp-server community *** ro\n" +
                                    sentry_test::all_ssh() + sentry_test::all_sentry() + sentry_test::all_platform() + sentry_test::all_acl());
    CHECK(r["data"]["data"]["settings"]["dns.server"] == json::object());

    // A keyed family is an object {key: value} in the data and one line per entry in the text.
    REQUIRE(code(call(*a.app, s, "config.edit", edit("dns.server[1]", "10.0.0.54", "ip name-server 10.0.0.54 1"))) ==
            "ok");
    json bad = call(*a.app, s, "config.edit", edit("dns.server[3]", "10.0.0.54", "ip name-server 10.0.0.54 3"));
    CHECK(code(bad) == "invalid");
    r = call(*a.app, viewer, "show", {{"what", "running-config"}});
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["data"]["settings"]["dns.server"] == json{{"1", "10.0.0.54"}});
    CHECK(r["data"]["text"] == "ip name-server 10.0.0.54 1\nhostname edge1\nusername admin secret ***\nsnmp-server community *** ro\n");
}

TEST_CASE("show: version, unknown and missing 'what'") {
    Appliance a;
    Session s = login(*a.app);
    json r = call(*a.app, s, "show", {{"what", "version"}});
    REQUIRE(code(r) == "ok");
    std::string text = r["data"]["text"];
    CHECK(text.find("Host name: sentry\n") != std::string::npos);
    CHECK(text.find("Version: ") != std::string::npos);
    CHECK(text.find("Uptime: 0 hours, 0 minutes, ") != std::string::npos);
    CHECK(r["data"]["data"]["hostname"] == "sentry");

    r = call(*a.app, s, "show", {{"what", "bogus"}});
    CHECK(code(r) == "not_found");
    CHECK(message(r) == "nothing to show for 'bogus'");
    r = call(*a.app, s, "show");
    CHECK(code(r) == "bad_request");
    CHECK(message(r) == "missing argument 'what'");
}

TEST_CASE("config.save makes startup-config follow running-config") {
    Appliance a;
    Session s = config_mode(*a.app);
    auto factory = a.app->revision();
    json r = call(*a.app, s, "config.edit", edit("system.hostname", "edge1", "hostname edge1"));
    REQUIRE(code(r) == "ok");
    std::int64_t rev = r["data"]["revision"];

    // Privilege 15 sees the first-boot admin with its hash.
    const std::string admin =
        "username admin secret hash " + std::get<std::string>(a.app->running().values.at("user.secret[admin]")) + "\n";
    r = call(*a.app, s, "show", {{"what", "startup-config"}});
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["text"] == admin + "snmp-server community sentry-dev ro\n");
    CHECK(r["data"]["data"]["revision"] == factory);

    // write memory works from CONFIG (through 'do') and EXEC alike.
    r = call(*a.app, s, "config.save", {{"line", "do write memory"}});
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["revision"] == rev);
    CHECK(a.app->store().startup_id() == rev);

    r = call(*a.app, s, "show", {{"what", "startup-config"}});
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["text"] == "hostname edge1\n" + admin + "snmp-server community sentry-dev ro\n");
    CHECK(std::string(r["data"]["text"]).find("hostname edge1") != std::string::npos);
    CHECK(r["data"]["data"]["revision"] == rev);
}

TEST_CASE("a reboot loads startup-config: unsaved changes are gone but kept in history") {
    Appliance a;
    {
        Session s = config_mode(*a.app);
        REQUIRE(code(call(*a.app, s, "config.edit", edit("system.hostname", "saved1", "hostname saved1"))) == "ok");
        REQUIRE(code(call(*a.app, s, "config.save")) == "ok");
        REQUIRE(code(call(*a.app, s, "config.edit", edit("system.hostname", "unsaved", "hostname unsaved"))) ==
                "ok");
    }
    auto saved = *a.app->store().startup_id();
    auto unsaved = a.app->revision();
    REQUIRE(unsaved > saved);

    a.reboot();
    CHECK(get_string(a.app->running(), "system.hostname") == "saved1");
    CHECK(a.app->revision() > unsaved);
    CHECK(a.app->store().startup_id() == a.app->revision());
    auto boot = a.app->store().latest();
    REQUIRE(boot);
    CHECK(boot->meta.command == "boot: load startup-config (revision " + std::to_string(saved) + ")");
    REQUIRE(a.app->store().revision(unsaved));
    CHECK(json::parse(a.app->store().revision(unsaved)->config)["system.hostname"] == "unsaved");

    // A reboot with nothing unsaved adds no revision.
    auto now = a.app->revision();
    a.reboot();
    CHECK(a.app->revision() == now);
    CHECK(a.app->store().latest()->id == now);
    CHECK(get_string(a.app->running(), "system.hostname") == "saved1");
}

TEST_CASE("session.disable drops privilege and leaves CONFIG mode") {
    Appliance a;
    Session s = config_mode(*a.app);
    json r = call(*a.app, s, "session.disable");
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["privilege"] == 1);
    CHECK(r["data"]["mode"] == "exec");
    CHECK(s.privilege == 1);
    CHECK(s.mode == Mode::exec);
    CHECK(code(call(*a.app, s, "config.edit", edit("system.hostname", "edge1", "hostname edge1"))) == "denied");
    CHECK(code(call(*a.app, s, "session.mode", {{"mode", "config"}})) == "denied");
}

TEST_CASE("audit rows for commands that carry a line") {
    Appliance a;
    Session s = config_mode(*a.app);
    auto count = [&] { return a.app->store().audit_tail(1000).size(); };
    auto n0 = count();

    // No 'line': not audited by dispatch.
    REQUIRE(code(call(*a.app, s, "show", {{"what", "version"}})) == "ok");
    CHECK(count() == n0);

    REQUIRE(code(call(*a.app, s, "show", {{"what", "version"}, {"line", "show version"}})) == "ok");
    auto t = a.app->store().audit_tail(1);
    REQUIRE(t.size() == 1);
    CHECK(t[0].command == "show version");
    CHECK(t[0].result == "success");
    CHECK(t[0].mode == "config");
    CHECK(t[0].user == "admin");
    CHECK(t[0].session == s.id);
    CHECK(t[0].source == "192.0.2.10");

    REQUIRE(code(call(*a.app, s, "config.edit", edit("system.hostname", "edge1", "hostname edge1"))) == "ok");
    t = a.app->store().audit_tail(1);
    REQUIRE(t.size() == 1);
    CHECK(t[0].command == "hostname edge1");
    CHECK(t[0].result == "success");
    CHECK(t[0].mode == "config");

    // Lines the shell refused are recorded through audit.record with their result.
    json r = call(*a.app, s, "audit.record", {{"line", "hostnme edge2"}, {"mode", "config"},
                                              {"result", "error: invalid input"}});
    REQUIRE(code(r) == "ok");
    t = a.app->store().audit_tail(1);
    REQUIRE(t.size() == 1);
    CHECK(t[0].command == "hostnme edge2");
    CHECK(t[0].result == "error: invalid input");
    CHECK(code(call(*a.app, s, "audit.record", {{"line", "x"}})) == "bad_request");

    // Unknown ops with a line are audited too.
    CHECK(code(call(*a.app, s, "frobnicate", {{"line", "frob"}})) == "unknown_op");
    t = a.app->store().audit_tail(1);
    REQUIRE(t.size() == 1);
    CHECK(t[0].command == "frob");
    CHECK(t[0].result == "error: unknown op");

    // Overlong lines are cut at 4096 bytes.
    std::string longline(5000, 'x');
    REQUIRE(code(call(*a.app, s, "show", {{"what", "version"}, {"line", longline}})) == "ok");
    CHECK(a.app->store().audit_tail(1)[0].command == std::string(4096, 'x'));
}

TEST_CASE("a session that is not logged in leaves no audit rows from its lines") {
    Appliance a;
    Session s;  // untrusted, unauthenticated
    auto n0 = a.app->store().audit_tail(1000).size();
    CHECK(code(call(*a.app, s, "show", {{"what", "version"}, {"line", "show version"}})) == "denied");
    CHECK(a.app->store().audit_tail(1000).size() == n0);
}

TEST_CASE("service ops for trusted local services") {
    Appliance a;
    Session svc = trusted();
    json r = call(*a.app, svc, "ssh.settings");
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["max_sessions"] == 5);
    CHECK(r["data"]["idle_timeout_min"] == 10);
    CHECK(r["data"]["grace_time_s"] == 60);
    CHECK(r["data"]["enabled"] == true);
    CHECK(std::string(r["data"]["banner"]).rfind("Authorized use only.", 0) == 0);

    Session s = config_mode(*a.app);
    REQUIRE(code(call(*a.app, s, "config.edit", edit("ssh.max_sessions", 2, "service ssh 2"))) == "ok");
    REQUIRE(code(call(*a.app, s, "config.edit", edit("system.cli.timeout", 0, "timeout 0"))) == "ok");
    r = call(*a.app, svc, "ssh.settings");
    CHECK(r["data"]["max_sessions"] == 2);
    CHECK(r["data"]["idle_timeout_min"] == 0);

    r = call(*a.app, svc, "service.config", {{"service", "sentryd"}});
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["version"] == a.app->revision());
    CHECK(r["data"]["config"]["hostname"] == "sentry");
    CHECK(r["data"]["config"]["activesync"]["services"][0]["name"] == "default");  // docs/sentryd-config.md
    r = call(*a.app, svc, "service.config", {{"service", "snmpd"}});
    CHECK(code(r) == "not_found");
    CHECK(message(r) == "no configuration for service 'snmpd'");
}

TEST_CASE("a community change regenerates snmpd.conf") {
    Appliance a;
    Session s = config_mode(*a.app);
    REQUIRE(code(call(*a.app, s, "config.edit", edit("snmp.community", "n3wcomm", "snmp-server community n3wcomm ro"))) ==
            "ok");
    std::string conf = slurp(a.dir.path + "/snmp/snmpd.conf");
    CHECK(conf.find("rocommunity n3wcomm default\n") != std::string::npos);
    CHECK(conf.find("sentry-dev") == std::string::npos);

    REQUIRE(code(call(*a.app, s, "config.edit",
                      {{"edits", {{{"path", "snmp.community"}, {"op", "delete"}}}}, {"line", "no snmp-server community"}})) ==
            "ok");
    conf = slurp(a.dir.path + "/snmp/snmpd.conf");
    CHECK(conf.find("rocommunity") == std::string::npos);
}

// Regression: the shell only offers `show startup-config` at privilege 15
// (cli/src/commands.cpp), but MICS serves the `show` op with what=startup-config
// to any privilege-1 session. DESIGN.md: "privilege is enforced by MICS per
// session, never only by the shell". Expected: `denied` at privilege 1.
TEST_CASE("show startup-config is refused at privilege 1 as in the shell") {
    Appliance a;
    Session s = login(*a.app);
    json r = call(*a.app, s, "show", {{"what", "startup-config"}});
    CHECK(code(r) == "denied");
}

TEST_CASE("session.info carries the CLI idle timeout, following config changes at once") {
    Appliance a;
    Session s = config_mode(*a.app);
    CHECK(call(*a.app, s, "session.info")["data"]["idle_timeout_min"] == 10);  // factory default
    REQUIRE(code(call(*a.app, s, "config.edit", edit("system.cli.timeout", 3, "timeout 3"))) == "ok");
    // Any session sees it (the shell re-reads it after each command).
    Session other = login(*a.app);
    CHECK(call(*a.app, other, "session.info")["data"]["idle_timeout_min"] == 3);
    REQUIRE(code(call(*a.app, s, "config.edit", edit("system.cli.timeout", 0, "timeout 0"))) == "ok");
    CHECK(call(*a.app, other, "session.info")["data"]["idle_timeout_min"] == 0);
}

TEST_CASE("session.login_only pins a trusted connection to logging in") {
    Appliance a;
    Session s = trusted();
    REQUIRE(code(call(*a.app, s, "session.login_only")) == "ok");
    // What the unprivileged pre-auth sshd child could otherwise reach:
    for (const char* op : {"session.local", "ssh.settings", "service.config", "session.login_only"}) {
        json r = call(*a.app, s, op, {{"service", "sentryd"}});
        CHECK_MESSAGE(code(r) == "denied", op);
        CHECK(message(r) == "this connection may only log in");
    }
    CHECK(code(call(*a.app, s, "hello")) == "ok");
    json bad = call(*a.app, s, "auth.login", {{"user", "admin"}, {"password", "wrong"}, {"service", "ssh"}});
    CHECK(code(bad) == "auth_failed");
    json ok = call(*a.app, s, "auth.login", {{"user", "admin"}, {"password", kAdminPw}, {"service", "ssh"}});
    REQUIRE(code(ok) == "ok");
    // After the login it is an ordinary user session (still no service ops).
    CHECK(code(call(*a.app, s, "show", {{"what", "version"}})) == "ok");
    CHECK(code(call(*a.app, s, "ssh.settings")) == "denied");
    // Only a trusted peer may set it.
    Session untrusted;
    CHECK(code(call(*a.app, untrusted, "session.login_only")) == "denied");
}

TEST_CASE("an enable attempt is audited exactly once, with or without a typed line") {
    Appliance a;
    Session s = login(*a.app);
    auto enables = [&] {
        int n = 0;
        for (const auto& r : a.app->store().audit_tail(100))
            if (r.command == "enable") ++n;
        return n;
    };
    int before = enables();
    call(*a.app, s, "session.enable", {{"secret", "wrong"}, {"line", "enable"}});
    CHECK(enables() == before + 1);
    call(*a.app, s, "session.enable", {{"secret", kEnable}});  // raw client, no line
    CHECK(enables() == before + 2);
}

TEST_CASE("a commit refused after its edits applied leaves nothing behind for the next one") {
    Appliance a;
    Session s = config_mode(*a.app);  // an SSH session from 192.0.2.10
    auto rev = a.app->revision();
    // The model takes the entry; the commit's reference check refuses it.
    json r = call(*a.app, s, "config.edit", edit("acl.entry[edge:10]", "permit nosuch any any", "access-list edge 10"));
    CHECK(code(r) == "apply_failed");
    CHECK(message(r) == "acl.entry[edge:10]: source nosuch is not a network object ('object network nosuch ...')");
    CHECK(a.app->revision() == rev);
    // Binding a list that ends in the implicit deny would lock this session out.
    json two = {{"edits",
                 {{{"path", "acl.entry[edge:10]"}, {"op", "set"}, {"value", "permit any any https"}},
                  {{"path", "acl.binding[1]"}, {"op", "set"}, {"value", "edge"}}}},
                {"line", "two"}};
    r = call(*a.app, s, "config.edit", two);
    CHECK(code(r) == "apply_failed");
    CHECK(message(r).find("would block new SSH connections (TCP port 2222) from 192.0.2.10") != std::string::npos);
    REQUIRE(code(call(*a.app, s, "config.edit", edit("system.hostname", "edge1", "hostname edge1"))) == "ok");
    CHECK(a.app->running().values.count("acl.entry[edge:10]") == 0);
    CHECK(a.app->running().values.count("acl.binding[1]") == 0);
    // The stored revision (a delta) holds the hostname and nothing refused.
    auto stored = a.app->store().revision(a.app->revision());
    REQUIRE(stored);
    CHECK(stored->config == to_json(a.app->running()));
    // Permitting SSH from this address first makes the binding acceptable.
    two["edits"][0]["value"] = "permit any any any";
    CHECK(code(call(*a.app, s, "config.edit", two)) == "ok");
    CHECK(a.app->store().revision(a.app->revision())->config == to_json(a.app->running()));
    a.reboot();  // the running revision is not startup-config: boot drops it again
    CHECK(a.app->running().values.count("acl.binding[1]") == 0);
}

TEST_CASE("show running-config sends only the text or only the data when asked") {
    Appliance a;
    Session s = config_mode(*a.app);
    REQUIRE(code(call(*a.app, s, "config.edit", edit("system.hostname", "edge1", "hostname edge1"))) == "ok");
    json r = call(*a.app, s, "show", {{"what", "running-config"}, {"data", false}});
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["text"].get<std::string>().find("hostname edge1\n") != std::string::npos);
    CHECK_FALSE(r["data"]["data"].contains("settings"));
    r = call(*a.app, s, "show", {{"what", "running-config"}, {"text", false}});
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["text"] == "");
    CHECK(r["data"]["data"]["settings"]["system.hostname"] == "edge1");
}
