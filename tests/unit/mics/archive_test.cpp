// The configuration archive over the real op table: list and diff, rollback
// as a new revision, the confirm-or-revert timer (time passed in, persisted
// across a re-init), export/import all-or-nothing, erase startup-config, the
// audit view and the service table. Real App over a temp state dir.
#include "app_fixture.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace micsd;
using namespace mics_test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Box : Appliance {
    Box() : Appliance("archive-test") {}
    std::string exports(const std::string& name) const { return dir.path + "/exports/" + name; }
};

// Sets the host name from CONFIG mode; returns the new revision.
std::int64_t set_hostname(App& app, Session& s, const std::string& name) {
    REQUIRE(code(call(app, s, "session.mode", {{"mode", "config"}})) == "ok");
    json e = {{"path", "system.hostname"}, {"op", "set"}, {"value", name}};
    json r = call(app, s, "config.edit", {{"edits", json::array({e})}, {"line", "hostname " + name}});
    REQUIRE_MESSAGE(code(r) == "ok", r.dump());
    REQUIRE(code(call(app, s, "session.mode", {{"mode", "exec"}})) == "ok");
    return r["data"]["revision"].get<std::int64_t>();
}

// Show-style ops reply {text, data}.
json body(const json& r) { return r["data"]["data"]; }
std::string text_of(const json& r) { return r["data"]["text"]; }

std::string hostname(const App& app) { return get_string(app.running(), "system.hostname"); }

void write_file(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("show archive lists revisions with running and startup markers; diff shows -/+ lines") {
    Box b;
    Session s = session(*b.app, true);
    std::int64_t r1 = set_hostname(*b.app, s, "edge1");
    std::int64_t r2 = set_hostname(*b.app, s, "edge2");

    json r = call(*b.app, s, "archive.list");
    REQUIRE(code(r) == "ok");
    const json d = body(r);
    CHECK(d["running"] == r2);
    CHECK(d["startup"] == 1);
    CHECK(d["pending_revert"].is_null());
    REQUIRE(d["revisions"].size() == 3);
    CHECK(d["revisions"][0]["id"] == r2);  // newest first
    CHECK(d["revisions"][0]["running"] == true);
    CHECK(d["revisions"][0]["command"] == "hostname edge2");
    CHECK(d["revisions"][0]["user"] == "admin");
    CHECK(d["revisions"][0]["source"] == "192.0.2.9");
    CHECK(d["revisions"][2]["startup"] == true);
    CHECK(d["revisions"][0]["time"].get<std::string>().back() == 'Z');
    CHECK(text_of(r).find("hostname edge2") != std::string::npos);

    r = call(*b.app, s, "archive.diff", {{"a", r1}, {"b", r2}});
    REQUIRE(code(r) == "ok");
    std::string t = text_of(r);
    CHECK(t.find("--- revision " + std::to_string(r1)) == 0);
    CHECK(t.find("+++ revision " + std::to_string(r2)) != std::string::npos);
    CHECK(t.find("\n- hostname edge1\n") != std::string::npos);
    CHECK(t.find("\n+ hostname edge2\n") != std::string::npos);
    CHECK(t.find("snmp-server") == std::string::npos);  // unchanged lines are not shown
    CHECK(body(r)["removed"] == json::array({"hostname edge1"}));
    CHECK(body(r)["added"] == json::array({"hostname edge2"}));

    r = call(*b.app, s, "archive.diff", {{"a", r2}, {"b", r2}});
    CHECK(text_of(r).find("No differences.") != std::string::npos);
    CHECK(code(call(*b.app, s, "archive.diff", {{"a", 1}, {"b", 999}})) == "not_found");
    CHECK(code(call(*b.app, s, "archive.diff", {{"a", 0}, {"b", 1}})) == "bad_request");
}

TEST_CASE("archive, audit and service control need privilege 15; show service does not") {
    Box b;
    Session s = session(*b.app, false);
    for (const char* op : {"archive.list", "config.rollback", "config.revert.arm", "config.confirm",
                           "config.erase_startup", "config.export", "config.import", "audit.show", "service.control"})
        CHECK_MESSAGE(code(call(*b.app, s, op)) == "denied", op);
    json r = call(*b.app, s, "service.status");
    REQUIRE(code(r) == "ok");
    CHECK(text_of(r).find("| Servicename |") != std::string::npos);
}

TEST_CASE("rollback commits the old snapshot as a new revision and changes nothing else") {
    Box b;
    Session s = session(*b.app, true);
    std::int64_t r1 = set_hostname(*b.app, s, "edge1");
    set_hostname(*b.app, s, "edge2");
    auto startup = b.app->store().startup_id();

    json r = call(*b.app, s, "config.rollback", {{"revision", r1}, {"line", "configure replace revision 2"}});
    REQUIRE_MESSAGE(code(r) == "ok", r.dump());
    std::int64_t now = r["data"]["revision"];
    CHECK(now > r1 + 1);
    CHECK(b.app->revision() == now);
    CHECK(hostname(*b.app) == "edge1");
    auto latest = b.app->store().latest();
    REQUIRE(latest);
    CHECK(latest->meta.command == "rollback to revision " + std::to_string(r1));
    CHECK(latest->config == b.app->store().revision(r1)->config);
    CHECK(b.app->store().startup_id() == startup);
    CHECK(code(call(*b.app, s, "config.rollback", {{"revision", 4242}})) == "not_found");
    CHECK(b.app->revision() == now);
}

TEST_CASE("an unconfirmed revert timer restores the armed revision; confirm disarms it") {
    Box b;
    Session s = session(*b.app, true);
    std::int64_t armed_at = set_hostname(*b.app, s, "good");

    json r = call(*b.app, s, "config.revert.arm", {{"minutes", 1}});
    REQUIRE_MESSAGE(code(r) == "ok", r.dump());
    CHECK(s.mode == Mode::config);  // enters CONFIG mode
    REQUIRE(b.app->pending_revert());
    std::int64_t deadline = b.app->pending_revert()->deadline;
    CHECK(b.app->pending_revert()->revision == armed_at);
    CHECK(text_of(call(*b.app, s, "archive.list")).find("Pending revert: to revision") != std::string::npos);
    set_hostname(*b.app, s, "bad");

    b.app->check_revert(deadline - 1);
    CHECK(hostname(*b.app) == "bad");
    b.app->check_revert(deadline);
    CHECK(hostname(*b.app) == "good");
    CHECK_FALSE(b.app->pending_revert());
    CHECK_FALSE(b.app->store().pending_revert());
    CHECK(b.app->store().latest()->meta.command == "revert: not confirmed within 1 minute");
    std::int64_t after = b.app->revision();
    b.app->check_revert(deadline + 3600);  // fires once only
    CHECK(b.app->revision() == after);

    // Confirmed in time: nothing happens at the deadline.
    REQUIRE(code(call(*b.app, s, "config.revert.arm", {{"minutes", 5}})) == "ok");
    set_hostname(*b.app, s, "kept");
    r = call(*b.app, s, "config.confirm");
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["confirmed"] == true);
    CHECK_FALSE(b.app->store().pending_revert());
    b.app->check_revert(std::time(nullptr) + 3600);
    CHECK(hostname(*b.app) == "kept");
    CHECK(call(*b.app, s, "config.confirm")["data"]["confirmed"] == false);
    CHECK(code(call(*b.app, s, "config.revert.arm", {{"minutes", 121}})) == "bad_request");
}

