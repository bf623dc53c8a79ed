// App: configuration archive actions that change what runs or boots —
// rollback, the confirm-or-revert timer, erasing startup-config. Each change
// of the running configuration is an ordinary commit (validate, store a new
// revision, appliers), so history only ever grows.
#include "app.hpp"

#include "mics/log.hpp"

namespace micsd {

std::optional<Revision> App::factory_revision() const {
    // First boot stores the factory configuration as revision 1.
    return store_.revision(1);
}

std::string App::rollback(std::int64_t rev, const Session& s, std::int64_t* new_rev) {
    auto r = store_.revision(rev);
    if (!r) return "revision " + std::to_string(rev) + " does not exist";
    Config c;
    std::string err;
    if (!from_json(r->config, c, &err)) return "revision " + std::to_string(rev) + " is not loadable: " + err;
    return commit(std::move(c), s, "rollback to revision " + std::to_string(rev), new_rev);
}

std::string App::arm_revert(int minutes, const Session& s, std::int64_t now) {
    if (minutes < 1 || minutes > 120) return "the revert timer takes 1-120 minutes";
    PendingRevert p;
    // Re-arming keeps the revision that ran before the first arm: that is the
    // one known to work.
    p.revision = revert_ ? revert_->revision : revision_;
    p.deadline = now + std::int64_t(minutes) * 60;
    p.minutes = minutes;
    p.user = s.user;
    p.session = s.id;
    if (!store_.set_pending_revert(p)) return "cannot store the revert timer: " + store_.last_error();
    revert_ = p;
    return {};
}

bool App::confirm_revert() {
    if (!revert_) return false;
    store_.clear_pending_revert();
    revert_.reset();
    return true;
}

void App::check_revert(std::int64_t now) {
    if (!revert_ || now < revert_->deadline) return;
    PendingRevert p = *revert_;
    // Cleared first: a revert that cannot be applied must not retry every tick.
    store_.clear_pending_revert();
    revert_.reset();
    std::string line = "revert: not confirmed within " + std::to_string(p.minutes) +
                       (p.minutes == 1 ? " minute" : " minutes");
    Session sys;
    sys.user = "system";
    sys.source = "local";
    sys.id = p.session;  // correlates with the session that armed it
    std::string why;
    auto r = store_.revision(p.revision);
    Config c;
    if (!r) why = "revision " + std::to_string(p.revision) + " is missing";
    else if (std::string err; !from_json(r->config, c, &err)) why = err;
    else why = commit(std::move(c), sys, line, nullptr);
    if (!why.empty()) mics::log_error(line + " failed: " + why);
    else mics::log_warn(line + ": revision " + std::to_string(p.revision) + " restored");
    store_.audit({0, sys.user, sys.source, sys.id, "exec", line, why.empty() ? "success" : "error: " + why});
}

std::string App::erase_startup() {
    if (!store_.clear_startup()) return "cannot erase startup-config: " + store_.last_error();
    return {};
}

}  // namespace micsd
