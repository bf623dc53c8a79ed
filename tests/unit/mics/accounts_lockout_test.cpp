// Lockout in auth.login: N failures within the window lock the account for
// the configured time; a locked, a wrong and an unknown login look the same
// from outside; an administrator unlocks; everything is audited.
#include "accounts.hpp"
#include "app_fixture.hpp"

#include <chrono>
#include <ctime>

using namespace micsd;
using namespace mics_test;

TEST_CASE("three wrong passwords lock the account; the right one is then refused the same way") {
    Appliance a;
    Session s = trusted();
    for (int i = 0; i < 3; ++i) CHECK(code(login(*a.app, s, "admin", "wrong-password")) == "auth_failed");
    auto st = accounts::lock_state(a.app->store(), "admin");
    REQUIRE(st);
    CHECK(st->failures == 3);
    CHECK(accounts::is_locked(*st, std::int64_t(std::time(nullptr))));
    json locked = login(*a.app, s, "admin", kAdminPw);
    json unknown = login(*a.app, s, "nobody-here", "wrong-password");
    CHECK(code(locked) == "auth_failed");
    CHECK(locked["error"] == unknown["error"]);
    CHECK(message(locked) == "Authentication failed");
    CHECK_FALSE(s.authenticated);

    auto tail = a.app->store().audit_tail(4);
    REQUIRE(tail.size() == 4);
    CHECK(tail[0].result == "failure");
    CHECK(tail[1].result == "lockout");
    CHECK(tail[1].command.find("account locked after 3 failed logins") == 0);
    CHECK(tail[2].result == "failure: account locked");
    CHECK(tail[3].user == "nobody-here");
}

TEST_CASE("an administrator lists and clears the lock; login works again and resets the count") {
    Appliance a;
    Session boss = admin_config(*a.app);  // logged in before the lock
    // A second user to lock.
    REQUIRE(code(call(*a.app, boss, "account.password", {{"user", "bob"}, {"password", "Bob-pass-2024!"}})) == "ok");
    Session s = trusted();
    for (int i = 0; i < 3; ++i) login(*a.app, s, "bob", "nope-nope-nope");
    CHECK(code(login(*a.app, s, "bob", "Bob-pass-2024!")) == "auth_failed");

    json r = call(*a.app, boss, "users.locked");
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["data"]["locked"].size() == 1);
    CHECK(r["data"]["data"]["locked"][0]["user"] == "bob");
    CHECK(r["data"]["text"].get<std::string>().find("bob") != std::string::npos);

    CHECK(code(call(*a.app, boss, "users.unlock", {{"user", "admin"}})) == "not_found");
    REQUIRE(code(call(*a.app, boss, "users.unlock", {{"user", "bob"}})) == "ok");
    CHECK(call(*a.app, boss, "users.locked")["data"]["data"]["locked"].empty());
    CHECK(code(login(*a.app, s, "bob", "Bob-pass-2024!")) == "ok");
    CHECK_FALSE(accounts::lock_state(a.app->store(), "bob"));
}

TEST_CASE("unlock and the locked list need privilege 15") {
    Appliance a;
    Session s = trusted();
    REQUIRE(code(login(*a.app, s, "admin", kAdminPw)) == "ok");
    CHECK(code(call(*a.app, s, "users.locked")) == "denied");
    CHECK(code(call(*a.app, s, "users.unlock", {{"user", "admin"}})) == "denied");
}

