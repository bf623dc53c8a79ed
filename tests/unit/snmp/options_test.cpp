#include "options.hpp"

#include <doctest/doctest.h>

using namespace sentry::snmp;

TEST_CASE("defaults come from the state dir") {
    auto r = parse_args({}, "/st");
    CHECK(r.error.empty());
    CHECK(r.opts.agentx_socket == "/st/run/agentx.sock");
    CHECK(r.opts.mics_socket == "/st/run/mics.sock");
    CHECK_FALSE(r.opts.show_help);
}

TEST_CASE("flags with separate and inline values") {
    auto r = parse_args({"--agentx", "/a.sock", "--mics=/m.sock", "--check-config"}, "/st");
    CHECK(r.error.empty());
    CHECK(r.opts.agentx_socket == "/a.sock");
    CHECK(r.opts.mics_socket == "/m.sock");
    CHECK(r.opts.check_config);
    CHECK(parse_args({"--help"}, "/st").opts.show_help);
    CHECK(parse_args({"--version"}, "/st").opts.show_version);
}

TEST_CASE("bad command lines are errors") {
    CHECK_FALSE(parse_args({"--bogus"}, "/st").error.empty());
    CHECK_FALSE(parse_args({"--agentx"}, "/st").error.empty());
    CHECK_FALSE(parse_args({"--mics="}, "/st").error.empty());
    CHECK_FALSE(parse_args({"extra"}, "/st").error.empty());
    CHECK(usage("x").find("--agentx") != std::string::npos);
    CHECK(version_text().find("sentry-snmp-agent ") == 0);
}
