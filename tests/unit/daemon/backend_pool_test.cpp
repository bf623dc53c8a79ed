#include "sentryd/backend_pool.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using sentryd::AllDead;
using sentryd::HealthCheck;
using sentryd::PoolClock;
using sentryd::Scheduling;
using sentryd::ServerState;

namespace {

HealthCheck health(int dead_threshold, std::chrono::milliseconds window, std::chrono::milliseconds dead_time,
                   int live_threshold = 3) {
    HealthCheck h;
    h.dead_threshold = dead_threshold;
    h.failure_window = window;
    h.dead_time = dead_time;
    h.live_threshold = live_threshold;
    return h;
}

// An injected clock: a fixed origin plus whatever the test advances.
const PoolClock::time_point t0 = PoolClock::time_point(1000h);

}  // namespace

TEST_CASE("pool: dead after dead_threshold failures within the window, not spread wider") {
    auto h = health(3, 1000ms, 5000ms);
    ServerState s;
    sentryd::record_failure(s, h, t0);
    sentryd::record_failure(s, h, t0 + 600ms);
    sentryd::record_failure(s, h, t0 + 1100ms);  // the first has left the window
    CHECK_FALSE(s.dead);
    sentryd::record_failure(s, h, t0 + 1200ms);  // three within 1000 ms: 600, 1100, 1200
    CHECK(s.dead);
    CHECK(s.failures == 4);
    CHECK_FALSE(s.available(t0 + 1200ms));
    CHECK_FALSE(s.available(t0 + 6199ms));
    CHECK(s.available(t0 + 6200ms));  // dead_time over: may be retried
    CHECK(s.dead);                    // but still declared dead until it proves itself
}

TEST_CASE("pool: a retry after dead_time that fails is dead again at once; one that works is live") {
    auto h = health(2, 1000ms, 5000ms);
    ServerState s;
    sentryd::record_failure(s, h, t0);
    sentryd::record_failure(s, h, t0 + 1ms);
    REQUIRE(s.dead);
    sentryd::record_failure(s, h, t0 + 6000ms);  // the retry fails
    CHECK(s.dead);
    CHECK_FALSE(s.available(t0 + 10000ms));
    CHECK(s.available(t0 + 11000ms));
    sentryd::record_success(s, t0 + 11000ms);
    CHECK_FALSE(s.dead);
    CHECK(s.available(t0 + 11000ms));
    // Old failures do not count towards the next dead marking.
    sentryd::record_failure(s, h, t0 + 11001ms);
    CHECK_FALSE(s.dead);
}

TEST_CASE("pool: live_threshold consecutive good health checks bring a dead server back") {
    auto h = health(1, 1000ms, 60000ms, 3);
    ServerState s;
    sentryd::record_health(s, h, false, t0);
    REQUIRE(s.dead);
    sentryd::record_health(s, h, true, t0 + 10s);
    sentryd::record_health(s, h, true, t0 + 20s);
    sentryd::record_health(s, h, false, t0 + 30s);  // breaks the run and re-arms dead_time
    CHECK(s.dead);
    CHECK_FALSE(s.available(t0 + 89s));
    sentryd::record_health(s, h, true, t0 + 40s);
    sentryd::record_health(s, h, true, t0 + 50s);
    CHECK(s.dead);
    sentryd::record_health(s, h, true, t0 + 60s);
    CHECK_FALSE(s.dead);
    CHECK(s.available(t0 + 60s));
    CHECK(s.health_ok == 5);
    CHECK(s.health_fail == 2);
    REQUIRE(s.last_success);
    CHECK(*s.last_success == t0 + 60s);
}

TEST_CASE("pool: priority takes the first available in list order") {
    auto h = health(1, 1000ms, 5000ms);
    ServerState a, b, c;
    std::vector<const ServerState*> list{&a, &b, &c};
    std::size_t cursor = 0;
    auto pick = [&](std::vector<bool> tried = {}) {
        return sentryd::pick_server(list, tried, Scheduling::priority, AllDead::reject, cursor, t0);
    };
    CHECK(pick().index == 0u);
    CHECK(pick().index == 0u);
    sentryd::record_failure(a, h, t0);
    CHECK(pick().index == 1u);
    CHECK(pick({false, true, false}).index == 2u);  // b already failed this request
    CHECK_FALSE(pick({false, true, true}).index);   // a dead, the rest tried
}

TEST_CASE("pool: round robin rotates over the available servers") {
    auto h = health(1, 1000ms, 5000ms);
    ServerState a, b, c;
    std::vector<const ServerState*> list{&a, &b, &c};
    std::size_t cursor = 0;
    auto pick = [&] {
        return *sentryd::pick_server(list, {}, Scheduling::round_robin, AllDead::reject, cursor, t0).index;
    };
    CHECK(pick() == 0u);
    CHECK(pick() == 1u);
    CHECK(pick() == 2u);
    CHECK(pick() == 0u);
    sentryd::record_failure(b, h, t0);
    CHECK(pick() == 2u);
    CHECK(pick() == 0u);
    CHECK(pick() == 2u);
}

TEST_CASE("pool: all dead -> reject gives none, try-anyway the one dead longest") {
    auto h = health(1, 1000ms, 60000ms);
    ServerState a, b;
    sentryd::record_failure(b, h, t0);
    sentryd::record_failure(a, h, t0 + 1s);
    std::vector<const ServerState*> list{&a, &b};
    std::size_t cursor = 0;
    auto rej = sentryd::pick_server(list, {}, Scheduling::priority, AllDead::reject, cursor, t0 + 2s);
    CHECK_FALSE(rej.index);
    auto any = sentryd::pick_server(list, {}, Scheduling::priority, AllDead::try_anyway, cursor, t0 + 2s);
    CHECK(any.index == 1u);
    CHECK(any.all_dead_fallback);
    auto next = sentryd::pick_server(list, {false, true}, Scheduling::priority, AllDead::try_anyway, cursor,
                                     t0 + 2s);
    CHECK(next.index == 0u);
    auto none = sentryd::pick_server(list, {true, true}, Scheduling::priority, AllDead::try_anyway, cursor,
                                     t0 + 2s);
    CHECK_FALSE(none.index);
    std::vector<const ServerState*> empty;
    CHECK_FALSE(sentryd::pick_server(empty, {}, Scheduling::priority, AllDead::try_anyway, cursor, t0).index);
}
