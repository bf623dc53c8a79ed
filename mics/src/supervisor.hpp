// Starts the appliance's services, restarts a crashed one with exponential
// backoff, and stops them in reverse order. Children are exec'd with an argv
// (never a shell string) in their own process group, so a Ctrl-C on the
// terminal reaches MICS alone and the shutdown order stays ours.
#pragma once
#include <chrono>
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
    std::string pid_path;            // written while running
    std::vector<std::string> leftovers;  // files the program leaves behind (removed after it exits)
    bool enabled = true;
};

struct ChildStatus {
    std::string name;
    std::string state;  // running, stopped, backoff, disabled
    pid_t pid = 0;
    long long uptime_s = 0;
    int restarts = 0;
};

class Supervisor {
public:
    using Clock = std::chrono::steady_clock;

    void add(ChildSpec spec);
    void start_all();
    // Reaps exited children and schedules their restart (call on SIGCHLD).
    void reap();
    // Starts children whose backoff elapsed. Returns ms until the next due start (-1 none).
    int tick();
    // SIGTERM to all in reverse order, wait up to grace, then SIGKILL.
    void stop_all(std::chrono::milliseconds grace);
    bool start(const std::string& name);
    bool stop(const std::string& name, std::chrono::milliseconds grace);
    pid_t pid(const std::string& name) const;
    std::vector<ChildStatus> status() const;

    // Called right after a child was (re)started; MICS pushes config from here.
    std::function<void(const std::string&)> on_started;

private:
    struct Child {
        ChildSpec spec;
        pid_t pid = 0;
        Clock::time_point started{};
        Clock::time_point restart_at{};
        int restarts = 0;
        int backoff_s = 0;
        bool want_running = true;
    };
    bool spawn(Child& c);
    void exited(Child& c, int status);
    std::vector<Child> children_;
    bool stopping_ = false;
};

}  // namespace micsd
