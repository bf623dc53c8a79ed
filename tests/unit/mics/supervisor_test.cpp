// The supervisor with harmless real processes (/bin/sleep, tail -f): spawn,
// pid files, restart with backoff, stop, and adoption across a MICS restart
// (a process started outside this Supervisor, as an earlier MICS would have),
// including stale and reused pid files.
#include "supervisor.hpp"

#include <doctest/doctest.h>

#include "temp_dir.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <poll.h>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace micsd;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

extern char** environ;

namespace {

struct TempDir : sentry_test::TempDir {
    TempDir() : sentry_test::TempDir("supervisor-test") {}
};

// Starts a process the way an earlier MICS would have (the Supervisor under
// test knows nothing about it). It is our child, so the test reaps it.
// With deaf_to_term the process starts with SIGTERM blocked (the mask
// survives exec), like a service hung in its shutdown.
pid_t spawn_outside(const std::vector<std::string>& args, bool deaf_to_term = false) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t mask;
    sigemptyset(&mask);
    if (deaf_to_term) sigaddset(&mask, SIGTERM);
    posix_spawnattr_setsigmask(&attr, &mask);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    pid_t pid = 0;
    int rc = ::posix_spawn(&pid, argv[0], nullptr, &attr, argv.data(), environ);
    posix_spawnattr_destroy(&attr);
    REQUIRE(rc == 0);
    // posix_spawn returns while the kernel may still be setting up the new
    // image: /proc/<pid>/cmdline reads empty for a moment. A real earlier MICS
    // spawned its services long ago; wait for that state.
    for (int i = 0; i < 500; ++i) {
        std::ifstream f("/proc/" + std::to_string(pid) + "/cmdline");
        if (f.get() != std::char_traits<char>::eof()) break;
        ::usleep(2000);
    }
    return pid;
}

// Ends and reaps a process this test started itself. SIGKILL first so a
// failed check can never leave the test blocked in waitpid.
int kill_and_reap(pid_t pid) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

void write_pid(const std::string& path, pid_t pid) { std::ofstream(path) << pid << '\n'; }

pid_t read_pid(const std::string& path) {
    std::ifstream f(path);
    long v = 0;
    f >> v;
    return pid_t(v);
}

bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }

// True once the process is gone or a zombie (what a supervisor can observe).
bool exited_or_zombie(pid_t pid) {
    std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(st, line)) return true;
    auto paren = line.rfind(')');
    return paren != std::string::npos && line.size() > paren + 2 && line[paren + 2] == 'Z';
}

template <class F>
bool eventually(F f, std::chrono::milliseconds limit = 5000ms) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (f()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return f();
}

const ChildStatus& status_of(const std::vector<ChildStatus>& all, const std::string& name) {
    for (const auto& s : all)
        if (s.name == name) return s;
    FAIL("no status for " << name);
    return all.front();
}

ChildSpec sleeper(const TempDir& d, const std::string& name = "sleeper") {
    return {name, {"/bin/sleep", "30"}, {}, d.path + "/" + name + ".log", d.path + "/" + name + ".pid"};
}

}  // namespace

TEST_CASE("spawn writes the pid file, stop removes it and the process") {
    TempDir d;
    Supervisor sup;
    std::vector<std::string> started;
    sup.on_started = [&](const std::string& n) { started.push_back(n); };
    sup.add(sleeper(d));
    sup.start_all();
    pid_t p = sup.pid("sleeper");
    REQUIRE(p > 0);
    CHECK(read_pid(d.path + "/sleeper.pid") == p);
    CHECK(started == std::vector<std::string>{"sleeper"});
    CHECK(status_of(sup.status(), "sleeper").state == "running");
    CHECK_FALSE(status_of(sup.status(), "sleeper").adopted);
    CHECK(sup.poll_fds().empty());  // own children are watched through SIGCHLD

    CHECK(sup.stop("sleeper", 2000ms));
    CHECK_FALSE(alive(p));  // reaped, not a zombie
    CHECK(sup.pid("sleeper") == 0);
    CHECK_FALSE(fs::exists(d.path + "/sleeper.pid"));
    CHECK(status_of(sup.status(), "sleeper").state == "stopped");
    CHECK(fs::exists(d.path + "/sleeper.log"));
}

