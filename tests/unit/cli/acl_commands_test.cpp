// ACL rows of the real table (docs/acl.md): objects, entries with their
// optional parts, the two binding forms, and rendered ACL text through the
// offline check (the round trip's first half).
#include "check.hpp"
#include "commands.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <string>

using namespace cli;

TEST_CASE("access-list entries: typed parts, optional rate and description, the ranges") {
    const Grammar& g = grammar();
    Match m = g.parse("access-list edge 20 permit any web1 https rate 5 description Allow  https", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("name") == "edge");
    CHECK(m.args.num("seq") == 20);
    CHECK(m.args.has("permit"));
    CHECK(m.args.str("src") == "any");
    CHECK(m.args.str("dst") == "web1");
    CHECK(m.args.str("svc") == "https");
    CHECK(m.args.num("rate") == 5);
    CHECK(m.args.str("desc") == "Allow  https");  // the handler squeezes spaces
    m = g.parse("access-list edge 100 deny any any any", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.has("deny"));
    CHECK_FALSE(m.args.has("rate"));
    CHECK(g.parse("access-list edge 0 deny any any any", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("access-list edge 65536 deny any any any", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("access-list edge 10 permit any any any rate 100001", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("access-list edge 10 allow any any any", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("access-list edge 10 permit any any", kConfig, 15).status == Match::incomplete);
    // `description` after the name is the list's own description.
    m = g.parse("access-list edge description Outside interface", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("desc") == "Outside interface");
    CHECK(g.parse("no access-list edge", kConfig, 15).status == Match::ok);
    CHECK(g.parse("no access-list edge 10 permit any any any", kConfig, 15).status == Match::ok);
    CHECK(g.parse("no access-list edge description", kConfig, 15).status == Match::ok);
    CHECK(g.parse("access-list edge 10 permit any any any", kExec, 15).status == Match::invalid);
}

TEST_CASE("objects: host or CIDR subnet; tcp/udp ports or an IP protocol") {
    const Grammar& g = grammar();
    Match m = g.parse("object network admins subnet 192.0.2.0/24 description Admin LAN", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("prefix") == "192.0.2.0/24");
    CHECK(g.parse("object network web1 host 10.0.1.5", kConfig, 15).args.str("ip") == "10.0.1.5");
    CHECK(g.parse("object network web1 host 10.0.1.0/24", kConfig, 15).status == Match::invalid);
    m = g.parse("object service ike udp src-port 500 dst-port 500", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.has("udp"));
    CHECK(m.args.num("sport") == 500);
    CHECK(m.args.num("dport") == 500);
    m = g.parse("object service esp ip protocol 50", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.num("proto") == 50);
    CHECK(g.parse("object service x tcp dst-port 65536", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("object service x ip protocol 256", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("no object service x", kConfig, 15).status == Match::ok);
    CHECK(g.parse("no object network x", kConfig, 15).status == Match::ok);
}

TEST_CASE("binding: CONFIG form in both spellings, INTERFACE form with optional 'in'") {
    const Grammar& g = grammar();
    for (const char* line : {"access-group edge in interface GigabitEthernet 2", "access-group edge in interface gi2"}) {
        Match m = g.parse(line, kConfig, 15);
        REQUIRE_MESSAGE(m.status == Match::ok, line);
        CHECK(m.args.str("n") == "2");
        CHECK(m.args.str("name") == "edge");
    }
    CHECK(g.parse("no access-group in interface GigabitEthernet 2", kConfig, 15).status == Match::ok);
    CHECK(g.parse("no access-group edge in interface GigabitEthernet 2", kConfig, 15).status == Match::ok);
    CHECK(g.parse("ip access-group edge in", kConfigIf, 15).status == Match::ok);
    CHECK(g.parse("ip access-group edge", kConfigIf, 15).status == Match::ok);
    CHECK(g.parse("no ip access-group", kConfigIf, 15).status == Match::ok);
    CHECK(g.parse("ip access-group edge", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("show access-list", kExec, 1).status == Match::ok);
    CHECK(g.parse("show access-list edge", kExec, 1).args.str("name") == "edge");
    CHECK(g.parse("service iptables restart", kExec, 15).args.has("iptables"));
}

TEST_CASE("rendered ACL lines pass the offline check") {
    std::istringstream text(
        "object network admins subnet 192.0.2.0/24 description Admin LAN\n"
        "object network web1 host 10.0.1.5\n"
        "object service mgmt tcp dst-port 2222\n"
        "object service esp ip protocol 50\n"
        "access-list edge description Outside interface\n"
        "access-list edge 10 permit admins any mgmt\n"
        "access-list edge 20 permit any web1 https rate 5 description Allow https\n"
        "access-group edge in interface GigabitEthernet 1\n");
    std::ostringstream err;
    CheckResult r = check_config(text, err, grammar());
    CHECK(err.str().empty());
    CHECK(r.errors == 0);
    CHECK(r.lines == 8);
}
