// Starts the appliance's services, restarts a crashed one with exponential
// backoff, and stops them in reverse order. Children are exec'd with an argv
// (never a shell string) in their own process group, so a Ctrl-C on the
// terminal reaches MICS alone and the shutdown order stays ours.
//
// Services outlive a MICS that dies hard (kill -9): the data plane keeps
// serving. A new MICS therefore *adopts* a service whose pid file names a live
// process running the same argv instead of starting a second copy that could
// not bind its port. Adopted processes are not our children (no SIGCHLD, no
// exit status); they are watched through a pidfd, or by polling kill(pid, 0)
// on kernels without pidfd_open (< 5.3).
#pragma once
#include <chrono>
#include <csignal>
#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace micsd {

struct ChildSpec {
    std::string name;                // "sentryd", "sshd", "snmpd", "snmp-agent"
    std::vector<std::string> argv;   // argv[0] is the binary path
    std::vector<std::string> env;    // extra NAME=value entries
    std::string log_path;            // stdout+stderr appended here
    std::string pid_path;            // written while running; read back to adopt after a MICS restart
    std::vector<std::string> leftovers;  // files the program leaves behind (removed after it exits)
    bool enabled = true;
};

struct ChildStatus {
    std::string name;
    std::string state;  // running, stopped, backoff, disabled
    pid_t pid = 0;
    long long uptime_s = 0;
    int restarts = 0;
    bool adopted = false;  // started by an earlier MICS, watched via pidfd
};

class Supervisor {
public:
    using Clock = std::chrono::steady_clock;

    Supervisor() = default;
    ~Supervisor();
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    void add(ChildSpec spec);
    // Adopts services still running from an earlier MICS (see adopt()), starts the rest.
    void start_all();
    // Reaps exited children and schedules their restart (call on SIGCHLD).
    void reap();
    // Starts children whose backoff elapsed; polls adopted processes that have
    // no pidfd. Returns ms until it wants to run again (-1 none).
    int tick();
    // pidfds of adopted processes: poll them for POLLIN (readable = exited).
    std::vector<int> poll_fds() const;
    // Call when a poll_fds() entry is readable (or errored).
    void on_fd_ready(int fd);
    // SIGTERM to all in reverse order, wait up to grace, then SIGKILL.
    void stop_all(std::chrono::milliseconds grace);
    bool start(const std::string& name);
    // Enables (and starts) or disables (and stops) a service, e.g. after
    // `service ntp` / `no service ntp`. False for an unknown name.
    bool set_enabled(const std::string& name, bool on, std::chrono::milliseconds grace);
    bool stop(const std::string& name, std::chrono::milliseconds grace);
    // The argv a service (re)starts with. set_argv changes it for the next
    // start only; restart stops a running service with stop_signal (SIGTERM,
    // or a service's own "hand over" signal: sentry-sshd's SIGUSR1 keeps its
    // sessions), waits up to grace, and starts it with its current argv.
    const std::vector<std::string>* argv(const std::string& name) const;
    bool set_argv(const std::string& name, std::vector<std::string> argv);
    bool restart(const std::string& name, int stop_signal, std::chrono::milliseconds grace);
    // Signals a running service (through its pidfd when adopted). False if not running.
    bool signal(const std::string& name, int sig);
    pid_t pid(const std::string& name) const;
    std::vector<ChildStatus> status() const;

    // A process whose argv[0] matches and whose argv mentions this string (the
    // state dir) is one of ours even when its other arguments differ (ports
    // changed while MICS was down): it is replaced instead of left running.
    void set_owner_marker(std::string marker) { owner_marker_ = std::move(marker); }
    // Tests turn pidfds off to exercise the kill(pid, 0) polling of old kernels.
    void set_use_pidfd(bool on) { use_pidfd_ = on; }

    // Called right after a child was (re)started or adopted; MICS pushes config from here.
    std::function<void(const std::string&)> on_started;
    // Called after on_started for an adopted service only: its view of the
    // configuration may predate this MICS's boot (unsaved changes are dropped
    // at boot), so appliers that have no version check re-apply from here.
    std::function<void(const std::string&)> on_adopted;

private:
    struct Child {
        ChildSpec spec;
        pid_t pid = 0;
        bool adopted = false;
        int pidfd = -1;        // adopted only; -1 means poll with kill(pid, 0)
        Clock::time_point started{};
        Clock::time_point restart_at{};
        int restarts = 0;
        int backoff_s = 0;
        bool want_running = true;
    };
    bool spawn(Child& c);
    bool adopt(Child& c);
    void exited(Child& c, const std::string& what);  // what: "sentryd exited with status 1"
    void forget(Child& c);
    bool gone(Child& c);
    void send(Child& c, int sig);
    void wait_gone(std::vector<Child*> cs, std::chrono::milliseconds grace, int sig = SIGTERM);
    std::vector<Child> children_;
    std::string owner_marker_;
    bool use_pidfd_ = true;
    bool stopping_ = false;
};

}  // namespace micsd
