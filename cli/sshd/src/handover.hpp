// Listener hand-over: when sentry-micsd moves SSH to another port
// (`ip ssh port`), it restarts the listener with SIGUSR1 instead of SIGTERM.
// The old listener then ends only connections that have no session yet and
// leaves the live sessions running; it writes their pids to a file in the
// (root-only) keys directory. The new listener reads that file, adopts the
// processes that are still the sessions they were (through pidfds, so a
// recycled pid is never mistaken for one), counts them toward max_sessions
// and ends them on a real shutdown (SIGTERM: reload, appliance stop).
#pragma once
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace sshd {

// In the keys directory (root only, like the host keys).
inline constexpr const char* kHandoverFile = "sshd-handover";

// At most kMaxConnections pids are ever handed over; more lines are ignored.
inline constexpr std::size_t kMaxHandover = 64;

// One decimal pid per line.
std::string format_handover(const std::vector<pid_t>& pids);
// Plain positive pids only (> 1, < 2^22), at most kMaxHandover, no duplicates.
std::vector<pid_t> parse_handover(std::string_view text);

struct Adopted {
    pid_t pid;
    int pidfd;  // readable once the process has exited
};
// For each pid: opens a pidfd, then checks that the process runs the binary
// whose argv[0] is `self_argv0` (a forked connection process of an earlier
// listener). Pids that fail are skipped.
std::vector<Adopted> adopt_sessions(const std::vector<pid_t>& pids, const std::string& self_argv0);

// Reads and removes the file; empty when it is missing or unreadable.
std::vector<pid_t> take_handover_file(const std::string& path);
// Written 0600, atomically (temp + rename). False on error.
bool write_handover_file(const std::string& path, const std::vector<pid_t>& pids);

bool pidfd_exited(int pidfd);
void pidfd_kill(const Adopted& a, int sig);

}  // namespace sshd
