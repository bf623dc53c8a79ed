// Accounts area: login state that is not configuration — failed-login
// counters and locks, the password history (SQLite, schema 3) — and the
// table of logged-in sessions (`show users`, `clear line`).
#include "accounts.hpp"
#include "store.hpp"

#include <sqlite3.h>

#include <limits>

namespace micsd::accounts {

namespace {

struct Stmt {
    sqlite3_stmt* s = nullptr;
    Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s, nullptr); }
    ~Stmt() { sqlite3_finalize(s); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    explicit operator bool() const { return s != nullptr; }
    void bind(int i, const std::string& v) { sqlite3_bind_text(s, i, v.c_str(), int(v.size()), SQLITE_TRANSIENT); }
    void bind(int i, std::int64_t v) { sqlite3_bind_int64(s, i, v); }
    int step() { return sqlite3_step(s); }
    std::string text(int i) const {
        auto p = sqlite3_column_text(s, i);
        return p ? std::string(reinterpret_cast<const char*>(p), std::size_t(sqlite3_column_bytes(s, i))) : "";
    }
    std::int64_t i64(int i) const { return sqlite3_column_int64(s, i); }
};

void save(Store& st, const LockState& l) {
    Stmt q(st.handle(), "INSERT INTO lockout(name,failures,first_failure,locked_until) VALUES(?,?,?,?) "
                        "ON CONFLICT(name) DO UPDATE SET failures=excluded.failures, "
                        "first_failure=excluded.first_failure, locked_until=excluded.locked_until;");
    if (!q) return;
    q.bind(1, l.user);
    q.bind(2, std::int64_t(l.failures));
    q.bind(3, l.first_failure);
    q.bind(4, l.locked_until);
    q.step();
}

}  // namespace

std::optional<LockState> lock_state(Store& st, const std::string& user) {
    Stmt q(st.handle(), "SELECT name,failures,first_failure,locked_until FROM lockout WHERE name=?;");
    if (!q) return std::nullopt;
    q.bind(1, user);
    if (q.step() != SQLITE_ROW) return std::nullopt;
    return LockState{q.text(0), int(q.i64(1)), q.i64(2), q.i64(3)};
}

bool is_locked(const LockState& s, std::int64_t now) { return s.locked_until < 0 || s.locked_until > now; }

bool record_failure(Store& st, const std::string& user, const LockoutPolicy& p, std::int64_t now) {
    LockState l = lock_state(st, user).value_or(LockState{user, 0, now, 0});
    if (is_locked(l, now)) return false;  // already locked: the lock is not extended
    // A lock that ran out, or failures older than the window, start a new count.
    if (l.locked_until != 0 || now - l.first_failure > p.window_s) l = LockState{user, 0, now, 0};
    ++l.failures;
    bool locks = l.failures >= p.attempts;
    if (locks) l.locked_until = p.duration_s == 0 ? -1 : now + p.duration_s;
    save(st, l);
    return locks;
}

void clear_failures(Store& st, const std::string& user) {
    Stmt q(st.handle(), "DELETE FROM lockout WHERE name=?;");
    if (!q) return;
    q.bind(1, user);
    q.step();
}

std::vector<LockState> locked_users(Store& st, std::int64_t now) {
    std::vector<LockState> out;
    Stmt q(st.handle(), "SELECT name,failures,first_failure,locked_until FROM lockout ORDER BY name;");
    if (!q) return out;
    while (q.step() == SQLITE_ROW) {
        LockState l{q.text(0), int(q.i64(1)), q.i64(2), q.i64(3)};
        if (is_locked(l, now)) out.push_back(std::move(l));
    }
    return out;
}

std::vector<std::string> history(Store& st, const std::string& user, int n) {
    std::vector<std::string> out;
    Stmt q(st.handle(), "SELECT hash FROM password_history WHERE name=? ORDER BY id DESC LIMIT ?;");
    if (!q) return out;
    q.bind(1, user);
    q.bind(2, std::int64_t(n));
    while (q.step() == SQLITE_ROW) out.push_back(q.text(0));
    return out;
}

void push_history(Store& st, const std::string& user, const std::string& hash, int keep) {
    {
        Stmt q(st.handle(), "INSERT INTO password_history(name,hash,time) VALUES(?,?,strftime('%s','now'));");
        if (!q) return;
        q.bind(1, user);
        q.bind(2, hash);
        q.step();
    }
    // Keep at least 24 (the largest history setting) so raising the setting
    // later still knows the older passwords; `keep` may ask for more.
    Stmt d(st.handle(), "DELETE FROM password_history WHERE name=? AND id NOT IN "
                        "(SELECT id FROM password_history WHERE name=? ORDER BY id DESC LIMIT ?);");
    if (!d) return;
    d.bind(1, user);
    d.bind(2, user);
    d.bind(3, std::int64_t(keep > 24 ? keep : 24));
    d.step();
}

// ---- Lines ------------------------------------------------------------------

int Lines::add(const Session& s, const std::string& service, std::int64_t now) {
    int id = 0;
    while (by_id_.count(id)) ++id;  // the lowest free line number, as vty 0, 1, ...
    by_id_[id] = Line{id, s.id, s.user, s.source, service, now, now, false};
    return id;
}

void Lines::touch(const std::string& session, std::int64_t now) {
    for (auto& [id, l] : by_id_)
        if (l.session == session) l.last_active = now;
}

void Lines::remove(const std::string& session) {
    for (auto it = by_id_.begin(); it != by_id_.end(); ++it)
        if (it->second.session == session) {
            by_id_.erase(it);
            return;
        }
}

bool Lines::kill_requested(const std::string& session) const {
    for (const auto& [id, l] : by_id_)
        if (l.session == session) return l.kill;
    return false;
}

bool Lines::kill(int id) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return false;
    it->second.kill = true;
    return true;
}

std::vector<Line> Lines::list() const {
    std::vector<Line> out;
    for (const auto& [id, l] : by_id_) out.push_back(l);
    return out;
}

}  // namespace micsd::accounts
