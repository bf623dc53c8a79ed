#include "connection.hpp"

#include "cli_spawn.hpp"
#include "host_keys.hpp"

#include "mics/log.hpp"

#include <libssh/callbacks.h>
#include <libssh/server.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace sshd {

namespace {

using Clock = std::chrono::steady_clock;

// Pre-auth grace: SIGALRM ends the process, as OpenSSH's grace_alarm_handler
// does. The line is formatted before the alarm is armed (handler must only
// call async-signal-safe functions).
char g_grace_line[256];
std::size_t g_grace_len = 0;

extern "C" void on_grace_alarm(int) {
    (void)!::write(2, g_grace_line, g_grace_len);
    ::_exit(1);
}

void arm_grace_alarm(int seconds, const std::string& ip) {
    int n = std::snprintf(g_grace_line, sizeof g_grace_line,
                          "sentry-sshd[%d]: warning: timeout before authentication for %s\n",
                          int(::getpid()), ip.c_str());
    g_grace_len = n > 0 ? std::min<std::size_t>(std::size_t(n), sizeof g_grace_line - 1) : 0;
    struct sigaction sa{};
    sa.sa_handler = on_grace_alarm;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGALRM, &sa, nullptr);
    ::alarm(unsigned(seconds));
}

class Connection {
public:
    Connection(ssh_session s, mics::Client m, const ConnectionConfig& cfg)
        : session_(s), mics_(std::move(m)), cfg_(cfg) {}

    int run() {
        arm_grace_alarm(cfg_.settings.grace_time_s, cfg_.peer_ip);
        ssh_set_auth_methods(session_, SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_PASSWORD |
                                           SSH_AUTH_METHOD_INTERACTIVE);
        if (ssh_handle_key_exchange(session_) != SSH_OK) {
            mics::log_info("key exchange with " + cfg_.peer_ip + " failed: " +
                           printable(ssh_get_error(session_), 200));
            return 1;
        }
        if (!authenticate()) {
            ssh_disconnect(session_);
            return 1;
        }
        ::alarm(0);
        serve();
        return 0;
    }

private:
    // ---- authentication (blocking message loop, bounded by the grace alarm)

    bool authenticate() {
        for (;;) {
            ssh_message m = ssh_message_get(session_);
            if (!m) return false;  // peer went away or protocol error
            bool done = false, give_up = false;
            if (ssh_message_type(m) != SSH_REQUEST_AUTH) {
                ssh_message_reply_default(m);  // service request: accept; others: refuse
            } else {
                send_banner_once();
                switch (ssh_message_subtype(m)) {
                case SSH_AUTH_METHOD_PASSWORD: {
                    const char* u = ssh_message_auth_user(m);
                    // Deprecated in favour of the callback API, but the message
                    // API is what lets one loop serve password and
                    // keyboard-interactive alike; still supported in 0.10/0.11.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
                    const char* p = ssh_message_auth_password(m);
#pragma GCC diagnostic pop
                    done = attempt(u ? u : "", p ? p : "");
                    break;
                }
                case SSH_AUTH_METHOD_INTERACTIVE:
                    if (!ssh_message_auth_kbdint_is_response(m)) {
                        const char* u = ssh_message_auth_user(m);
                        kbdint_user_ = u ? std::string(u).substr(0, kMaxUser + 1) : "";
                        const char* prompts[] = {"Password: "};
                        char echo[] = {0};
                        ssh_message_auth_interactive_request(m, "", "", 1, prompts, echo);
                        ssh_message_free(m);
                        continue;
                    } else {
                        const char* a = ssh_userauth_kbdint_getnanswers(session_) == 1
                                            ? ssh_userauth_kbdint_getanswer(session_, 0)
                                            : nullptr;
                        done = attempt(kbdint_user_, a ? a : "");
                    }
                    break;
                case SSH_AUTH_METHOD_PUBLICKEY: {
                    const char* u = ssh_message_auth_user(m);
                    // Message API, deprecated like the password accessor above.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
                    std::string key = public_key_line(ssh_message_auth_pubkey(m));
                    int state = ssh_message_auth_publickey_state(m);
#pragma GCC diagnostic pop
                    if (state == SSH_PUBLICKEY_STATE_NONE && !key.empty()) {
                        // "Would this key do?": yes for any well-formed key, so
                        // the answer says nothing about which users or keys
                        // exist; MICS decides once the client has signed.
                        ssh_message_auth_reply_pk_ok_simple(m);
                        ssh_message_free(m);
                        continue;
                    }
                    if (state == SSH_PUBLICKEY_STATE_VALID && !key.empty())
                        done = attempt_pubkey(u ? u : "", key);
                    break;
                }
                default:
                    break;  // none: plain failure listing our methods
                }
                if (done) {
                    ssh_message_auth_reply_success(m, 0);
                } else {
                    ssh_message_reply_default(m);
                    give_up = failures_ >= kMaxAuthAttempts;
                }
            }
            ssh_message_free(m);
            if (done) return true;
            if (give_up) {
                mics::log_info("too many authentication failures from " + cfg_.peer_ip);
                ssh_session_set_disconnect_message(session_, "Too many authentication failures");
                return false;
            }
        }
    }

