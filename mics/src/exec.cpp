#include "exec.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace micsd {

namespace {

ExecResult run(const std::vector<std::string>& argv, const std::string* input, std::chrono::milliseconds timeout) {
    ExecResult r;
    if (argv.empty()) return r;
    int out[2], in[2] = {-1, -1};
    if (::pipe2(out, O_CLOEXEC) != 0 || (input && ::pipe2(in, O_CLOEXEC) != 0)) {
        r.output = std::string("pipe: ") + std::strerror(errno);
        return r;
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (input) posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    else posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, out[1], 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);  // MICS blocks signals for its signalfd
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, args[0], &fa, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    ::close(out[1]);
    if (input) ::close(in[0]);
    int to_child = input ? in[1] : -1;
    if (rc != 0) {
        ::close(out[0]);
        if (to_child >= 0) ::close(to_child);
        r.output = argv[0] + ": " + std::strerror(rc);
        return r;
    }
    if (to_child >= 0) {
        ::fcntl(to_child, F_SETFL, ::fcntl(to_child, F_GETFL) | O_NONBLOCK);
        if (input->empty()) {
            ::close(to_child);
            to_child = -1;
        }
    }

    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    std::size_t written = 0;
    bool killed = false;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            ::kill(pid, SIGKILL);
            killed = true;
            break;
        }
        pollfd p[2] = {{out[0], POLLIN, 0}, {to_child, POLLOUT, 0}};
        int n = ::poll(p, to_child >= 0 ? 2 : 1, int(left.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) continue;
        if (to_child >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t w = ::write(to_child, input->data() + written, input->size() - written);
            if (w > 0) written += std::size_t(w);
            // Done, or the child closed its stdin (EPIPE; SIGPIPE is blocked in MICS): stop feeding.
            if (written == input->size() || (w < 0 && errno != EAGAIN && errno != EINTR)) {
                ::close(to_child);
                to_child = -1;
            }
        }
        if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t got = ::read(out[0], buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;  // EOF: the child closed its output
        if (r.output.size() < 64 * 1024) r.output.append(buf, std::size_t(got));
    }
    if (to_child >= 0) ::close(to_child);
    ::close(out[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (killed) {
        r.output += (r.output.empty() ? "" : "\n") + argv[0] + ": timed out";
        return r;
    }
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    while (!r.output.empty() && (r.output.back() == '\n' || r.output.back() == '\r')) r.output.pop_back();
    return r;
}

}  // namespace

ExecResult run_argv(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    return run(argv, nullptr, timeout);
}

ExecResult run_argv_input(const std::vector<std::string>& argv, const std::string& input,
                          std::chrono::milliseconds timeout) {
    return run(argv, &input, timeout);
}

}  // namespace micsd
