// Everything one io_context serves: the device listener and its sessions,
// the control socket, the config snapshot and the counters. main.cpp builds
// one, starts it, and turns signals into drain()/abort().
#pragma once
#include "backends.hpp"
#include "control_server.hpp"
#include "listener.hpp"
#include "session_shared.hpp"
#include "sentryd/control_handler.hpp"

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
    std::chrono::seconds drain_timeout{30};
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

    boost::asio::io_context& ioc_;
    ServerSettings settings_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    ConfigStore config_;
    Counters counters_;
    Backends backends_;
    ControlHandler handler_;
    SessionShared shared_;
    std::shared_ptr<Listener> listener_;
    ListenAddress bound_;
    ControlServer control_;
    boost::asio::steady_timer drain_timer_;
    std::function<void()> drained_;
};

}  // namespace sentryd
