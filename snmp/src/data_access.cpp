#include "data_access.hpp"

#include "mics/log.hpp"

#include <memory>

namespace sentry::snmp {

MicsCache::MicsCache(HelloFn hello, std::chrono::milliseconds min_interval)
    : hello_(std::move(hello)), min_interval_(min_interval) {}

MicsCache MicsCache::for_socket(std::string socket_path, int timeout_ms) {
    // shared_ptr because std::function must be copyable; the client is only
    // ever used from the agent's single thread.
    auto client = std::make_shared<mics::Client>();
    return MicsCache([client, path = std::move(socket_path), timeout_ms]() {
        if (!client->connected()) {
            std::string err;
            if (!client->connect(path, &err)) {
                mics::Reply r;
                r.code = "transport";
                r.message = err;
                return r;
            }
        }
        mics::Reply r = client->call("hello", "{}", timeout_ms);
        // A timed-out or broken stream cannot be resynchronised: start over.
        if (!r.ok && r.code == "transport") client->close();
        return r;
    });
}

bool MicsCache::refresh(Clock::time_point now) {
    // The slack lets a timer with the same period poll every tick even when
    // it fires a hair early.
    constexpr std::chrono::milliseconds kSlack{100};
    if (polled_ && now - last_poll_ < min_interval_ - kSlack) return false;
    polled_ = true;
    last_poll_ = now;

    bool was_reachable = snap_.mics_reachable;
    mics::Reply r = hello_();
    std::string err;
    if (r.ok) {
        if (auto h = parse_hello(r.data, &err)) {
            apply_hello(snap_, *h);
            snap_.mics_reachable = true;
            last_ok_ = now;
            last_error_.clear();
            if (!was_reachable) mics::log_info("MICS reachable, hostname '" + snap_.hostname + "'");
            return true;
        }
    } else {
        err = r.code + (r.message.empty() ? "" : ": " + r.message);
    }
    // Keep the last values; only reachability changes. Log the edge, not
    // every poll, so a long MICS outage does not flood the log.
    snap_.mics_reachable = false;
    if (was_reachable || last_error_ != err) mics::log_warn("MICS poll failed: " + err);
    last_error_ = err;
    return true;
}

Snapshot MicsCache::snapshot(Clock::time_point now) const {
    Snapshot s = snap_;
    if (s.mics_reachable && now > last_ok_)
        s.mics_uptime_s += static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::seconds>(now - last_ok_).count());
    return s;
}

}  // namespace sentry::snmp
