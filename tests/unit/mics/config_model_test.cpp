// The typed configuration model: field table, edits, validation, rendering and
// the JSON form stored in each revision.
#include "config_model.hpp"
#include "render_fixtures.hpp"

#include <doctest/doctest.h>

using sentry_test::all_interfaces;
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

using namespace micsd;

namespace {

std::string set(Config& c, const std::string& path, Value v) { return apply_edit(c, path, "set", v); }

const char* kFactoryBanner =
    "Authorized use only. Activity on this system is monitored and recorded.\n"
    "Disconnect now if you are not an authorized user.";

}  // namespace

TEST_CASE("field table lists every setting in canonical order with its type and default") {
    const auto& f = fields();
    // Position of a path in the table; later areas append rows, so the test
    // pins the relative order the spec fixes (§3.1), not the count.
    auto pos = [&](const std::string& path) {
        for (std::size_t i = 0; i < f.size(); ++i)
            if (f[i].path == path) return long(i);
        FAIL("missing field " << path);
        return -1L;
    };
    // Interfaces, then routes, name servers, domain and NTP before the host name.
    CHECK(pos("interface.address") < pos("ip.route"));
    CHECK(pos("ip.route") < pos("dns.server"));
    CHECK(pos("dns.server") < pos("dns.domain"));
    CHECK(pos("dns.domain") < pos("ntp.server"));
    CHECK(pos("ntp.server") < pos("system.hostname"));
    CHECK(pos("system.hostname") < pos("system.cli.timeout"));
    CHECK(f[pos("ip.route")].keyed);
    CHECK(f[pos("dns.server")].keyed);
    CHECK_FALSE(f[pos("dns.domain")].keyed);
    CHECK(f[pos("ntp.server")].keyed);
    CHECK(f[pos("interface.shutdown")].type == "bool");
    CHECK(f[pos("system.hostname")].type == "string");
    CHECK(f[pos("system.cli.timeout")].type == "int");
    CHECK(f[pos("snmp.community")].type == "string");
    CHECK(f[pos("ssh.banner")].type == "string");
    CHECK(f[pos("ssh.max_sessions")].type == "int");
    // A block head holds no value of its own and is not a setting.
    CHECK(find_field("interface") == nullptr);
    for (const auto& fi : f) {
        CHECK_FALSE(fi.help.empty());
        REQUIRE(find_field(fi.path) != nullptr);
        CHECK(find_field(fi.path)->path == fi.path);
    }
    CHECK(find_field("system.nope") == nullptr);
    CHECK(find_field("") == nullptr);
}

TEST_CASE("an empty config yields the factory defaults") {
    Config c;
    CHECK(get_string(c, "system.hostname") == "sentry");
    CHECK(get_int(c, "system.cli.timeout") == 10);
    CHECK(get_string(c, "snmp.community") == "");
    CHECK(get_string(c, "ssh.banner") == kFactoryBanner);
    CHECK(get_int(c, "ssh.max_sessions") == 5);
    CHECK(std::get<std::string>(get(c, "system.hostname")) == "sentry");
    CHECK_THROWS_AS(get(c, "no.such.path"), std::out_of_range);
    CHECK_THROWS_AS(get_int(c, "no.such.path"), std::out_of_range);
    // Typed getters refuse the wrong type rather than converting.
    CHECK_THROWS_AS(get_int(c, "system.hostname"), std::bad_variant_access);
    CHECK_THROWS_AS(get_string(c, "ssh.max_sessions"), std::bad_variant_access);
}

TEST_CASE("set stores a value, delete restores the default") {
    Config c;
    CHECK(set(c, "system.hostname", std::string("edge1")) == "");
    CHECK(get_string(c, "system.hostname") == "edge1");
    CHECK(c.values.size() == 1);
    CHECK(set(c, "system.cli.timeout", 0LL) == "");
    CHECK(get_int(c, "system.cli.timeout") == 0);
    CHECK(c.values.size() == 2);

    CHECK(apply_edit(c, "system.hostname", "delete", std::nullopt) == "");
    CHECK(get_string(c, "system.hostname") == "sentry");
    CHECK(c.values.count("system.hostname") == 0);
    // Deleting something that is already default is not an error.
    CHECK(apply_edit(c, "system.hostname", "delete", std::nullopt) == "");
    CHECK(c.values.size() == 1);
}

