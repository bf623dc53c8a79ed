// `debug sentry log ...` / `show sentry log [filter]` rows of the real table.
#include "commands.hpp"

#include <doctest/doctest.h>

using namespace cli;

TEST_CASE("debug sentry log grammar: defaults, alternatives, no forms, modes") {
    const Grammar& g = grammar();
    Match m = g.parse("debug sentry log enable", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK_FALSE(m.args.has("device"));
    CHECK(g.parse("debug sentry log enable server", kConfig, 15).args.has("server"));
    CHECK(g.parse("deb sen log en dev", kConfig, 15).args.has("device"));
    m = g.parse("debug sentry log filter KensPhone user-id ksmith", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("tag") == "KensPhone");
    CHECK(m.args.has("user-id"));
    CHECK(m.args.str("value") == "ksmith");
    CHECK(g.parse("debug sentry log filter T colour x", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("debug sentry log verbosity level_3", kConfig, 15).args.has("level_3"));
    CHECK(g.parse("debug sentry log verbosity level_5", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("no debug sentry log", kConfig, 15).status == Match::ok);
    CHECK(g.parse("no debug sentry log filter KensPhone", kConfig, 15).args.str("tag") == "KensPhone");
    // CONFIG mode and privilege 15 only; the views are EXEC.
    CHECK(g.parse("debug sentry log enable", kExec, 15).status != Match::ok);
    CHECK(g.parse("debug sentry log enable", kConfig, 1).status != Match::ok);
    CHECK(g.parse("show sentry log", kExec, 1).status == Match::ok);
    CHECK(g.parse("show sentry log filter", kExec, 1).status == Match::ok);
}
