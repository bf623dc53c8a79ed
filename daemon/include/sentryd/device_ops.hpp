// The control-socket ops over the device cache and its counters
// (devices.*, stats.*), behind `show sentry device-cache ...`,
// `show sentry statistics ...`, `show sentry utilization` and `debug sentry
// device-cache ...` (docs/device-policy.md, "Control ops"). JSON stays in the
// .cpp; no sockets, no clock of its own (the server passes samples in).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "sentryd/counters.hpp"
#include "sentryd/device_gate.hpp"

namespace sentryd {

// Peaks of `show sentry statistics global system` (value, unix time).
struct SystemSample {
    double heap_mb = 0, buff_cached_mb = 0, virt_mb = 0, rss_mb = 0, cpu_pct = 0, mem_pct = 0;
    std::uint64_t threads = 0, device_cache = 0, user_url_cache = 0;
};

struct Peak {
    double value = 0;
    std::int64_t at = 0;  // 0 = never sampled
};

struct Utilization {
    std::uint64_t open_connections = 0;
    double cpu_pct = 0, mem_pct = 0, heap_pct = 0, busy_pct = 0;
};

// Spec §3.8/§3.10 dates: "EEE MMM dd HH:mm:ss UTC yyyy" in UTC; 0 = "Never".
std::string java_date(std::int64_t unix_seconds);

class DeviceOps {
public:
    DeviceOps(DeviceGate& gate, std::string persist_path) : gate_(gate), path_(std::move(persist_path)) {}

    // Handles one devices.* / stats.* op. Returns false when `op` is not one
    // of them; otherwise fills either data_json or (code, message).
    bool handle(const std::string& op, std::string_view args_json, std::int64_t now, std::string& data_json,
                std::string& code, std::string& message);

    // Persistent list (also run by the server's timer and at drain).
    long save(std::int64_t now, std::string* err);
    long restore(std::int64_t now, std::string* err);
    void note_uem_load(std::int64_t now, long count) {
        last_uem_load_ = now;
        last_uem_count_ = count;
    }
    void set_next_save(std::int64_t t) { next_save_ = t; }
    // The back ends' health-check counters (`stats.global` group server).
    void set_health_counters(const HealthCounters* hc) { hc_ = hc; }

    void sample(const SystemSample& s, const Utilization& u, std::int64_t now);

private:
    DeviceGate& gate_;
    std::string path_;
    std::int64_t last_save_ = 0, next_save_ = 0, last_restore_ = 0, last_uem_load_ = 0;
    long last_save_count_ = -1, last_restore_count_ = 0, last_uem_count_ = 0;
    const HealthCounters* hc_ = nullptr;
    Peak peaks_[9];
    Utilization util_;
};

}  // namespace sentryd
