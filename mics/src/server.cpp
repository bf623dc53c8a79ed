#include "server.hpp"

#include "mics/log.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace micsd {

namespace {
// Replies queued for one connection before MICS stops reading its requests.
constexpr std::size_t kMaxPendingOut = 4u << 20;
}  // namespace

Server::~Server() {
    for (auto& c : conns_)
        if (c->fd >= 0) ::close(c->fd);
    if (listen_fd_ >= 0) {
        ::close(listen_fd_);
        ::unlink(path_.c_str());
    }
    if (sig_fd_ >= 0) ::close(sig_fd_);
}

std::string Server::setup_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGCHLD, SIGHUP}) sigaddset(&set, s);
    if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return std::strerror(errno);
    sig_fd_ = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sig_fd_ < 0) return std::string("signalfd: ") + std::strerror(errno);
    ::signal(SIGPIPE, SIG_IGN);
    return {};
}

std::string Server::listen(const std::string& path) {
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof sa.sun_path) return "socket path too long: " + path;
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);

    // Refuse to start twice on one state dir: a live socket means a live MICS.
    int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0 && ::connect(probe, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
        ::close(probe);
        return "another sentry-micsd is already running on " + path;
    }
    if (probe >= 0) ::close(probe);
    ::unlink(path.c_str());

    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) return std::strerror(errno);
    mode_t old = ::umask(0117);  // socket file 0660
    int rc = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    ::umask(old);
    if (rc != 0) return "bind " + path + ": " + std::strerror(errno);
    if (::listen(listen_fd_, 128) != 0) return std::string("listen: ") + std::strerror(errno);
    path_ = path;
    return {};
}

void Server::accept_all() {
    for (;;) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        if (conns_.size() >= kMaxConnections) {
            mics::log_warn("too many MICS connections; refusing one");
            ::close(fd);
            continue;
        }
        ucred cred{};
        socklen_t len = sizeof cred;
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
            ::close(fd);
            continue;
        }
        auto c = std::make_unique<Conn>();
        c->fd = fd;
        c->s.peer_uid = cred.uid;
        c->s.peer_pid = cred.pid;
        c->s.trusted = cred.uid == 0 || cred.uid == ::geteuid();
        conns_.push_back(std::move(c));
    }
}

void Server::on_readable(Conn& c) {
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(c.fd, buf, sizeof buf);
        if (n == 0) {
            c.closing = true;
            c.out.clear();
            return;
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN) {
                c.closing = true;
                c.out.clear();
            }
            break;
        }
        c.dec.feed(buf, std::size_t(n));
        while (auto frame = c.dec.next()) c.out += mics::encode_frame(app_.dispatch(c.s, *frame));
        if (c.dec.too_large()) {
            nlohmann::json e = {{"id", nullptr}, {"ok", false},
                                {"error", {{"code", "bad_request"}, {"message", "frame larger than 1 MiB"}}}};
            c.out += mics::encode_frame(e.dump());
            c.closing = true;  // the stream cannot be resynchronised
            break;
        }
        if (c.out.size() >= kMaxPendingOut) break;  // the rest waits until the client reads
    }
}

void Server::on_writable(Conn& c) {
    while (!c.out.empty()) {
        ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN) {
                c.out.clear();
                c.closing = true;
            }
            return;
        }
        c.out.erase(0, std::size_t(n));
    }
}

void Server::close_conn(Conn& c) {
    if (c.s.authenticated) {
        app_.store().audit({0, c.s.user, c.s.source, c.s.id, mode_name(c.s.mode), "logout", "success"});
        app_.lines().remove(c.s.id);
    }
    ::close(c.fd);
    c.fd = -1;
}

int Server::run() {
    std::vector<pollfd> pfds;
    for (;;) {
        pfds.clear();
        pfds.push_back({sig_fd_, POLLIN, 0});
        pfds.push_back({listen_fd_, POLLIN, 0});
        for (auto& c : conns_) {
            // A client that pipelines requests but never reads its replies would
            // grow our buffer without bound: stop reading it until it catches up.
            // A closing connection is not read either: its last reply must not be
            // discarded by an EOF that arrives before it was sent.
            short in = !c->closing && c->out.size() < kMaxPendingOut ? POLLIN : 0;
            pfds.push_back({c->fd, short(in | (c->out.empty() ? 0 : POLLOUT)), 0});
        }
        // accept_all() below appends to conns_, so remember where they end.
        const std::size_t conns_end = pfds.size();
        // pidfds of services adopted from an earlier MICS (readable = exited).
        for (int fd : sup_.poll_fds()) pfds.push_back({fd, POLLIN, 0});

        int due = sup_.tick();
        int timeout = due < 0 ? 500 : std::min(due, 500);
        int n = ::poll(pfds.data(), pfds.size(), timeout);
        if (n < 0 && errno != EINTR) {
            mics::log_error(std::string("poll: ") + std::strerror(errno));
            return 1;
        }
        if (pfds[0].revents & POLLIN) {
            signalfd_siginfo si{};
            while (::read(sig_fd_, &si, sizeof si) == sizeof si) {
                if (si.ssi_signo == SIGCHLD) {
                    sup_.reap();
                } else if (si.ssi_signo == SIGHUP) {
                    mics::log_info("SIGHUP: re-applying the running configuration");
                    app_.tick();
                } else {
                    mics::log_info(std::string("received ") + strsignal(int(si.ssi_signo)) + ", stopping");
                    return 0;
                }
            }
        }
        if (pfds[1].revents & POLLIN) accept_all();
        for (std::size_t i = conns_end; i < pfds.size(); ++i)
            if (pfds[i].revents) sup_.on_fd_ready(pfds[i].fd);
        for (std::size_t i = 2; i < conns_end; ++i) {
            Conn& c = *conns_[i - 2];
            short ev = pfds[i].revents;
            if (ev & POLLIN) on_readable(c);
            if (ev & (POLLERR | POLLNVAL)) {
                c.closing = true;
                c.out.clear();
            } else if (ev & POLLHUP && !(ev & POLLIN)) {
                c.closing = true;
                c.out.clear();
            }
            if (!c.out.empty()) on_writable(c);
            if (c.s.authenticated && app_.lines().kill_requested(c.s.id)) {  // `clear line`
                c.closing = true;
                c.out.clear();
            }
        }
        for (auto it = conns_.begin(); it != conns_.end();) {
            if ((*it)->closing && (*it)->out.empty()) {
                close_conn(**it);
                it = conns_.erase(it);
            } else {
                ++it;
            }
        }
        app_.tick();
    }
}

}  // namespace micsd
