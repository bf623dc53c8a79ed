#include "store.hpp"

#include "mics/syslog.hpp"

#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include <ctime>

namespace micsd {

namespace {

// Versioned migrations: index i moves the schema from version i to i+1.
// Never edit a shipped step; append a new one.
const char* const kMigrations[] = {
    // 0 -> 1
    "CREATE TABLE revisions("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  time INTEGER NOT NULL, user TEXT NOT NULL, source TEXT NOT NULL,"
    "  session TEXT NOT NULL, command TEXT NOT NULL, config TEXT NOT NULL);"
    "CREATE TABLE startup(one INTEGER PRIMARY KEY CHECK(one = 1), revision INTEGER NOT NULL,"
    "  time INTEGER NOT NULL);"
    "CREATE TABLE accounts(name TEXT PRIMARY KEY, hash TEXT NOT NULL, created INTEGER NOT NULL);"
    "CREATE TABLE secrets(name TEXT PRIMARY KEY, hash TEXT NOT NULL);"
    "CREATE TABLE audit(id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL,"
    "  user TEXT, source TEXT, session TEXT, mode TEXT, command TEXT, result TEXT);",
    // 1 -> 2: the pending confirm-or-revert timer (at most one).
    "CREATE TABLE pending_revert(one INTEGER PRIMARY KEY CHECK(one = 1), revision INTEGER NOT NULL,"
    "  deadline INTEGER NOT NULL, minutes INTEGER NOT NULL, user TEXT NOT NULL, session TEXT NOT NULL);",
    // 2 -> 3: login failures / lockout per account and the password history
    // (accounts area, ops_accounts_state.cpp).
    "CREATE TABLE lockout(name TEXT PRIMARY KEY, failures INTEGER NOT NULL, first_failure INTEGER NOT NULL,"
    "  locked_until INTEGER NOT NULL);"
    "CREATE TABLE password_history(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,"
    "  hash TEXT NOT NULL, time INTEGER NOT NULL);"
    "CREATE INDEX password_history_name ON password_history(name, id);",
    // 3 -> 4: a revision may hold only what changed since revision `base`
    // (NULL: a full snapshot); `depth` counts such deltas since the last
    // full snapshot (Store::commit_change).
    "ALTER TABLE revisions ADD COLUMN base INTEGER;"
    "ALTER TABLE revisions ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;",
};

struct Stmt {
    sqlite3_stmt* s = nullptr;
    Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s, nullptr); }
    ~Stmt() { sqlite3_finalize(s); }
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

std::int64_t now() { return std::int64_t(std::time(nullptr)); }

}  // namespace

Store::~Store() {
    if (db_) sqlite3_close(db_);
}

bool Store::exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
        err_ = msg ? msg : "sqlite error";
        sqlite3_free(msg);
        return false;
    }
    return true;
}

bool Store::open(const std::string& path, std::string* err) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        if (err) *err = db_ ? sqlite3_errmsg(db_) : "cannot open database";
        return false;
    }
    sqlite3_busy_timeout(db_, 5000);
    // WAL: readers never block the writer and a crash mid-commit loses nothing committed.
    if (!exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")) {
        if (err) *err = err_;
        return false;
    }
    int v = schema_version();
    const int target = int(sizeof kMigrations / sizeof kMigrations[0]);
    if (v > target) {
        if (err) *err = "database schema " + std::to_string(v) + " is newer than this build (" +
                        std::to_string(target) + ")";
        return false;
    }
    for (; v < target; ++v) {
        std::string sql = std::string("BEGIN IMMEDIATE;") + kMigrations[v] +
                          "PRAGMA user_version=" + std::to_string(v + 1) + "; COMMIT;";
        if (!exec(sql.c_str())) {
            exec("ROLLBACK;");
            if (err) *err = "migration to schema " + std::to_string(v + 1) + " failed: " + err_;
            return false;
        }
    }
    return true;
}

int Store::schema_version() const {
    Stmt st(db_, "PRAGMA user_version;");
    return (st && st.step() == SQLITE_ROW) ? int(st.i64(0)) : 0;
}

std::int64_t Store::insert(const std::string& config, std::optional<std::int64_t> base, std::int64_t depth,
                           const RevisionMeta& m) {
    Stmt st(db_, "INSERT INTO revisions(time,user,source,session,command,config,base,depth) VALUES(?,?,?,?,?,?,?,?);");
    if (!st) return 0;
    st.bind(1, now());
    st.bind(2, m.user);
    st.bind(3, m.source);
    st.bind(4, m.session);
    st.bind(5, m.command);
    st.bind(6, config);
    if (base) st.bind(7, *base);
    else sqlite3_bind_null(st.s, 7);
    st.bind(8, depth);
    if (st.step() != SQLITE_DONE) {
        err_ = sqlite3_errmsg(db_);
        return 0;
    }
    return sqlite3_last_insert_rowid(db_);
}

