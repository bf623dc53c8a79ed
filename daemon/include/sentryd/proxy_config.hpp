// The configuration snapshot sentryd serves from. MICS owns the config and
// pushes it with `config.apply`; sentryd validates it and swaps in a new
// immutable snapshot. Requests in flight keep the snapshot they started with.
#pragma once
#include "sentryd/result.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sentryd {

struct ActiveSyncServer {
    std::string host;  // name or address, never empty
    int port = 443;    // 1..65535
};

// Per-request limits. Defaults until MICS grows settings for them; sessions
// always read them from the snapshot, never from literals.
struct Limits {
    std::chrono::seconds handshake_timeout{10};
    std::chrono::seconds socket_timeout{10};   // writes, TLS shutdown
    std::chrono::seconds request_timeout{10};  // reading one device request
    std::size_t header_limit = 8 * 1024;       // over it: 431
    std::size_t body_limit = 1024 * 1024;      // over it: 413
};

struct ProxyConfig {
    std::uint64_t version = 0;  // 0 = nothing applied yet (built-in defaults)
    std::string hostname;
    std::vector<ActiveSyncServer> activesync_servers;
    Limits limits;
};

// Validates the args of `config.apply` ({"version":N,"config":{...}}, as JSON
// text) against the current version. Unknown keys inside "config" are ignored
// so MICS can grow the schema before sentryd learns the new fields.
Result<std::shared_ptr<const ProxyConfig>> parse_config_apply(std::string_view args_json,
                                                              std::uint64_t current_version);

// Holds the current snapshot. Single-threaded: it lives on the io_context
// that serves both the devices and the control socket, so no lock.
class ConfigStore {
public:
    ConfigStore() : current_(std::make_shared<const ProxyConfig>()) {}

    std::shared_ptr<const ProxyConfig> current() const { return current_; }
    std::uint64_t version() const { return current_->version; }
    // Swaps in a validated snapshot (from parse_config_apply).
    void replace(std::shared_ptr<const ProxyConfig> next) { current_ = std::move(next); }

private:
    std::shared_ptr<const ProxyConfig> current_;
};

}  // namespace sentryd
