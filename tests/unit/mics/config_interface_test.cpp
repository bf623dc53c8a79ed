// Interface sections (`interface GigabitEthernet <n>` ... `end`): the block
// rows of the config model, their render form and the CLI-text parser's
// section handling.
#include "config_model.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace micsd;

namespace {

std::string set(Config& c, const std::string& path, const Value& v) { return apply_edit(c, path, "set", v); }

}  // namespace

TEST_CASE("interfaces render as indented sections closed by end, only when configured") {
    Config c;
    CHECK(render(c) == "");
    REQUIRE(set(c, "interface.address[2]", std::string("10.10.27.14/255.255.0.0")) == "");
    REQUIRE(set(c, "interface.shutdown[10]", true) != "");  // no GigabitEthernet 10
    REQUIRE(set(c, "interface.shutdown[1]", true) == "");
    CHECK(render(c) ==
          "interface GigabitEthernet 1\n  no ip address\n  shutdown\n  end\n"
          "interface GigabitEthernet 2\n  ip address 10.10.27.14 255.255.0.0\n  no shutdown\n  end\n");
}

TEST_CASE("interface validation names the field and the reason") {
    Config c;
    CHECK(set(c, "interface.address[7]", std::string("10.0.0.1/255.0.0.0")) ==
          "interface.address[7]: GigabitEthernet 7 does not exist (1-6)");
    CHECK(set(c, "interface.address[1]", std::string("10.0.0.1/255.0.255.0")) ==
          "interface.address[1]: netmask 255.0.255.0 is not a valid netmask");
    CHECK(set(c, "interface.address[1]", std::string("10.0.0.0/255.255.255.0")) ==
          "interface.address[1]: address 10.0.0.0 is the network or broadcast address of its subnet");
    CHECK(set(c, "interface.address[1]", std::string("10.0.0.300/255.255.255.0")) ==
          "interface.address[1]: address 10.0.0.300 is not an IPv4 address");
    CHECK(set(c, "interface.shutdown[1]", false) != "");  // `no shutdown` deletes instead
    CHECK(apply_edit(c, "interface", "set", Value(std::string("x"))) == "unknown setting interface");
}

TEST_CASE("section text parses back, in both interface spellings, and a top-level line closes it") {
    const std::string text =
        "interface GigabitEthernet 1\n"
        "  ip address 192.0.2.10 255.255.255.0\n"
        "  no shutdown\n"
        "  end\n"
        "interface GigabitEthernet3\n"
        "  no ip address\n"
        "  shutdown\n"
        "hostname edge1\n";  // no `end`: closes the section as on IOS
    Config out;
    REQUIRE(parse_config(text, Config{}, out) == "");
    CHECK(std::get<std::string>(out.values.at("interface.address[1]")) == "192.0.2.10/255.255.255.0");
    CHECK(out.values.count("interface.shutdown[1]") == 0);
    CHECK(std::get<bool>(out.values.at("interface.shutdown[3]")));
    CHECK(get_string(out, "system.hostname") == "edge1");
    // And the rendered text parses to the same config (the round trip).
    Config again;
    REQUIRE(parse_config(render(out, true), Config{}, again) == "");
    CHECK(to_json(again) == to_json(out));
}

TEST_CASE("section errors name the line") {
    Config out;
    CHECK(parse_config("interface GigabitEthernet 9\n", Config{}, out) ==
          "line 1: interface: GigabitEthernet 9 does not exist (1-6)");
    CHECK(parse_config("interface GigabitEthernet 1\n  ip address 1.2.3.4 255.0.255.0\n", Config{}, out) ==
          "line 2: interface.address[1]: netmask 255.0.255.0 is not a valid netmask");
    // A member line outside its section is not a configuration line.
    CHECK(parse_config("ip address 1.2.3.4 255.255.255.0\n", Config{}, out) ==
          "line 1: not a configuration line: ip address 1.2.3.4 255.255.255.0");
}
