#include "listener.hpp"

#include "https_session.hpp"

#include <mics/log.hpp>

#include <boost/asio/ip/address.hpp>

namespace sentryd {

namespace net = boost::asio;
using tcp = net::ip::tcp;

Listener::Listener(net::io_context& ioc, SessionShared& shared)
    : acceptor_(ioc), retry_timer_(ioc), shared_(shared) {}

Status Listener::open(const std::string& addr, int port) {
    boost::system::error_code ec;
    auto ip = net::ip::make_address(addr, ec);
    if (ec) return Status::fail("listen address " + addr + ": " + ec.message());
    tcp::endpoint ep(ip, static_cast<unsigned short>(port));
    std::string where = (ip.is_v6() ? "[" + addr + "]" : addr) + ":" + std::to_string(port);

    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return Status::fail("cannot listen on " + where + ": " + ec.message());
    mics::log_info("listening on " + where);
    return ok_status();
}

void Listener::stop() {
    stopped_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
}

void Listener::do_accept() {
    if (stopped_) return;
    acceptor_.async_accept([self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
        self->on_accept(ec, std::move(socket));
    });
}

void Listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
    if (stopped_ || ec == net::error::operation_aborted) return;
    if (ec) {
        // Usually out of file descriptors: wait a little instead of spinning.
        mics::log_warn("accept: " + ec.message());
        retry_timer_.expires_after(std::chrono::milliseconds(100));
        retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code wec) {
            if (!wec) self->do_accept();
        });
        return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    // Exceptions stop here: one connection's failure never reaches run().
    try {
        std::make_shared<HttpsSession>(std::move(socket), shared_)->start();
    } catch (const std::exception& e) {
        mics::log_error(std::string("session start: ") + e.what());
    }
    do_accept();
}

}  // namespace sentryd