TEST_CASE("a pending revert survives a restart: re-armed if due later, fired at boot if overdue") {
    Box b;
    {
        Session s = session(*b.app, true);
        set_hostname(*b.app, s, "good");
        REQUIRE(code(call(*b.app, s, "config.save")) == "ok");
        REQUIRE(code(call(*b.app, s, "config.revert.arm", {{"minutes", 10}})) == "ok");
        set_hostname(*b.app, s, "bad");
        REQUIRE(code(call(*b.app, s, "config.save")) == "ok");  // even a saved bad config is reverted
    }
    std::int64_t target = b.app->pending_revert()->revision;
    b.boot();
    REQUIRE(b.app->pending_revert());
    CHECK(b.app->pending_revert()->revision == target);
    CHECK(hostname(*b.app) == "bad");
    b.app->check_revert(b.app->pending_revert()->deadline);
    CHECK(hostname(*b.app) == "good");

    // Overdue while MICS was down: reverted during init.
    {
        Session s = session(*b.app, true);
        REQUIRE(code(call(*b.app, s, "config.revert.arm", {{"minutes", 1}})) == "ok");
        set_hostname(*b.app, s, "worse");
        REQUIRE(code(call(*b.app, s, "config.save")) == "ok");
    }
    PendingRevert p = *b.app->store().pending_revert();
    p.deadline = std::time(nullptr) - 5;
    REQUIRE(b.app->store().set_pending_revert(p));
    b.boot();
    CHECK_FALSE(b.app->pending_revert());
    CHECK(hostname(*b.app) == "good");
    CHECK(b.app->store().latest()->meta.command == "revert: not confirmed within 1 minute");
}

