// The back-end pool's state machine: which server of a service gets the next
// request, and when a server is declared dead or live again. Pure: the
// clock is a parameter, so every transition has a unit test
// (tests/unit/daemon/backend_pool_test.cpp). The Asio side (connections,
// health-check timers) lives in src/backends.*.
//
// Per server:
//   live --(dead_threshold failures within failure_window)--> dead
//   dead --(live_threshold consecutive good health checks)--> live
//   dead --(a request to it succeeds: dead_time over, or all dead + try-anyway)--> live
// A dead server is skipped until dead_time has passed; then requests may try
// it again (a failure makes it dead for another dead_time at once).
#pragma once
#include "sentryd/proxy_config.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace sentryd {

using PoolClock = std::chrono::steady_clock;

struct ServerState {
    bool dead = false;
    PoolClock::time_point dead_since{};
    PoolClock::time_point dead_until{};
    std::deque<PoolClock::time_point> recent_failures;  // within failure_window, ≤ dead_threshold
    int consecutive_ok = 0;                             // good health checks in a row
    std::optional<PoolClock::time_point> last_success;
    std::optional<PoolClock::time_point> last_failure;
    // Counters for status / `show sentry statistics`.
    std::uint64_t requests = 0;  // requests sent to this server
    std::uint64_t failures = 0;  // connect/read failures, health-check failures included
    std::uint64_t health_ok = 0;
    std::uint64_t health_fail = 0;

    // May a request be sent here now (live, or dead but dead_time is over)?
    bool available(PoolClock::time_point now) const { return !dead || now >= dead_until; }
};

// A request (or connect) to the server failed.
void record_failure(ServerState& s, const HealthCheck& h, PoolClock::time_point now);
// A request to the server got a response.
void record_success(ServerState& s, PoolClock::time_point now);
// A background health check finished.
void record_health(ServerState& s, const HealthCheck& h, bool ok, PoolClock::time_point now);

// Chooses the next server among `servers` (in list order) skipping those
// marked in `tried`. Priority: the first available. Round robin: the first
// available at or after `rr_cursor`, which then moves past it. When none is
// available: try-anyway gives the untried one dead longest, reject gives
// nothing. `all_dead_fallback` tells which happened.
struct Pick {
    std::optional<std::size_t> index;
    bool all_dead_fallback = false;
};
Pick pick_server(const std::vector<const ServerState*>& servers, const std::vector<bool>& tried,
                 Scheduling scheduling, AllDead all_dead, std::size_t& rr_cursor,
                 PoolClock::time_point now);

// Read-only view for the control op `status` (and later `show sentry server status`).
struct ServerStatus {
    std::string host;
    int port = 443;
    bool dead = false;
    std::int64_t last_success_ms_ago = -1;  // -1: never
    std::int64_t last_failure_ms_ago = -1;
    std::uint64_t requests = 0, failures = 0, health_ok = 0, health_fail = 0;
    std::size_t idle_connections = 0;
};
struct ServiceStatus {
    std::string name;
    Scheduling scheduling = Scheduling::priority;
    bool health_enabled = true;
    std::vector<ServerStatus> servers;
};

}  // namespace sentryd
