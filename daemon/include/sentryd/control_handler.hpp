// The control-socket protocol of sentryd (docs/mics-protocol.md framing):
// one request frame in, one reply frame out. Transport-free so it can be
// tested without sockets; src/control_server.* does the I/O.
#pragma once
#include "sentryd/backend_pool.hpp"
#include "sentryd/counters.hpp"
#include "sentryd/proxy_config.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>
#include <string_view>

namespace sentryd {

// What the server plugs into the handler (all optional, so tests need none).
struct ControlHooks {
    // Runs on a validated snapshot before it is swapped in; a failure (e.g.
    // the new listen port cannot be bound) refuses the apply, old one kept.
    std::function<Status(const ProxyConfig&)> prepare;
    // Runs after the swap (rebuilds the back-end pools).
    std::function<void(const ProxyConfig&)> applied;
    // Per-service server state for `status`.
    std::function<std::vector<ServiceStatus>()> services;
    // Further op families (devices.*, stats.*): returns false when `op` is
    // not one of them, else fills data (JSON text) or code + message.
    std::function<bool(const std::string& op, std::string_view args_json, std::string& data, std::string& code,
                       std::string& message)>
        extra;
    // Ops answered later (devices.from_uem waits for a resync): returns false
    // when `op` is not one of them; else calls `done` exactly once, now or
    // later on the io_context, with data (JSON text) or code + message.
    using DeferredDone = std::function<void(std::string data, std::string code, std::string message)>;
    std::function<bool(const std::string& op, std::string_view args_json, DeferredDone done)> deferred;
};

class ControlHandler {
public:
    using clock = std::chrono::steady_clock;

    ControlHandler(ConfigStore& store, const Counters& counters, clock::time_point started,
                   ControlHooks hooks = {})
        : store_(store), counters_(counters), started_(started), hooks_(std::move(hooks)) {}

    // Handles one request frame payload and returns the reply payload.
    // Never throws; malformed input becomes a `bad_request` reply.
    std::string handle(std::string_view request);
    // The same for the control socket: `reply` runs exactly once with the
    // reply payload, at once or (a deferred op) later from the io_context.
    using ReplyFn = std::function<void(std::string reply)>;
    void handle_async(std::string_view request, ReplyFn reply);

    // Reply for a frame over mics::kMaxFrame; the caller closes afterwards
    // because the stream cannot be resynchronised.
    static std::string too_large_reply();
    // Reply for a peer whose uid is not allowed to control sentryd.
    static std::string denied_reply();

private:
    std::string handle_unchecked(std::string_view request);

    ConfigStore& store_;
    const Counters& counters_;
    clock::time_point started_;
    ControlHooks hooks_;
};

}  // namespace sentryd
