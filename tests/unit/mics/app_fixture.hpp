// A real App over a temp state dir (services not started), with the op-call
// helpers the MICS unit tests share.
#pragma once
#include "app.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <memory>
#include <string>

namespace mics_test {

using nlohmann::json;

inline const char* kAdminPw = "Adm1n-Test-Pass";
inline const char* kEnable = "En4ble-Test-Secret";

struct Appliance {
    sentry_test::TempDir dir;
    std::unique_ptr<micsd::App> app;
    explicit Appliance(const char* prefix = "mics-test") : dir(prefix) {
        ::setenv("SENTRY_ADMIN_PASSWORD", kAdminPw, 1);
        ::setenv("SENTRY_ENABLE_SECRET", kEnable, 1);
        ::unsetenv("SENTRY_SNMP_COMMUNITY");
        boot();
    }
    void boot() {
        app.reset();
        micsd::Options o;
        o.paths.state = dir.path;
        o.start_services = false;
        app = std::make_unique<micsd::App>(o);
        std::string why = app->init();
        REQUIRE_MESSAGE(why.empty(), why);
    }
};

inline json call(micsd::App& app, micsd::Session& s, const std::string& op, json args = json::object()) {
    json req = {{"v", 1}, {"id", 1}, {"op", op}, {"args", std::move(args)}};
    json r = json::parse(app.dispatch(s, req.dump()), nullptr, false);
    REQUIRE(r.is_object());
    return r;
}

inline std::string code(const json& r) { return r.value("ok", false) ? "ok" : r["error"].value("code", "?"); }
inline std::string message(const json& r) { return r.value("ok", false) ? "" : r["error"].value("message", ""); }

inline micsd::Session trusted() {
    micsd::Session s;
    s.trusted = true;
    return s;
}

inline json login(micsd::App& app, micsd::Session& s, const std::string& user, const std::string& pw) {
    return call(app, s, "auth.login", {{"user", user}, {"password", pw}, {"source", "192.0.2.9"}, {"service", "ssh"}});
}

// A logged-in admin, at privilege 15 when `enable`, still in EXEC mode.
inline micsd::Session session(micsd::App& app, bool enable) {
    micsd::Session s = trusted();
    REQUIRE(code(login(app, s, "admin", kAdminPw)) == "ok");
    if (enable) REQUIRE(code(call(app, s, "session.enable", {{"secret", kEnable}})) == "ok");
    return s;
}

// config.edit arguments setting one path.
inline json set(const std::string& path, const json& value) {
    return {{"edits", json::array({{{"path", path}, {"op", "set"}, {"value", value}}})}, {"line", "test"}};
}

// A logged-in admin in CONFIG mode at privilege 15.
inline micsd::Session admin_config(micsd::App& app) {
    micsd::Session s = trusted();
    REQUIRE(code(login(app, s, "admin", kAdminPw)) == "ok");
    REQUIRE(code(call(app, s, "session.enable", {{"secret", kEnable}})) == "ok");
    REQUIRE(code(call(app, s, "session.mode", {{"mode", "config"}})) == "ok");
    return s;
}

}  // namespace mics_test
