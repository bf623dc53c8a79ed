#include "input.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace sshd;

TEST_CASE("sshd bounds user names and passwords before they reach MICS") {
    CHECK(valid_user("admin"));
    CHECK(valid_user(std::string(64, 'a')));
    CHECK_FALSE(valid_user(std::string(65, 'a')));
    CHECK_FALSE(valid_user(""));
    CHECK_FALSE(valid_user("ad min"));
    CHECK_FALSE(valid_user("adm\x01n"));
    CHECK(valid_password(""));
    CHECK(valid_password(std::string(128, 'x')));
    CHECK_FALSE(valid_password(std::string(129, 'x')));
    CHECK_FALSE(valid_password(std::string("a\0b", 3)));
}

TEST_CASE("sshd exec commands, TERM and env are checked") {
    CHECK(valid_command("show version"));
    CHECK_FALSE(valid_command(""));
    CHECK_FALSE(valid_command("show\nversion"));
    CHECK_FALSE(valid_command(std::string(4097, 'a')));
    CHECK(safe_term("xterm-256color") == "xterm-256color");
    CHECK(safe_term("xterm;rm") == "");
    CHECK(env_allowed("LANG", "en_US.UTF-8"));
    CHECK(env_allowed("TERM", "vt100"));
    CHECK_FALSE(env_allowed("LD_PRELOAD", "/x.so"));
    CHECK_FALSE(env_allowed("LANG", "$(x)"));
}

TEST_CASE("sshd parses ssh.settings with defaults and bounds") {
    auto s = parse_ssh_settings(R"({"banner":"Authorized use only","max_sessions":2,
                                   "grace_time_s":30,"idle_timeout_min":10,"enabled":true})");
    CHECK(s.banner == "Authorized use only\n");
    CHECK(s.max_sessions == 2);
    CHECK(s.grace_time_s == 30);
    CHECK(s.idle_timeout_min == 10);
    auto d = parse_ssh_settings(R"({"max_sessions":0,"grace_time_s":"x","banner":null})");
    CHECK(d.max_sessions == 5);
    CHECK(d.grace_time_s == 60);
    CHECK(d.banner.empty());
    CHECK(d.enabled);
    CHECK(parse_ssh_settings("not json").max_sessions == 5);
    CHECK_FALSE(parse_ssh_settings(R"({"enabled":false})").enabled);
    CHECK(parse_ssh_settings(R"({"banner":")" + std::string(20000, 'b') + "\"}").banner.size() ==
          kMaxBanner + 1);
}

TEST_CASE("sshd auth.login args are well-formed JSON even for hostile input") {
    auto j = nlohmann::json::parse(login_args("admin", "p\"w\\", "10.0.0.1"));
    CHECK(j["user"] == "admin");
    CHECK(j["password"] == "p\"w\\");
    CHECK(j["source"] == "10.0.0.1");
    CHECK(j["service"] == "ssh");
    CHECK_NOTHROW(nlohmann::json::parse(login_args("admin", "\xff\xfe", "x")));
    CHECK(max_sessions_message(5) == "% Maximum number of SSH sessions (5) reached\r\n");
    CHECK(printable("a\x1b[2Jb") == "a?[2Jb");
}
