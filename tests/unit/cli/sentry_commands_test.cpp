// The `sentry ...` rows (commands_sentry.cpp): named arguments, ranges that
// match the model (config_fields_sentry.cpp), and every line the model
// renders parses back in CONFIG mode.
#include "commands.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace cli;

TEST_CASE("sentry rows parse to named arguments with the model's ranges") {
    const Grammar& g = grammar();
    Match m = g.parse("sentry activesync service eas2 servers mail1;mail2:8443", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("name") == "eas2");
    CHECK(m.args.str("list") == "mail1;mail2:8443");
    m = g.parse("sen act serv default health-check interval 30", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.has("interval"));
    CHECK(m.args.num("value") == 30);
    CHECK(g.parse("sentry activesync service default health-check interval 9", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("sentry activesync service default health-check interval 601", kConfig, 15).status ==
          Match::invalid);
    CHECK(g.parse("sentry activesync service x health-check live-threshold 11", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("sentry activesync service x health-check dead-threshold 1000", kConfig, 15).status == Match::ok);
    CHECK(g.parse("sentry activesync service x health-check failure-window 86400001", kConfig, 15).status ==
          Match::invalid);
    CHECK(g.parse("sentry activesync service x health-check dead-time 172800000", kConfig, 15).status == Match::ok);
    CHECK(g.parse("sentry timeout socket 0", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("sentry timeout request 3600000", kConfig, 15).args.num("ms") == 3600000);
    m = g.parse("no sentry activesync service eas2 health-check dead-time", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.has("no"));
    CHECK(m.args.has("dead-time"));
    CHECK(g.parse("sentry emm-ips 10.0.0.0/8, 192.0.2.1", kConfig, 15).args.str("list") == "10.0.0.0/8, 192.0.2.1");
    CHECK(g.parse("sentry emm-source-verify maybe", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("sentry gc-log 5 20M", kConfig, 15).status == Match::ok);
    // Configuration is CONFIG mode, privilege 15; the views are EXEC.
    CHECK(g.parse("sentry audit", kExec, 15).status == Match::invalid);
    CHECK(g.parse("sentry audit", kConfig, 1).status == Match::invalid);
    m = g.parse("sh sentry config-prop asproxy", kExec, 1);
    REQUIRE(m.status == Match::ok);
    CHECK(m.cmd->pipes);
    CHECK(m.args.str("filter") == "asproxy");
    CHECK(g.parse("show sentry audit config", kExec, 1).status == Match::ok);
    CHECK(g.parse("show sentry emm-ips", kExec, 1).status == Match::ok);
}

TEST_CASE("every rendered sentry line is a command in CONFIG mode") {
    // As micsd::render() writes them, defaults (show running-config all) included.
    const Grammar& g = grammar();
    for (const char* line : {
             "sentry activesync enable", "no sentry activesync enable", "sentry activesync all-dead try-anyway",
             "sentry activesync all-dead reject", "sentry activesync service eas2",
             "sentry activesync service default servers mail1.example.com;[2001:db8::1]:8443",
             "sentry activesync service eas2 hosts eas2.example.com;mail.example.org",
             "sentry activesync service default server-tls", "no sentry activesync service eas2 server-tls",
             "sentry activesync service default server-verify", "no sentry activesync service default server-verify",
             "sentry activesync service default redirect-451", "no sentry activesync service eas2 redirect-451",
             "sentry activesync service default scheduling round-robin",
             "sentry activesync service default scheduling priority",
             "sentry activesync service default health-check", "no sentry activesync service Eas3 health-check",
             "sentry activesync service default health-check interval 60",
             "sentry activesync service default health-check live-threshold 3",
             "sentry activesync service default health-check dead-threshold 3",
             "sentry activesync service default health-check failure-window 60000",
             "sentry activesync service default health-check dead-time 60000", "sentry timeout socket 10000",
             "sentry timeout connect 10000", "sentry timeout response 60000", "sentry timeout request 10000",
             "sentry emm-fail-open", "no sentry emm-fail-open", "sentry emm-source-verify true",
             "sentry emm-source-verify false", "sentry emm-ips 10.1.0.0/16,192.0.2.7,2001:db8::/32", "sentry audit",
             "no sentry audit", "sentry health-monitor", "no sentry health-monitor", "sentry hsts enable",
             "no sentry hsts"}) {
        Match m = g.parse(line, kConfig, 15);
        CHECK_MESSAGE(m.status == Match::ok, line);
        CHECK_MESSAGE(m.masked_line == line, line);
    }
}

TEST_CASE("the #8 status rows: show sentry status / server status / global server, debug from-emm") {
    const Grammar& g = grammar();
    for (const char* line : {"show sentry status", "show sentry server status", "show sentry statistics global server",
                             "show sentry statistics global server hc-http"}) {
        CHECK_MESSAGE(g.parse(line, kExec, 1).status == Match::ok, line);
        CHECK_MESSAGE(g.parse(std::string("do ") + line, kConfig, 15).status == Match::ok, line);
    }
    CHECK(g.parse("show sentry statistics global server hc-err", kExec, 1).args.str("filter") == "hc-err");
    Match m = g.parse("debug sentry device-cache from-emm", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    m = g.parse("debug sentry device-cache from-uem", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.has("from-uem"));
    // CONFIG mode and privilege 15 only (spec §2.4).
    CHECK(g.parse("debug sentry device-cache from-emm", kExec, 15).status != Match::ok);
    CHECK(g.parse("debug sentry device-cache from-emm", kConfig, 1).status != Match::ok);
}

TEST_CASE("debug sentry check-in (#68): CONFIG mode, privilege 15") {
    const Grammar& g = grammar();
    CHECK(g.parse("debug sentry check-in", kConfig, 15).status == Match::ok);
    CHECK(g.parse("debug sentry check-in", kExec, 15).status != Match::ok);
    CHECK(g.parse("debug sentry check-in", kConfig, 1).status != Match::ok);
    CHECK(g.parse("debug sentry check-in now", kConfig, 15).status != Match::ok);
}
