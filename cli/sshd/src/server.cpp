#include "server.hpp"

#include "algorithms.hpp"
#include "connection.hpp"
#include "host_keys.hpp"

#include "mics/client.hpp"
#include "mics/log.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sshd {

namespace {

// Unauthenticated plus authenticated connection processes; beyond this new
// connections are closed at once (a crude MaxStartups).
constexpr std::size_t kMaxConnections = 64;

int g_sig_pipe[2] = {-1, -1};

extern "C" void on_signal(int sig) {
    int saved = errno;
    unsigned char b = static_cast<unsigned char>(sig);
    (void)!::write(g_sig_pipe[1], &b, 1);
    errno = saved;
}

std::string peer_address(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "unknown";
    char buf[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET)
        ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, buf, sizeof buf);
    else if (ss.ss_family == AF_INET6)
        ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, buf, sizeof buf);
    return buf[0] ? buf : "unknown";
}

}  // namespace

bool check_config(const Options& opts, std::string& err) {
    if (::access(opts.cli_path.c_str(), X_OK) != 0) {
        err = "shell binary " + opts.cli_path + " is not executable: " + std::strerror(errno);
        return false;
    }
    std::vector<ssh_key> keys;
    bool ok = load_host_keys(opts.keys_dir, true, keys, err);
    for (auto k : keys) ssh_key_free(k);
    return ok;
}

Server::Server(Options opts, Unprivileged unprivileged)
    : opts_(std::move(opts)), unprivileged_(unprivileged) {}

Server::~Server() {
    if (bind_) ssh_bind_free(bind_);
    for (auto k : keys_) ssh_key_free(k);
    for (const auto& a : inherited_) ::close(a.pidfd);
}

namespace {

void write_info(const std::string& path, const std::string& text) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return;
    bool ok = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) ::unlink(tmp.c_str());
}

}  // namespace

bool Server::start(std::string& err) {
    if (::access(opts_.cli_path.c_str(), X_OK) != 0) {
        err = "shell binary " + opts_.cli_path + " is not executable: " + std::strerror(errno);
        return false;
    }
    if (!load_host_keys(opts_.keys_dir, false, keys_, err)) return false;

    bind_ = ssh_bind_new();
    if (!bind_) {
        err = "ssh_bind_new failed";
        return false;
    }
    int verbosity = SSH_LOG_NOLOG;
    bool no = false;
    std::string port = std::to_string(opts_.port);
    const bool fips = opts_.fips;
    std::string kex = algorithm_list(AlgoKind::kex, fips), ciphers = algorithm_list(AlgoKind::cipher, fips),
                macs = algorithm_list(AlgoKind::mac, fips), hostkeys = algorithm_list(AlgoKind::hostkey, fips),
                pubkeys = algorithm_list(AlgoKind::pubkey, fips);
    if (fips) {
        // Ed25519 is not FIPS-approved: its host key is neither offered nor
        // listed (the file stays, for when fips is turned off again).
        keys_.erase(std::remove_if(keys_.begin(), keys_.end(),
                                   [](ssh_key k) {
                                       bool drop = ssh_key_type(k) == SSH_KEYTYPE_ED25519;
                                       if (drop) ssh_key_free(k);
                                       return drop;
                                   }),
                    keys_.end());
    }
    struct Opt {
        ssh_bind_options_e key;
        const void* value;
        const char* what;
    };
    // The system-wide libssh server config is not read: the algorithm policy
    // is ours alone (and later comes from MICS).
    const Opt bind_opts[] = {
        {SSH_BIND_OPTIONS_PROCESS_CONFIG, &no, "process-config"},
        {SSH_BIND_OPTIONS_LOG_VERBOSITY, &verbosity, "log verbosity"},
        {SSH_BIND_OPTIONS_BINDADDR, opts_.listen_addr.c_str(), "listen address"},
        {SSH_BIND_OPTIONS_BINDPORT_STR, port.c_str(), "listen port"},
        {SSH_BIND_OPTIONS_BANNER, "Sentry", "version banner"},
        {SSH_BIND_OPTIONS_KEY_EXCHANGE, kex.c_str(), "key exchange algorithms"},
        {SSH_BIND_OPTIONS_CIPHERS_C_S, ciphers.c_str(), "ciphers"},
        {SSH_BIND_OPTIONS_CIPHERS_S_C, ciphers.c_str(), "ciphers"},
        {SSH_BIND_OPTIONS_HMAC_C_S, macs.c_str(), "MACs"},
        {SSH_BIND_OPTIONS_HMAC_S_C, macs.c_str(), "MACs"},
        {SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, hostkeys.c_str(), "host key algorithms"},
        {SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES, pubkeys.c_str(), "user key algorithms"},
    };
    for (const auto& o : bind_opts) {
        if (ssh_bind_options_set(bind_, o.key, o.value) != SSH_OK) {
            err = std::string("setting ") + o.what + ": " + ssh_get_error(bind_);
            return false;
        }
    }
    // What `show ssh` prints (MICS reads it): fingerprints and algorithms in
    // effect, written atomically next to the keys (same owner, 0600).
    std::string info = "listen " + opts_.listen_addr + " " + port + "\nfips " + (fips ? "on" : "off") + "\nkex " +
                       kex + "\ncipher " + ciphers + "\nmac " + macs + "\nhostkey-algorithms " + hostkeys +
                       "\npubkey-algorithms " + pubkeys + "\n";
    for (ssh_key k : keys_)
        info += std::string("hostkey ") + ssh_key_type_to_char(ssh_key_type(k)) + " " + fingerprint(k) + "\n";
    // IMPORT_KEY hands ownership to the bind (freed by ssh_bind_free).
    while (!keys_.empty()) {
        ssh_key k = keys_.back();
        keys_.pop_back();
        std::string desc = std::string(ssh_key_type_to_char(ssh_key_type(k))) + " " + fingerprint(k);
        if (ssh_bind_options_set(bind_, SSH_BIND_OPTIONS_IMPORT_KEY, k) != SSH_OK) {
            err = std::string("loading host key: ") + ssh_get_error(bind_);
            ssh_key_free(k);
            return false;
        }
        mics::log_info("host key " + desc);
    }
    if (ssh_bind_listen(bind_) != SSH_OK) {
        err = "listen on " + opts_.listen_addr + ":" + port + ": " + ssh_get_error(bind_);
        return false;
    }
    mics::log_info("listening on " + opts_.listen_addr + ":" + port + ", shell " + opts_.cli_path +
                   ", MICS " + opts_.mics_path + (fips ? ", FIPS-approved algorithms only" : ""));
    // Only now: `show ssh` must not claim a port that could not be bound.
    write_info(opts_.keys_dir + "/sshd-info", info);
    adopt_handed_over();
    if (::geteuid() != 0)
        mics::log_warn("not running as root: shells run with this uid and could read the host keys");
    return true;
}

