#include "mics/cmdline.hpp"

#include <doctest/doctest.h>

TEST_CASE("parse_listen: IPv4, bracketed IPv6, and the errors") {
    std::string a;
    int p = 0;
    CHECK(mics::parse_listen("127.0.0.1:2222", a, p).empty());
    CHECK(a == "127.0.0.1");
    CHECK(p == 2222);
    CHECK(mics::parse_listen("[::1]:443", a, p).empty());
    CHECK(a == "::1");
    CHECK(p == 443);
    CHECK(mics::parse_listen("::1:443", a, p) == "write IPv6 addresses as [ADDR]:PORT");
    CHECK(mics::parse_listen("localhost:22", a, p) == "'localhost' is not a numeric IP address");
    CHECK(mics::parse_listen("127.0.0.1:0", a, p) == "port '0' is not in 1..65535");
    CHECK(mics::parse_listen("127.0.0.1:65536", a, p) == "port '65536' is not in 1..65535");
    CHECK(mics::parse_listen("127.0.0.1:22x", a, p) == "port '22x' is not in 1..65535");
    CHECK(mics::parse_listen("127.0.0.1", a, p) == "expected ADDR:PORT");
    CHECK(mics::parse_listen("[::1]443", a, p) == "expected [ADDR]:PORT");
    CHECK(a == "::1");  // unchanged by failures
}

TEST_CASE("FlagReader: separate and inline values, switches, errors") {
    std::vector<std::string> args{"--a", "1", "--b=2", "--sw"};
    mics::FlagReader f(args);
    std::string a, b;
    REQUIRE(f.next());
    CHECK(f.flag() == "--a");
    CHECK(f.value(a));
    REQUIRE(f.next());
    CHECK(f.flag() == "--b");
    CHECK(f.value(b));
    REQUIRE(f.next());
    CHECK(f.no_value());
    CHECK_FALSE(f.next());
    CHECK(a == "1");
    CHECK(b == "2");
    CHECK(f.error().empty());

    std::vector<std::string> missing{"--a"};
    mics::FlagReader m(missing);
    REQUIRE(m.next());
    std::string v;
    CHECK_FALSE(m.value(v));
    CHECK(m.error() == "option --a needs a value");
    CHECK_FALSE(m.next());  // stops after an error

    std::vector<std::string> sw{"--sw=1"};
    mics::FlagReader s(sw);
    REQUIRE(s.next());
    CHECK_FALSE(s.no_value());
    CHECK(s.error() == "option --sw takes no value");

    std::vector<std::string> big{"--a", std::string(5000, 'x')};
    mics::FlagReader g(big);
    REQUIRE(g.next());
    CHECK_FALSE(g.value(v));
    CHECK(g.error() == "option --a: value too long");
}
