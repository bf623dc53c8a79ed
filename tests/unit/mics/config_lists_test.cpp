// Keyed config families (static routes, DNS name servers, NTP servers) and the
// DNS domain: edits, validation messages, render order, JSON and CLI-text round trips.
#include "config_model.hpp"
#include "render_fixtures.hpp"

#include <doctest/doctest.h>

using sentry_test::all_interfaces;
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

using namespace micsd;

namespace {

std::string set(Config& c, const std::string& path, const std::string& v) { return apply_edit(c, path, "set", Value(v)); }
std::string del(Config& c, const std::string& path) { return apply_edit(c, path, "delete", std::nullopt); }

// Every family and the domain, set out of render order on purpose.
Config full() {
    Config c;
    REQUIRE(set(c, "system.hostname", "gw.example.com") == "");
    REQUIRE(set(c, "ntp.server[3]", "192.0.2.123") == "");
    REQUIRE(set(c, "ntp.server[1]", "pool.ntp.org") == "");
    REQUIRE(set(c, "dns.domain", "example.com") == "");
    REQUIRE(set(c, "dns.server[1]", "10.0.0.54") == "");
    REQUIRE(set(c, "dns.server[0]", "10.0.0.53") == "");
    REQUIRE(set(c, "ip.route[192.168.0.0/255.255.0.0]", "10.0.0.2") == "");
    REQUIRE(set(c, "ip.route[10.1.0.0/255.255.0.0]", "10.0.0.3") == "");
    REQUIRE(set(c, "ip.route[10.1.0.0/255.255.255.0]", "10.0.0.4") == "");
    REQUIRE(set(c, "ip.route[0.0.0.0/0.0.0.0]", "10.0.0.1") == "");
    REQUIRE(set(c, "ip.route[9.0.0.0/255.0.0.0]", "10.0.0.5") == "");
    REQUIRE(apply_edit(c, "system.cli.timeout", "set", Value(0LL)) == "");
    return c;
}

const char* kFullText =
    "ip route 0.0.0.0 0.0.0.0 10.0.0.1\n"
    "ip route 9.0.0.0 255.0.0.0 10.0.0.5\n"
    "ip route 10.1.0.0 255.255.0.0 10.0.0.3\n"
    "ip route 10.1.0.0 255.255.255.0 10.0.0.4\n"
    "ip route 192.168.0.0 255.255.0.0 10.0.0.2\n"
    "ip name-server 10.0.0.53 0\n"
    "ip name-server 10.0.0.54 1\n"
    "ip domain-name example.com\n"
    "ntp pool.ntp.org 1\n"
    "ntp 192.0.2.123 3\n"
    "hostname gw.example.com\n"
    "timeout 0\n";

}  // namespace

TEST_CASE("family entries: set, replace, delete; no defaults") {
    Config c;
    CHECK(entries(c, "dns.server").empty());
    CHECK(set(c, "dns.server[0]", "10.0.0.53") == "");
    CHECK(set(c, "dns.server[2]", "10.0.0.55") == "");
    CHECK(c.values.at("dns.server[0]") == Value(std::string("10.0.0.53")));
    auto e = entries(c, "dns.server");
    REQUIRE(e.size() == 2);
    CHECK(e[0].first == "0");
    CHECK(e[1].first == "2");
    CHECK(set(c, "dns.server[0]", "10.0.0.99") == "");  // replace in place
    CHECK(entries(c, "dns.server").size() == 2);
    CHECK(del(c, "dns.server[0]") == "");
    CHECK(del(c, "dns.server[0]") == "");  // deleting an absent entry is not an error
    CHECK(entries(c, "dns.server").size() == 1);

    CHECK(set(c, "ip.route[10.0.0.0/255.0.0.0]", "192.0.2.1") == "");
    CHECK(del(c, "ip.route[10.0.0.0/255.0.0.0]") == "");
    CHECK(entries(c, "ip.route").empty());

    // A family is not a scalar: no get(), and the bare name is not a setting.
    CHECK_THROWS_AS(get(c, "dns.server"), std::out_of_range);
    CHECK_THROWS_AS(entries(c, "system.hostname"), std::out_of_range);
    CHECK(set(c, "dns.server", "10.0.0.1") == "unknown setting dns.server");
    CHECK(set(c, "system.hostname[0]", "x") == "unknown setting system.hostname[0]");
    CHECK(set(c, "dns.servers[0]", "10.0.0.1") == "unknown setting dns.servers[0]");

    // The domain is an ordinary scalar with an empty default.
    CHECK(get_string(c, "dns.domain") == "");
    CHECK(set(c, "dns.domain", "example.com") == "");
    CHECK(del(c, "dns.domain") == "");
    CHECK(c.values.count("dns.domain") == 0);

    // render(all) invents nothing for families.
    CHECK(render(Config{}, true) == all_interfaces() + "hostname sentry\ntimeout 10\n" + sentry_test::all_accounts() +
                                        sentry_test::all_ssh() + sentry_test::all_sentry() + sentry_test::all_platform() + sentry_test::all_acl());
}

