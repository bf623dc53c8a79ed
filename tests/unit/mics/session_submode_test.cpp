// The shell's configuration sub-modes as MICS sees them: configuration mode
// for every check, the sub-mode's name only in the audit trail.
#include "app.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <memory>
#include <string>

using namespace micsd;
using nlohmann::json;

namespace {

const char* kAdminPw = "Adm1n-Test-Pass";
const char* kEnable = "En4ble-Test-Secret";

struct Box {
    sentry_test::TempDir dir{"submode-ops-test"};
    std::unique_ptr<App> app;
    Box() {
        ::setenv("SENTRY_ADMIN_PASSWORD", kAdminPw, 1);
        ::setenv("SENTRY_ENABLE_SECRET", kEnable, 1);
        ::unsetenv("SENTRY_SNMP_COMMUNITY");
        boot();
    }
    void boot() {
        app.reset();
        Options o;
        o.paths.state = dir.path;
        o.start_services = false;
        app = std::make_unique<App>(o);
        std::string why = app->init();
        REQUIRE_MESSAGE(why.empty(), why);
    }
};

json call(App& app, Session& s, const std::string& op, json args = json::object()) {
    json req = {{"v", 1}, {"id", 1}, {"op", op}, {"args", std::move(args)}};
    json r = json::parse(app.dispatch(s, req.dump()), nullptr, false);
    REQUIRE(r.is_object());
    return r;
}

std::string code(const json& r) { return r.value("ok", false) ? "ok" : r["error"].value("code", "?"); }

Session session(App& app, bool enable) {
    Session s;
    s.trusted = true;
    REQUIRE(code(call(app, s, "auth.login", {{"user", "admin"}, {"password", kAdminPw}, {"source", "192.0.2.1"}})) ==
            "ok");
    if (enable) REQUIRE(code(call(app, s, "session.enable", {{"secret", kEnable}})) == "ok");
    return s;
}

json set(const std::string& path, const json& value) {
    return {{"edits", json::array({{{"path", path}, {"op", "set"}, {"value", value}}})}, {"line", "test"}};
}

}  // namespace

TEST_CASE("the interface sub-mode is configuration mode for MICS, named in the audit trail") {
    Box b;
    Session user = session(*b.app, false);
    CHECK(code(call(*b.app, user, "session.mode", {{"mode", "config-if"}})) == "denied");
    Session s = session(*b.app, true);
    CHECK(code(call(*b.app, s, "session.mode", {{"mode", "config-x"}})) == "bad_request");
    REQUIRE(code(call(*b.app, s, "session.mode", {{"mode", "config"}})) == "ok");
    REQUIRE(code(call(*b.app, s, "session.mode", {{"mode", "config-if"}, {"line", "interface GigabitEthernet 2"}})) ==
            "ok");
    CHECK(s.mode == Mode::config);
    json e = {{"edits", json::array({{{"path", "interface.shutdown[2]"}, {"op", "set"}, {"value", true}}})},
              {"line", "shutdown"}};
    REQUIRE(code(call(*b.app, s, "config.edit", e)) == "ok");
    auto t = b.app->store().audit_tail(2);
    REQUIRE(t.size() == 2);
    CHECK(t[0].command == "interface GigabitEthernet 2");
    CHECK(t[0].mode == "config");
    CHECK(t[1].command == "shutdown");
    CHECK(t[1].mode == "config-if");
    CHECK(render(b.app->running()).rfind("interface GigabitEthernet 2\n  no ip address\n  shutdown\n  end\n", 0) == 0);
    REQUIRE(code(call(*b.app, s, "session.mode", {{"mode", "config"}})) == "ok");
    REQUIRE(code(call(*b.app, s, "config.edit", set("system.hostname", "edge1"))) == "ok");
    CHECK(b.app->store().audit_tail(1)[0].mode == "config");
}
