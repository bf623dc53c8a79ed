// What one device request did on the wire besides its HTTP answer: bytes
// each way, back-end connections, and the failures met on the way, for the
// per-device counters (docs/device-policy.md, "Counters"). The forwarding
// path fills it with plain adds as things happen; DeviceGate::record() adds
// it to the device once, when the request ends.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "sentryd/device_counters.hpp"

namespace sentryd {

// The event counters a request can move (besides the bytes), in the order
// DeviceGate::record() adds them.
#define SENTRY_WIRE_EVENTS(X)                            \
    X(s_connections)                                     \
    X(s_http_requests)                                   \
    X(s_http_responses)                                  \
    X(s_so_close)                                        \
    X(s_http_451_redirects)                              \
    X(d_http_451_redirect_drops)                         \
    X(err_conn_pooling)                                  \
    X(s_err_conn_timeout)                                \
    X(s_err_so_timeout)                                  \
    X(s_err_cmd_ping_timeout)                            \
    X(s_err_cmd_sync_timeout)                            \
    X(s_err_cmd_timeout)                                 \
    X(s_err_reset)                                       \
    X(s_unclassified)                                    \
    X(d_err_so_timeout)                                  \
    X(d_err_reset)                                       \
    X(d_unclassified)

enum class We : std::uint8_t {
#define SENTRY_WE_ENUM(id) id,
    SENTRY_WIRE_EVENTS(SENTRY_WE_ENUM)
#undef SENTRY_WE_ENUM
        count
};
inline constexpr std::size_t kWireEventCount = static_cast<std::size_t>(We::count);

// Each event's device counter (same identifier).
inline constexpr std::array<Dc, kWireEventCount> kWireEventCounter = {
#define SENTRY_WE_DC(id) Dc::id,
    SENTRY_WIRE_EVENTS(SENTRY_WE_DC)
#undef SENTRY_WE_DC
};

struct WireTally {
    std::uint64_t s_bytes_sent = 0;  // request bytes written to back ends (every attempt)
    std::uint64_t s_bytes_rcvd = 0;  // response bytes read from back ends (a followed 451 too)
    std::uint64_t d_bytes_sent = 0;  // relayed response bytes written to the device (counted by finish())
    // A request meets a handful of events at most (a retry per server, three
    // 451s): 8 bits each, saturating rather than wrapping.
    std::array<std::uint8_t, kWireEventCount> n{};

    void add(We e) {
        auto& v = n[static_cast<std::size_t>(e)];
        if (v != 0xff) ++v;
    }
    unsigned get(We e) const { return n[static_cast<std::size_t>(e)]; }
};

}  // namespace sentryd
