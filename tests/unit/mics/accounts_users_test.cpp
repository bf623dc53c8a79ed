// Local users: the password policy (messages name the rule), history, the
// account of last resort, the running-config form (hash for privilege 15
// only) and its round trip, SSH keys, the banner and `show users` lines.
#include "accounts.hpp"
#include "app_fixture.hpp"

using namespace micsd;
using namespace mics_test;

namespace {

json set_pw(App& app, Session& s, const std::string& user, const std::string& pw) {
    return call(app, s, "account.password", {{"user", user}, {"password", pw}, {"line", "username " + user + " password"}});
}

json edit(const std::string& path, const json& value) {
    json e = {{"path", path}, {"op", value.is_null() ? "delete" : "set"}};
    if (!value.is_null()) e["value"] = value;
    return {{"edits", json::array({e})}, {"line", "test"}};
}

}  // namespace

TEST_CASE("check_password names the rule it breaks") {
    accounts::Policy p{15, 128, 4, 5};
    CHECK(accounts::check_password(p, "bob", "Short1!").find("password-policy min-length") == 0);
    CHECK(accounts::check_password(p, "bob", "alllowercaseletters").find("password-policy character-classes") == 0);
    CHECK(accounts::check_password(p, "bob", "alllowercaseletters").find("missing: upper case, digits, special") !=
          std::string::npos);
    CHECK(accounts::check_password(p, "bob", "Bob-has-1-long-pw").empty());
    CHECK(accounts::check_password(p, "bob", "xbob-Has-1-long-pw") == "password-policy: the password must not contain the user name");
    CHECK(accounts::check_password(p, "bob", std::string(129, 'a')).find("password-policy max-length") == 0);
    CHECK(accounts::check_password(p, "bob", "Tab\there-1-long-pw").find("printable ASCII") != std::string::npos);
    accounts::Policy loose{8, 128, 1, 0};
    CHECK(accounts::check_password(loose, "bob", "abcdefgh").empty());
}

TEST_CASE("account.password applies the policy and the history, and the user can log in") {
    Appliance a;
    Session boss = admin_config(*a.app);
    json r = set_pw(*a.app, boss, "carol", "short");
    CHECK(code(r) == "invalid");
    CHECK(message(r).find("password-policy min-length") == 0);
    REQUIRE(code(set_pw(*a.app, boss, "carol", "Carol-pass-01")) == "ok");
    REQUIRE(code(set_pw(*a.app, boss, "carol", "Carol-pass-02")) == "ok");
    r = set_pw(*a.app, boss, "carol", "Carol-pass-01");
    CHECK(code(r) == "invalid");
    CHECK(message(r) == "password-policy history: the password was one of the last 5 passwords of carol");
    Session s = trusted();
    CHECK(code(login(*a.app, s, "carol", "Carol-pass-02")) == "ok");
    CHECK(s.user == "carol");
    CHECK(s.privilege == 1);
    // The revision records the typed line, never the password.
    auto rev = a.app->store().latest();
    REQUIRE(rev);
    CHECK(rev->meta.command == "username carol password");
    CHECK(rev->config.find("Carol-pass") == std::string::npos);
    // Policy ops need CONFIG mode at privilege 15.
    Session viewer = trusted();
    REQUIRE(code(login(*a.app, viewer, "carol", "Carol-pass-02")) == "ok");
    CHECK(code(set_pw(*a.app, viewer, "carol", "Carol-pass-03")) == "denied");
}

