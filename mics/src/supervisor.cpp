#include "supervisor.hpp"

#include "mics/log.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <sys/syscall.h>
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
// How often an adopted process without a pidfd is checked with kill(pid, 0).
constexpr int kPollAdoptedMs = 500;
// A process of ours running with outdated arguments is replaced at boot; it
// gets this long to exit on SIGTERM (boot waits for it, so keep it short).
constexpr auto kReplaceGrace = std::chrono::seconds(10);

int pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return int(::syscall(SYS_pidfd_open, pid, 0));  // always close-on-exec
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

int pidfd_send_signal(int pidfd, int sig) {
#ifdef SYS_pidfd_send_signal
    return int(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
#else
    (void)pidfd;
    (void)sig;
    errno = ENOSYS;
    return -1;
#endif
}

// A pidfd turns readable when its process has exited.
bool pidfd_exited(int pidfd) {
    pollfd p{pidfd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
}

bool pid_alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

// The pid in a pid file, or 0 when missing or not a plain positive number.
pid_t read_pid_file(const std::string& path) {
    std::ifstream f(path);
    long long v = 0;
    if (!(f >> v) || v <= 1 || v > 0x3fffffff) return 0;
    return pid_t(v);
}

std::vector<std::string> read_cmdline(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < all.size()) {
        std::size_t end = all.find('\0', pos);
        if (end == std::string::npos) end = all.size();
        out.push_back(all.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

// How long the process has been running (from /proc), so an adopted
// service's uptime and backoff reset reflect its real age, not our boot.
std::chrono::seconds process_age(pid_t pid) {
    std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(st, line);
    auto paren = line.rfind(')');  // comm may contain spaces and parentheses
    if (paren == std::string::npos) return std::chrono::seconds(0);
    std::istringstream rest(line.substr(paren + 1));
    std::string tok;
    unsigned long long start_ticks = 0;
    // Fields after "(comm)" start at field 3 (state); starttime is field 22.
    for (int field = 3; field <= 22 && rest >> tok; ++field)
        if (field == 22) start_ticks = std::strtoull(tok.c_str(), nullptr, 10);
    double uptime = 0;
    std::ifstream("/proc/uptime") >> uptime;
    long hz = ::sysconf(_SC_CLK_TCK);
    if (hz <= 0 || start_ticks == 0) return std::chrono::seconds(0);
    double age = uptime - double(start_ticks) / double(hz);
    return std::chrono::seconds(age > 0 ? (long long)age : 0);
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& a : v) s += (s.empty() ? "" : " ") + a;
    return s;
}
}  // namespace

Supervisor::~Supervisor() {
    for (auto& c : children_)
        if (c.pidfd >= 0) ::close(c.pidfd);
}

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
    c.adopted = false;
    c.started = Clock::now();
    if (!c.spec.pid_path.empty()) std::ofstream(c.spec.pid_path) << pid << '\n';
    mics::log_info("started " + c.spec.name + " pid " + std::to_string(pid));
    if (on_started) on_started(c.spec.name);
    return true;
}

// Takes over a service left running by an earlier MICS. The pid file alone
// proves nothing (the pid may be dead or reused by an unrelated program), so
// the process must run exactly our argv. The pidfd is opened *before* reading
// /proc and checked again after: if it still refers to a live process, the
// cmdline we read was that process's, not a successor's with a recycled pid.
bool Supervisor::adopt(Child& c) {
    if (c.spec.pid_path.empty() || ::access(c.spec.pid_path.c_str(), F_OK) != 0) return false;
    const std::string& name = c.spec.name;
    auto stale = [&](const std::string& why) {
        mics::log_info("ignoring stale pid file " + c.spec.pid_path + " (" + why + ")");
        remove_files(c.spec);
        return false;
    };
    pid_t pid = read_pid_file(c.spec.pid_path);
    if (pid == 0) return stale("no valid pid in it");
    if (pid == ::getpid()) return stale("it names this MICS");

    int pidfd = -1;
    if (use_pidfd_) {
        pidfd = pidfd_open(pid);
        if (pidfd < 0 && errno == ESRCH) return stale("pid " + std::to_string(pid) + " is not running");
        if (pidfd < 0 && errno != ENOSYS)
            mics::log_warn(std::string("pidfd_open: ") + std::strerror(errno) + "; polling " + name + " instead");
    }
    std::vector<std::string> cmd = read_cmdline(pid);
    bool alive = pidfd >= 0 ? !pidfd_exited(pidfd) : pid_alive(pid);
    auto drop = [&](const std::string& why) {
        if (pidfd >= 0) ::close(pidfd);
        return stale(why);
    };
    // An empty cmdline is a zombie or a kernel thread: not a service to adopt.
    if (!alive || cmd.empty()) return drop("pid " + std::to_string(pid) + " is not running");

    c.pid = pid;
    c.pidfd = pidfd;
    c.adopted = true;
    c.started = Clock::now() - process_age(pid);
    if (cmd == c.spec.argv) {
        mics::log_info("adopted " + name + " pid " + std::to_string(pid) + " (running since before this MICS)");
        if (on_started) on_started(name);
        if (on_adopted) on_adopted(name);
        return true;
    }
    // A path under the state dir, not a substring: /srv/var must not claim /srv/var2's services.
    auto under_marker = [&](const std::string& a) {
        return a == owner_marker_ || a.rfind(owner_marker_ + "/", 0) == 0;
    };
    bool ours = cmd[0] == c.spec.argv[0] && !owner_marker_.empty() &&
                std::any_of(cmd.begin() + 1, cmd.end(), under_marker);
    if (ours) {
        // Our service, started with other arguments (e.g. a port changed while
        // MICS was down). Leaving it would keep the old port bound; replace it.
        mics::log_warn(name + " pid " + std::to_string(pid) + " runs with outdated arguments; replacing it");
        wait_gone({&c}, kReplaceGrace);
        forget(c);
        return false;
    }
    c.pid = 0;
    c.pidfd = -1;
    c.adopted = false;
    return drop("pid " + std::to_string(pid) + " is now '" + join(cmd) + "'");
}

void Supervisor::start_all() {
    for (auto& c : children_) {
        if (c.pid != 0) continue;
        if (adopt(c)) {
            // A disabled service left running by the earlier MICS is stopped now.
            if (!c.want_running) {
                wait_gone({&c}, kReplaceGrace);
                forget(c);
            }
            continue;
        }
        if (c.want_running && !spawn(c)) {
            c.backoff_s = 1;
            c.restart_at = Clock::now() + std::chrono::seconds(1);
        }
    }
}

// The process is gone (reaped, or an adopted one whose pidfd fired): drop its
// handle and files.
void Supervisor::forget(Child& c) {
    if (c.pidfd >= 0) ::close(c.pidfd);
    c.pidfd = -1;
    c.pid = 0;
    c.adopted = false;
    remove_files(c.spec);
}

void Supervisor::exited(Child& c, const std::string& what) {
    forget(c);
    if (stopping_ || !c.want_running) {
        mics::log_info(what);
        return;
    }
    auto ran = Clock::now() - c.started;
    c.backoff_s = ran >= kStableAfter ? 1 : std::min(kMaxBackoffS, std::max(1, c.backoff_s * 2));
    c.restart_at = Clock::now() + std::chrono::seconds(c.backoff_s);
    ++c.restarts;
    mics::log_warn(what + "; restarting in " + std::to_string(c.backoff_s) + " s");
}

void Supervisor::reap() {
    for (;;) {
        int status = 0;
        pid_t p = ::waitpid(-1, &status, WNOHANG);
        if (p <= 0) return;
        std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                            : "killed by signal " + std::to_string(WTERMSIG(status));
        for (auto& c : children_)
            if (c.pid == p && !c.adopted) exited(c, c.spec.name + " " + how);
    }
}

std::vector<int> Supervisor::poll_fds() const {
    std::vector<int> fds;
    for (const auto& c : children_)
        if (c.adopted && c.pidfd >= 0) fds.push_back(c.pidfd);
    return fds;
}

void Supervisor::on_fd_ready(int fd) {
    for (auto& c : children_) {
        if (!c.adopted || c.pidfd != fd || !pidfd_exited(fd)) continue;
        // Not our child: no exit status to report, and init reaps it.
        exited(c, "adopted " + c.spec.name + " pid " + std::to_string(c.pid) + " exited");
    }
}

int Supervisor::tick() {
    if (stopping_) return -1;
    auto now = Clock::now();
    int next = -1;
    for (auto& c : children_) {
        if (c.adopted && c.pidfd < 0) {
            if (!pid_alive(c.pid)) exited(c, "adopted " + c.spec.name + " pid " + std::to_string(c.pid) + " exited");
            else next = next < 0 ? kPollAdoptedMs : std::min(next, kPollAdoptedMs);
        }
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

bool Supervisor::gone(Child& c) {
    if (c.adopted) return c.pidfd >= 0 ? pidfd_exited(c.pidfd) : !pid_alive(c.pid);
    pid_t r = ::waitpid(c.pid, nullptr, WNOHANG);
    return r == c.pid || (r < 0 && errno == ECHILD);
}

void Supervisor::send(Child& c, int sig) {
    // Through the pidfd an adopted pid cannot have been recycled under us.
    if (c.adopted && c.pidfd >= 0 && pidfd_send_signal(c.pidfd, sig) == 0) return;
    ::kill(c.pid, sig);
}

void Supervisor::wait_gone(std::vector<Child*> cs, std::chrono::milliseconds grace, int sig) {
    for (Child* c : cs) send(*c, sig);
    auto deadline = Clock::now() + grace;
    auto wait_until = [&](Clock::time_point until) {
        while (!cs.empty() && Clock::now() < until) {
            cs.erase(std::remove_if(cs.begin(), cs.end(), [&](Child* c) { return gone(*c); }), cs.end());
            if (!cs.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    };
    wait_until(deadline);
    if (cs.empty()) return;
    for (Child* c : cs) {
        mics::log_warn(c->spec.name + " pid " + std::to_string(c->pid) + " did not stop in time; killing it");
        send(*c, SIGKILL);
    }
    // SIGKILL cannot be ignored; the wait only covers the kernel tearing it down.
    wait_until(Clock::now() + std::chrono::seconds(5));
}

bool Supervisor::stop(const std::string& name, std::chrono::milliseconds grace) {
    for (auto& c : children_) {
        if (c.spec.name != name) continue;
        c.want_running = false;
        c.restart_at = {};
        if (c.pid) {
            wait_gone({&c}, grace);
            forget(c);
        }
        return true;
    }
    return false;
}

const std::vector<std::string>* Supervisor::argv(const std::string& name) const {
    for (const auto& c : children_)
        if (c.spec.name == name) return &c.spec.argv;
    return nullptr;
}

bool Supervisor::set_argv(const std::string& name, std::vector<std::string> argv) {
    for (auto& c : children_) {
        if (c.spec.name != name) continue;
        c.spec.argv = std::move(argv);
        return true;
    }
    return false;
}

bool Supervisor::restart(const std::string& name, int stop_signal, std::chrono::milliseconds grace) {
    for (auto& c : children_) {
        if (c.spec.name != name) continue;
        if (c.pid) {
            wait_gone({&c}, grace, stop_signal);
            forget(c);
        }
        if (!c.want_running) return true;
        c.restart_at = {};
        if (spawn(c)) return true;
        // Same as a failed start at boot: tick() tries again with backoff.
        c.backoff_s = 1;
        c.restart_at = Clock::now() + std::chrono::seconds(1);
        return false;
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

bool Supervisor::set_enabled(const std::string& name, bool on, std::chrono::milliseconds grace) {
    for (auto& c : children_) {
        if (c.spec.name != name) continue;
        c.spec.enabled = on;
        return on ? start(name) : stop(name, grace);
    }
    return false;
}

bool Supervisor::signal(const std::string& name, int sig) {
    for (auto& c : children_)
        if (c.spec.name == name && c.pid) {
            send(c, sig);
            return true;
        }
    return false;
}

void Supervisor::stop_all(std::chrono::milliseconds grace) {
    stopping_ = true;
    std::vector<Child*> running;
    for (auto it = children_.rbegin(); it != children_.rend(); ++it)
        if (it->pid) running.push_back(&*it);
    wait_gone(running, grace);
    for (auto& c : children_)
        if (c.pid) forget(c);
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
        s.adopted = c.adopted;
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