    void send_banner_once() {
        if (banner_sent_) return;
        banner_sent_ = true;
        if (cfg_.settings.banner.empty()) return;
        ssh_string s = ssh_string_from_char(cfg_.settings.banner.c_str());
        if (s) {
            ssh_send_issue_banner(session_, s);
            ssh_string_free(s);
        }
    }

    // One password attempt. Counts failures; never logs the password.
    bool attempt(std::string_view user, std::string_view password) {
        if (!mics_ok_) {
            ++failures_;
            mics::log_error("refusing login from " + cfg_.peer_ip +
                            ": MICS is unreachable (failing closed)");
            return false;
        }
        if (!valid_user(user) || !valid_password(password)) {
            ++failures_;
            mics::log_info("authentication failed from " + cfg_.peer_ip +
                           ": malformed or over-long credentials");
            return false;
        }
        return finish_attempt(user, mics_.call("auth.login", login_args(user, password, cfg_.peer_ip), 15000));
    }

    // A public key whose signature libssh verified; MICS says whether it is
    // the user's key. Not counted as a failure: clients try each of their keys.
    bool attempt_pubkey(std::string_view user, const std::string& key) {
        if (!mics_ok_ || !valid_user(user)) return false;
        nlohmann::json a = {{"user", std::string(user)}, {"key", key}, {"source", cfg_.peer_ip}};
        mics::Reply r = mics_.call("auth.pubkey", a.dump(), 15000);
        if (!r.ok && r.code == "auth_failed") {
            mics::log_info("public key refused for user '" + printable(user) + "' from " + cfg_.peer_ip);
            return false;
        }
        return finish_attempt(user, r);
    }

    bool finish_attempt(std::string_view user, const mics::Reply& r) {
        if (!r.ok) {
            ++failures_;
            if (r.code == "transport") {
                mics_ok_ = false;
                mics::log_error("MICS connection lost during login from " + cfg_.peer_ip +
                                ": " + r.message);
            } else {
                // MICS writes the audit record; this line is for the sshd log.
                mics::log_info("authentication failed for user '" + printable(user) + "' from " +
                               cfg_.peer_ip);
            }
            return false;
        }
        user_ = std::string(user);
        auto d = nlohmann::json::parse(r.data, nullptr, false);
        std::string sid = d.is_object() && d.contains("session_id") ? d["session_id"].dump() : "?";
        mics::log_info("user '" + printable(user_) + "' authenticated from " + cfg_.peer_ip +
                       " (MICS session " + printable(sid) + ")");
        if (!ask_slot()) {
            over_limit_ = true;
            mics_.close();  // the MICS session ends with it
            mics::log_warn("session limit (" + std::to_string(cfg_.settings.max_sessions) +
                           ") reached; refusing shell for user '" + printable(user_) + "' from " +
                           cfg_.peer_ip);
        }
        return true;
    }

    // Asks the listener for one of the max_sessions slots.
    bool ask_slot() {
        if (cfg_.ctrl_fd < 0) return false;
        char req = 'A';
        if (::send(cfg_.ctrl_fd, &req, 1, MSG_NOSIGNAL) != 1) return false;
        pollfd p{cfg_.ctrl_fd, POLLIN, 0};
        if (::poll(&p, 1, 5000) != 1) return false;
        char rep = 0;
        return ::recv(cfg_.ctrl_fd, &rep, 1, 0) == 1 && rep == 'Y';
    }

    // ---- after authentication: one session channel, event driven

