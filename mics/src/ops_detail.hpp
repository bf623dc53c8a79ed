// Private to the op-table files (ops.cpp, ops_<area>.cpp): the row type and
// the argument helpers. Included only from .cpp files, so nlohmann::json stays
// out of every other header.
#pragma once
#include "app.hpp"
#include "session.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace micsd::ops {

using nlohmann::json;

// Thrown by handlers; dispatch() turns it into {"code","message"}.
struct OpError {
    std::string code, message;
};

enum class Who { anyone, trusted, session };

struct OpDef {
    const char* name;
    Who who;
    int min_priv;          // for sessions
    bool config_mode;      // requires CONFIG mode
    std::function<json(App&, Session&, const json&)> fn;
    // Instead of fn: the reply's data as JSON text, spliced in as it is.
    // For relays whose data is already JSON (a device-cache page is 1000
    // rows), so MICS neither decodes nor re-encodes it.
    std::function<std::string(App&, Session&, const json&)> raw = nullptr;
};

[[noreturn]] inline void fail(std::string code, std::string msg) {
    throw OpError{std::move(code), std::move(msg)};
}

inline std::string str_arg(const json& a, const char* key, std::size_t max, bool required = true) {
    if (!a.contains(key)) {
        if (required) fail("bad_request", std::string("missing argument '") + key + "'");
        return {};
    }
    if (!a[key].is_string()) fail("bad_request", std::string("argument '") + key + "' must be a string");
    std::string v = a[key].get<std::string>();
    if (v.size() > max) fail("bad_request", std::string("argument '") + key + "' is too long");
    return v;
}

// Integer argument within [min, max].
inline long long int_arg(const json& a, const char* key, long long min, long long max) {
    if (!a.contains(key) || !a[key].is_number_integer())
        fail("bad_request", std::string("argument '") + key + "' must be an integer");
    long long v = a[key].get<long long>();
    if (v < min || v > max)
        fail("bad_request", std::string("argument '") + key + "' must be " + std::to_string(min) + "-" +
                                std::to_string(max));
    return v;
}

// Space-aligned text columns for show output; the last column is not padded
// (ops_archive.cpp).
std::string columns(const std::vector<std::vector<std::string>>& rows);

// Op rows by area, one file each; ops.cpp concatenates them.
// What session.* ops answer: id, user, privilege, mode, host name, idle timeout (ops.cpp).
json session_json(const Session& s, const App& app);

std::vector<OpDef> archive_ops();  // archive, audit and service ops (ops_archive.cpp)
std::vector<OpDef> account_ops();  // users, lockout, SSH sessions (ops_accounts.cpp)
std::vector<OpDef> sentry_ops();   // ActiveSync proxy reporting and control (ops_sentry.cpp)
std::vector<OpDef> system_ops();   // reload, config status, FIPS, kernel parameters (ops_system.cpp)
std::vector<OpDef> acl_ops();      // delete a whole ACL, show access-list (ops_acl.cpp)
std::vector<OpDef> syslog_ops();   // syslog destinations, show logging (ops_syslog.cpp)

}  // namespace micsd::ops
