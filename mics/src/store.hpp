// SQLite store: revisions (running = newest), the startup pointer, local
// accounts, secrets and the audit trail. WAL mode; every write is one
// transaction so a crash leaves either the old or the new state.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace micsd {

struct RevisionMeta {
    std::string user, source, session, command;
};

struct Revision {
    std::int64_t id = 0;
    std::int64_t time = 0;
    RevisionMeta meta;
    std::string config;  // JSON text of the whole configuration (rebuilt from deltas when stored as one)
};

// A confirm-or-revert timer ("configure terminal revert timer N"): if not
// confirmed by deadline, MICS commits revision `revision` again. Kept in SQLite
// so a restart of MICS in the meantime cannot lose it.
struct PendingRevert {
    std::int64_t revision = 0;  // running when the timer was armed
    std::int64_t deadline = 0;  // unix seconds
    int minutes = 0;
    std::string user, session;
};

struct AuditRecord {
    std::int64_t time = 0;
    std::string user, source, session, mode, command, result;
};

// The one-line form of an audit record that Store::audit also sends to the
// log collector (facility audit, tag MICS_AUDIT; docs/logging.md):
// "INFO {json}" for a success, "WARN {json}" for anything else (failure,
// denied, error), with the severity to match. The command is the one the
// audit table holds: secrets are already masked by whoever recorded it.
struct AuditLine {
    int severity;  // mics::Severity as a number (info 6, warning 4)
    std::string text;
};
AuditLine audit_syslog_line(const AuditRecord& r, std::int64_t time);
inline constexpr const char* kAuditTag = "MICS_AUDIT";

class Store {
public:
    Store() = default;
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // Opens (creating if needed) and migrates to the current schema.
    bool open(const std::string& path, std::string* err);
    int schema_version() const;

    // A full snapshot (JSON text of the whole configuration).
    std::int64_t commit(const std::string& config_json, const RevisionMeta& meta);
    // Only what changed since revision `base` ({"set":{path:value},"del":[path]},
    // config_model's delta_json): a commit's write no longer grows with the
    // configuration. Every kMaxDeltaChain-th revision is stored in full
    // (full_json is called then) so reading one replays a bounded chain.
    static constexpr std::int64_t kMaxDeltaChain = 64;
    std::int64_t commit_change(std::int64_t base, const std::string& delta_json,
                               const std::function<std::string()>& full_json, const RevisionMeta& meta);
    // The snapshot of a revision, rebuilt when it is stored as a delta.
    std::optional<Revision> latest() const;
    std::optional<Revision> revision(std::int64_t id) const;
    std::optional<std::int64_t> latest_id() const;
    std::optional<std::int64_t> startup_id() const;
    bool set_startup(std::int64_t id);
    // "erase startup-config": no startup pointer; boot then loads the factory configuration.
    bool clear_startup();
    // Newest first, at most limit rows; config text left empty (list view).
    std::vector<Revision> revisions(int limit) const;

    bool set_pending_revert(const PendingRevert& p);
    std::optional<PendingRevert> pending_revert() const;
    bool clear_pending_revert();

    // Accounts: name -> password hash (never the password).
    bool put_account(const std::string& name, const std::string& hash);
    std::optional<std::string> account_hash(const std::string& name) const;
    bool put_secret(const std::string& name, const std::string& hash);
    std::optional<std::string> secret(const std::string& name) const;

    // Stores the record and sends it to the log collector (audit_syslog_line):
    // remote syslog servers with facility audit get every record in real time.
    void audit(const AuditRecord& r);
    std::vector<AuditRecord> audit_tail(int n) const;

    const std::string& last_error() const { return err_; }
    // For an area's own statements on the tables its migration created
    // (ops_accounts_state.cpp: lockout, password history).
    sqlite3* handle() const { return db_; }

private:
    bool exec(const char* sql);
    std::int64_t insert(const std::string& config, std::optional<std::int64_t> base, std::int64_t depth,
                        const RevisionMeta& m);
    std::optional<Revision> read(const char* where, std::int64_t arg) const;
    sqlite3* db_ = nullptr;
    mutable std::string err_;
};

}  // namespace micsd