    void serve() {
        ssh_callbacks_init(&server_cb_);
        server_cb_.userdata = this;
        server_cb_.channel_open_request_session_function = &Connection::on_channel_open;
        ssh_set_server_callbacks(session_, &server_cb_);
        // Everything without a callback (port forwarding, X11, agent, global
        // requests, extra channels) is refused by the default reply.
        ssh_set_message_callback(session_, &Connection::on_message, this);

        ssh_callbacks_init(&chan_cb_);
        chan_cb_.userdata = this;
        chan_cb_.channel_pty_request_function = &Connection::on_pty;
        chan_cb_.channel_shell_request_function = &Connection::on_shell;
        chan_cb_.channel_exec_request_function = &Connection::on_exec;
        chan_cb_.channel_env_request_function = &Connection::on_env;
        chan_cb_.channel_subsystem_request_function = &Connection::on_subsystem;
        chan_cb_.channel_pty_window_change_function = &Connection::on_window_change;
        chan_cb_.channel_data_function = &Connection::on_data;
        chan_cb_.channel_eof_function = &Connection::on_eof;
        chan_cb_.channel_close_function = &Connection::on_close;

        event_ = ssh_event_new();
        ssh_event_add_session(event_, session_);

        auto start = Clock::now();
        std::optional<Clock::time_point> drain_deadline;
        bool finished = false;
        while (!finished) {
            if (ssh_event_dopoll(event_, 200) == SSH_ERROR) break;  // peer gone
            for (int fd : to_remove_) {
                ssh_event_remove_fd(event_, fd);
                ::close(fd);
            }
            to_remove_.clear();

            if (limit_pending_) {
                std::string msg = max_sessions_message(cfg_.settings.max_sessions);
                ssh_channel_write_stderr(channel_, msg.data(), uint32_t(msg.size()));
                finish_channel(1);
                finished = true;
                continue;
            }
            if (remote_closed_) break;
            // A client that vanished without closing its channel (killed,
            // network gone) must not keep its shell and session slot.
            if (ssh_get_status(session_) & (SSH_CLOSED | SSH_CLOSED_ERROR)) break;
            if (child_ && !child_exited_) {
                int st = 0;
                if (::waitpid(child_->pid, &st, WNOHANG) == child_->pid) {
                    child_exited_ = true;
                    child_status_ = st;
                    if (watch_fd_ >= 0) {  // MICS should see the logout now, not when we exit
                        to_remove_.push_back(watch_fd_);
                        watch_fd_ = -1;
                    }
                    drain_deadline = Clock::now() + std::chrono::seconds(2);
                }
            }
            if (child_exited_ && (open_outputs_ == 0 || Clock::now() > *drain_deadline)) {
                int code = WIFEXITED(child_status_) ? WEXITSTATUS(child_status_)
                                                    : 128 + WTERMSIG(child_status_);
                finish_channel(code);
                finished = true;
            }
            if (!started_ && Clock::now() - start > std::chrono::seconds(60)) {
                mics::log_info("no shell or exec request from " + cfg_.peer_ip + "; closing");
                break;
            }
        }
        // Let the client close its side so it sees the exit status, not a reset.
        for (int i = 0; i < 50 && !(ssh_get_status(session_) & (SSH_CLOSED | SSH_CLOSED_ERROR)) &&
                        !remote_closed_;
             ++i)
            ssh_event_dopoll(event_, 100);
        stop_child();
        int code = child_exited_ && WIFEXITED(child_status_) ? WEXITSTATUS(child_status_) : -1;
        mics::log_info("session of user '" + printable(user_) + "' from " + cfg_.peer_ip +
                       " ended" + (code >= 0 ? " (exit " + std::to_string(code) + ")" : ""));
        ssh_blocking_flush(session_, 1000);
        ssh_event_free(event_);
        ssh_disconnect(session_);
    }

    void finish_channel(int code) {
        if (!channel_) return;
        ssh_channel_request_send_exit_status(channel_, code);
        ssh_channel_send_eof(channel_);
        ssh_channel_close(channel_);
    }

    void stop_child() {
        if (!child_ || child_exited_) return;
        ::kill(child_->pid, SIGHUP);
        for (int i = 0; i < 20; ++i) {
            if (::waitpid(child_->pid, &child_status_, WNOHANG) == child_->pid) {
                child_exited_ = true;
                return;
            }
            ::usleep(50000);
        }
        ::kill(child_->pid, SIGKILL);
        ::waitpid(child_->pid, &child_status_, 0);
        child_exited_ = true;
    }