TEST_CASE("the account of last resort cannot be deleted, and nobody deletes their own account") {
    Appliance a;
    Session boss = admin_config(*a.app);
    json r = call(*a.app, boss, "config.edit", edit("user.secret[admin]", nullptr));
    CHECK(code(r) == "apply_failed");
    CHECK(message(r).find("account of last resort") != std::string::npos);
    REQUIRE(code(set_pw(*a.app, boss, "dave", "Dave-pass-001")) == "ok");
    r = call(*a.app, boss, "config.edit", edit("user.secret[admin]", nullptr));
    CHECK(message(r) == "username admin: you cannot delete your own account");
    Session d = trusted();
    REQUIRE(code(login(*a.app, d, "dave", "Dave-pass-001")) == "ok");
    REQUIRE(code(call(*a.app, d, "session.enable", {{"secret", kEnable}})) == "ok");
    REQUIRE(code(call(*a.app, d, "session.mode", {{"mode", "config"}})) == "ok");
    CHECK(code(call(*a.app, d, "config.edit", edit("user.secret[admin]", nullptr))) == "ok");
    r = call(*a.app, d, "config.edit", edit("user.secret[dave]", nullptr));
    CHECK(code(r) == "apply_failed");
    CHECK(accounts::users(a.app->running()) == std::vector<std::string>{"dave"});
    // A key needs its user.
    r = call(*a.app, d, "config.edit", edit("user.sshkey[ghost]", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA=="));
    CHECK(message(r).find("no such user") != std::string::npos);
}

TEST_CASE("running-config shows the hash to privilege 15 only, and it round-trips") {
    Appliance a;
    Session boss = admin_config(*a.app);
    REQUIRE(code(call(*a.app, boss, "config.edit",
                      edit("user.sshkey[admin]", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"))) == "ok");
    json r = call(*a.app, boss, "show", {{"what", "running-config"}});
    std::string text = r["data"]["text"];
    CHECK(text.find("username admin secret hash $y$") != std::string::npos);
    CHECK(text.find("username admin ssh-key ssh-ed25519 AAAAC3") != std::string::npos);
    Config back;
    REQUIRE(parse_config(text, Config{}, back) == "");
    CHECK(to_json(back) == to_json(a.app->running()));

    Session viewer = trusted();
    REQUIRE(code(login(*a.app, viewer, "admin", kAdminPw)) == "ok");
    r = call(*a.app, viewer, "show", {{"what", "running-config"}});
    std::string masked = r["data"]["text"];
    CHECK(masked.find("username admin secret ***\n") != std::string::npos);
    CHECK(masked.find("$y$") == std::string::npos);
    CHECK(masked.find("AAAAC3") == std::string::npos);
    CHECK(r["data"]["data"]["settings"]["user.secret"]["admin"] == "***");
}

TEST_CASE("password policy and lockout lines render and parse back") {
    Config c;
    for (auto [p, v] : std::vector<std::pair<std::string, long long>>{{"password.min_length", 15},
                                                                       {"password.classes", 4},
                                                                       {"password.history", 10},
                                                                       {"lockout.attempts", 5},
                                                                       {"lockout.window", 30},
                                                                       {"lockout.duration", 0}})
        REQUIRE(apply_edit(c, p, "set", Value(v)) == "");
    std::string text = render(c);
    CHECK(text == "password-policy min-length 15\npassword-policy character-classes 4\npassword-policy history 10\n"
                   "password-policy lockout attempts 5\npassword-policy lockout window 30\n"
                   "password-policy lockout time 0\n");
    Config back;
    REQUIRE(parse_config(text, Config{}, back) == "");
    CHECK(to_json(back) == to_json(c));
    CHECK(apply_edit(c, "password.min_length", "set", Value(7LL)).find("out of range 8-128") != std::string::npos);
}

TEST_CASE("banner: the delimiter block, the DoD preset and no banner round-trip") {
    CHECK(accounts::parse_banner_block("^C\nline one\n  line two\n^C") == std::optional<std::string>("line one\n  line two"));
    CHECK(accounts::parse_banner_block("#Single line#") == std::optional<std::string>("Single line"));
    CHECK(accounts::parse_banner_block("#open\nstill open") == std::nullopt);
    CHECK(accounts::parse_banner_block("dod") == accounts::dod_banner());
    CHECK(accounts::dod_banner().find("You are accessing a U.S. Government (USG) Information System (IS)") == 0);

    for (std::string banner : {std::string("Authorized\n  staff only.\n\nThird paragraph"), accounts::dod_banner(),
                               std::string()}) {
        Config c;
        REQUIRE(apply_edit(c, "ssh.banner", "set", Value(banner)) == "");
        std::string text = render(c) + "hostname x\n";
        Config back;
        REQUIRE_MESSAGE(parse_config(text, Config{}, back) == "", text);
        CHECK(get_string(back, "ssh.banner") == banner);
        CHECK(get_string(back, "system.hostname") == "x");
    }
    Config c;
    CHECK(apply_edit(c, "ssh.banner", "set", Value(std::string("has ^C inside"))).find("delimiter") !=
          std::string::npos);
    Config back;
    CHECK(parse_config("banner login ^C\nnever closed\n", Config{}, back).find("not closed") != std::string::npos);
}

TEST_CASE("ssh.banner op, ssh.settings and show users lines") {
    Appliance a;
    Session boss = admin_config(*a.app);
    REQUIRE(code(call(*a.app, boss, "ssh.banner", {{"raw", "dod"}})) == "ok");
    Session sshd = trusted();
    json r = call(*a.app, sshd, "ssh.settings");
    CHECK(r["data"]["banner"] == accounts::dod_banner());
    CHECK(r["data"]["grace_time_s"] == 60);
    CHECK(r["data"]["enabled"] == true);
    REQUIRE(code(call(*a.app, boss, "config.edit", edit("ssh.enabled", false))) == "ok");
    CHECK(call(*a.app, sshd, "ssh.settings")["data"]["enabled"] == false);

    Session other = trusted();
    REQUIRE(code(login(*a.app, other, "admin", kAdminPw)) == "ok");
    r = call(*a.app, boss, "users.lines");
    REQUIRE(code(r) == "ok");
    auto lines = r["data"]["data"]["lines"];
    REQUIRE(lines.size() == 2);
    CHECK(lines[0]["line"] == 0);
    CHECK(lines[0]["self"] == true);
    CHECK(lines[1]["source"] == "192.0.2.9");
    CHECK(code(call(*a.app, boss, "line.clear", {{"id", 0}})) == "invalid");  // yourself
    CHECK(code(call(*a.app, boss, "line.clear", {{"id", 7}})) == "not_found");
    REQUIRE(code(call(*a.app, boss, "line.clear", {{"id", 1}})) == "ok");
    CHECK(a.app->lines().kill_requested(other.id));
}
