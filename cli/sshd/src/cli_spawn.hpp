// Starting sentry-cli for one SSH channel. The child gets exactly: the
// authenticated MICS session on fd 3, stdio (a PTY or pipes), a fixed small
// environment, and no privileges. Everything it may do it must ask MICS for.
#pragma once
#include "privdrop.hpp"

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace sshd {

inline constexpr int kCliMicsFd = 3;

struct CliRequest {
    std::string cli_path;
    int mics_fd = -1;
    bool pty = false;
    std::string term;   // pty only; already checked with safe_term
    int cols = 80, rows = 24;
    std::string lang;   // optional, already checked with env_allowed
    std::optional<std::string> command;  // exec request
    std::string client_ip;
    Unprivileged drop_to;
};

struct CliProcess {
    pid_t pid = -1;
    int pty_master = -1;  // pty mode: stdin and stdout/stderr of the child
    int stdin_fd = -1;    // pipe mode: we write the channel's data here
    int stdout_fd = -1;
    int stderr_fd = -1;
};

// Pure parts, unit-tested.
std::vector<std::string> cli_argv(const std::optional<std::string>& command);
std::vector<std::string> cli_env(const CliRequest& req);

// Forks and execs. Returns nullopt (err set) when the fork or pty failed; an
// exec failure shows up as exit status 127 of the child.
std::optional<CliProcess> spawn_cli(const CliRequest& req, std::string& err);

// Sets the PTY window size (window-change request).
void set_window_size(int pty_master, int cols, int rows);

}  // namespace sshd
