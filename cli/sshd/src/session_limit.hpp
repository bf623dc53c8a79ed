// Counts authenticated sessions in the listener process. Connection children
// ask before they start a shell; the parent is the only place that sees all
// of them, so the limit cannot be bypassed by racing children.
#pragma once
#include <set>
#include <sys/types.h>

namespace sshd {

class SessionLimit {
public:
    // True (and counts pid) when fewer than max sessions are active.
    // A pid that already holds a slot keeps it (idempotent).
    bool try_acquire(pid_t pid, int max);
    // Counts a session whatever the limit: one handed over by an earlier
    // listener (handover.hpp) is already running.
    void hold(pid_t pid) { active_.insert(pid); }
    bool holds(pid_t pid) const { return active_.count(pid) != 0; }
    // Called when the child is reaped; unknown pids are ignored.
    void release(pid_t pid);
    int active() const { return int(active_.size()); }

private:
    std::set<pid_t> active_;
};

}  // namespace sshd