TEST_CASE("failures outside the window start a new count; the lock ends after its time") {
    Appliance a;
    accounts::LockoutPolicy p{3, 900, 900};
    Store& st = a.app->store();
    CHECK_FALSE(accounts::record_failure(st, "admin", p, 1000));
    CHECK_FALSE(accounts::record_failure(st, "admin", p, 1100));
    CHECK_FALSE(accounts::record_failure(st, "admin", p, 1000 + 901));  // window passed: count is 1 again
    CHECK(accounts::lock_state(st, "admin")->failures == 1);
    CHECK_FALSE(accounts::record_failure(st, "admin", p, 2000));
    CHECK(accounts::record_failure(st, "admin", p, 2001));  // third within the window
    auto l = accounts::lock_state(st, "admin");
    CHECK(accounts::is_locked(*l, 2001 + 899));
    CHECK_FALSE(accounts::is_locked(*l, 2001 + 900));
    CHECK_FALSE(accounts::record_failure(st, "admin", p, 2500));  // a failure while locked does not extend it
    CHECK(accounts::lock_state(st, "admin")->locked_until == 2901);
    // lockout time 0: until cleared.
    accounts::LockoutPolicy forever{1, 900, 0};
    CHECK(accounts::record_failure(st, "bob", forever, 10));
    CHECK(accounts::is_locked(*accounts::lock_state(st, "bob"), 1'000'000'000));
}

TEST_CASE("lockout settings come from the configuration and the lock survives a MICS restart") {
    Appliance a;
    Session boss = admin_config(*a.app);
    json e = {{"edits", {{{"path", "lockout.attempts"}, {"op", "set"}, {"value", 2}}}}, {"line", "x"}};
    REQUIRE(code(call(*a.app, boss, "config.edit", e)) == "ok");
    REQUIRE(code(call(*a.app, boss, "config.save")) == "ok");
    Session s = trusted();
    login(*a.app, s, "admin", "wrong-1-password");
    login(*a.app, s, "admin", "wrong-2-password");
    a.boot();
    Session t = trusted();
    CHECK(code(login(*a.app, t, "admin", kAdminPw)) == "auth_failed");
}

TEST_CASE("an unknown user costs about as much as a known one") {
    Appliance a;
    Session s = trusted();
    auto time_of = [&](const char* user) {
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 3; ++i) login(*a.app, s, user, "x-wrong-password");
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    // Unknown first (the known user's three failures lock it; a locked login still verifies).
    double unknown = time_of("mallory"), known = time_of("admin");
    MESSAGE("3 logins: unknown user " << unknown << " s, known user " << known << " s");
    CHECK(unknown > known * 0.5);
    CHECK(unknown < known * 2.0);
}

TEST_CASE("wrong enable secrets count toward the account's lockout; a locked account cannot enable") {
    Appliance a;
    Session boss = admin_config(*a.app);
    REQUIRE(code(call(*a.app, boss, "account.password", {{"user", "bob"}, {"password", "Bob-pass-2024!"}})) == "ok");
    Session s = trusted();
    REQUIRE(code(login(*a.app, s, "bob", "Bob-pass-2024!")) == "ok");
    // One failed login first: logins and enable attempts share one count.
    Session other = trusted();
    CHECK(code(login(*a.app, other, "bob", "nope-nope-nope")) == "auth_failed");
    CHECK(code(call(*a.app, s, "session.enable", {{"secret", "wrong-secret-1"}, {"line", "enable"}})) ==
          "auth_failed");
    CHECK(accounts::lock_state(a.app->store(), "bob")->failures == 2);
    json r = call(*a.app, s, "session.enable", {{"secret", "wrong-secret-2"}, {"line", "enable"}});
    CHECK(code(r) == "locked");
    CHECK(message(r) == "Access denied: account bob is locked");
    auto tail = a.app->store().audit_tail(2);
    REQUIRE(tail.size() == 2);
    CHECK(tail[0].result == "lockout");
    CHECK(tail[0].command == "account locked after 3 failed logins or enable attempts (15 minutes)");
    CHECK(tail[1].command == "enable");
    CHECK(tail[1].result.find("error: Access denied") == 0);
    // The right secret does not help while locked, nor does a new login.
    CHECK(code(call(*a.app, s, "session.enable", {{"secret", kEnable}})) == "locked");
    CHECK(s.privilege == 1);
    CHECK(code(login(*a.app, other, "bob", "Bob-pass-2024!")) == "auth_failed");
    // Unlocked by the administrator, the secret works and resets the count.
    REQUIRE(code(call(*a.app, boss, "users.unlock", {{"user", "bob"}})) == "ok");
    CHECK(code(call(*a.app, s, "session.enable", {{"secret", "wrong-secret-3"}})) == "auth_failed");
    CHECK(code(call(*a.app, s, "session.enable", {{"secret", kEnable}})) == "ok");
    CHECK(s.privilege == 15);
    CHECK_FALSE(accounts::lock_state(a.app->store(), "bob"));
}

TEST_CASE("the console's failed enable attempts lock nothing") {
    Appliance a;
    Session s = trusted();
    REQUIRE(code(call(*a.app, s, "session.local", json::object())) == "ok");
    for (int i = 0; i < 5; ++i) CHECK(code(call(*a.app, s, "session.enable", {{"secret", "wrong"}})) == "auth_failed");
    CHECK(code(call(*a.app, s, "session.enable", {{"secret", kEnable}})) == "ok");
    CHECK(accounts::locked_users(a.app->store(), std::int64_t(std::time(nullptr))).empty());
}
