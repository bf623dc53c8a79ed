#include "server.hpp"

#include "https_session.hpp"

#include <mics/log.hpp>

#include <boost/asio/post.hpp>

#include <vector>

namespace sentryd {

Server::Server(boost::asio::io_context& ioc, ServerSettings settings,
               std::shared_ptr<boost::asio::ssl::context> tls)
    : settings_(std::move(settings)),
      tls_(std::move(tls)),
      handler_(config_, counters_, ControlHandler::clock::now()),
      shared_{config_, counters_, *tls_},
      listener_(ioc, shared_),
      control_(ioc, handler_),
      drain_timer_(ioc) {}

Status Server::start() {
    if (auto st = listener_.open(settings_.listen_addr, settings_.listen_port); !st) return st;
    if (auto st = control_.open(settings_.control_path); !st) return st;
    listener_.start();
    control_.start();
    return ok_status();
}

void Server::drain(std::function<void()> done) {
    if (shared_.draining) return;
    shared_.draining = true;
    drained_ = std::move(done);
    listener_.stop();
    control_.stop();
    mics::log_info("draining " + std::to_string(shared_.live.size()) + " connections (up to " +
                   std::to_string(settings_.drain_timeout.count()) + " s)");
    shared_.on_drained = [this] { finish_drain(); };
    if (shared_.live.empty()) {
        // Run `done` from the loop, not from inside the signal handler's caller.
        boost::asio::post(drain_timer_.get_executor(), [this] { finish_drain(); });
        return;
    }
    // Copy: drain() may end a session, which erases itself from the set.
    std::vector<HttpsSession*> sessions(shared_.live.begin(), shared_.live.end());
    for (auto* s : sessions) s->drain();
    drain_timer_.expires_after(settings_.drain_timeout);
    drain_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        mics::log_warn("drain deadline passed; closing " + std::to_string(shared_.live.size()) +
                       " connections");
        abort();
    });
}

void Server::abort() {
    std::vector<HttpsSession*> sessions(shared_.live.begin(), shared_.live.end());
    for (auto* s : sessions) s->abort();
}

void Server::finish_drain() {
    drain_timer_.cancel();
    if (auto done = std::move(drained_)) {
        drained_ = nullptr;
        done();
    }
}

}  // namespace sentryd
