// State every device session on one io_context shares with its server.
// Single-threaded per io_context, so plain members and no locks.
#pragma once
#include "sentryd/counters.hpp"
#include "sentryd/proxy_config.hpp"

#include <boost/asio/ssl/context.hpp>

#include <functional>
#include <unordered_set>

namespace sentryd {

class HttpsSession;
class Backends;
class DeviceGate;

struct SessionShared {
    ConfigStore& config;
    Counters& counters;
    boost::asio::ssl::context& tls;
    Backends& backends;
    DeviceGate* devices = nullptr;  // device policy + counters (null: every device passes, uncounted)
    bool draining = false;
    // Non-owning: sessions own themselves (shared_from_this in their pending
    // handler). This set exists only so shutdown can reach idle sessions.
    std::unordered_set<HttpsSession*> live;
    // Called when the last session ends while draining.
    std::function<void()> on_drained;
};

}  // namespace sentryd