std::int64_t Store::commit(const std::string& config_json, const RevisionMeta& m) {
    return insert(config_json, std::nullopt, 0, m);
}

std::int64_t Store::commit_change(std::int64_t base, const std::string& delta_json,
                                  const std::function<std::string()>& full_json, const RevisionMeta& m) {
    Stmt st(db_, "SELECT depth FROM revisions WHERE id=?;");
    if (!st) return 0;
    st.bind(1, base);
    if (st.step() != SQLITE_ROW || st.i64(0) + 1 >= kMaxDeltaChain) return insert(full_json(), std::nullopt, 0, m);
    return insert(delta_json, base, st.i64(0) + 1, m);
}

std::optional<std::int64_t> Store::latest_id() const {
    Stmt st(db_, "SELECT max(id) FROM revisions;");
    if (!st || st.step() != SQLITE_ROW || sqlite3_column_type(st.s, 0) == SQLITE_NULL) return std::nullopt;
    return st.i64(0);
}

std::optional<Revision> Store::read(const char* where, std::int64_t arg) const {
    std::string sql = std::string("SELECT id,time,user,source,session,command,config,base FROM revisions ") + where;
    Stmt st(db_, sql.c_str());
    if (!st) return std::nullopt;
    if (arg) st.bind(1, arg);
    if (st.step() != SQLITE_ROW) return std::nullopt;
    Revision r;
    r.id = st.i64(0);
    r.time = st.i64(1);
    r.meta = {st.text(2), st.text(3), st.text(4), st.text(5)};
    r.config = st.text(6);
    if (sqlite3_column_type(st.s, 7) == SQLITE_NULL) return r;
    // A delta: rebuild the snapshot from the last full one before it (at
    // most kMaxDeltaChain rows back), applying each delta oldest first.
    std::vector<std::string> deltas{r.config};
    std::int64_t base = st.i64(7);
    std::string full;
    for (;;) {
        Stmt b(db_, "SELECT config,base FROM revisions WHERE id=?;");
        if (!b) return std::nullopt;
        b.bind(1, base);
        if (b.step() != SQLITE_ROW || deltas.size() > std::size_t(kMaxDeltaChain)) {
            err_ = "revision " + std::to_string(r.id) + ": its base revision " + std::to_string(base) + " is missing";
            return std::nullopt;
        }
        if (sqlite3_column_type(b.s, 1) == SQLITE_NULL) {
            full = b.text(0);
            break;
        }
        deltas.push_back(b.text(0));
        base = b.i64(1);
    }
    nlohmann::json j = nlohmann::json::parse(full, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    for (auto it = deltas.rbegin(); it != deltas.rend(); ++it) {
        nlohmann::json d = nlohmann::json::parse(*it, nullptr, false);
        if (!d.is_object()) return std::nullopt;
        if (d.contains("set") && d["set"].is_object())
            for (auto& [k, v] : d["set"].items()) j[k] = v;
        if (d.contains("del") && d["del"].is_array())
            for (const auto& k : d["del"])
                if (k.is_string()) j.erase(k.get<std::string>());
    }
    r.config = j.dump();
    return r;
}

std::optional<Revision> Store::latest() const { return read("ORDER BY id DESC LIMIT 1;", 0); }

std::optional<Revision> Store::revision(std::int64_t id) const { return read("WHERE id=?;", id); }

std::optional<std::int64_t> Store::startup_id() const {
    Stmt st(db_, "SELECT revision FROM startup WHERE one=1;");
    if (st && st.step() == SQLITE_ROW) return st.i64(0);
    return std::nullopt;
}

bool Store::set_startup(std::int64_t id) {
    Stmt st(db_, "INSERT INTO startup(one,revision,time) VALUES(1,?,?) "
                 "ON CONFLICT(one) DO UPDATE SET revision=excluded.revision, time=excluded.time;");
    if (!st) return false;
    st.bind(1, id);
    st.bind(2, now());
    return st.step() == SQLITE_DONE;
}

bool Store::clear_startup() { return exec("DELETE FROM startup;"); }

std::vector<Revision> Store::revisions(int limit) const {
    std::vector<Revision> out;
    Stmt st(db_, "SELECT id,time,user,source,session,command FROM revisions ORDER BY id DESC LIMIT ?;");
    if (!st) return out;
    st.bind(1, std::int64_t(limit));
    while (st.step() == SQLITE_ROW) {
        Revision r;
        r.id = st.i64(0);
        r.time = st.i64(1);
        r.meta = {st.text(2), st.text(3), st.text(4), st.text(5)};
        out.push_back(std::move(r));
    }
    return out;
}

bool Store::set_pending_revert(const PendingRevert& p) {
    Stmt st(db_, "INSERT INTO pending_revert(one,revision,deadline,minutes,user,session) VALUES(1,?,?,?,?,?) "
                 "ON CONFLICT(one) DO UPDATE SET revision=excluded.revision, deadline=excluded.deadline, "
                 "minutes=excluded.minutes, user=excluded.user, session=excluded.session;");
    if (!st) return false;
    st.bind(1, p.revision);
    st.bind(2, p.deadline);
    st.bind(3, std::int64_t(p.minutes));
    st.bind(4, p.user);
    st.bind(5, p.session);
    return st.step() == SQLITE_DONE;
}

std::optional<PendingRevert> Store::pending_revert() const {
    Stmt st(db_, "SELECT revision,deadline,minutes,user,session FROM pending_revert WHERE one=1;");
    if (!st || st.step() != SQLITE_ROW) return std::nullopt;
    return PendingRevert{st.i64(0), st.i64(1), int(st.i64(2)), st.text(3), st.text(4)};
}

bool Store::clear_pending_revert() { return exec("DELETE FROM pending_revert;"); }

bool Store::put_account(const std::string& name, const std::string& hash) {
    Stmt st(db_, "INSERT INTO accounts(name,hash,created) VALUES(?,?,?) "
                 "ON CONFLICT(name) DO UPDATE SET hash=excluded.hash;");
    if (!st) return false;
    st.bind(1, name);
    st.bind(2, hash);
    st.bind(3, now());
    return st.step() == SQLITE_DONE;
}

std::optional<std::string> Store::account_hash(const std::string& name) const {
    Stmt st(db_, "SELECT hash FROM accounts WHERE name=?;");
    if (!st) return std::nullopt;
    st.bind(1, name);
    if (st.step() == SQLITE_ROW) return st.text(0);
    return std::nullopt;
}

bool Store::put_secret(const std::string& name, const std::string& hash) {
    Stmt st(db_, "INSERT INTO secrets(name,hash) VALUES(?,?) ON CONFLICT(name) DO UPDATE SET hash=excluded.hash;");
    if (!st) return false;
    st.bind(1, name);
    st.bind(2, hash);
    return st.step() == SQLITE_DONE;
}

std::optional<std::string> Store::secret(const std::string& name) const {
    Stmt st(db_, "SELECT hash FROM secrets WHERE name=?;");
    if (!st) return std::nullopt;
    st.bind(1, name);
    if (st.step() == SQLITE_ROW) return st.text(0);
    return std::nullopt;
}

AuditLine audit_syslog_line(const AuditRecord& r, std::int64_t time) {
    std::time_t t = std::time_t(time);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[32];
    std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    bool ok = r.result.rfind("success", 0) == 0;
    // Who, from where, when, what and how it ended: the STIG's audit content
    // (V-251015..V-251020). dump() escapes control characters, so one record
    // stays one line; invalid UTF-8 is replaced rather than thrown on.
    nlohmann::json j = {{"time", ts},         {"user", r.user},       {"source", r.source},
                        {"session", r.session}, {"mode", r.mode},     {"command", r.command},
                        {"result", r.result}};
    return {ok ? int(mics::Severity::info) : int(mics::Severity::warning),
            std::string(ok ? "INFO " : "WARN ") + j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

void Store::audit(const AuditRecord& r) {
    std::int64_t time = r.time ? r.time : now();
    AuditLine line = audit_syslog_line(r, time);
    mics::syslog_send(mics::LogFacility::audit, mics::Severity(line.severity), kAuditTag, line.text);
    Stmt st(db_, "INSERT INTO audit(time,user,source,session,mode,command,result) VALUES(?,?,?,?,?,?,?);");
    if (!st) return;
    st.bind(1, time);
    st.bind(2, r.user);
    st.bind(3, r.source);
    st.bind(4, r.session);
    st.bind(5, r.mode);
    st.bind(6, r.command);
    st.bind(7, r.result);
    st.step();
}

std::vector<AuditRecord> Store::audit_tail(int n) const {
    std::vector<AuditRecord> out;
    Stmt st(db_, "SELECT time,user,source,session,mode,command,result FROM "
                 "(SELECT * FROM audit ORDER BY id DESC LIMIT ?) ORDER BY id ASC;");
    if (!st) return out;
    st.bind(1, std::int64_t(n));
    while (st.step() == SQLITE_ROW)
        out.push_back({st.i64(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5), st.text(6)});
    return out;
}

}  // namespace micsd
