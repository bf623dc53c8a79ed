// MICS `hello` reply -> snapshot, version formatting, value rendering.
#include "snapshot.hpp"

#include <doctest/doctest.h>

using namespace sentry::snmp;

TEST_CASE("parse_hello reads every field of a full reply") {
    std::string err;
    auto h = parse_hello(R"({"product":"Sentry Secure Gateway","version":"0.1.0",)"
                         R"("git":"1234abc","build_date":"2024-11-29 00:00:00 UTC",)"
                         R"("uptime_s":42,"hostname":"edge-1"})",
                         &err);
    REQUIRE(h);
    CHECK(err.empty());
    CHECK(h->product == "Sentry Secure Gateway");
    CHECK(h->version == "0.1.0");
    CHECK(h->git == "1234abc");
    CHECK(h->build_date == "2024-11-29 00:00:00 UTC");
    CHECK(h->hostname == "edge-1");
    CHECK(h->uptime_s == 42);
}

TEST_CASE("parse_hello tolerates missing or mistyped strings") {
    auto h = parse_hello(R"({"uptime_s":7,"hostname":5,"extra":[1]})");
    REQUIRE(h);
    CHECK(h->hostname.empty());
    CHECK(h->product.empty());
    CHECK(h->uptime_s == 7);
}

TEST_CASE("parse_hello accepts a fractional uptime") {
    auto h = parse_hello(R"({"uptime_s":12.9})");
    REQUIRE(h);
    CHECK(h->uptime_s == 12);
}

TEST_CASE("parse_hello rejects replies that cannot be trusted") {
    std::string err;
    CHECK_FALSE(parse_hello("not json", &err));
    CHECK(err.find("JSON") != std::string::npos);
    CHECK_FALSE(parse_hello("null", &err));
    CHECK_FALSE(parse_hello("[1,2]", &err));
    CHECK_FALSE(parse_hello(R"({"hostname":"x"})", &err));
    CHECK(err.find("uptime_s") != std::string::npos);
    CHECK_FALSE(parse_hello(R"({"uptime_s":"5"})", &err));
    CHECK_FALSE(parse_hello(R"({"uptime_s":-1})", &err));
}

TEST_CASE("format_version") {
    CHECK(format_version("0.1.0", "1234abc") == "0.1.0 (g1234abc)");
    CHECK(format_version("0.1.0", "1234abc-dirty") == "0.1.0 (g1234abc-dirty)");
    CHECK(format_version("0.1.0", "v0.1.0-3-g1234abc") == "0.1.0 (g1234abc)");
    CHECK(format_version("0.1.0", "v0.1.0-3-g1234abc-dirty") == "0.1.0 (g1234abc-dirty)");
    CHECK(format_version("0.1.0", "v0.1.0") == "0.1.0 (v0.1.0)");
    CHECK(format_version("0.1.0", "unknown") == "0.1.0");
    CHECK(format_version("0.1.0", "") == "0.1.0");
    CHECK(format_version("", "1234abc") == "g1234abc");
    CHECK(format_version("", "") == "");
}

TEST_CASE("to_timeticks counts hundredths and wraps like sysUpTime") {
    CHECK(to_timeticks(0) == 0);
    CHECK(to_timeticks(3600) == 360000);
    // 2^32 / 100 = 42949672.96 s: one second past the wrap.
    CHECK(to_timeticks(42949673) == static_cast<std::uint32_t>(42949673ull * 100));
    CHECK(to_timeticks(42949673) == 4);
}

TEST_CASE("apply_hello keeps known values when the reply is sparse") {
    Snapshot s = initial_snapshot();
    CHECK_FALSE(s.product.empty());
    CHECK_FALSE(s.version.empty());
    CHECK(s.hostname.empty());
    CHECK_FALSE(s.mics_reachable);

    HelloInfo h;
    h.hostname = "edge-1";
    h.version = "0.2.0";
    h.git = "abcdef0";
    h.uptime_s = 10;
    apply_hello(s, h);
    CHECK(s.hostname == "edge-1");
    CHECK(s.version == "0.2.0 (gabcdef0)");
    CHECK(s.mics_uptime_s == 10);

    HelloInfo sparse;
    sparse.uptime_s = 11;
    const std::string product = s.product;
    apply_hello(s, sparse);
    CHECK(s.hostname == "edge-1");
    CHECK(s.version == "0.2.0 (gabcdef0)");
    CHECK(s.product == product);
    CHECK(s.mics_uptime_s == 11);
}

TEST_CASE("scalar values per column") {
    Snapshot s;
    s.product = "P";
    s.version = "V";
    s.build_date = "B";
    s.hostname = std::string(300, 'h');
    s.mics_uptime_s = 2;
    s.mics_reachable = true;

    CHECK(system_value(s, kColProductName)->text == "P");
    CHECK(system_value(s, kColVersion)->text == "V");
    CHECK(system_value(s, kColBuildDate)->text == "B");
    CHECK(system_value(s, kColHostname)->text.size() == kDisplayStringMax);
    CHECK_FALSE(system_value(s, 0));
    CHECK_FALSE(system_value(s, kSystemLast + 1));

    auto up = mics_value(s, kColMicsUptime);
    REQUIRE(up);
    CHECK(up->type == ScalarType::time_ticks);
    CHECK(up->number == 200);
    auto reach = mics_value(s, kColMicsReachable);
    REQUIRE(reach);
    CHECK(reach->type == ScalarType::truth_value);
    CHECK(reach->number == 1);
    s.mics_reachable = false;
    CHECK(mics_value(s, kColMicsReachable)->number == 2);
    CHECK_FALSE(mics_value(s, kMicsLast + 1));
}