TEST_CASE("setting the default value erases the entry") {
    Config c;
    REQUIRE(set(c, "ssh.max_sessions", 7LL) == "");
    REQUIRE(c.values.count("ssh.max_sessions") == 1);
    CHECK(set(c, "ssh.max_sessions", 5LL) == "");
    CHECK(c.values.count("ssh.max_sessions") == 0);
    CHECK(get_int(c, "ssh.max_sessions") == 5);

    CHECK(set(c, "system.hostname", std::string("sentry")) == "");
    CHECK(c.values.empty());
    CHECK(render(c) == "");
}

TEST_CASE("edit errors: unknown path, unknown op, missing value, wrong type") {
    Config c;
    CHECK(apply_edit(c, "system.bogus", "set", Value(std::string("x"))) == "unknown setting system.bogus");
    CHECK(apply_edit(c, "system.bogus", "delete", std::nullopt) == "unknown setting system.bogus");
    CHECK(apply_edit(c, "system.hostname", "replace", Value(std::string("x"))) == "unknown edit operation replace");
    CHECK(apply_edit(c, "system.hostname", "set", std::nullopt) == "system.hostname: a value is required");
    CHECK(set(c, "system.cli.timeout", std::string("15")) == "system.cli.timeout: expected int");
    CHECK(set(c, "system.hostname", 5LL) == "system.hostname: expected string");
    CHECK(set(c, "ssh.max_sessions", true) == "ssh.max_sessions: expected int");
    CHECK(c.values.empty());
}

TEST_CASE("int range errors name the field and the range; bounds are inclusive") {
    Config c;
    CHECK(set(c, "system.cli.timeout", 35792LL) == "system.cli.timeout: 35792 is out of range 0-35791");
    CHECK(set(c, "system.cli.timeout", -1LL) == "system.cli.timeout: -1 is out of range 0-35791");
    CHECK(set(c, "ssh.max_sessions", 0LL) == "ssh.max_sessions: 0 is out of range 1-10");
    CHECK(set(c, "ssh.max_sessions", 11LL) == "ssh.max_sessions: 11 is out of range 1-10");
    CHECK(c.values.empty());  // failed edits leave nothing behind

    CHECK(set(c, "system.cli.timeout", 35791LL) == "");
    CHECK(get_int(c, "system.cli.timeout") == 35791);
    CHECK(set(c, "ssh.max_sessions", 1LL) == "");
    CHECK(set(c, "ssh.max_sessions", 10LL) == "");
    CHECK(get_int(c, "ssh.max_sessions") == 10);
}

TEST_CASE("a failed edit keeps the previous value") {
    Config c;
    REQUIRE(set(c, "system.hostname", std::string("edge1")) == "");
    CHECK_FALSE(set(c, "system.hostname", std::string("bad_name")).empty());
    CHECK(get_string(c, "system.hostname") == "edge1");
    REQUIRE(set(c, "ssh.max_sessions", 3LL) == "");
    CHECK_FALSE(set(c, "ssh.max_sessions", 99LL).empty());
    CHECK(get_int(c, "ssh.max_sessions") == 3);
}

