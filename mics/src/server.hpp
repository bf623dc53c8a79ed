// MICS's event loop: the mics.sock listener, client connections, signals
// (via signalfd) and the supervisor's timers, all on one thread with poll().
#pragma once
#include "app.hpp"
#include "session.hpp"
#include "supervisor.hpp"

#include "mics/frame.hpp"

#include <memory>
#include <string>
#include <vector>

namespace micsd {

class Server {
public:
    Server(App& app, Supervisor& sup) : app_(app), sup_(sup) {}
    ~Server();
    // Blocks SIGINT/SIGTERM/SIGCHLD/SIGHUP and opens a signalfd. Call before spawning.
    std::string setup_signals();
    std::string listen(const std::string& path);
    // Runs until SIGINT/SIGTERM. Returns the process exit code.
    int run();

    static constexpr std::size_t kMaxConnections = 512;

private:
    struct Conn {
        int fd = -1;
        mics::FrameDecoder dec;
        std::string out;
        Session s;
        bool closing = false;
    };
    void accept_all();
    void on_readable(Conn& c);
    void on_writable(Conn& c);
    void close_conn(Conn& c);

    App& app_;
    Supervisor& sup_;
    int listen_fd_ = -1;
    int sig_fd_ = -1;
    std::string path_;
    std::vector<std::unique_ptr<Conn>> conns_;
};

}  // namespace micsd
