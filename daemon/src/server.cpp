#include "server.hpp"

#include "https_session.hpp"

#include <mics/log.hpp>

#include <boost/asio/post.hpp>

#include <vector>

namespace sentryd {

Server::Server(boost::asio::io_context& ioc, ServerSettings settings,
               std::shared_ptr<boost::asio::ssl::context> tls)
    : ioc_(ioc),
      settings_(std::move(settings)),
      tls_(std::move(tls)),
      backends_(ioc, counters_),
      handler_(config_, counters_, ControlHandler::clock::now(),
               ControlHooks{[this](const ProxyConfig& c) { return prepare_apply(c); },
                            [this](const ProxyConfig& c) { applied(c); },
                            [this] { return backends_.status(); }}),
      shared_{config_, counters_, *tls_, backends_},
      listener_(std::make_shared<Listener>(ioc, shared_)),
      bound_{settings_.listen_addr, settings_.listen_port},
      control_(ioc, handler_),
      drain_timer_(ioc) {}

Status Server::start() {
    if (auto st = listener_->open(settings_.listen_addr, settings_.listen_port); !st) return st;
    if (auto st = control_.open(settings_.control_path); !st) return st;
    listener_->start();
    control_.start();
    return ok_status();
}

Status Server::prepare_apply(const ProxyConfig& next) {
    ListenAddress want = next.listen.value_or(ListenAddress{settings_.listen_addr, settings_.listen_port});
    if (want == bound_ || shared_.draining) return ok_status();
    // Bind the new address first: if that fails the apply is refused and
    // the old listener keeps serving. Open connections are not touched.
    auto fresh = std::make_shared<Listener>(ioc_, shared_);
    if (auto st = fresh->open(want.address, want.port); !st) return Status::fail("config.listen: " + st.error());
    listener_->stop();
    listener_ = std::move(fresh);
    listener_->start();
    bound_ = want;
    return ok_status();
}

void Server::applied(const ProxyConfig& now) { backends_.apply(now); }

void Server::drain(std::function<void()> done) {
    if (shared_.draining) return;
    shared_.draining = true;
    drained_ = std::move(done);
    listener_->stop();
    control_.stop();
    backends_.stop();
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
