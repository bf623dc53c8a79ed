#include "sentryd/backend_pool.hpp"

namespace sentryd {

namespace {

void mark_dead(ServerState& s, const HealthCheck& h, PoolClock::time_point now) {
    if (!s.dead) s.dead_since = now;
    s.dead = true;
    s.dead_until = now + h.dead_time;
    s.consecutive_ok = 0;
    s.recent_failures.clear();
}

void mark_live(ServerState& s) {
    s.dead = false;
    s.recent_failures.clear();
}

}  // namespace

void record_failure(ServerState& s, const HealthCheck& h, PoolClock::time_point now) {
    ++s.failures;
    s.last_failure = now;
    s.consecutive_ok = 0;
    // A server being retried after its dead time goes straight back to dead.
    if (s.dead) return mark_dead(s, h, now);
    s.recent_failures.push_back(now);
    while (!s.recent_failures.empty() && now - s.recent_failures.front() >= h.failure_window)
        s.recent_failures.pop_front();
    if (s.recent_failures.size() >= static_cast<std::size_t>(h.dead_threshold)) mark_dead(s, h, now);
}

void record_success(ServerState& s, PoolClock::time_point now) {
    s.last_success = now;
    if (s.dead) mark_live(s);
}

void record_health(ServerState& s, const HealthCheck& h, bool ok, PoolClock::time_point now) {
    if (!ok) {
        ++s.health_fail;
        return record_failure(s, h, now);
    }
    ++s.health_ok;
    s.last_success = now;
    ++s.consecutive_ok;
    if (s.dead && s.consecutive_ok >= h.live_threshold) mark_live(s);
}

Pick pick_server(const std::vector<const ServerState*>& servers, const std::vector<bool>& tried,
                 Scheduling scheduling, AllDead all_dead, std::size_t& rr_cursor,
                 PoolClock::time_point now) {
    Pick p;
    const std::size_t n = servers.size();
    if (n == 0) return p;
    auto usable = [&](std::size_t i) { return !(i < tried.size() && tried[i]) && servers[i]->available(now); };
    if (scheduling == Scheduling::round_robin) {
        for (std::size_t k = 0; k < n; ++k) {
            std::size_t i = (rr_cursor + k) % n;
            if (usable(i)) {
                rr_cursor = (i + 1) % n;
                p.index = i;
                return p;
            }
        }
    } else {
        for (std::size_t i = 0; i < n; ++i)
            if (usable(i)) {
                p.index = i;
                return p;
            }
    }
    if (all_dead == AllDead::reject) return p;
    // try-anyway: the one dead longest has had the most time to recover.
    for (std::size_t i = 0; i < n; ++i) {
        if (i < tried.size() && tried[i]) continue;
        if (!p.index || servers[i]->dead_since < servers[*p.index]->dead_since) p.index = i;
    }
    p.all_dead_fallback = p.index.has_value();
    return p;
}

}  // namespace sentryd