TEST_CASE("export writes CLI text under exports/; import is all or nothing") {
    Box b;
    Session s = session(*b.app, true);
    set_hostname(*b.app, s, "edge1");
    json r = call(*b.app, s, "config.export", {{"file", "edge1.cfg"}});
    REQUIRE_MESSAGE(code(r) == "ok", r.dump());
    std::ifstream f(b.exports("edge1.cfg"));
    std::stringstream ss;
    ss << f.rdbuf();
    std::string text = ss.str();
    CHECK(text.rfind("! Sentry configuration export: revision ", 0) == 0);
    CHECK(text.find("\nhostname edge1\nusername admin secret hash $y$") != std::string::npos);
    CHECK(text.find("\nsnmp-server community sentry-dev ro\n") != std::string::npos);
    CHECK((fs::status(b.dir.path + "/exports").permissions() & fs::perms::others_all) == fs::perms::none);

    for (const std::string& bad : std::vector<std::string>{"../x", "a/b", ".hidden", "", std::string(129, 'a'), "sp ace"})
        CHECK_MESSAGE(code(call(*b.app, s, "config.export", {{"file", bad}})) == "invalid", bad);
    CHECK(code(call(*b.app, s, "config.export", {{"file", std::string(128, 'a')}})) == "ok");
    CHECK(code(call(*b.app, s, "config.import", {{"file", "/etc/passwd"}})) == "invalid");
    CHECK(code(call(*b.app, s, "config.import", {{"file", "missing.cfg"}})) == "not_found");

    // Round trip: change everything, import the export, same data.
    std::string before = to_json(b.app->running());
    set_hostname(*b.app, s, "other");
    r = call(*b.app, s, "config.import", {{"file", "edge1.cfg"}});
    REQUIRE_MESSAGE(code(r) == "ok", r.dump());
    CHECK(r["data"]["changed"] == true);
    CHECK(to_json(b.app->running()) == before);
    CHECK(b.app->store().latest()->meta.command == "import configuration edge1.cfg");

    // One bad line (third) rejects the whole file.
    std::int64_t rev = b.app->revision();
    write_file(b.exports("bad.cfg"), "! test\nhostname changed\nservice ssh 99\ntimeout 3\n");
    r = call(*b.app, s, "config.import", {{"file", "bad.cfg"}});
    CHECK(code(r) == "invalid");
    CHECK(message(r).find("line 3") != std::string::npos);
    write_file(b.exports("bad2.cfg"), "hostname changed\nfrobnicate now\n");
    r = call(*b.app, s, "config.import", {{"file", "bad2.cfg"}});
    CHECK(code(r) == "invalid");
    CHECK(message(r).find("line 2: not a configuration line") != std::string::npos);
    CHECK(b.app->revision() == rev);
    CHECK(hostname(*b.app) == "edge1");

    // Settings absent from the file go back to their defaults (replace, not merge);
    // a file without any user is refused (the account of last resort).
    write_file(b.exports("nouser.cfg"), "timeout 3\n");
    CHECK(message(call(*b.app, s, "config.import", {{"file", "nouser.cfg"}})).find("account of last resort") !=
          std::string::npos);
    const std::string admin = std::get<std::string>(b.app->running().values.at("user.secret[admin]"));
    write_file(b.exports("min.cfg"), "timeout 3\nusername admin secret hash " + admin + "\n");
    REQUIRE(code(call(*b.app, s, "config.import", {{"file", "min.cfg"}})) == "ok");
    CHECK(hostname(*b.app) == "sentry");
    CHECK(get_int(b.app->running(), "system.cli.timeout") == 3);
    CHECK(get_string(b.app->running(), "snmp.community").empty());
}

TEST_CASE("parse_config is the inverse of render for every field") {
    Config c;
    REQUIRE(apply_edit(c, "system.hostname", "set", Value(std::string("gw.example.org"))).empty());
    REQUIRE(apply_edit(c, "system.cli.timeout", "set", Value(0LL)).empty());
    REQUIRE(apply_edit(c, "snmp.community", "set", Value(std::string("pub!ic"))).empty());
    REQUIRE(apply_edit(c, "ssh.max_sessions", "set", Value(7LL)).empty());
    for (bool all : {false, true}) {
        Config back;
        REQUIRE(parse_config(render(c, all), Config{}, back).empty());
        CHECK(to_json(back) == to_json(c));
    }
    Config out;
    CHECK(parse_config("timeout abc\n", Config{}, out).find("line 1") == 0);
    CHECK(parse_config("hostname a b\n", Config{}, out).find("not a configuration line") != std::string::npos);
}