int Server::run() {
    if (::pipe2(g_sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        mics::log_error(std::string("pipe: ") + std::strerror(errno));
        return 1;
    }
    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1}) ::sigaction(sig, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    const int listen_fd = ssh_bind_get_fd(bind_);
    bool stop = false, handover = false;
    while (!stop) {
        std::vector<pollfd> pfds = {{listen_fd, POLLIN, 0}, {g_sig_pipe[0], POLLIN, 0}};
        std::vector<pid_t> pids;
        for (auto& [pid, c] : children_) {
            if (c.ctrl_fd < 0) continue;
            pfds.push_back({c.ctrl_fd, POLLIN, 0});
            pids.push_back(pid);
        }
        const std::size_t first_inherited = pfds.size();
        for (const auto& a : inherited_) pfds.push_back({a.pidfd, POLLIN, 0});
        if (::poll(pfds.data(), pfds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            mics::log_error(std::string("poll: ") + std::strerror(errno));
            return 1;
        }
        if (pfds[1].revents & POLLIN) {
            unsigned char sig;
            while (::read(g_sig_pipe[0], &sig, 1) == 1) {
                if (sig == SIGCHLD) reap();
                else if (sig == SIGTERM || sig == SIGINT) stop = true;
                else if (sig == SIGUSR1) stop = handover = true;
                // SIGHUP: nothing to reload yet; settings are read per connection.
            }
        }
        for (std::size_t i = 0; i < pids.size(); ++i) {
            if (!pfds[i + 2].revents) continue;
            auto it = children_.find(pids[i]);
            if (it != children_.end()) on_ctrl(it->first, it->second);
        }
        // A handed-over session ended: its slot is free (not our child: init reaps it).
        for (std::size_t i = inherited_.size(); i-- > 0;) {
            if (!pfds[first_inherited + i].revents) continue;
            limit_.release(inherited_[i].pid);
            ::close(inherited_[i].pidfd);
            inherited_.erase(inherited_.begin() + long(i));
        }
        if (!stop && (pfds[0].revents & POLLIN)) accept_one();
    }
    shut_down(handover);
    return 0;
}

void Server::adopt_handed_over() {
    std::ifstream f("/proc/self/cmdline", std::ios::binary);
    std::getline(f, self_argv0_, '\0');
    auto pids = take_handover_file(opts_.keys_dir + "/" + kHandoverFile);
    if (pids.empty()) return;
    inherited_ = adopt_sessions(pids, self_argv0_);
    for (const auto& a : inherited_) limit_.hold(a.pid);
    mics::log_info("took over " + std::to_string(inherited_.size()) + " of " + std::to_string(pids.size()) +
                   " session(s) from the previous listener");
}

void Server::shut_down(bool handover) {
    if (!handover) {
        mics::log_info("shutting down; ending " + std::to_string(children_.size() + inherited_.size()) +
                       " connection(s)");
        for (auto& [pid, c] : children_) ::kill(pid, SIGTERM);
        for (const auto& a : inherited_) pidfd_kill(a, SIGTERM);
        return;
    }
    // Sessions (slot holders) keep running; a connection still authenticating
    // is ended: it would ask this listener for a slot after it is gone.
    std::vector<pid_t> keep;
    std::size_t ended = 0;
    for (auto& [pid, c] : children_) {
        if (limit_.holds(pid)) {
            keep.push_back(pid);
        } else {
            ::kill(pid, SIGTERM);
            ++ended;
        }
    }
    for (const auto& a : inherited_)
        if (!pidfd_exited(a.pidfd)) keep.push_back(a.pid);
    if (!write_handover_file(opts_.keys_dir + "/" + kHandoverFile, keep)) {
        mics::log_error("cannot write the hand-over file; ending all sessions");
        for (pid_t p : keep) ::kill(p, SIGTERM);
        return;
    }
    mics::log_info("handing over " + std::to_string(keep.size()) + " session(s) to the next listener; ended " +
                   std::to_string(ended) + " unauthenticated connection(s)");
}

void Server::on_ctrl(pid_t pid, Child& c) {
    char req = 0;
    ssize_t n = ::recv(c.ctrl_fd, &req, 1, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        ::close(c.ctrl_fd);
        c.ctrl_fd = -1;
        return;
    }
    if (n != 1) return;
    // Fixed request table of one entry: 'A' = may this authenticated user
    // start a session? Anything else ends the conversation.
    if (req != 'A') {
        ::close(c.ctrl_fd);
        c.ctrl_fd = -1;
        return;
    }
    char rep = limit_.try_acquire(pid, c.max_sessions) ? 'Y' : 'N';
    ::send(c.ctrl_fd, &rep, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

void Server::reap() {
    int st = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &st, WNOHANG)) > 0) {
        auto it = children_.find(pid);
        if (it == children_.end()) continue;
        limit_.release(pid);
        if (it->second.ctrl_fd >= 0) ::close(it->second.ctrl_fd);
        mics::log_info("connection from " + it->second.peer + " closed");
        children_.erase(it);
    }
}

