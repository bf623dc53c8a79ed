// Data access for the MIB: a snapshot of the appliance refreshed from MICS
// (`hello`) on a timer, so SNMP requests never wait on MICS.
#pragma once
#include "snapshot.hpp"

#include "mics/client.hpp"

#include <chrono>
#include <functional>
#include <string>

namespace sentry::snmp {

class MicsCache {
public:
    using Clock = std::chrono::steady_clock;
    // Performs one `hello` round trip; injected so tests need no socket.
    using HelloFn = std::function<mics::Reply()>;

    static constexpr std::chrono::seconds kMinInterval{5};
    static constexpr int kCallTimeoutMs = 1000;

    explicit MicsCache(HelloFn hello, std::chrono::milliseconds min_interval = kMinInterval);

    // A cache polling MICS at `socket_path`, keeping one connection open and
    // reconnecting after any transport error.
    static MicsCache for_socket(std::string socket_path, int timeout_ms = kCallTimeoutMs);

    // Polls MICS unless the last poll was less than min_interval ago.
    // Returns true if a poll was made.
    bool refresh(Clock::time_point now = Clock::now());

    // The values to serve. While MICS is reachable its uptime is extrapolated
    // from the last poll; otherwise the last values are served unchanged.
    Snapshot snapshot(Clock::time_point now = Clock::now()) const;

    // Why the last poll failed ("" after a success), for logs.
    const std::string& last_error() const { return last_error_; }

private:
    HelloFn hello_;
    std::chrono::milliseconds min_interval_;
    Snapshot snap_ = initial_snapshot();
    bool polled_ = false;
    Clock::time_point last_poll_{};
    Clock::time_point last_ok_{};
    std::string last_error_;
};

}  // namespace sentry::snmp
