// In-memory counters behind `show sentry statistics`. One instance per
// io_context thread (single-threaded, plain integers); when sentryd runs one
// io_context per core, the reader sums the per-thread instances.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace sentryd {

// Background health checks of the back ends, by spec §4.3's names
// (`show sentry statistics global server`), in print order.
enum class Hc : std::uint8_t {
    connections, bytes_sent, bytes_rcvd, http_requests, http_responses, err_conn_timeout, err_so_timeout,
    err_reset, so_close, unclassified, status_200, status_401, status_404, status_other, count_
};
inline constexpr std::size_t kHcCount = static_cast<std::size_t>(Hc::count_);
inline constexpr const char* kHcNames[kHcCount] = {
    "hc-connections",      "hc-bytes-sent",      "hc-bytes-rcvd",      "hc-http-requests",
    "hc-http-responses",   "hc-err-conn-timeout", "hc-err-so-timeout", "hc-err-reset",
    "hc-so-close",         "hc-unclassified",    "hc-http-status-200", "hc-http-status-401",
    "hc-http-status-404",  "hc-http-status-other"};

struct HealthCounters {
    std::array<std::uint64_t, kHcCount> v{};
    void add(Hc c, std::uint64_t n = 1) { v[static_cast<std::size_t>(c)] += n; }
    std::uint64_t get(Hc c) const { return v[static_cast<std::size_t>(c)]; }
};

struct Counters {
    std::uint64_t connections_total = 0;
    std::uint64_t connections_active = 0;
    std::uint64_t tls_handshake_failures = 0;
    std::uint64_t requests_total = 0;  // one per response sent, incl. 4xx for bad requests
    std::uint64_t eas_malformed = 0;   // ActiveSync requests refused with 400 (unparsable query)

    // Proxy path (docs: daemon/README.md, control op `status`).
    std::uint64_t proxied_requests = 0;    // requests handed to the back-end pool
    std::uint64_t proxied_responses = 0;   // back-end responses relayed to the device
    std::uint64_t backend_connects = 0;    // new back-end connections opened (TCP + TLS)
    std::uint64_t backend_connect_failures = 0;
    std::uint64_t backend_reused = 0;      // requests sent on a kept-alive back-end connection
    std::uint64_t backend_retries = 0;     // requests moved to another server after a connect failure
    std::uint64_t backend_errors = 0;      // back end failed after the request was sent (502)
    std::uint64_t backend_timeouts = 0;    // back end did not answer in time (504)
    std::uint64_t redirects_451 = 0;       // 451 + X-MS-Location followed
    std::uint64_t all_dead_rejected = 0;   // 503 because every server was dead (all_dead = reject)
    std::uint64_t all_dead_tried = 0;      // sent to a dead server anyway (all_dead = try-anyway)
    std::uint64_t health_checks_ok = 0;
    std::uint64_t health_checks_failed = 0;
    std::uint64_t pings_total = 0;         // Ping requests forwarded
    std::uint64_t ping_held = 0;           // Pings waiting for their back-end answer now (gauge)
    std::uint64_t device_gone = 0;         // devices that closed while their request was with a back end
    HealthCounters hc;

    // Records one request answered with `status`.
    void record_response(unsigned status);
    std::uint64_t responses(unsigned status) const;
    // (status, count) for every status seen, ascending.
    std::vector<std::pair<unsigned, std::uint64_t>> responses_seen() const;

private:
    static constexpr unsigned kFirst = 100, kLast = 599;
    std::array<std::uint64_t, kLast - kFirst + 1> by_status_{};
};

}  // namespace sentryd
