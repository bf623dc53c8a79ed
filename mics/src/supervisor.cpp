#include "supervisor.hpp"

#include "mics/log.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace micsd {

namespace {
void remove_files(const ChildSpec& s) {
    if (!s.pid_path.empty()) ::unlink(s.pid_path.c_str());
    for (const auto& f : s.leftovers) ::unlink(f.c_str());
}
constexpr int kMaxBackoffS = 30;
// A child that ran this long is considered healthy; its backoff resets.
constexpr auto kStableAfter = std::chrono::seconds(60);
}  // namespace

void Supervisor::add(ChildSpec spec) {
    Child c;
    c.want_running = spec.enabled;
    c.spec = std::move(spec);
    children_.push_back(std::move(c));
}

bool Supervisor::spawn(Child& c) {
    std::vector<char*> argv;
    for (auto& a : c.spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);

    std::vector<std::string> env_store;
    for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
    for (const auto& e : c.spec.env) env_store.push_back(e);
    std::vector<char*> envp;
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, c.spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0640);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    // MICS blocks signals for its signalfd; children must start with a clean mask.
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

    pid_t pid = 0;
    int rc = posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        mics::log_error("cannot start " + c.spec.name + " (" + c.spec.argv[0] + "): " + std::strerror(rc));
        return false;
    }
    c.pid = pid;
    c.started = Clock::now();
    if (!c.spec.pid_path.empty()) std::ofstream(c.spec.pid_path) << pid << '\n';
    mics::log_info("started " + c.spec.name + " pid " + std::to_string(pid));
    if (on_started) on_started(c.spec.name);
    return true;
}

void Supervisor::start_all() {
    for (auto& c : children_)
        if (c.want_running && c.pid == 0) {
            if (!spawn(c)) {
                c.backoff_s = 1;
                c.restart_at = Clock::now() + std::chrono::seconds(1);
            }
        }
}

void Supervisor::exited(Child& c, int status) {
    std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                        : "killed by signal " + std::to_string(WTERMSIG(status));
    c.pid = 0;
    remove_files(c.spec);
    if (stopping_ || !c.want_running) {
        mics::log_info(c.spec.name + " " + how);
        return;
    }
    auto ran = Clock::now() - c.started;
    c.backoff_s = ran >= kStableAfter ? 1 : std::min(kMaxBackoffS, std::max(1, c.backoff_s * 2));
    c.restart_at = Clock::now() + std::chrono::seconds(c.backoff_s);
    ++c.restarts;
    mics::log_warn(c.spec.name + " " + how + "; restarting in " + std::to_string(c.backoff_s) + " s");
}

void Supervisor::reap() {
    for (;;) {
        int status = 0;
        pid_t p = ::waitpid(-1, &status, WNOHANG);
        if (p <= 0) return;
        for (auto& c : children_)
            if (c.pid == p) exited(c, status);
    }
}

int Supervisor::tick() {
    if (stopping_) return -1;
    auto now = Clock::now();
    int next = -1;
    for (auto& c : children_) {
        if (!c.want_running || c.pid != 0 || c.restart_at == Clock::time_point{}) continue;
        if (now >= c.restart_at) {
            c.restart_at = {};
            if (!spawn(c)) {
                c.backoff_s = std::min(kMaxBackoffS, std::max(1, c.backoff_s * 2));
                c.restart_at = now + std::chrono::seconds(c.backoff_s);
            }
        }
        if (c.restart_at != Clock::time_point{}) {
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(c.restart_at - now).count();
            int m = int(std::max<long long>(0, ms));
            next = next < 0 ? m : std::min(next, m);
        }
    }
    return next;
}

static void wait_gone(std::vector<pid_t>& pids, std::chrono::milliseconds grace) {
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (!pids.empty() && std::chrono::steady_clock::now() < deadline) {
        pids.erase(std::remove_if(pids.begin(), pids.end(),
                                  [](pid_t p) { return ::waitpid(p, nullptr, WNOHANG) == p; }),
                   pids.end());
        if (!pids.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (pid_t p : pids) {
        ::kill(p, SIGKILL);
        ::waitpid(p, nullptr, 0);
    }
}

bool Supervisor::stop(const std::string& name, std::chrono::milliseconds grace) {
    for (auto& c : children_) {
        if (c.spec.name != name) continue;
        c.want_running = false;
        c.restart_at = {};
        if (c.pid) {
            ::kill(c.pid, SIGTERM);
            std::vector<pid_t> p{c.pid};
            wait_gone(p, grace);
            c.pid = 0;
            remove_files(c.spec);
        }
        return true;
    }
    return false;
}

bool Supervisor::start(const std::string& name) {
    for (auto& c : children_) {
        if (c.spec.name != name) continue;
        c.want_running = true;
        return c.pid != 0 || spawn(c);
    }
    return false;
}

void Supervisor::stop_all(std::chrono::milliseconds grace) {
    stopping_ = true;
    std::vector<pid_t> pids;
    for (auto it = children_.rbegin(); it != children_.rend(); ++it)
        if (it->pid) {
            ::kill(it->pid, SIGTERM);
            pids.push_back(it->pid);
        }
    wait_gone(pids, grace);
    for (auto& c : children_) {
        if (c.pid) remove_files(c.spec);
        c.pid = 0;
    }
}

pid_t Supervisor::pid(const std::string& name) const {
    for (const auto& c : children_)
        if (c.spec.name == name) return c.pid;
    return 0;
}

std::vector<ChildStatus> Supervisor::status() const {
    std::vector<ChildStatus> out;
    auto now = Clock::now();
    for (const auto& c : children_) {
        ChildStatus s;
        s.name = c.spec.name;
        s.pid = c.pid;
        s.restarts = c.restarts;
        if (c.pid) {
            s.state = "running";
            s.uptime_s = std::chrono::duration_cast<std::chrono::seconds>(now - c.started).count();
        } else if (!c.want_running) {
            s.state = c.spec.enabled ? "stopped" : "disabled";
        } else {
            s.state = "backoff";
        }
        out.push_back(s);
    }
    return out;
}

}  // namespace micsd