TEST_CASE("erase startup-config: the next boot loads the factory configuration") {
    Box b;
    Session s = session(*b.app, true);
    set_hostname(*b.app, s, "edge1");
    REQUIRE(code(call(*b.app, s, "config.save")) == "ok");
    REQUIRE(code(call(*b.app, s, "config.erase_startup")) == "ok");
    CHECK_FALSE(b.app->store().startup_id());
    CHECK(hostname(*b.app) == "edge1");  // running is untouched until the reboot
    CHECK(code(call(*b.app, s, "show", {{"what", "startup-config"}})) == "not_found");

    b.boot();
    CHECK(hostname(*b.app) == "sentry");
    CHECK(to_json(b.app->running()) == b.app->store().revision(1)->config);
    CHECK(b.app->store().latest()->meta.command == "boot: factory configuration (startup-config erased)");
    CHECK_FALSE(b.app->store().startup_id());  // absent until the next write memory
    Session s2 = session(*b.app, true);
    REQUIRE(code(call(*b.app, s2, "config.save")) == "ok");
    CHECK(b.app->store().startup_id() == b.app->revision());
}

TEST_CASE("show audit lists the newest records, failures included") {
    Box b;
    Session s = session(*b.app, true);
    call(*b.app, s, "config.rollback", {{"revision", 999}, {"line", "configure replace revision 999"}});
    call(*b.app, s, "audit.record", {{"line", "shw version"}, {"result", "parse error"}});
    json r = call(*b.app, s, "audit.show", {{"last", 2}});
    REQUIRE(code(r) == "ok");
    json recs = body(r)["records"];
    REQUIRE(recs.size() == 2);
    CHECK(recs[0]["command"] == "configure replace revision 999");
    CHECK(recs[0]["result"].get<std::string>().rfind("error:", 0) == 0);
    CHECK(recs[1]["result"] == "parse error");
    CHECK(recs[1]["user"] == "admin");
    std::string t = text_of(r);
    CHECK(t.rfind("Time (UTC)", 0) == 0);
    CHECK(t.find("shw version") != std::string::npos);
    CHECK(code(call(*b.app, s, "audit.show", {{"last", 0}})) == "bad_request");
    CHECK(body(call(*b.app, s, "audit.show"))["records"].size() > 2);  // default 50
}

TEST_CASE("show service: the spec's box table with supervisor columns") {
    Box b;
    Supervisor sup;  // services registered, none started
    b.app->register_services(sup);
    Session s = session(*b.app, false);
    json r = call(*b.app, s, "service.status");
    REQUIRE(code(r) == "ok");
    std::string t = text_of(r);
    CHECK(t.find("| Servicename | Enabled | Max.Sessions | State") != std::string::npos);
    CHECK(t.rfind("+-------------+---------+--------------+", 0) == 0);
    CHECK(t.find("| sentry ") != std::string::npos);
    CHECK(t.find("| ssh         | yes     | 5            |") != std::string::npos);
    json svcs = body(r)["services"];
    REQUIRE(svcs.size() == 7);
    CHECK(svcs[1]["name"] == "ssh");
    // chronyd only runs with `service ntp` and a server configured (none here).
    CHECK(svcs[4]["name"] == "ntp");
    CHECK(svcs[4]["state"] == "disabled");
    // rsyslogd only runs with an enabled syslog destination (docs/logging.md).
    CHECK(svcs[5]["name"] == "syslog");
    CHECK(svcs[5]["state"] == "disabled");
    CHECK(svcs[1]["max_sessions"] == 5);
    // The packet filter is MICS's own (no process); no link map: hands off the host.
    CHECK(svcs[6]["name"] == "iptables");
    CHECK(svcs[6]["enabled"] == true);
    CHECK(svcs[6]["state"] == "unmanaged");
    CHECK(svcs[6]["pid"].is_null());
    Session p = session(*b.app, true);
    r = call(*b.app, p, "service.control", {{"service", "snmp"}, {"action", "status"}});
    REQUIRE(code(r) == "ok");
    CHECK(body(r)["services"].size() == 2);
    CHECK(code(call(*b.app, p, "service.control", {{"service", "ntp"}, {"action", "stop"}})) == "not_found");
    r = call(*b.app, p, "service.control", {{"service", "iptables"}, {"action", "status"}});
    REQUIRE(code(r) == "ok");
    CHECK(body(r)["services"].size() == 1);
    r = call(*b.app, p, "service.control", {{"service", "iptables"}, {"action", "stop"}});
    CHECK(code(r) == "apply_failed");
    CHECK(r["error"]["message"].get<std::string>().find("$SENTRY_INTERFACES") != std::string::npos);
    CHECK(code(call(*b.app, p, "service.control", {{"service", "ssh"}, {"action", "reload"}})) == "bad_request");
}
