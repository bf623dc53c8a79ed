#include "session_limit.hpp"

namespace sshd {

bool SessionLimit::try_acquire(pid_t pid, int max) {
    if (active_.count(pid)) return true;
    if (int(active_.size()) >= max) return false;
    active_.insert(pid);
    return true;
}

void SessionLimit::release(pid_t pid) { active_.erase(pid); }

}  // namespace sshd
