// Platform, diagnostics and not-available rows of the real table, and
// keywords that keep their capitals (the STIG types `show FIPS`).
#include "check.hpp"
#include "commands.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <string>

using namespace cli;

TEST_CASE("a rendered configuration with the platform lines passes the offline check") {
    std::istringstream good("no dbconfig\nservice ntp\nno service iptables\nfips\nkparam tcp_sack 0\n");
    std::ostringstream err;
    CheckResult r = check_config(good, err, grammar());
    CHECK(err.str().empty());
    CHECK(r.errors == 0);
    CHECK(r.lines == 5);
}

TEST_CASE("keywords are case-insensitive and keep their spelling") {
    const Grammar& g = grammar();
    for (const char* line : {"show FIPS", "show fips", "SHOW Fips", "sh fi"}) {
        Match m = g.parse(line, kExec, 15);
        REQUIRE_MESSAGE(m.status == Match::ok, line);
        CHECK(m.cmd->syntax == "show FIPS");
        CHECK(m.masked_line == "show FIPS");
    }
    CHECK(g.parse("FIPS", kConfig, 15).cmd->syntax == "fips");  // the STIG types it in capitals
    CHECK(g.parse("no fips", kConfig, 15).status == Match::ok);
}

TEST_CASE("platform, diagnostics and not-available rows") {
    const Grammar& g = grammar();
    Match m = g.parse("kparam tcp_keepalive_probes 9", kConfig, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("param") == "tcp_keepalive_probes");
    CHECK(m.args.num("value") == 9);
    CHECK(g.parse("kparam tcp_keepalive_probes 128", kConfig, 15).status == Match::invalid);
    CHECK(g.parse("kparam rp_filter 3", kConfig, 15).status == Match::invalid);
    CHECK_FALSE(g.parse("kparam rp_filter", kConfig, 15).args.has("value"));
    CHECK(g.parse("no kparam kernel_panic", kConfig, 15).args.str("param") == "kernel_panic");
    CHECK(g.parse("reload", kExec, 15).status == Match::ok);
    CHECK(g.parse("reload", kExec, 1).status == Match::invalid);
    CHECK(g.parse("do reload", kConfig, 15).status == Match::ok);
    CHECK(g.parse("service iptables enable", kConfig, 15).status == Match::ok);
    CHECK(g.parse("no service iptables", kConfig, 15).status == Match::ok);
    CHECK(g.parse("no service ntp", kConfig, 15).status == Match::ok);
    CHECK(g.parse("dbconfig", kConfig, 15).status == Match::ok);

    m = g.parse("tlscheck server mail.example.com 8443", kExec, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.str("server") == "mail.example.com");
    CHECK(m.args.num("port") == 8443);
    // curl's optional arguments are positional: a scheme only after a port.
    m = g.parse("curl active-sync ex.example.com 443 HTTPS TLSv1.2 admin", kExec, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.has("https"));
    CHECK(m.args.has("tlsv1.2"));
    CHECK(m.args.str("user") == "admin");
    CHECK(g.parse("curl active-sync ex.example.com HTTPS", kExec, 15).status == Match::invalid);
    m = g.parse("curl app-tunnel 10.0.0.5 8080 HEAD HTTP", kExec, 15);
    REQUIRE(m.status == Match::ok);
    CHECK(m.args.has("head"));
    CHECK(m.args.has("http"));

    for (const char* line : {"software checkupdate", "software update", "install rpm url http://x/y.rpm",
                             "service tomcat restart", "service splunk-forwarder status", "show software autoupgrade",
                             "show httpd protocol", "show sentry kerberos cache dump", "show sentry gc-log"})
        CHECK_MESSAGE(g.parse(line, kExec, 15).status == Match::ok, line);
    for (const char* line : {"software repository https://x/sentry/9.13.0/ u p", "no software autoupgrade",
                             "httpd protocol tlsv1.1,tlsv1.2", "httpd hsts enable preload", "certificate portal",
                             "service splunk-forwarder enable", "debug sentry kerberos kdc kdc.example.com 88", "certificate sentry",
                             "debug sentry monitor threads percentage 90", "no debug sentry init-log"})
        CHECK_MESSAGE(g.parse(line, kConfig, 15).status == Match::ok, line);
    // The repository password is a secret: masked in the audit trail.
    CHECK(g.parse("software repository https://x/ u pw", kConfig, 15).masked_line ==
          "software repository https://x/ u ***");
}
