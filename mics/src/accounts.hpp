// Local accounts, password policy, lockout and login sessions (the accounts
// area: config_fields_accounts.cpp, ops_accounts*.cpp). Private to MICS;
// no third-party types. Design and decisions: docs/accounts.md.
#pragma once
#include "config_model.hpp"
#include "session.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace micsd {

class Store;

namespace accounts {

// Config paths of the area (keyed families are "path[user]").
inline constexpr const char* kSecret = "user.secret";  // [user] -> yescrypt hash
inline constexpr const char* kSshKey = "user.sshkey";  // [user] -> "<type> <base64>"

// 1-32 of [A-Za-z0-9._-], starting with a letter or '_'.
bool valid_username(const std::string& u);
// "<type> <base64>" with a known key type and plain base64 (max 8 KiB).
std::string check_ssh_key(const std::string& key);  // "" ok, else why
// A crypt(3) hash as we store it: "$y$..." (yescrypt), printable, no spaces.
bool valid_hash(const std::string& h);

// Users in the configuration. A configuration without any user (an old
// state dir, unit tests) falls back to the first-boot account in the store.
std::vector<std::string> users(const Config& c);
std::optional<std::string> user_hash(const Config& c, const Store& st, const std::string& user);
std::optional<std::string> user_key(const Config& c, const std::string& user);

struct Policy {
    int min_length = 8, max_length = 128, classes = 3, history = 5;
};
Policy policy(const Config& c);
// "" when pw satisfies the policy, else a message naming the rule
// (e.g. "password-policy min-length: ...").
std::string check_password(const Policy& p, const std::string& user, const std::string& pw);

struct LockoutPolicy {
    int attempts = 3;
    std::int64_t window_s = 900;
    std::int64_t duration_s = 900;  // 0 = until an administrator clears it
};
LockoutPolicy lockout_policy(const Config& c);

// Cross-field rules checked on every commit (edit, import, rollback, revert):
// the account of last resort, keys of existing users only, min <= max length.
// `who` is the committing user (an account cannot delete itself).
std::string check_commit(const Config& from, const Config& to, const std::string& who);

// The configuration as a viewer below privilege 15 may see it: hashes and
// keys replaced by "***" (rendered as `username u secret ***`).
Config mask_secrets(const Config& c);

// The standard DoD Notice and Consent Banner (`banner login dod`).
const std::string& dod_banner();
// "" when the text is a banner we can render and parse back, else why.
std::string check_banner(const std::string& text);
// The text of a `banner login` block: raw is everything after "banner login"
// on the first line, then each following line after a '\n'. "dod" is the
// preset; otherwise the first character (or "^C") is the delimiter and the text
// runs to its next occurrence. nullopt when the block is not closed.
std::optional<std::string> parse_banner_block(const std::string& raw);

// ---- persistent login state (SQLite tables of schema 3) ---------------------

struct LockState {
    std::string user;
    int failures = 0;
    std::int64_t first_failure = 0, locked_until = 0;  // locked_until: -1 = until cleared
};
std::optional<LockState> lock_state(Store& st, const std::string& user);
bool is_locked(const LockState& s, std::int64_t now);
// Counts a failure; returns true when this failure locked the account.
bool record_failure(Store& st, const std::string& user, const LockoutPolicy& p, std::int64_t now);
void clear_failures(Store& st, const std::string& user);
std::vector<LockState> locked_users(Store& st, std::int64_t now);

// Password history, newest first (hashes only).
std::vector<std::string> history(Store& st, const std::string& user, int n);
void push_history(Store& st, const std::string& user, const std::string& hash, int keep);

// ---- login sessions (lines) -------------------------------------------------

struct Line {
    int id = 0;  // small number shown by `show users`, used by `clear line`
    std::string session, user, source, service;
    std::int64_t since = 0, last_active = 0;
    bool kill = false;  // `clear line`: the server closes the connection
};

// Every authenticated MICS session, by line id. MICS is single-threaded.
class Lines {
public:
    int add(const Session& s, const std::string& service, std::int64_t now);
    void touch(const std::string& session, std::int64_t now);
    void remove(const std::string& session);
    bool kill_requested(const std::string& session) const;
    bool kill(int id);
    std::vector<Line> list() const;

private:
    std::map<int, Line> by_id_;
};

}  // namespace accounts
}  // namespace micsd