void Server::accept_one() {
    ssh_session s = ssh_new();
    if (!s) return;
    if (ssh_bind_accept(bind_, s) != SSH_OK) {
        mics::log_warn(std::string("accept: ") + ssh_get_error(bind_));
        ssh_free(s);
        return;
    }
    std::string peer = peer_address(ssh_get_fd(s));
    if (children_.size() >= kMaxConnections) {
        mics::log_warn("too many connections; dropping connection from " + peer);
        ssh_free(s);
        return;
    }
    mics::log_info("connection from " + peer);

    // One MICS connection per SSH connection: opened here while we are still
    // root, so MICS sees a trusted peer; it becomes the user's session on login.
    ConnectionConfig cfg;
    cfg.cli_path = opts_.cli_path;
    cfg.peer_ip = peer;
    cfg.unprivileged = unprivileged_;
    mics::Client m;
    std::string err;
    if (m.connect(opts_.mics_path, &err)) {
        mics::Reply r = m.call("ssh.settings", "{}", 3000);
        // The pre-auth child runs as nobody but holds this trusted connection;
        // pin it to "log in or nothing" before the child ever sees it.
        mics::Reply pin = r.ok ? m.call("session.login_only", "{}", 3000) : r;
        if (r.ok && pin.ok) {
            cfg.settings = parse_ssh_settings(r.data);
            cfg.mics_ok = true;
        } else if (!pin.ok && r.ok) {
            err = pin.code + ": " + pin.message;
        } else {
            err = r.code + ": " + r.message;
        }
    }
    if (!cfg.mics_ok) {
        mics::log_error("MICS unavailable (" + err + "); logins from " + peer + " will be refused");
        m.close();
    } else if (!cfg.settings.enabled) {
        mics::log_info("SSH access is disabled in the configuration; closing connection from " + peer);
        ssh_free(s);
        return;
    }

    int sp[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0) {
        mics::log_error(std::string("socketpair: ") + std::strerror(errno));
        ssh_free(s);
        return;
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        mics::log_error(std::string("fork: ") + std::strerror(errno));
        ::close(sp[0]);
        ::close(sp[1]);
        ssh_free(s);
        return;
    }
    if (pid == 0) {
        // Connection process: forget the listener's state, then demote before
        // reading a single byte from the network.
        ::close(sp[0]);
        for (auto& [p, c] : children_)
            if (c.ctrl_fd >= 0) ::close(c.ctrl_fd);
        struct sigaction dfl{};
        dfl.sa_handler = SIG_DFL;
        for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1}) ::sigaction(sig, &dfl, nullptr);
        for (const auto& a : inherited_) ::close(a.pidfd);
        ::close(g_sig_pipe[0]);
        ::close(g_sig_pipe[1]);
        ssh_bind_free(bind_);
        bind_ = nullptr;
        std::string derr;
        if (!drop_root(unprivileged_, derr)) {
            mics::log_error(derr);
            ::_exit(1);
        }
        if (::chdir("/") != 0) ::_exit(1);
        cfg.ctrl_fd = sp[1];
        int rc = run_connection(s, std::move(m), cfg);
        ssh_free(s);
        ::_exit(rc);
    }
    ::close(sp[1]);
    ssh_free(s);
    children_[pid] = Child{sp[0], peer, cfg.settings.max_sessions};
}

}  // namespace sshd
