#include "cli_spawn.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/close_range.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <utmp.h>

namespace sshd {

std::vector<std::string> cli_argv(const std::optional<std::string>& command) {
    std::vector<std::string> argv = {"sentry-cli", "--mics-fd", std::to_string(kCliMicsFd)};
    if (command) {
        argv.push_back("-c");
        argv.push_back(*command);
    }
    return argv;
}

std::vector<std::string> cli_env(const CliRequest& req) {
    std::vector<std::string> env = {
        "PATH=/usr/bin:/bin",
        "HOME=/",
        "SENTRY_MICS_FD=" + std::to_string(kCliMicsFd),
        "SENTRY_SSH_CLIENT=" + req.client_ip,
    };
    if (req.pty) {
        env.push_back("TERM=" + (req.term.empty() ? std::string("vt100") : req.term));
        env.push_back("LINES=" + std::to_string(req.rows));
        env.push_back("COLUMNS=" + std::to_string(req.cols));
    }
    if (!req.lang.empty()) env.push_back("LANG=" + req.lang);
    return env;
}

void set_window_size(int pty_master, int cols, int rows) {
    winsize ws{};
    ws.ws_col = static_cast<unsigned short>(cols > 0 && cols < 10000 ? cols : 80);
    ws.ws_row = static_cast<unsigned short>(rows > 0 && rows < 10000 ? rows : 24);
    ::ioctl(pty_master, TIOCSWINSZ, &ws);
}

namespace {

// Runs in the forked child only: async-signal-safe calls plus execve.
[[noreturn]] void exec_child(const CliRequest& req, char* const* argv, char* const* envp) {
    // The MICS session goes to fd 3 without CLOEXEC; everything above is closed
    // so the shell inherits no listener, host key or peer socket.
    if (req.mics_fd == kCliMicsFd) {
        int fl = ::fcntl(kCliMicsFd, F_GETFD);
        if (fl < 0 || ::fcntl(kCliMicsFd, F_SETFD, fl & ~FD_CLOEXEC) < 0) ::_exit(126);
    } else if (::dup2(req.mics_fd, kCliMicsFd) < 0) {
        ::_exit(126);
    }
    if (::syscall(SYS_close_range, kCliMicsFd + 1, ~0U, 0) != 0) {
        for (int fd = kCliMicsFd + 1; fd < 1024; ++fd) ::close(fd);
    }
    std::string err;
    if (!drop_root(req.drop_to, err)) {
        static const char msg[] = "% sentry-sshd: cannot drop privileges\r\n";
        (void)!::write(2, msg, sizeof msg - 1);
        ::_exit(126);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGPIPE, SIGCHLD, SIGHUP, SIGINT, SIGTERM, SIGALRM}) ::signal(sig, SIG_DFL);
    ::execve(req.cli_path.c_str(), argv, envp);
    static const char msg[] = "% sentry-sshd: cannot start the shell\r\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
}

std::vector<char*> c_array(std::vector<std::string>& v) {
    std::vector<char*> out;
    for (auto& s : v) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

}  // namespace

std::optional<CliProcess> spawn_cli(const CliRequest& req, std::string& err) {
    // Built before fork: the child must not allocate.
    auto argv_s = cli_argv(req.command);
    auto env_s = cli_env(req);
    auto argv = c_array(argv_s);
    auto envp = c_array(env_s);

    CliProcess p;
    if (req.pty) {
        int master = -1, slave = -1;
        winsize ws{};
        ws.ws_col = static_cast<unsigned short>(req.cols);
        ws.ws_row = static_cast<unsigned short>(req.rows);
        if (::openpty(&master, &slave, nullptr, nullptr, &ws) != 0) {
            err = std::string("openpty: ") + std::strerror(errno);
            return std::nullopt;
        }
        ::fcntl(master, F_SETFD, FD_CLOEXEC);
        pid_t pid = ::fork();
        if (pid < 0) {
            err = std::string("fork: ") + std::strerror(errno);
            ::close(master);
            ::close(slave);
            return std::nullopt;
        }
        if (pid == 0) {
            ::close(master);
            // setsid + controlling tty + stdio on the slave.
            if (::login_tty(slave) != 0) ::_exit(126);
            exec_child(req, argv.data(), envp.data());
        }
        ::close(slave);
        ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);
        p.pid = pid;
        p.pty_master = master;
        return p;
    }

    int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(errp, O_CLOEXEC) != 0) {
        err = std::string("pipe: ") + std::strerror(errno);
        for (int* pr : {in, out, errp}) {
            close_fd(pr[0]);
            close_fd(pr[1]);
        }
        return std::nullopt;
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        err = std::string("fork: ") + std::strerror(errno);
        for (int* pr : {in, out, errp}) {
            close_fd(pr[0]);
            close_fd(pr[1]);
        }
        return std::nullopt;
    }
    if (pid == 0) {
        ::setsid();
        if (::dup2(in[0], 0) < 0 || ::dup2(out[1], 1) < 0 || ::dup2(errp[1], 2) < 0) ::_exit(126);
        exec_child(req, argv.data(), envp.data());
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(errp[1]);
    for (int fd : {in[1], out[0], errp[0]}) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    p.pid = pid;
    p.stdin_fd = in[1];
    p.stdout_fd = out[0];
    p.stderr_fd = errp[0];
    return p;
}

}  // namespace sshd
