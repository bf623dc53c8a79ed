// Accepts device connections and starts one HttpsSession per connection.
// One listener per io_context; with one io_context per core each gets its
// own acceptor on the same port (SO_REUSEPORT) and the kernel balances.
#pragma once
#include "session_shared.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>

namespace sentryd {

// Owned through shared_ptr: a pending accept holds it, so a listener
// replaced by a rebind lives until its cancelled accept has run.
class Listener : public std::enable_shared_from_this<Listener> {
public:
    Listener(boost::asio::io_context& ioc, SessionShared& shared);

    // Opens, binds and listens; errors as values so startup can exit 1.
    Status open(const std::string& addr, int port);
    void start() { do_accept(); }
    // Stops accepting; sessions already accepted carry on.
    void stop();

private:
    void do_accept();
    void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer retry_timer_;  // backs off after EMFILE and the like
    SessionShared& shared_;
    bool stopped_ = false;
};

}  // namespace sentryd
