// The control socket (Unix stream, 0660) MICS uses to push configuration and
// read status. Served on the same io_context as the devices, so the handler
// touches ConfigStore and Counters without locks.
#pragma once
#include "sentryd/control_handler.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <string>
#include <sys/types.h>
#include <unordered_set>

namespace sentryd {

class ControlSession;

class ControlServer {
public:
    ControlServer(boost::asio::io_context& ioc, ControlHandler& handler);
    ~ControlServer();

    // Removes a stale socket (none listening), refuses to start if another
    // process is listening there, binds with mode 0660.
    Status open(const std::string& path);
    void start() { do_accept(); }
    // Stops accepting, closes open control connections, removes the socket.
    void stop();

private:
    friend class ControlSession;
    void do_accept();
    void remove_socket();

    boost::asio::local::stream_protocol::acceptor acceptor_;
    ControlHandler& handler_;
    std::string path_;
    ino_t inode_ = 0;  // of the socket we bound, so we never unlink someone else's
    bool stopped_ = false;
    std::unordered_set<ControlSession*> live_;  // non-owning, for stop()
};

}  // namespace sentryd