TEST_CASE("hostname validation") {
    const std::string why = "system.hostname: must be a host name of letters, digits, '-' and '.' (max 253)";
    auto check_host = [](const std::string& h) {
        Config c;
        return set(c, "system.hostname", h);
    };
    SUBCASE("valid names") {
        CHECK(check_host("edge1") == "");
        CHECK(check_host("EDGE-1") == "");
        CHECK(check_host("gw.example.com") == "");
        CHECK(check_host("a") == "");
        CHECK(check_host("1sentry") == "");
        CHECK(check_host(std::string(63, 'a')) == "");
        CHECK(check_host(std::string(63, 'a') + "." + std::string(63, 'b')) == "");
    }
    SUBCASE("labels") {
        CHECK(check_host("-edge") == why);
        CHECK(check_host("edge-") == why);
        CHECK(check_host("gw.-edge.com") == why);
        CHECK(check_host("gw-.example.com") == why);
        CHECK(check_host(std::string(64, 'a')) == why);
        CHECK(check_host("gw." + std::string(64, 'a') + ".com") == why);
        CHECK(check_host(".example.com") == why);
        CHECK(check_host("gw..example.com") == why);
        CHECK(check_host("gw.example.com.") == why);
    }
    SUBCASE("characters") {
        CHECK(check_host("") == why);
        CHECK(check_host("edge_1") == why);
        CHECK(check_host("edge 1") == why);
        CHECK(check_host("edge;reboot") == why);
        CHECK(check_host("edge\n1") == why);
        CHECK(check_host("\xc3\xa9") == why);
    }
    SUBCASE("total length 253 is the maximum") {
        // 4 labels of 63 = 252 + 3 dots = 255; build exactly 253 and 254.
        std::string l63(63, 'a');
        std::string h253 = l63 + "." + l63 + "." + l63 + "." + std::string(61, 'a');
        REQUIRE(h253.size() == 253);
        CHECK(check_host(h253) == "");
        std::string h254 = h253 + "a";
        REQUIRE(h254.size() == 254);
        CHECK(check_host(h254) == why);
    }
}

TEST_CASE("snmp community and banner validation") {
    Config c;
    const std::string why = "snmp.community: must be 1-64 printable characters without spaces";
    CHECK(set(c, "snmp.community", std::string("public")) == "");
    CHECK(set(c, "snmp.community", std::string(64, 'x')) == "");
    CHECK(set(c, "snmp.community", std::string(65, 'x')) == why);
    CHECK(set(c, "snmp.community", std::string("with space")) == why);
    CHECK(set(c, "snmp.community", std::string("tab\there")) == why);
    CHECK(set(c, "snmp.community", std::string("")) == why);
    CHECK(get_string(c, "snmp.community") == std::string(64, 'x'));

    CHECK(set(c, "ssh.banner", std::string(4096, 'b')) == "");
    CHECK(set(c, "ssh.banner", std::string(4097, 'b')) == "ssh.banner: longer than 4096 characters");
}

TEST_CASE("validate checks every stored value") {
    Config c;
    CHECK(validate(c) == "");
    REQUIRE(set(c, "system.hostname", std::string("edge1")) == "");
    CHECK(validate(c) == "");
    // Values can be put in directly (e.g. by a future migration); validate catches them.
    Config bad = c;
    bad.values["ssh.max_sessions"] = 42LL;
    CHECK(validate(bad) == "ssh.max_sessions: 42 is out of range 1-10");
    Config unknown = c;
    unknown.values["system.nope"] = std::string("x");
    CHECK(validate(unknown) == "unknown setting system.nope");
    Config typed = c;
    typed.values["system.cli.timeout"] = std::string("10");
    CHECK(validate(typed) == "system.cli.timeout: expected int");
}

TEST_CASE("render omits defaults; render(all) includes them in canonical order") {
    Config c;
    CHECK(render(c) == "");
    CHECK(render(c, true) == all_interfaces() + "hostname sentry\ntimeout 10\n" + sentry_test::all_accounts() +
                                 sentry_test::all_ssh() + sentry_test::all_sentry() + sentry_test::all_platform() + sentry_test::all_acl());

    REQUIRE(set(c, "ssh.max_sessions", 3LL) == "");
    REQUIRE(set(c, "snmp.community", std::string("s3cret")) == "");
    REQUIRE(set(c, "system.hostname", std::string("edge1")) == "");
    // Insertion order does not matter: the field table's order does.
    CHECK(render(c) == "hostname edge1\nsnmp-server community s3cret ro\nservice ssh 3\n");
    CHECK(render(c, true) == all_interfaces() + "hostname edge1\ntimeout 10\n" + sentry_test::all_accounts() +
                                 "snmp-server community s3cret ro\n" + sentry_test::all_ssh(3) + sentry_test::all_sentry() +
                                 sentry_test::all_platform() + sentry_test::all_acl());

    // The banner renders as a `banner login ^C` block (config_fields_ssh.cpp).
    REQUIRE(set(c, "ssh.banner", std::string("hello")) == "");
    CHECK(render(c).find("\nbanner login ^C\nhello\n^C\n") != std::string::npos);
}

