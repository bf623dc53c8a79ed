// A refused line goes to the audit trail, which leaves the box over syslog:
// only its leading keyword-like words are recorded.
#include "commands.hpp"

#include <doctest/doctest.h>

using namespace cli;

TEST_CASE("redact_refused keeps leading keywords and counts the rest") {
    const Grammar& g = grammar();
    // A mistyped keyword stops the record before the secret after it.
    CHECK(g.redact_refused("enable secrte Hunter2-Pass") == "enable <2 more words not recorded>");
    CHECK(g.redact_refused("username bob secret Hunter2 privilege 99") == "username <5 more words not recorded>");
    // Abbreviations of keywords are keywords; case is kept as typed.
    CHECK(g.redact_refused("sh RUN extra") == "sh RUN <1 more word not recorded>");
    CHECK(g.redact_refused("show running-config") == "show running-config");
    CHECK(g.redact_refused("xyzzy") == "<1 more word not recorded>");
    CHECK(g.redact_refused("") == "");
    CHECK(g.redact_refused("   ") == "");
}

TEST_CASE("system user (spec #133): the password is a secret argument, masked in the audited line") {
    const Grammar& g = grammar();
    Match m = g.parse("system user miadmin S3cret-Pass-1", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("user") == "miadmin");
    CHECK(m.args.str("password") == "S3cret-Pass-1");
    CHECK(m.masked_line == "system user miadmin ***");
    CHECK(g.parse("system user miadmin S3cret-Pass-1", kConfig, 1).status != Match::ok);
    CHECK(g.parse("system user miadmin", kConfig, 15).status == Match::incomplete);
}
