// MicsCache: poll rate limit, reachability, last values kept on failure.
#include "data_access.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace sentry::snmp;
using namespace std::chrono_literals;

namespace {

mics::Reply ok_reply(std::string data) {
    mics::Reply r;
    r.ok = true;
    r.data = std::move(data);
    return r;
}

mics::Reply transport_error() {
    mics::Reply r;
    r.code = "transport";
    r.message = "connection refused";
    return r;
}

}  // namespace

TEST_CASE("MicsCache polls at most once per interval and tracks reachability") {
    int calls = 0;
    mics::Reply next = ok_reply(R"({"uptime_s":100,"hostname":"edge-1"})");
    MicsCache cache([&] { ++calls; return next; });
    const auto t0 = MicsCache::Clock::time_point{} + 1h;

    CHECK(cache.refresh(t0));
    CHECK(calls == 1);
    Snapshot s = cache.snapshot(t0);
    CHECK(s.mics_reachable);
    CHECK(s.hostname == "edge-1");
    CHECK(s.mics_uptime_s == 100);

    // Too soon: no second round trip.
    CHECK_FALSE(cache.refresh(t0 + 2s));
    CHECK(calls == 1);
    // Uptime advances locally between polls while MICS is reachable.
    CHECK(cache.snapshot(t0 + 3s).mics_uptime_s == 103);

    // MICS disappears: last values stay, reachability drops, uptime freezes.
    next = transport_error();
    CHECK(cache.refresh(t0 + 5s));
    CHECK(calls == 2);
    s = cache.snapshot(t0 + 30s);
    CHECK_FALSE(s.mics_reachable);
    CHECK(s.hostname == "edge-1");
    CHECK(s.mics_uptime_s == 100);
    CHECK(cache.last_error().find("transport") != std::string::npos);

    // And comes back.
    next = ok_reply(R"({"uptime_s":5,"hostname":"edge-2"})");
    CHECK(cache.refresh(t0 + 10s));
    s = cache.snapshot(t0 + 10s);
    CHECK(s.mics_reachable);
    CHECK(s.hostname == "edge-2");
    CHECK(s.mics_uptime_s == 5);
    CHECK(cache.last_error().empty());
}

TEST_CASE("MicsCache treats an error reply or a malformed hello as unreachable") {
    mics::Reply next = ok_reply(R"({"uptime_s":1,"hostname":"a"})");
    MicsCache cache([&] { return next; }, 0ms);
    const auto t0 = MicsCache::Clock::time_point{} + 1h;
    cache.refresh(t0);
    REQUIRE(cache.snapshot(t0).mics_reachable);

    next = mics::Reply{};
    next.code = "denied";
    cache.refresh(t0 + 1s);
    CHECK_FALSE(cache.snapshot(t0 + 1s).mics_reachable);
    CHECK(cache.last_error().find("denied") != std::string::npos);

    next = ok_reply(R"({"hostname":"b"})");  // no uptime_s
    cache.refresh(t0 + 2s);
    CHECK_FALSE(cache.snapshot(t0 + 2s).mics_reachable);
    CHECK(cache.snapshot(t0 + 2s).hostname == "a");
}

TEST_CASE("MicsCache before any poll serves the build's identity, unreachable") {
    MicsCache cache([] { return transport_error(); });
    Snapshot s = cache.snapshot();
    CHECK_FALSE(s.mics_reachable);
    CHECK_FALSE(s.product.empty());
    CHECK_FALSE(s.version.empty());
}

TEST_CASE("MicsCache::for_socket reports a missing socket as a failed poll") {
    MicsCache cache = MicsCache::for_socket("/nonexistent/sentry-test/mics.sock", 100);
    CHECK(cache.refresh());
    CHECK_FALSE(cache.snapshot().mics_reachable);
    CHECK(cache.last_error().find("transport") != std::string::npos);
}