    bool start_cli(std::optional<std::string> command) {
        if (started_) return false;  // one shell or exec per channel
        started_ = true;
        if (over_limit_) {
            limit_pending_ = true;
            return true;
        }
        if (!mics_.connected()) return false;
        CliRequest req;
        req.cli_path = cfg_.cli_path;
        req.mics_fd = mics_.fd();
        req.pty = want_pty_;
        req.term = term_;
        req.cols = cols_;
        req.rows = rows_;
        req.lang = lang_;
        req.command = std::move(command);
        req.client_ip = cfg_.peer_ip;
        req.drop_to = cfg_.unprivileged;
        std::string err;
        auto p = spawn_cli(req, err);
        if (!p) {
            mics::log_error("cannot start shell for " + cfg_.peer_ip + ": " + err);
            return false;
        }
        // The MICS session now belongs to the shell. This process keeps only a
        // duplicate it never reads or writes: MICS closing the session
        // (`clear line`) shows up as a hang-up on it, and ends the shell.
        watch_fd_ = ::dup(mics_.fd());
        if (watch_fd_ >= 0) ssh_event_add_fd(event_, watch_fd_, POLLRDHUP, &Connection::on_mics_hup, this);
        mics_.close();
        child_ = *p;
        for (int fd : {p->pty_master, p->stdout_fd, p->stderr_fd}) {
            if (fd < 0) continue;
            ssh_event_add_fd(event_, fd, POLLIN, &Connection::on_output, this);
            ++open_outputs_;
        }
        mics::log_info(std::string("started ") + (req.command ? "exec" : "shell") + " for user '" +
                       printable(user_) + "' from " + cfg_.peer_ip +
                       (req.pty ? " on a pty" : ""));
        return true;
    }

    // ---- libssh callbacks (userdata is this)

    static Connection* self(void* u) { return static_cast<Connection*>(u); }

    static int on_message(ssh_session, ssh_message m, void* u) {
        auto* c = self(u);
        if (ssh_message_type(m) == SSH_REQUEST_CHANNEL_OPEN ||
            ssh_message_type(m) == SSH_REQUEST_GLOBAL ||
            ssh_message_type(m) == SSH_REQUEST_CHANNEL)
            mics::log_info("refused request type " + std::to_string(ssh_message_type(m)) + "/" +
                           std::to_string(ssh_message_subtype(m)) + " from " + c->cfg_.peer_ip);
        return 1;  // 1 = reply default (failure)
    }

    static ssh_channel on_channel_open(ssh_session s, void* u) {
        auto* c = self(u);
        if (c->channel_) return nullptr;  // one session channel per connection
        c->channel_ = ssh_channel_new(s);
        if (c->channel_) ssh_set_channel_callbacks(c->channel_, &c->chan_cb_);
        return c->channel_;
    }

    static int on_pty(ssh_session, ssh_channel, const char* term, int cols, int rows, int, int,
                      void* u) {
        auto* c = self(u);
        if (c->started_) return -1;
        c->want_pty_ = true;
        c->term_ = safe_term(term ? term : "");
        c->cols_ = cols > 0 && cols < 10000 ? cols : 80;
        c->rows_ = rows > 0 && rows < 10000 ? rows : 24;
        return 0;
    }

    static int on_shell(ssh_session, ssh_channel, void* u) {
        return self(u)->start_cli(std::nullopt) ? 0 : 1;
    }

    static int on_exec(ssh_session, ssh_channel, const char* command, void* u) {
        auto* c = self(u);
        std::string_view cmd = command ? command : "";
        if (!valid_command(cmd)) {
            mics::log_info("refused malformed exec request from " + c->cfg_.peer_ip);
            return 1;
        }
        return c->start_cli(std::string(cmd)) ? 0 : 1;
    }

    static int on_env(ssh_session, ssh_channel, const char* name, const char* value, void* u) {
        auto* c = self(u);
        std::string_view n = name ? name : "", v = value ? value : "";
        if (!env_allowed(n, v)) return 1;
        if (n == "TERM" && c->term_.empty()) c->term_ = safe_term(v);
        if (n == "LANG") c->lang_ = std::string(v);
        return 0;
    }

    static int on_subsystem(ssh_session, ssh_channel, const char* name, void* u) {
        mics::log_info("refused subsystem '" + printable(name ? name : "") + "' from " +
                       self(u)->cfg_.peer_ip);
        return 1;
    }

