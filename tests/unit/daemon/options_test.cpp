#include "sentryd/options.hpp"

#include <doctest/doctest.h>

using sentryd::Options;
using sentryd::parse_options;

namespace {
Options defaults() {
    Options o;
    o.listen_addr = "127.0.0.1";
    o.listen_port = 4443;
    o.cert_file = "/s/certs/sentry.crt";
    o.key_file = "/s/certs/sentry.key";
    o.control_path = "/s/run/sentryd.sock";
    return o;
}
}  // namespace

TEST_CASE("options: defaults pass through") {
    auto r = parse_options({}, defaults());
    REQUIRE(r.ok());
    CHECK(r->listen_port == 4443);
    CHECK(r->control_path == "/s/run/sentryd.sock");
    CHECK_FALSE(r->check_config);
}

TEST_CASE("options: every flag, both spellings") {
    auto r = parse_options({"--listen", "0.0.0.0:443", "--cert=/c", "--key", "/k", "--control=/x.sock",
                            "--check-config"},
                           defaults());
    REQUIRE(r.ok());
    CHECK(r->listen_addr == "0.0.0.0");
    CHECK(r->listen_port == 443);
    CHECK(r->cert_file == "/c");
    CHECK(r->key_file == "/k");
    CHECK(r->control_path == "/x.sock");
    CHECK(r->check_config);
    auto v6 = parse_options({"--listen=[::1]:8443"}, defaults());
    REQUIRE(v6.ok());
    CHECK(v6->listen_addr == "::1");
    CHECK(v6->listen_port == 8443);
    CHECK(parse_options({"--version"}, defaults())->show_version);
    CHECK(parse_options({"--help"}, defaults())->show_help);
}

TEST_CASE("options: bad input is an error, not a default") {
    const std::vector<std::vector<std::string>> bad = {
        {"--bogus"},          {"--listen"},           {"--listen", "127.0.0.1"},
        {"--listen", ":443"}, {"--listen", "1.2.3.4:0"}, {"--listen", "1.2.3.4:65536"},
        {"--listen", "host.example:443"}, {"--listen", "::1:443"}, {"--cert"},
        {"--cert="},          {"--version=1"},        {"positional"},
    };
    for (const auto& args : bad) {
        CAPTURE(args.front());
        CHECK_FALSE(parse_options(args, defaults()).ok());
    }
}
