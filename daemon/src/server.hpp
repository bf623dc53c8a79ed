// Everything one io_context serves: the device listener and its sessions,
// the control socket, the config snapshot and the counters. main.cpp builds
// one, starts it, and turns signals into drain()/abort().
#pragma once
#include "backends.hpp"
#include "control_server.hpp"
#include "listener.hpp"
#include "session_shared.hpp"
#include "uem_client.hpp"
#include "sentryd/control_handler.hpp"
#include "sentryd/device_gate.hpp"
#include "sentryd/device_ops.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace sentryd {

struct ServerSettings {
    std::string listen_addr;
    int listen_port = 0;
    std::string control_path;
    std::string devices_file;  // persistent device list; empty = none
    std::chrono::seconds drain_timeout{30};
    std::chrono::seconds devices_save_every{300};
};

class Server {
public:
    Server(boost::asio::io_context& ioc, ServerSettings settings,
           std::shared_ptr<boost::asio::ssl::context> tls);

    // Binds the listener and the control socket and starts accepting.
    Status start();
    // Stops accepting and closes the control socket; in-flight requests get
    // up to drain_timeout to finish, then the rest is aborted. `done` runs on
    // the io_context once no session is left.
    void drain(std::function<void()> done);
    // Closes every connection now (second signal).
    void abort();

    const Counters& counters() const { return counters_; }

private:
    void finish_drain();
    // config.apply hooks: rebind a changed listen address; rebuild pools.
    Status prepare_apply(const ProxyConfig& next);
    void applied(const ProxyConfig& now);
    // Every 10 s: system figures for `show sentry statistics global system`
    // and `show sentry utilization`; the persistent device list when due.
    void tick();
    // devices.from_uem: runs a full resync; answers when it ends or after
    // kLoadWait (then the load goes on and the reply says so).
    void load_from_uem(ControlHooks::DeferredDone done);
    // uem.check_in: a UEM poll now; answered likewise.
    void check_in_uem(ControlHooks::DeferredDone done);
    // The waiting both share. `start(reply)` begins the operation, which
    // calls `reply` when it ends (maybe at once); a failed start answers
    // bad_request. Still running after kLoadWait: answered with `early()`.
    using DeferredStart = std::function<Status(ControlHooks::DeferredDone reply)>;
    void answer_when_done(ControlHooks::DeferredDone done, const DeferredStart& start,
                          std::function<std::string()> early);


    boost::asio::io_context& ioc_;
    ServerSettings settings_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    ConfigStore config_;
    Counters counters_;
    DeviceGate gate_;
    DeviceOps device_ops_;
    Backends backends_;
    ControlHandler handler_;
    SessionShared shared_;
    std::shared_ptr<Listener> listener_;
    ListenAddress bound_;
    ControlServer control_;
    // After control_: destroyed first, so the control sessions its pending
    // `devices.from_uem` replies hold never outlive the control server.
    UemClient uem_;
    boost::asio::steady_timer drain_timer_;
    boost::asio::steady_timer tick_timer_;
    std::int64_t next_save_ = 0;
    double last_cpu_s_ = 0;
    std::chrono::steady_clock::time_point last_tick_{};
    std::function<void()> drained_;
};

}  // namespace sentryd
