// Runs a system tool with an argv list (never a shell string) and collects
// what it printed, for the appliers that drive iproute2, chrony, iptables.
#pragma once
#include <chrono>
#include <string>
#include <vector>

namespace micsd {

struct ExecResult {
    int status = -1;     // exit status; -1 when it could not start or was killed
    std::string output;  // stdout and stderr together, at most 64 KiB
};

// argv[0] is looked up in PATH. The child gets /dev/null as stdin and is
// killed after `timeout`.
ExecResult run_argv(const std::vector<std::string>& argv,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));
// The same, with `input` on the child's stdin (closed after it, e.g. an
// iptables-restore ruleset); written while the output is read, so neither
// side can block the other.
ExecResult run_argv_input(const std::vector<std::string>& argv, const std::string& input,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace micsd