TEST_CASE("family validation names the entry and the reason") {
    Config c;
    SUBCASE("name servers") {
        CHECK(set(c, "dns.server[3]", "10.0.0.1") == "dns.server[3]: index 3 is out of range 0-2");
        CHECK(set(c, "dns.server[x]", "10.0.0.1") == "dns.server[x]: index x is out of range 0-2");
        CHECK(set(c, "dns.server[00]", "10.0.0.1") == "dns.server[00]: index 00 is out of range 0-2");
        CHECK(del(c, "dns.server[7]") == "dns.server[7]: index 7 is out of range 0-2");
        CHECK(set(c, "dns.server[0]", "10.0.0.256") == "dns.server[0]: must be an IPv4 address");
        CHECK(set(c, "dns.server[0]", "10.0.0") == "dns.server[0]: must be an IPv4 address");
        CHECK(set(c, "dns.server[0]", "10.0.0.01") == "dns.server[0]: must be an IPv4 address");
        CHECK(set(c, "dns.server[0]", "ns.example.com") == "dns.server[0]: must be an IPv4 address");
        CHECK(apply_edit(c, "dns.server[0]", "set", Value(5LL)) == "dns.server[0]: expected string");
    }
    SUBCASE("NTP servers") {
        CHECK(set(c, "ntp.server[0]", "pool.ntp.org") == "ntp.server[0]: index 0 is out of range 1-3");
        CHECK(set(c, "ntp.server[4]", "pool.ntp.org") == "ntp.server[4]: index 4 is out of range 1-3");
        CHECK(set(c, "ntp.server[1]", "1.2.3.999") == "ntp.server[1]: must be an IPv4 address or a host name");
        CHECK(set(c, "ntp.server[1]", "bad_name") == "ntp.server[1]: must be an IPv4 address or a host name");
        CHECK(set(c, "ntp.server[1]", "192.0.2.1") == "");
        CHECK(set(c, "ntp.server[2]", "ntp.example.com") == "");
    }
    SUBCASE("routes") {
        CHECK(set(c, "ip.route[10.0.0.0/255.0.255.0]", "10.0.0.1") ==
              "ip.route[10.0.0.0/255.0.255.0]: netmask 255.0.255.0 is not contiguous");
        CHECK(set(c, "ip.route[10.0.0.1/255.0.0.0]", "10.0.0.1") ==
              "ip.route[10.0.0.1/255.0.0.0]: network 10.0.0.1 has host bits set for netmask 255.0.0.0");
        CHECK(set(c, "ip.route[10.0.0.300/255.0.0.0]", "10.0.0.1") ==
              "ip.route[10.0.0.300/255.0.0.0]: network 10.0.0.300 is not an IPv4 address");
        CHECK(set(c, "ip.route[10.0.0.0/8]", "10.0.0.1") ==
              "ip.route[10.0.0.0/8]: netmask 8 is not an IPv4 address");
        CHECK(set(c, "ip.route[10.0.0.0]", "10.0.0.1") == "ip.route[10.0.0.0]: key must be <network>/<netmask>");
        CHECK(set(c, "ip.route[10.0.0.0/255.0.0.0]", "gw") == "ip.route[10.0.0.0/255.0.0.0]: gateway must be an IPv4 address");
        CHECK(set(c, "ip.route[0.0.0.0/0.0.0.0]", "10.0.0.1") == "");
        CHECK(set(c, "ip.route[10.0.0.1/255.255.255.255]", "10.0.0.1") == "");
    }
    SUBCASE("at most 64 routes") {
        for (int i = 0; i < 64; ++i)
            REQUIRE(set(c, "ip.route[10.0." + std::to_string(i) + ".0/255.255.255.0]", "10.1.0.1") == "");
        CHECK(set(c, "ip.route[10.0.64.0/255.255.255.0]", "10.1.0.1") == "ip.route: at most 64 entries");
        CHECK(set(c, "ip.route[10.0.63.0/255.255.255.0]", "10.1.0.2") == "");  // replacing is fine
        CHECK(entries(c, "ip.route").size() == 64);
        Config over = c;
        over.values["ip.route[10.0.64.0/255.255.255.0]"] = std::string("10.1.0.1");
        CHECK(validate(over) == "ip.route: at most 64 entries");
        Config back;
        CHECK_FALSE(from_json(to_json(over), back, nullptr));
    }
    CHECK(validate(c) == "");
}