TEST_CASE("JSON round trip") {
    Config c;
    REQUIRE(set(c, "system.hostname", std::string("edge1")) == "");
    REQUIRE(set(c, "system.cli.timeout", 0LL) == "");
    REQUIRE(set(c, "snmp.community", std::string("quote\"and\\back")) == "");
    REQUIRE(set(c, "ssh.banner", std::string("line1\nline2 \xc3\xa9")) == "");
    std::string text = to_json(c);
    auto j = nlohmann::json::parse(text);
    CHECK(j.size() == 4);
    CHECK(j["system.hostname"] == "edge1");
    CHECK(j["system.cli.timeout"].is_number_integer());
    CHECK(j["system.cli.timeout"] == 0);

    Config back;
    std::string err = "untouched";
    REQUIRE(from_json(text, back, &err));
    CHECK(back.values == c.values);
    CHECK(to_json(back) == text);
    CHECK(render(back, true) == render(c, true));

    CHECK(to_json(Config{}) == "{}");
    Config empty;
    empty.values["system.hostname"] = std::string("x");
    REQUIRE(from_json("{}", empty, nullptr));
    CHECK(empty.values.empty());
}

TEST_CASE("from_json rejects bad input and leaves the output untouched") {
    Config out;
    REQUIRE(set(out, "system.hostname", std::string("keep")) == "");
    std::string err;

    CHECK_FALSE(from_json("not json", out, &err));
    CHECK(err == "stored configuration is not a JSON object");
    CHECK_FALSE(from_json("[1,2]", out, &err));
    CHECK(err == "stored configuration is not a JSON object");

    CHECK_FALSE(from_json(R"({"system.hostname":"a","system.nope":1})", out, &err));
    CHECK(err == "unknown setting system.nope");

    CHECK_FALSE(from_json(R"({"system.cli.timeout":"10"})", out, &err));
    CHECK(err == "system.cli.timeout: expected int");
    CHECK_FALSE(from_json(R"({"system.hostname":5})", out, &err));
    CHECK(err == "system.hostname: expected string");
    CHECK_FALSE(from_json(R"({"ssh.max_sessions":true})", out, &err));
    CHECK(err == "ssh.max_sessions: expected int");
    CHECK_FALSE(from_json(R"({"ssh.max_sessions":2.5})", out, &err));
    CHECK(err == "ssh.max_sessions: unsupported JSON type");
    CHECK_FALSE(from_json(R"({"ssh.max_sessions":null})", out, &err));
    CHECK(err == "ssh.max_sessions: unsupported JSON type");
    CHECK_FALSE(from_json(R"({"ssh.max_sessions":[1]})", out, &err));
    CHECK(err == "ssh.max_sessions: unsupported JSON type");

    // Values are validated, not just typed.
    CHECK_FALSE(from_json(R"({"ssh.max_sessions":11})", out, &err));
    CHECK(err == "ssh.max_sessions: 11 is out of range 1-10");
    CHECK_FALSE(from_json(R"({"system.hostname":"-bad"})", out, &err));
    CHECK(err.rfind("system.hostname: ", 0) == 0);

    // A null err pointer is allowed.
    CHECK_FALSE(from_json("{", out, nullptr));

    CHECK(out.values.size() == 1);
    CHECK(get_string(out, "system.hostname") == "keep");
}