    static int on_window_change(ssh_session, ssh_channel, int cols, int rows, int, int, void* u) {
        auto* c = self(u);
        c->cols_ = cols;
        c->rows_ = rows;
        if (c->child_ && c->child_->pty_master >= 0) set_window_size(c->child_->pty_master, cols, rows);
        return 0;
    }

    static int on_data(ssh_session, ssh_channel, void* data, uint32_t len, int, void* u) {
        auto* c = self(u);
        if (!c->child_ || c->child_exited_) return int(len);  // nobody to read it: drop
        int fd = c->child_->pty_master >= 0 ? c->child_->pty_master : c->child_->stdin_fd;
        if (fd < 0) return int(len);
        ssize_t n = ::write(fd, data, len);
        if (n < 0) return (errno == EAGAIN || errno == EINTR) ? 0 : int(len);
        return int(n);  // the rest is offered again by libssh
    }

    static void on_eof(ssh_session, ssh_channel, void* u) {
        auto* c = self(u);
        if (c->child_ && c->child_->stdin_fd >= 0) {
            ::close(c->child_->stdin_fd);
            c->child_->stdin_fd = -1;
        }
    }

    static void on_close(ssh_session, ssh_channel, void* u) { self(u)->remote_closed_ = true; }

    static int on_mics_hup(socket_t fd, int revents, void* u) {
        auto* c = self(u);
        if (!(revents & (POLLRDHUP | POLLHUP | POLLERR))) return 0;
        for (int r : c->to_remove_)
            if (r == fd) return 0;
        c->to_remove_.push_back(fd);
        c->watch_fd_ = -1;
        if (c->child_ && !c->child_exited_) {
            mics::log_info("MICS ended the session of user '" + printable(c->user_) + "' from " +
                           c->cfg_.peer_ip + " (clear line)");
            static const char msg[] = "\r\n% Session ended by an administrator (clear line)\r\n";
            if (c->channel_ && !c->remote_closed_) ssh_channel_write_stderr(c->channel_, msg, sizeof msg - 1);
            ::kill(c->child_->pid, SIGHUP);  // reaped by serve()'s loop like any exit
        }
        return 0;
    }

    static int on_output(socket_t fd, int revents, void* u) {
        auto* c = self(u);
        char buf[8192];
        ssize_t n = (revents & (POLLIN | POLLHUP | POLLERR)) ? ::read(fd, buf, sizeof buf) : 0;
        if (n > 0) {
            if (c->channel_ && !c->remote_closed_) {
                if (c->child_ && fd == c->child_->stderr_fd)
                    ssh_channel_write_stderr(c->channel_, buf, uint32_t(n));
                else
                    ssh_channel_write(c->channel_, buf, uint32_t(n));
            }
            return 0;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
        // EOF (pipe) or EIO (pty after the shell exited): stop watching it.
        // Removal happens after dopoll returns, not inside libssh's poll loop.
        for (int r : c->to_remove_)
            if (r == fd) return 0;
        c->to_remove_.push_back(fd);
        --c->open_outputs_;
        if (c->child_) {
            if (c->child_->pty_master == fd) c->child_->pty_master = -1;
            if (c->child_->stdout_fd == fd) c->child_->stdout_fd = -1;
            if (c->child_->stderr_fd == fd) c->child_->stderr_fd = -1;
        }
        return 0;
    }

    ssh_session session_;
    mics::Client mics_;
    const ConnectionConfig& cfg_;
    bool mics_ok_ = cfg_.mics_ok;

    std::string user_;
    std::string kbdint_user_;
    bool banner_sent_ = false;
    int failures_ = 0;
    bool over_limit_ = false;

    ssh_server_callbacks_struct server_cb_{};
    ssh_channel_callbacks_struct chan_cb_{};
    ssh_event event_ = nullptr;
    ssh_channel channel_ = nullptr;
    bool want_pty_ = false;
    std::string term_;
    int cols_ = 80, rows_ = 24;
    std::string lang_;
    bool started_ = false;
    bool limit_pending_ = false;
    bool remote_closed_ = false;
    std::optional<CliProcess> child_;
    bool child_exited_ = false;
    int child_status_ = 0;
    int open_outputs_ = 0;
    std::vector<int> to_remove_;
    int watch_fd_ = -1;  // duplicate of the shell's MICS session, polled for hang-up only
};

}  // namespace

int run_connection(ssh_session session, mics::Client mics, const ConnectionConfig& cfg) {
    Connection c(session, std::move(mics), cfg);
    return c.run();
}

}  // namespace sshd