TEST_CASE("a crashed child restarts after 1 s, then 2 s") {
    TempDir d;
    Supervisor sup;
    sup.add(sleeper(d));
    sup.start_all();
    pid_t first = sup.pid("sleeper");
    REQUIRE(first > 0);

    ::kill(first, SIGKILL);
    REQUIRE(eventually([&] { sup.reap(); return sup.pid("sleeper") == 0; }));
    auto st = status_of(sup.status(), "sleeper");
    CHECK(st.state == "backoff");
    CHECK(st.restarts == 1);
    CHECK_FALSE(fs::exists(d.path + "/sleeper.pid"));
    int due = sup.tick();
    CHECK(due > 800);
    CHECK(due <= 1000);

    REQUIRE(eventually([&] { sup.tick(); return sup.pid("sleeper") != 0; }, 3000ms));
    pid_t second = sup.pid("sleeper");
    CHECK(second != first);
    CHECK(read_pid(d.path + "/sleeper.pid") == second);

    // It died again right away: the backoff doubles.
    ::kill(second, SIGKILL);
    REQUIRE(eventually([&] { sup.reap(); return sup.pid("sleeper") == 0; }));
    due = sup.tick();
    CHECK(due > 1800);
    CHECK(due <= 2000);
    CHECK(status_of(sup.status(), "sleeper").restarts == 2);

    sup.stop_all(2000ms);
    CHECK(sup.tick() == -1);  // stopping: nothing is restarted
}

TEST_CASE("a child that cannot be started is retried with backoff") {
    TempDir d;
    Supervisor sup;
    sup.add({"missing", {d.path + "/no-such-binary"}, {}, d.path + "/m.log", d.path + "/m.pid"});
    sup.start_all();
    CHECK(sup.pid("missing") == 0);
    CHECK(status_of(sup.status(), "missing").state == "backoff");
    CHECK(sup.tick() > 0);
}

TEST_CASE("adopts a live process whose pid file and argv match") {
    TempDir d;
    pid_t outside = spawn_outside({"/bin/sleep", "30"});
    write_pid(d.path + "/sleeper.pid", outside);

    Supervisor sup;
    std::vector<std::string> started, adopted;
    sup.on_started = [&](const std::string& n) { started.push_back(n); };
    sup.on_adopted = [&](const std::string& n) { adopted.push_back(n); };
    sup.add(sleeper(d));
    sup.start_all();

    CHECK(sup.pid("sleeper") == outside);  // no second copy
    CHECK(started == std::vector<std::string>{"sleeper"});  // MICS pushes config to adopted services too
    CHECK(adopted == std::vector<std::string>{"sleeper"});
    auto st = status_of(sup.status(), "sleeper");
    CHECK(st.adopted);
    CHECK(st.state == "running");
    CHECK(read_pid(d.path + "/sleeper.pid") == outside);

    SUBCASE("its exit is seen through the pidfd and it is restarted as our child") {
        auto fds = sup.poll_fds();
        REQUIRE(fds.size() == 1);
        ::kill(outside, SIGKILL);
        pollfd p{fds[0], POLLIN, 0};
        REQUIRE(::poll(&p, 1, 5000) == 1);
        sup.on_fd_ready(fds[0]);
        CHECK(sup.pid("sleeper") == 0);
        CHECK(status_of(sup.status(), "sleeper").state == "backoff");
        CHECK(status_of(sup.status(), "sleeper").restarts == 1);
        CHECK(sup.poll_fds().empty());
        CHECK_FALSE(fs::exists(d.path + "/sleeper.pid"));
        kill_and_reap(outside);

        REQUIRE(eventually([&] { sup.tick(); return sup.pid("sleeper") != 0; }, 3000ms));
        CHECK(sup.pid("sleeper") != outside);
        CHECK_FALSE(status_of(sup.status(), "sleeper").adopted);
        sup.stop_all(2000ms);
    }
    SUBCASE("stop terminates it") {
        CHECK(sup.stop("sleeper", 2000ms));
        CHECK(exited_or_zombie(outside));
        CHECK(sup.pid("sleeper") == 0);
        CHECK_FALSE(fs::exists(d.path + "/sleeper.pid"));
        kill_and_reap(outside);
    }
    SUBCASE("stop_all terminates adopted and own children alike") {
        sup.add({"own", {"/bin/sleep", "31"}, {}, d.path + "/own.log", d.path + "/own.pid"});
        CHECK(sup.start("own"));
        pid_t own = sup.pid("own");
        REQUIRE(own > 0);
        sup.stop_all(2000ms);
        CHECK(exited_or_zombie(outside));
        CHECK_FALSE(alive(own));
        CHECK_FALSE(fs::exists(d.path + "/sleeper.pid"));
        CHECK_FALSE(fs::exists(d.path + "/own.pid"));
        kill_and_reap(outside);
    }
}

