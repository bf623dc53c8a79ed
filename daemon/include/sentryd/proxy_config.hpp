// The configuration snapshot sentryd serves from. MICS owns the config and
// pushes it with `config.apply` (contract: docs/sentryd-config.md); sentryd
// validates it and swaps in a new immutable snapshot. Requests in flight keep
// the snapshot they started with.
#pragma once
#include "sentryd/device_policy.hpp"
#include "sentryd/result.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sentryd {

using Millis = std::chrono::milliseconds;

struct ActiveSyncServer {
    std::string host;  // name or address, never empty
    int port = 443;    // 1..65535

    bool operator==(const ActiveSyncServer&) const = default;
};

// Fixed per-request limits (not in the snapshot yet); sessions read them from
// here, never from literals.
struct Limits {
    std::chrono::seconds handshake_timeout{10};
    std::size_t header_limit = 8 * 1024;   // device request header block; over it: 431
    std::size_t body_limit = 1024 * 1024;  // device request body; over it: 413
    std::size_t backend_header_limit = 64 * 1024;  // back-end response header block; over it: 502
    // Idle kept-alive connections per back-end server. As many as the
    // requests that run in parallel: with fewer, every request beyond the
    // pool opens (and the server accepts) a new connection.
    std::size_t backend_idle_per_server = 128;
};

// Proxy timeouts, spec §5.4 (`config.timeouts`).
struct Timeouts {
    Millis socket{10000};    // idle read/write on device and server sockets
    Millis connect{10000};   // TCP + TLS connect to a back end
    Millis response{60000};  // back end's response headers
    Millis request{10000};   // a device request on a new or kept-alive connection
    // Ping (and Sync, whose Wait/HeartbeatInterval lives in the WBXML body
    // we do not decode) may be held by the back end this long instead of
    // `response`: the EAS maximum heartbeat 3540 s plus a margin.
    Millis held{3600 * 1000};
};

struct HealthCheck {
    bool enabled = true;
    int interval_s = 60;           // 10..600
    int live_threshold = 3;        // 1..10 consecutive good checks: dead -> live
    int dead_threshold = 3;        // 1..1000 failures ...
    Millis failure_window{60000};  // ... within this window: live -> dead
    Millis dead_time{60000};       // a dead server is skipped this long, then retried
};

enum class Scheduling { priority, round_robin };
enum class AllDead { try_anyway, reject };

struct ActiveSyncService {
    std::string name;
    std::vector<std::string> hosts;  // lower case, no port
    std::vector<ActiveSyncServer> servers;
    bool tls = true;
    bool verify = false;
    bool redirect_451 = true;
    Scheduling scheduling = Scheduling::priority;
    HealthCheck health;
};

struct ActiveSyncConfig {
    bool enabled = true;
    AllDead all_dead = AllDead::try_anyway;
    std::vector<ActiveSyncService> services;
};

// What sentryd logs (MICS `sentry audit`, `sentry health-monitor`).
struct LoggingConfig {
    bool audit = true;           // audit records per request (not written yet: kept for that work)
    bool health_monitor = true;  // health-check results and the live/dead changes they cause
};

struct ListenAddress {
    std::string address;  // numeric IPv4/IPv6
    int port = 0;

    bool operator==(const ListenAddress&) const = default;
};

// The UEM connector's settings (docs/device-policy.md); url empty = none.
struct UemConfig {
    std::string url;
    std::string token;  // never logged
    std::string ca_file;
    bool verify = true;
    int poll_s = 60;
    int resync_h = 12;
    bool operator==(const UemConfig&) const = default;
};

struct ProxyConfig {
    std::uint64_t version = 0;  // 0 = nothing applied yet (built-in defaults)
    std::string hostname;
    std::optional<ListenAddress> listen;  // absent: the command line's
    Timeouts timeouts;
    ActiveSyncConfig activesync;
    // Strict-Transport-Security on every response to a device (MICS
    // `sentry hsts enable`, on by default there too).
    bool hsts = true;
    LoggingConfig logging;
    Limits limits;
    DevicePolicy device_policy;
    UemConfig uem;

    // The service whose `hosts` holds `host_header` (case-insensitive, port
    // ignored), else the one named "default", else nullptr.
    const ActiveSyncService* service_for_host(std::string_view host_header) const;
    const ActiveSyncService* service_named(std::string_view name) const;
};

// Validates the args of `config.apply` ({"version":N,"config":{...}}, as JSON
// text) against the current version. Unknown keys inside "config" are ignored
// so MICS can grow the schema before sentryd learns the new fields. A refusal
// names the field ("config.activesync.services[1].health.interval_s: ...").
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
