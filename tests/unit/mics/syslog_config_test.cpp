// Remote syslog destinations (syslog_dest.hpp): keys, values, running-config
// round trip, `show logging`, the rsyslog.conf renderer and the one-line
// MICS_AUDIT record.
#include "apply_syslog.hpp"
#include "config_model.hpp"
#include "store.hpp"
#include "syslog_dest.hpp"

#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace micsd;

namespace {

std::string set(Config& c, const std::string& key, const std::string& v) {
    return apply_edit(c, std::string("syslog.server[") + key + "]", "set", Value(v));
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("syslog destinations: canonical keys and checked values") {
    Config c;
    CHECK(set(c, "10.0.0.9/514/audit", "UDP info enable") == "");
    CHECK(set(c, "logs.example.com/6514/general", "TCP warning disable") == "");
    CHECK(set(c, "2001:db8::1/514/health-monitor", "UDP debug enable") == "");
    // One server + port carries several facilities: separate entries.
    CHECK(set(c, "10.0.0.9/514/general", "UDP err enable") == "");
    CHECK(entries(c, "syslog.server").size() == 4);

    CHECK(contains(set(c, "10.0.0.9/514/kernel", "UDP info enable"), "facility"));
    CHECK(contains(set(c, "10.0.0.9/0/audit", "UDP info enable"), "port"));
    CHECK(contains(set(c, "10.0.0.9/65536/audit", "UDP info enable"), "port"));
    CHECK(contains(set(c, "10.0.0.9/0514/audit", "UDP info enable"), "port"));
    CHECK(contains(set(c, "10.0.0.256/514/audit", "UDP info enable"), "IPv4"));
    CHECK(contains(set(c, "bad_host/514/audit", "UDP info enable"), "host name"));
    // Non-canonical spellings would make one collector two keys.
    CHECK(contains(set(c, "Logs.Example.com/514/audit", "UDP info enable"), "written as logs.example.com"));
    CHECK(contains(set(c, "2001:DB8:0::1/514/audit", "UDP info enable"), "written as 2001:db8::1"));
    CHECK(contains(set(c, "10.0.0.9/514/audit", "SCTP info enable"), "protocol"));
    CHECK(contains(set(c, "10.0.0.9/514/audit", "UDP information enable"), "log level"));
    CHECK(contains(set(c, "10.0.0.9/514/audit", "UDP info on"), "state"));
    CHECK(contains(set(c, "10.0.0.9/514/audit", "UDP info"), "must be"));

    CHECK(syslog::canonical_server("LOGS.example.COM") == "logs.example.com");
    CHECK(syslog::canonical_server("0:0:0:0:0:0:0:1") == "::1");
    CHECK(syslog::canonical_server("1.2.3") == "");
    CHECK(syslog::facility_code("general") == 3);
    CHECK(syslog::facility_code("health-monitor") == 17);
    CHECK(syslog::facility_code("audit") == 13);
    CHECK(syslog::severity_code("emerg") == 0);
    CHECK(syslog::severity_code("debug") == 7);
}

TEST_CASE("syslog destinations: at most 16") {
    Config c;
    for (int i = 1; i <= 16; ++i) REQUIRE(set(c, "10.0.0." + std::to_string(i) + "/514/audit", "UDP info enable") == "");
    CHECK(contains(set(c, "10.0.0.17/514/audit", "UDP info enable"), "at most 16"));
    CHECK(set(c, "10.0.0.16/514/audit", "TCP info enable") == "");  // editing one is no new entry
}

TEST_CASE("syslog destinations: running-config renders every field and parses back") {
    Config c;
    REQUIRE(set(c, "logs.example.com/6514/general", "TCP warning disable") == "");
    REQUIRE(set(c, "10.0.0.9/514/audit", "UDP info enable") == "");
    REQUIRE(set(c, "10.0.0.9/514/general", "UDP err enable") == "");
    REQUIRE(set(c, "10.0.0.9/1514/health-monitor", "UDP info enable") == "");
    REQUIRE(set(c, "2001:db8::1/514/health-monitor", "UDP debug enable") == "");
    std::string text = render(c);
    // Server, then port by number, then facility in the reference's order.
    CHECK(contains(text, "syslog 10.0.0.9 514 UDP general err enable\n"
                         "syslog 10.0.0.9 514 UDP audit info enable\n"
                         "syslog 10.0.0.9 1514 UDP health-monitor info enable\n"
                         "syslog 2001:db8::1 514 UDP health-monitor debug enable\n"
                         "syslog logs.example.com 6514 TCP general warning disable\n"));
    Config back;
    REQUIRE(parse_config(text, Config{}, back) == "");
    CHECK(back.values == c.values);

    // The spec's short forms: port 514 and state enable by default.
    Config shortc;
    REQUIRE(parse_config("syslog Logs.Example.com TCP audit notice\n", Config{}, shortc) == "");
    CHECK(shortc.values.at("syslog.server[logs.example.com/514/audit]") == Value(std::string("TCP notice enable")));
    CHECK(parse_config("syslog 10.0.0.1 514 UDP audit loud\n", Config{}, shortc) != "");
}

TEST_CASE("show logging: the reference's table") {
    std::vector<syslog::Destination> ds = {{"app1111.auto1.mycompany.com", 514, "health-monitor", "UDP", "info", true}};
    std::string want =
        "+-----------------------------+------+----------+----------------+-----------+--------+\n"
        "  Hostname / IP Address       + Port + Protocol + Facility Type  + Log Level + State\n"
        "+-----------------------------+------+----------+----------------+-----------+--------+\n"
        "  app1111.auto1.mycompany.com   514    UDP        health-monitor   info        enable\n";
    CHECK(syslog::logging_table(ds) == want);
    // A longer server widens its column; no destinations: the header only.
    std::string wide = syslog::logging_table({{"collector-with-a-long-name.example.com", 6514, "audit", "TCP", "debug", false}});
    CHECK(contains(wide, "  collector-with-a-long-name.example.com   6514   TCP        audit            debug       disable\n"));
    CHECK(syslog::logging_table({}) == want.substr(0, want.rfind("  app1111")));
}

TEST_CASE("rsyslog.conf: socket input, one filtered action per enabled destination") {
    Config c;
    REQUIRE(apply_edit(c, "system.hostname", "set", Value(std::string("edge1"))) == "");
    REQUIRE(set(c, "10.0.0.9/5514/audit", "UDP info enable") == "");
    REQUIRE(set(c, "logs.example.com/6514/general", "TCP warning enable") == "");
    REQUIRE(set(c, "10.0.0.10/514/health-monitor", "UDP debug disable") == "");
    RsyslogOptions o{"/st/syslog", "/st/run/log.sock", "", ""};
    std::string conf = rsyslog_conf(c, o);
    CHECK(contains(conf, "global(workDirectory=\"/st/syslog/spool\" localHostname=\"edge1\""));
    CHECK_FALSE(contains(conf, "privDrop"));
    CHECK(contains(conf, "module(load=\"imuxsock\" SysSock.Use=\"off\")\n"));
    CHECK(contains(conf, "input(type=\"imuxsock\" Socket=\"/st/run/log.sock\""));
    CHECK(contains(conf, "if $syslogfacility == 13 and $syslogseverity <= 6 then {\n"
                         "  action(type=\"omfwd\" name=\"fwd-audit-10.0.0.9-5514\" target=\"10.0.0.9\" port=\"5514\" "
                         "protocol=\"udp\"\n"));
    CHECK(contains(conf, "if $syslogfacility == 3 and $syslogseverity <= 4 then {\n"));
    CHECK(contains(conf, "target=\"logs.example.com\" port=\"6514\" protocol=\"tcp\""));
    // Disk-less, bounded, non-blocking queue and endless retry on every action.
    CHECK(contains(conf, "queue.type=\"LinkedList\" queue.size=\"10000\" queue.timeoutEnqueue=\"0\""));
    CHECK_FALSE(contains(conf, "queue.filename"));
    CHECK(contains(conf, "action.resumeRetryCount=\"-1\""));
    // A disabled destination is listed in a comment only.
    CHECK_FALSE(contains(conf, "$syslogfacility == 17"));
    CHECK(contains(conf, "# syslog 10.0.0.10 514 UDP health-monitor debug disable: not forwarded\n"));
    CHECK(syslog_enabled(c));

    o.drop_user = "nobody";
    o.drop_group = "nogroup";
    o.dir = "/odd \"dir\"";
    conf = rsyslog_conf(c, o);
    CHECK(contains(conf, "privDrop.user.name=\"nobody\" privDrop.group.name=\"nogroup\""));
    CHECK(contains(conf, "workDirectory=\"/odd \\\"dir\\\"/spool\""));

    Config off;
    REQUIRE(set(off, "10.0.0.10/514/audit", "UDP info disable") == "");
    CHECK_FALSE(syslog_enabled(off));
    CHECK_FALSE(syslog_enabled(Config{}));
}

TEST_CASE("rsyslog.conf: rsyslogd's own check accepts what we render") {
    if (!rsyslogd_installed()) {
        MESSAGE("rsyslogd not installed: skipped (scripts/install-deps.sh installs it)");
        return;
    }
    sentry_test::TempDir dir("rsyslog");
    mics::Paths p{dir.path};
    Config c;
    REQUIRE(set(c, "10.0.0.9/5514/audit", "UDP info enable") == "");
    REQUIRE(set(c, "logs.example.com/6514/general", "TCP warning enable") == "");
    CHECK(check_rsyslog_conf(rsyslog_conf(c, rsyslog_options(p)), p) == "");
    std::string why = check_rsyslog_conf("this is not rsyslog\n", p);
    CHECK(contains(why, "rsyslogd refused the configuration"));
}

TEST_CASE("MICS_AUDIT record: one line, who/where/when/what/outcome, severity by result") {
    AuditRecord ok{0, "admin", "ssh 10.0.0.5", "ab12", "config", "hostname edge1", "success"};
    AuditLine l = audit_syslog_line(ok, 1795992607);
    CHECK(l.severity == 6);
    CHECK(l.text ==
          "INFO {\"command\":\"hostname edge1\",\"mode\":\"config\",\"result\":\"success\",\"session\":\"ab12\","
          "\"source\":\"ssh 10.0.0.5\",\"time\":\"2026-11-29T22:50:07Z\",\"user\":\"admin\"}");
    AuditRecord bad{0, "mallory", "ssh 10.0.0.6", "", "login", "password\nforged", "failure: bad password"};
    l = audit_syslog_line(bad, 0);
    CHECK(l.severity == 4);
    CHECK(l.text.rfind("WARN {", 0) == 0);
    CHECK(l.text.find('\n') == std::string::npos);  // escaped: one record stays one line
}
