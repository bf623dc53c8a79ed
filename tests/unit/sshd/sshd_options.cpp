#include "options.hpp"

#include <doctest/doctest.h>

using namespace sshd;

namespace {
Defaults defs() {
    Defaults d;
    d.bind = "127.0.0.1";
    d.port = 2222;
    d.state_dir = "/st";
    d.cli = "/build/cli/sentry-cli";
    return d;
}
}  // namespace

TEST_CASE("sshd options: defaults derive from the state dir") {
    auto r = parse_options({}, defs());
    REQUIRE(r.ok);
    CHECK(r.options.listen_addr == "127.0.0.1");
    CHECK(r.options.port == 2222);
    CHECK(r.options.keys_dir == "/st/keys");
    CHECK(r.options.mics_path == "/st/run/mics.sock");
    CHECK(r.options.cli_path == "/build/cli/sentry-cli");
}

TEST_CASE("sshd options: every flag, both spellings") {
    auto r = parse_options({"--listen", "0.0.0.0:22", "--keys=/k", "--mics", "/m.sock", "--cli", "/c",
                            "--check-config"},
                           defs());
    REQUIRE(r.ok);
    CHECK(r.options.listen_addr == "0.0.0.0");
    CHECK(r.options.port == 22);
    CHECK(r.options.keys_dir == "/k");
    CHECK(r.options.mics_path == "/m.sock");
    CHECK(r.options.cli_path == "/c");
    CHECK(r.options.check_config);
    CHECK(parse_options({"--version"}, defs()).options.show_version);
    CHECK(parse_options({"--help"}, defs()).options.show_help);
}

TEST_CASE("sshd options: bad input is an error (main exits 2)") {
    CHECK_FALSE(parse_options({"--bogus"}, defs()).ok);
    CHECK_FALSE(parse_options({"--listen"}, defs()).ok);
    CHECK_FALSE(parse_options({"--listen", "127.0.0.1"}, defs()).ok);
    CHECK_FALSE(parse_options({"--listen", "127.0.0.1:0"}, defs()).ok);
    CHECK_FALSE(parse_options({"--listen", "127.0.0.1:65536"}, defs()).ok);
    CHECK_FALSE(parse_options({"--listen", ":22"}, defs()).ok);
    CHECK_FALSE(parse_options({"--keys", ""}, defs()).ok);
    CHECK_FALSE(parse_options({"--version=1"}, defs()).ok);
    CHECK_FALSE(parse_options({"extra"}, defs()).ok);
}

TEST_CASE("sshd parse_listen handles IPv6 in brackets only") {
    std::string a;
    int p = 0;
    CHECK(parse_listen("[::1]:2200", a, p));
    CHECK(a == "::1");
    CHECK(p == 2200);
    CHECK_FALSE(parse_listen("::1:2200", a, p));
    CHECK_FALSE(parse_listen("[::1]2200", a, p));
    CHECK_FALSE(parse_listen("host:22x", a, p));
}

TEST_CASE("sshd default shell path: $SENTRY_CLI, else ../sentry-cli next to the sshd dir") {
    CHECK(default_cli_path("/opt/x", "/b/cli/sshd/sentry-sshd") == "/opt/x");
    CHECK(default_cli_path("", "/b/cli/sshd/sentry-sshd") == "/b/cli/sentry-cli");
}