TEST_CASE("render order: routes by network then mask, servers by index, before the host name") {
    Config c = full();
    CHECK(render(c) == kFullText);
    CHECK(render(c, true) == all_interfaces() + kFullText + sentry_test::all_accounts() + sentry_test::all_ssh() +
                                 sentry_test::all_sentry() + sentry_test::all_platform() + sentry_test::all_acl());
}

TEST_CASE("JSON round trip keeps flat keys and existing configs load unchanged") {
    Config c = full();
    std::string text = to_json(c);
    auto j = nlohmann::json::parse(text);
    CHECK(j["dns.server[0]"] == "10.0.0.53");
    CHECK(j["ip.route[0.0.0.0/0.0.0.0]"] == "10.0.0.1");
    CHECK(j["ntp.server[1]"] == "pool.ntp.org");
    CHECK(j["dns.domain"] == "example.com");
    Config back;
    std::string err;
    REQUIRE(from_json(text, back, &err));
    CHECK(back.values == c.values);
    CHECK(render(back) == kFullText);

    // A config stored before families existed still loads.
    REQUIRE(from_json(R"({"system.hostname":"edge1","ssh.max_sessions":3})", back, &err));
    CHECK(render(back) == "hostname edge1\nservice ssh 3\n");

    CHECK_FALSE(from_json(R"({"dns.server[5]":"10.0.0.1"})", back, &err));
    CHECK(err == "dns.server[5]: index 5 is out of range 0-2");
    CHECK_FALSE(from_json(R"({"ip.route[10.0.0.1/255.0.0.0]":"10.0.0.1"})", back, &err));
    CHECK(err == "ip.route[10.0.0.1/255.0.0.0]: network 10.0.0.1 has host bits set for netmask 255.0.0.0");
    CHECK_FALSE(from_json(R"({"ntp.server":"x"})", back, &err));
    CHECK(err == "unknown setting ntp.server");
}

TEST_CASE("parse_config(render(x)) == x for every family") {
    Config c = full();
    Config out;
    REQUIRE(parse_config(render(c), Config{}, out) == "");
    CHECK(out.values == c.values);
    CHECK(render(out) == kFullText);

    // One family at a time, so a family that fails to parse cannot hide behind another.
    for (const char* line : {"ip route 10.0.0.0 255.0.0.0 192.0.2.1\n", "ip name-server 10.0.0.53 2\n",
                             "ip domain-name corp.example\n", "ntp 192.0.2.9 2\n"}) {
        Config one;
        REQUIRE_MESSAGE(parse_config(line, Config{}, one) == "", line);
        CHECK(render(one) == line);
    }

    // Parse errors name the line and the entry.
    CHECK(parse_config("ip route 10.0.0.1 255.0.0.0 192.0.2.1\n", Config{}, out) ==
          "line 1: ip.route[10.0.0.1/255.0.0.0]: network 10.0.0.1 has host bits set for netmask 255.0.0.0");
    CHECK(parse_config("hostname a\nntp x 9\n", Config{}, out) == "line 2: ntp.server[9]: index 9 is out of range 1-3");
    CHECK(parse_config("ip name-server 10.0.0.1\n", Config{}, out).rfind("line 1: not a configuration line", 0) == 0);
}
