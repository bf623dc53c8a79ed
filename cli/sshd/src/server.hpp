// The listener: binds, loads host keys, and forks one process per connection.
// It keeps the only global state (the count of authenticated sessions) and
// never parses SSH traffic itself.
#pragma once
#include "handover.hpp"
#include "options.hpp"
#include "privdrop.hpp"
#include "session_limit.hpp"

#include <libssh/libssh.h>
#include <libssh/server.h>

#include <map>
#include <string>
#include <vector>

namespace sshd {

// --check-config: flags, shell binary, host keys (existing ones must load).
bool check_config(const Options& opts, std::string& err);

class Server {
public:
    Server(Options opts, Unprivileged unprivileged);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Host keys, bind options, listen. False with err on failure.
    bool start(std::string& err);
    // Serves until SIGTERM / SIGINT (ends every connection) or SIGUSR1 (hands
    // the live sessions over to the next listener, see handover.hpp).
    int run();

private:
    struct Child {
        int ctrl_fd = -1;
        std::string peer;
        int max_sessions = 5;
    };

    void accept_one();
    void reap();
    void on_ctrl(pid_t pid, Child& c);
    void adopt_handed_over();
    void shut_down(bool handover);

    Options opts_;
    Unprivileged unprivileged_;
    ssh_bind bind_ = nullptr;
    std::vector<ssh_key> keys_;
    std::map<pid_t, Child> children_;
    SessionLimit limit_;
    std::vector<Adopted> inherited_;  // sessions of an earlier listener
    std::string self_argv0_;
};

}  // namespace sshd
