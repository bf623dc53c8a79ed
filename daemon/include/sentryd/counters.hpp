// In-memory counters behind `show sentry statistics`. One instance per
// io_context thread (single-threaded, plain integers); when sentryd runs one
// io_context per core, the reader sums the per-thread instances.
#pragma once
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace sentryd {

struct Counters {
    std::uint64_t connections_total = 0;
    std::uint64_t connections_active = 0;
    std::uint64_t tls_handshake_failures = 0;
    std::uint64_t requests_total = 0;  // one per response sent, incl. 4xx for bad requests
    std::uint64_t eas_malformed = 0;   // ActiveSync requests refused with 400 (unparsable query)

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
