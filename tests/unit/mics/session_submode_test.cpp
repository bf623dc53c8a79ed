// The shell's configuration sub-modes as MICS sees them: configuration mode
// for every check, the sub-mode's name only in the audit trail.
#include "app_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <memory>
#include <string>

using namespace micsd;
using nlohmann::json;

using namespace mics_test;

namespace {
struct Box : Appliance {
    Box() : Appliance("submode-ops-test") {}
};
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