TEST_CASE("an adopted process that ignores SIGTERM is killed after the grace") {
    TempDir d;
    pid_t outside = spawn_outside({"/bin/sleep", "30"}, /*deaf_to_term=*/true);
    write_pid(d.path + "/sleeper.pid", outside);
    Supervisor sup;
    sup.add(sleeper(d));
    sup.start_all();
    REQUIRE(sup.pid("sleeper") == outside);
    auto t0 = std::chrono::steady_clock::now();
    CHECK(sup.stop("sleeper", 300ms));
    CHECK(std::chrono::steady_clock::now() - t0 >= 300ms);
    CHECK(exited_or_zombie(outside));  // the supervisor's SIGKILL, not ours below
    int status = kill_and_reap(outside);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    CHECK_FALSE(fs::exists(d.path + "/sleeper.pid"));
}

TEST_CASE("without pidfds an adopted process is polled with kill(pid, 0)") {
    TempDir d;
    pid_t outside = spawn_outside({"/bin/sleep", "30"});
    write_pid(d.path + "/sleeper.pid", outside);
    Supervisor sup;
    sup.set_use_pidfd(false);
    sup.add(sleeper(d));
    sup.start_all();
    REQUIRE(sup.pid("sleeper") == outside);
    CHECK(sup.poll_fds().empty());
    int due = sup.tick();
    CHECK(due > 0);
    CHECK(due <= 500);

    kill_and_reap(outside);  // as init would reap it
    sup.tick();
    CHECK(sup.pid("sleeper") == 0);
    CHECK(status_of(sup.status(), "sleeper").state == "backoff");
    sup.stop_all(2000ms);
}

TEST_CASE("stale pid files are ignored and removed") {
    TempDir d;
    auto spec = sleeper(d);
    spec.enabled = false;  // so nothing new is started and the file's fate is visible

    SUBCASE("dead pid") {
        pid_t dead = spawn_outside({"/bin/sleep", "30"});
        kill_and_reap(dead);
        write_pid(spec.pid_path, dead);
        Supervisor sup;
        sup.add(spec);
        sup.start_all();
        CHECK(sup.pid("sleeper") == 0);
        CHECK_FALSE(fs::exists(spec.pid_path));
    }
    SUBCASE("garbage") {
        std::ofstream(spec.pid_path) << "not a pid\n";
        Supervisor sup;
        sup.add(spec);
        sup.start_all();
        CHECK_FALSE(fs::exists(spec.pid_path));
    }
    SUBCASE("pid reused by an unrelated program, which is left alone") {
        pid_t other = spawn_outside({"/bin/sleep", "29"});
        write_pid(spec.pid_path, other);
        Supervisor sup;
        sup.set_owner_marker(d.path);
        sup.add(spec);
        sup.start_all();
        CHECK(sup.pid("sleeper") == 0);
        CHECK_FALSE(fs::exists(spec.pid_path));
        CHECK(alive(other));
        CHECK_FALSE(exited_or_zombie(other));
        kill_and_reap(other);
    }
    SUBCASE("an enabled service with a stale pid file gets a fresh process") {
        pid_t other = spawn_outside({"/bin/sleep", "29"});
        spec.enabled = true;
        write_pid(spec.pid_path, other);
        Supervisor sup;
        sup.add(spec);
        sup.start_all();
        pid_t fresh = sup.pid("sleeper");
        CHECK(fresh > 0);
        CHECK(fresh != other);
        CHECK(read_pid(spec.pid_path) == fresh);
        CHECK_FALSE(status_of(sup.status(), "sleeper").adopted);
        sup.stop_all(2000ms);
        CHECK(alive(other));
        kill_and_reap(other);
    }
}

