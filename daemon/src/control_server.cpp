#include "control_server.hpp"

#include <mics/frame.hpp>
#include <mics/log.hpp>

#include <boost/asio/write.hpp>

#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace sentryd {

namespace net = boost::asio;
using local = net::local::stream_protocol;

// One MICS connection: frames in, one reply frame per request frame out.
// Requests are answered in order; the next read starts only after the
// replies are written, which bounds memory per connection.
class ControlSession : public std::enable_shared_from_this<ControlSession> {
public:
    ControlSession(local::socket socket, ControlServer& server)
        : socket_(std::move(socket)), server_(server) {
        server_.live_.insert(this);
    }
    ~ControlSession() { server_.live_.erase(this); }

    void start() {
        if (!peer_allowed()) {
            out_.push_back(mics::encode_frame(ControlHandler::denied_reply()));
            close_after_write_ = true;
            return do_write();
        }
        do_read();
    }
    void close() {
        closed_ = true;
        boost::system::error_code ignored;
        socket_.close(ignored);
    }

private:
    // The socket mode (0660) is the first gate; the peer's uid is the second,
    // as for every MICS socket: root or our own uid (MICS runs us).
    bool peer_allowed() {
        ucred cred{};
        socklen_t len = sizeof cred;
        if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
            return false;
        return cred.uid == 0 || cred.uid == ::geteuid();
    }

    void do_read() {
        socket_.async_read_some(net::buffer(rbuf_), [self = shared_from_this()](
                                                        boost::system::error_code ec, std::size_t n) {
            self->on_read(ec, n);
        });
    }

    void on_read(boost::system::error_code ec, std::size_t n) {
        if (ec) return;  // peer closed, or stop(): nothing to clean up
        decoder_.feed(rbuf_.data(), n);
        pump();
    }

    // Answers the frames read so far, in order. A deferred op (its reply
    // comes later) holds the frames behind it until it is answered.
    void pump() {
        while (!waiting_) {
            auto frame = decoder_.next();
            if (!frame) break;
            waiting_ = true;
            pumping_ = true;
            server_.handler_.handle_async(*frame, [self = shared_from_this()](std::string reply) {
                self->on_reply(std::move(reply));
            });
            pumping_ = false;
        }
        if (!waiting_ && decoder_.too_large()) {
            out_.push_back(mics::encode_frame(ControlHandler::too_large_reply()));
            close_after_write_ = true;
        }
        if (writing_) return;
        if (!out_.empty()) return do_write();
        if (waiting_) return;  // on_reply resumes
        do_read();
    }

    void on_reply(std::string reply) {
        out_.push_back(mics::encode_frame(reply));
        waiting_ = false;
        if (pumping_ || closed_) return;  // answered inside handle_async: pump() goes on
        pump();
    }

    void do_write() {
        writing_ = true;
        net::async_write(socket_, net::buffer(out_.front()),
                         [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                             self->on_write(ec);
                         });
    }

    void on_write(boost::system::error_code ec) {
        writing_ = false;
        if (ec) {
            closed_ = true;
            return;
        }
        out_.pop_front();
        if (!out_.empty()) return do_write();
        if (close_after_write_) return close();
        pump();
    }

    local::socket socket_;
    ControlServer& server_;
    std::array<char, 4096> rbuf_{};
    mics::FrameDecoder decoder_;
    std::deque<std::string> out_;
    bool close_after_write_ = false;
    bool waiting_ = false;  // a request's reply is not there yet
    bool pumping_ = false;  // inside pump()'s call to the handler
    bool writing_ = false;
    bool closed_ = false;
};

ControlServer::ControlServer(net::io_context& ioc, ControlHandler& handler)
    : acceptor_(ioc), handler_(handler) {}

ControlServer::~ControlServer() { remove_socket(); }

Status ControlServer::open(const std::string& path) {
    if (path.size() >= sizeof(sockaddr_un::sun_path))
        return Status::fail("control socket path too long: " + path);

    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return Status::fail(path + ": exists and is not a socket; not removing it");
        // A socket someone still accepts on means another sentryd is running.
        local::socket probe(acceptor_.get_executor());
        boost::system::error_code ec;
        probe.connect(local::endpoint(path), ec);
        if (!ec) return Status::fail(path + ": another process is listening (sentryd already running?)");
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
            return Status::fail(path + ": cannot remove stale socket: " + std::strerror(errno));
    }
    std::error_code fec;
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, fec);

    boost::system::error_code ec;
    acceptor_.open(local(), ec);
    // Bind under a umask so the socket is never briefly wider than 0660.
    mode_t old = ::umask(0117);
    if (!ec) acceptor_.bind(local::endpoint(path), ec);
    ::umask(old);
    if (!ec) ::chmod(path.c_str(), 0660);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return Status::fail("cannot listen on control socket " + path + ": " + ec.message());
    path_ = path;
    if (::lstat(path.c_str(), &st) == 0) inode_ = st.st_ino;
    mics::log_info("control socket " + path);
    return ok_status();
}

void ControlServer::do_accept() {
    if (stopped_) return;
    acceptor_.async_accept([this](boost::system::error_code ec, local::socket socket) {
        if (stopped_ || ec == net::error::operation_aborted) return;
        if (!ec) {
            try {
                std::make_shared<ControlSession>(std::move(socket), *this)->start();
            } catch (const std::exception& e) {
                mics::log_error(std::string("control session: ") + e.what());
            }
        } else {
            mics::log_warn("control accept: " + ec.message());
        }
        do_accept();
    });
}

void ControlServer::stop() {
    stopped_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto* s : live_) s->close();
    remove_socket();
}

void ControlServer::remove_socket() {
    if (path_.empty()) return;
    struct stat st {};
    if (::lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_ino == inode_)
        ::unlink(path_.c_str());
    path_.clear();
}

}  // namespace sentryd
