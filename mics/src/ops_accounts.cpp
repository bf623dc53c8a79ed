// Op rows for the accounts area (see ops_detail.hpp): logins with lockout,
// public-key logins, password changes under the policy, locked accounts,
// login sessions (lines), the login banner, `show ssh`.
#include "accounts.hpp"
#include "ops_detail.hpp"
#include "password.hpp"

#include "mics/log.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <limits>

namespace micsd::ops {

namespace {

std::int64_t now() { return std::int64_t(std::time(nullptr)); }

std::string new_session_id() {
    unsigned char b[8];
    RAND_bytes(b, sizeof b);
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (unsigned char c : b) {
        s.push_back(hex[c >> 4]);
        s.push_back(hex[c & 15]);
    }
    return s;
}

std::string hhmmss(std::int64_t s) {
    if (s < 0) s = 0;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60),
                  (long long)(s % 60));
    return buf;
}

std::string utc(std::int64_t t) {
    std::time_t tt = std::time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

void audit_login(App& app, const std::string& user, const std::string& source, const std::string& what,
                 const std::string& result) {
    app.store().audit({0, user, source, "", "login", what, result});
}

// Lockout row for names that are not accounts (user names are [A-Za-z0-9._-]).
constexpr const char* kUnknownRow = "*unknown*";

// Counts one failure of a known account (a login, or an enable secret typed
// in its session); audits and logs the lock when this one locks it.
bool count_failure(App& app, const std::string& user, const std::string& source, const std::string& what,
                   std::int64_t t) {
    const auto p = accounts::lockout_policy(app.running());
    if (!accounts::record_failure(app.store(), user, p, t)) return false;
    std::string span = p.duration_s ? std::to_string(p.duration_s / 60) + " minutes" : "until cleared";
    audit_login(app, user, source,
                "account locked after " + std::to_string(p.attempts) + " " + what + " (" + span + ")", "lockout");
    mics::log_warn("account '" + user + "' locked after " + std::to_string(p.attempts) + " " + what +
                   " (last from " + source + ")");
    return true;
}

// The end of every login attempt, whatever the credential: the lock is
// checked after the (always performed) verification so a locked, a wrong and
// an unknown account cost the same and get the same answer.
json finish_login(App& app, Session& s, const std::string& user, const std::string& source,
                  const std::string& service, bool known, bool ok) {
    const std::int64_t t = now();
    const std::string what = "login via " + service;
    // An unknown name pays the same store read and write as a known one (a
    // failure is an fsync'd write): its failures go to one shared row that
    // no user name can spell and that never locks, so response time does not
    // tell which names exist.
    const std::string row = known ? user : std::string(kUnknownRow);
    auto st = accounts::lock_state(app.store(), row);
    if (!known) st.reset();
    const auto p = accounts::lockout_policy(app.running());
    auto never = p;
    never.attempts = std::numeric_limits<int>::max();
    if (st && accounts::is_locked(*st, t)) {
        // The same write as any other failure, so a locked account answers
        // no faster than a wrong password or an unknown name.
        accounts::record_failure(app.store(), kUnknownRow, never, t);
        audit_login(app, user, source, what, "failure: account locked");
        fail("auth_failed", "Authentication failed");
    }
    if (!ok) {
        audit_login(app, user, source, what, "failure");
        if (!known) accounts::record_failure(app.store(), row, never, t);
        else count_failure(app, user, source, "failed logins", t);
        fail("auth_failed", "Authentication failed");
    }
    if (st) accounts::clear_failures(app.store(), user);
    s.trusted = false;  // from now on this connection is the user's, nothing more
    s.login_only = false;
    s.authenticated = true;
    s.account = true;
    s.user = user;
    s.source = source.empty() ? "unknown" : source;
    s.privilege = 1;
    s.id = new_session_id();
    int line = app.lines().add(s, service, t);
    audit_login(app, user, s.source, what, "success");
    return {{"session_id", s.id}, {"user", s.user}, {"privilege", s.privilege}, {"mode", mode_name(s.mode)},
            {"hostname", get_string(app.running(), "system.hostname")},
            {"idle_timeout_min", get_int(app.running(), "system.cli.timeout")}, {"line", line}};
}

json auth_login(App& app, Session& s, const json& a) {
    std::string user = str_arg(a, "user", 64);
    std::string pw = str_arg(a, "password", 128);
    std::string source = str_arg(a, "source", 64, false);
    std::string service = str_arg(a, "service", 16, false);
    auto hash = accounts::user_hash(app.running(), app.store(), user);
    bool ok = false;
    if (hash) ok = verify_password(pw, *hash);
    else burn_dummy_verify(pw);  // same cost and answer for unknown users
    return finish_login(app, s, user, source, service.empty() ? "ssh" : service, hash.has_value(), ok);
}

// sentry-sshd calls this only after libssh verified the client's signature
// with `key`; MICS decides whether that key belongs to the user.
json auth_pubkey(App& app, Session& s, const json& a) {
    std::string user = str_arg(a, "user", 64);
    std::string key = str_arg(a, "key", 8300);
    std::string source = str_arg(a, "source", 64, false);
    auto want = accounts::user_key(app.running(), user);
    bool known = accounts::user_hash(app.running(), app.store(), user).has_value();
    bool ok = want && want->size() == key.size() && CRYPTO_memcmp(want->data(), key.data(), key.size()) == 0;
    if (!ok) {
        // A client offering keys that are not registered is normal (OpenSSH
        // tries each of its keys): audited, but not counted toward lockout.
        audit_login(app, user, source, "login via ssh publickey", "failure");
        fail("auth_failed", "Authentication failed");
    }
    return finish_login(app, s, user, source, "ssh publickey", known, true);
}

// `enable`: the enable secret, verified always (same cost whatever the
// state). In a session of a local account a wrong secret counts toward that
// account's lockout like a failed login (mixed failures share one count, so
// a stolen login password gives no extra guesses at the secret); a locked
// account cannot enable, and the shell ends the session on "locked". The
// console (session.local) is never locked out (docs/accounts.md).
json session_enable(App& app, Session& s, const json& a) {
    std::string secret = str_arg(a, "secret", 128);
    auto hash = app.store().secret("enable");
    bool ok = hash && verify_password(secret, *hash);
    const std::int64_t t = now();
    bool locked = false;
    if (s.account) {
        if (auto st = accounts::lock_state(app.store(), s.user); st && accounts::is_locked(*st, t)) locked = true;
        else if (!ok) locked = count_failure(app, s.user, s.source, "failed logins or enable attempts", t);
        else if (st) accounts::clear_failures(app.store(), s.user);
    }
    // With a typed line dispatch() records the command and its result; a raw
    // client sends none, so the attempt is recorded here instead.
    if (!a.contains("line"))
        app.store().audit({0, s.user, s.source, s.id, "exec", "enable", ok && !locked ? "success" : "failure"});
    if (locked) fail("locked", "Access denied: account " + s.user + " is locked");
    if (!ok) fail("auth_failed", "Access denied");
    s.privilege = 15;
    return session_json(s, app);
}

// Commits edits as one revision in the caller's name (like config.edit).
json commit_edits(App& app, Session& s, const std::vector<std::pair<std::string, std::optional<Value>>>& edits,
                  const std::string& line) {
    std::vector<App::Edit> list;
    for (const auto& [path, v] : edits) list.push_back({path, v ? "set" : "delete", v});
    std::int64_t rev = 0;
    if (std::string why = app.commit_edits(list, s, line, &rev, nullptr); !why.empty()) fail("invalid", why);
    if (rev == 0) return {{"revision", app.revision()}, {"changed", false}};
    return {{"revision", rev}, {"changed", true}};
}

std::string user_arg(const json& a) {
    std::string u = str_arg(a, "user", 64);
    if (!accounts::valid_username(u))
        fail("invalid", "username " + u.substr(0, 32) +
                            ": must be 1-32 of letters, digits, '.', '_', '-' and start with a letter or '_'");
    return u;
}

json account_password(App& app, Session& s, const json& a) {
    std::string user = user_arg(a);
    std::string pw = str_arg(a, "password", 256);
    const Config& c = app.running();
    auto p = accounts::policy(c);
    if (std::string why = accounts::check_password(p, user, pw); !why.empty()) fail("invalid", why);
    if (p.history > 0) {
        auto current = accounts::user_hash(c, app.store(), user);
        std::vector<std::string> old = accounts::history(app.store(), user, p.history);
        if (current && std::find(old.begin(), old.end(), *current) == old.end()) old.insert(old.begin(), *current);
        if (old.size() > std::size_t(p.history)) old.resize(std::size_t(p.history));
        for (const auto& h : old)
            if (verify_password(pw, h))
                fail("invalid", "password-policy history: the password was one of the last " +
                                    std::to_string(p.history) + " passwords of " + user);
    }
    std::string hash = hash_password(pw);
    if (hash.empty()) fail("internal", "cannot hash the password");
    std::string line = str_arg(a, "line", 4096, false);
    json r = commit_edits(app, s, {{std::string(accounts::kSecret) + "[" + user + "]", Value(hash)}},
                          line.empty() ? "username " + user + " password" : line);
    accounts::push_history(app.store(), user, hash, p.history);
    accounts::clear_failures(app.store(), user);  // a new password ends a lock
    return r;
}

json enable_secret(App& app, Session&, const json& a) {
    std::string pw = str_arg(a, "secret", 256);
    auto p = accounts::policy(app.running());
    if (std::string why = accounts::check_password(p, "", pw); !why.empty()) fail("invalid", why);
    auto old = app.store().secret("enable");
    if (p.history > 0 && old && verify_password(pw, *old))
        fail("invalid", "password-policy history: that is the current enable secret");
    std::string hash = hash_password(pw);
    if (hash.empty() || !app.store().put_secret("enable", hash)) fail("internal", "cannot store the enable secret");
    return {{"changed", true}};
}

json users_locked(App& app, Session&, const json&) {
    const std::int64_t t = now();
    std::vector<std::vector<std::string>> rows = {{"User", "Failures", "Locked until"}};
    json list = json::array();
    for (const auto& l : accounts::locked_users(app.store(), t)) {
        std::string until = l.locked_until < 0 ? "cleared by an administrator" : utc(l.locked_until) + " UTC";
        rows.push_back({l.user, std::to_string(l.failures), until});
        list.push_back({{"user", l.user}, {"failures", l.failures}, {"locked_until", l.locked_until}});
    }
    std::string text = list.empty() ? "No locked accounts.\n" : columns(rows);
    return {{"text", text}, {"data", {{"locked", list}}}};
}

json users_unlock(App& app, Session& s, const json& a) {
    std::string user = user_arg(a);
    auto st = accounts::lock_state(app.store(), user);
    if (!st || !accounts::is_locked(*st, now())) fail("not_found", "user " + user + " is not locked");
    accounts::clear_failures(app.store(), user);
    app.store().audit({0, s.user, s.source, s.id, "exec", "unlock account " + user, "success"});
    return {{"user", user}, {"unlocked", true}};
}

json users_lines(App& app, Session& s, const json&) {
    const std::int64_t t = now();
    std::vector<std::vector<std::string>> rows = {{"", "Line", "User", "From", "Since (UTC)", "Idle"}};
    json list = json::array();
    for (const auto& l : app.lines().list()) {
        bool me = l.session == s.id;
        rows.push_back({me ? "*" : "", std::to_string(l.id), l.user, l.source, utc(l.since),
                        hhmmss(t - l.last_active)});
        list.push_back({{"line", l.id}, {"user", l.user}, {"source", l.source}, {"service", l.service},
                        {"since", l.since}, {"idle_s", t - l.last_active}, {"self", me}});
    }
    return {{"text", columns(rows)}, {"data", {{"lines", list}}}};
}

json line_clear(App& app, Session& s, const json& a) {
    int id = int(int_arg(a, "id", 0, 100000));  // not "line": the shell sends the typed line as "line"
    for (const auto& l : app.lines().list())
        if (l.id == id && l.session == s.id) fail("invalid", "line " + std::to_string(id) + " is your own session; use exit");
    if (!app.lines().kill(id)) fail("not_found", "no session on line " + std::to_string(id));
    return {{"line", id}, {"cleared", true}};
}

json banner_set(App& app, Session& s, const json& a) {
    std::string raw = str_arg(a, "raw", 8192);
    auto text = accounts::parse_banner_block(raw);
    if (!text) fail("invalid", "banner login: the text is not closed by its delimiter");
    std::string line = str_arg(a, "line", 4096, false);
    return commit_edits(app, s, {{"ssh.banner", Value(*text)}}, line.empty() ? "banner login" : line);
}

json ssh_show(App& app, Session&, const json&) {
    const Config& c = app.running();
    bool enabled = std::get<bool>(get(c, "ssh.enabled"));
    auto lp = accounts::lockout_policy(c);
    // sentry-sshd writes what it runs with once it listens (cli/sshd/src/server.cpp):
    // address and port, fips, algorithms, host key fingerprints.
    json keys = json::array(), algos = json::object();
    std::string listen_addr, fips;
    int port = 0;
    std::ifstream f(app.options().paths.keys() + "/sshd-info");
    std::string l;
    for (int n = 0; n < 32 && std::getline(f, l) && l.size() < 4096; ++n) {
        auto sp = l.find(' ');
        if (sp == std::string::npos) continue;
        std::string k = l.substr(0, sp), v = l.substr(sp + 1);
        if (k == "hostkey") {
            auto sp2 = v.find(' ');
            keys.push_back({{"type", v.substr(0, sp2)}, {"fingerprint", sp2 == std::string::npos ? "" : v.substr(sp2 + 1)}});
        } else if (k == "listen") {
            auto sp2 = v.rfind(' ');
            listen_addr = v.substr(0, sp2);
            if (sp2 != std::string::npos) port = std::atoi(v.c_str() + sp2 + 1);
        } else if (k == "fips") {
            fips = v;
        } else {
            algos[k] = v;
        }
    }
    const int configured = app.ssh_port(c);
    if (port <= 0) port = configured;  // sentry-sshd has not started yet
    std::string text;
    text += std::string("SSH: ") + (enabled ? "enabled" : "disabled") + "\n";
    text += "Port: " + std::to_string(port);
    if (port != configured)
        text += " (configured " + std::to_string(configured) + ", not listening there yet: see sentry-sshd.log)";
    text += "\n";
    text += "Maximum sessions: " + std::to_string(get_int(c, "ssh.max_sessions")) + "\n";
    text += "Active sessions: " + std::to_string(app.lines().list().size()) + "\n";
    text += "Authentication grace time: " + std::to_string(get_int(c, "ssh.grace_time")) + " seconds\n";
    text += "CLI idle timeout: " + std::to_string(get_int(c, "system.cli.timeout")) + " minutes\n";
    text += "Authentication methods: publickey, password, keyboard-interactive\n";
    text += "Lockout: " + std::to_string(lp.attempts) + " failures within " + std::to_string(lp.window_s / 60) +
            " minutes lock an account for " +
            (lp.duration_s ? std::to_string(lp.duration_s / 60) + " minutes" : std::string("ever (until cleared)")) +
            "\n";
    if (!fips.empty())
        text += "FIPS algorithms only: " + std::string(fips == "on" ? "yes" : "no") + "\n";
    text += "Host keys:\n";
    if (keys.empty()) text += "  (sentry-sshd has not started)\n";
    for (const auto& k : keys)
        text += "  " + k["type"].get<std::string>() + " " + k["fingerprint"].get<std::string>() + "\n";
    for (const char* k : {"kex", "cipher", "mac", "hostkey-algorithms", "pubkey-algorithms"})
        if (algos.contains(k)) text += std::string("Algorithms ") + k + ": " + algos[k].get<std::string>() + "\n";
    json data = {{"enabled", enabled},
                 {"port", port},
                 {"configured_port", configured},
                 {"listen_address", listen_addr.empty() ? json(nullptr) : json(listen_addr)},
                 {"fips", fips.empty() ? json(nullptr) : json(fips == "on")},
                 {"max_sessions", get_int(c, "ssh.max_sessions")},
                 {"grace_time_s", get_int(c, "ssh.grace_time")},
                 {"idle_timeout_min", get_int(c, "system.cli.timeout")},
                 {"host_keys", keys},
                 {"algorithms", algos}};
    return {{"text", text}, {"data", data}};
}

}  // namespace

std::vector<OpDef> account_ops() {
    return {
        {"auth.login", Who::trusted, 0, false, auth_login},
        {"auth.pubkey", Who::trusted, 0, false, auth_pubkey},
        {"session.enable", Who::session, 1, false, session_enable},
        {"account.password", Who::session, 15, true, account_password},
        {"account.enable_secret", Who::session, 15, true, enable_secret},
        {"users.locked", Who::session, 15, false, users_locked},
        {"users.unlock", Who::session, 15, false, users_unlock},
        {"users.lines", Who::session, 1, false, users_lines},
        {"line.clear", Who::session, 15, false, line_clear},
        {"ssh.banner", Who::session, 15, true, banner_set},
        {"ssh.show", Who::session, 1, false, ssh_show},
    };
}

}  // namespace micsd::ops