TEST_CASE("our own service running with outdated arguments is replaced") {
    TempDir d;
    std::string a = d.path + "/a", b = d.path + "/b";
    std::ofstream(a) << "x\n";
    std::ofstream(b) << "x\n";
    // Same binary, same state dir (the marker), other arguments: e.g. a port
    // that changed while MICS was down. Keeping it would keep the old port.
    pid_t old = spawn_outside({"/usr/bin/tail", "-f", a});
    ChildSpec spec{"tail", {"/usr/bin/tail", "-f", b}, {}, d.path + "/tail.log", d.path + "/tail.pid"};
    write_pid(spec.pid_path, old);
    Supervisor sup;
    sup.set_owner_marker(d.path);
    sup.add(spec);
    sup.start_all();
    CHECK(exited_or_zombie(old));
    pid_t fresh = sup.pid("tail");
    CHECK(fresh > 0);
    CHECK(fresh != old);
    CHECK_FALSE(status_of(sup.status(), "tail").adopted);
    kill_and_reap(old);
    sup.stop_all(2000ms);
}

TEST_CASE("a process under a state dir that merely shares our prefix is not ours") {
    TempDir d;
    std::string sibling = d.path + "2";  // e.g. /srv/var2 next to our /srv/var
    fs::create_directories(sibling);
    std::ofstream(sibling + "/a") << "x\n";
    pid_t other = spawn_outside({"/usr/bin/tail", "-f", sibling + "/a"});
    ChildSpec spec{"tail", {"/usr/bin/tail", "-f", d.path + "/b"}, {}, d.path + "/tail.log", d.path + "/tail.pid"};
    spec.enabled = false;
    write_pid(spec.pid_path, other);
    Supervisor sup;
    sup.set_owner_marker(d.path);
    sup.add(spec);
    sup.start_all();
    CHECK_FALSE(exited_or_zombie(other));  // left alone
    CHECK_FALSE(fs::exists(spec.pid_path));  // but the pid file was stale
    kill_and_reap(other);
    fs::remove_all(sibling);
}

TEST_CASE("a disabled service left running by an earlier MICS is stopped") {
    TempDir d;
    pid_t outside = spawn_outside({"/bin/sleep", "30"});
    auto spec = sleeper(d);
    spec.enabled = false;
    write_pid(spec.pid_path, outside);
    Supervisor sup;
    sup.add(spec);
    sup.start_all();
    CHECK(exited_or_zombie(outside));
    CHECK(sup.pid("sleeper") == 0);
    CHECK(status_of(sup.status(), "sleeper").state == "disabled");
    kill_and_reap(outside);
}

TEST_CASE("restart stops with the given signal and starts with the new argv") {
    TempDir d;
    Supervisor sup;
    // A shell that notes which signal ended it (in its log, stdout).
    sup.add({"svc", {"/bin/sh", "-c", "trap 'echo got-USR1; exit 0' USR1; trap 'echo got-TERM; exit 0' TERM; "
                                      "sleep 30 & wait", "first"},
             {}, d.path + "/svc.log", d.path + "/svc.pid"});
    sup.start_all();
    pid_t first = sup.pid("svc");
    REQUIRE(first > 0);
    REQUIRE(eventually([&] {  // the trap is set once the shell runs its script
        std::ifstream f("/proc/" + std::to_string(first) + "/cmdline");
        std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        return all.find("first") != std::string::npos;
    }));
    std::this_thread::sleep_for(100ms);
    auto next = *sup.argv("svc");
    next.back() = "second";
    CHECK(sup.set_argv("svc", next));
    CHECK(sup.pid("svc") == first);  // set_argv alone restarts nothing
    CHECK(sup.restart("svc", SIGUSR1, 2000ms));
    pid_t second = sup.pid("svc");
    CHECK(second > 0);
    CHECK(second != first);
    CHECK(*sup.argv("svc") == next);
    std::ifstream log(d.path + "/svc.log");
    std::string logged((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    CHECK(logged == "got-USR1\n");
    CHECK(read_pid(d.path + "/svc.pid") == second);
    CHECK(status_of(sup.status(), "svc").restarts == 0);  // a restart we asked for is no crash
    CHECK_FALSE(sup.restart("nope", SIGTERM, 100ms));
    sup.stop_all(2000ms);
}
