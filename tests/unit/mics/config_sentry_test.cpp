// The sentry subtree (config_fields_sentry.cpp) and the sentryd snapshot
// (sentryd_snapshot.cpp): validation messages name the field and the range,
// every render form parses back, defaults are not rendered but `all` shows
// them, and the snapshot has the shape of docs/sentryd-config.md.
#include "config_model.hpp"
#include "render_fixtures.hpp"
#include "sentryd_snapshot.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <string>

using namespace micsd;
using nlohmann::json;

namespace {

std::string set(Config& c, const std::string& path, Value v) { return apply_edit(c, path, "set", std::move(v)); }
std::string del(Config& c, const std::string& path) { return apply_edit(c, path, "delete", std::nullopt); }
std::string str(const char* s) { return s; }

// Every sentry line with a non-default value, set out of render order.
Config full() {
    Config c;
    REQUIRE(set(c, "sentry.hsts", false) == "");
    REQUIRE(set(c, "activesync.service.health.dead_time_ms[eas2]", 120000LL) == "");
    REQUIRE(set(c, "activesync.service.servers[eas2]", str("mail3.example.com;[2001:db8::1]:8443")) == "");
    REQUIRE(set(c, "activesync.service[eas2]", true) == "");
    REQUIRE(set(c, "activesync.service[Eas3]", true) == "");
    REQUIRE(set(c, "activesync.service.servers[default]", str("mail1.example.com;mail2.example.com:8443")) == "");
    REQUIRE(set(c, "activesync.service.hosts[eas2]", str("eas2.example.com;Mail.Example.org")) == "");
    REQUIRE(set(c, "activesync.service.tls[eas2]", false) == "");
    REQUIRE(set(c, "activesync.service.verify[default]", true) == "");
    REQUIRE(set(c, "activesync.service.redirect_451[eas2]", false) == "");
    REQUIRE(set(c, "activesync.service.scheduling[default]", str("round-robin")) == "");
    REQUIRE(set(c, "activesync.service.health[Eas3]", false) == "");
    REQUIRE(set(c, "activesync.service.health.interval_s[default]", 30LL) == "");
    REQUIRE(set(c, "activesync.service.health.live_threshold[default]", 2LL) == "");
    REQUIRE(set(c, "activesync.service.health.dead_threshold[default]", 5LL) == "");
    REQUIRE(set(c, "activesync.service.health.failure_window_ms[default]", 30000LL) == "");
    REQUIRE(set(c, "activesync.enabled", false) == "");
    REQUIRE(set(c, "activesync.all_dead", str("reject")) == "");
    REQUIRE(set(c, "sentry.timeout.socket_ms", 20000LL) == "");
    REQUIRE(set(c, "sentry.timeout.connect_ms", 5000LL) == "");
    REQUIRE(set(c, "sentry.timeout.response_ms", 90000LL) == "");
    REQUIRE(set(c, "sentry.timeout.request_ms", 15000LL) == "");
    REQUIRE(set(c, "sentry.emm_fail_open", false) == "");
    REQUIRE(set(c, "sentry.emm_source_verify", false) == "");
    REQUIRE(set(c, "sentry.emm_ips", str("10.1.0.0/16,192.0.2.7,2001:db8::/32")) == "");
    REQUIRE(set(c, "sentry.audit", false) == "");
    REQUIRE(set(c, "sentry.health_monitor", false) == "");
    return c;
}

const char* kFullText =
    "no sentry activesync enable\n"
    "sentry activesync all-dead reject\n"
    "sentry activesync service Eas3\n"
    "sentry activesync service eas2\n"
    "sentry activesync service default servers mail1.example.com;mail2.example.com:8443\n"
    "sentry activesync service eas2 servers mail3.example.com;[2001:db8::1]:8443\n"
    "sentry activesync service eas2 hosts eas2.example.com;Mail.Example.org\n"
    "no sentry activesync service eas2 server-tls\n"
    "sentry activesync service default server-verify\n"
    "no sentry activesync service eas2 redirect-451\n"
    "sentry activesync service default scheduling round-robin\n"
    "no sentry activesync service Eas3 health-check\n"
    "sentry activesync service default health-check interval 30\n"
    "sentry activesync service default health-check live-threshold 2\n"
    "sentry activesync service default health-check dead-threshold 5\n"
    "sentry activesync service default health-check failure-window 30000\n"
    "sentry activesync service eas2 health-check dead-time 120000\n"
    "sentry timeout socket 20000\n"
    "sentry timeout connect 5000\n"
    "sentry timeout response 90000\n"
    "sentry timeout request 15000\n"
    "no sentry emm-fail-open\n"
    "sentry emm-source-verify false\n"
    "sentry emm-ips 10.1.0.0/16,192.0.2.7,2001:db8::/32\n"
    "no sentry audit\n"
    "no sentry health-monitor\n"
    "no sentry hsts\n";

json snapshot(const Config& c) {
    std::string why;
    std::string text = sentryd_apply_args(c, 7, &why);
    REQUIRE_MESSAGE(!text.empty(), why);
    return json::parse(text);
}

}  // namespace

TEST_CASE("factory sentry settings render nothing; `all` shows every default") {
    Config c;
    CHECK(render(c).find("sentry") == std::string::npos);
    std::string all = render(c, true);
    CHECK(all.find(sentry_test::all_sentry()) != std::string::npos);
    // Every line of `all` is a line the import parser takes back.
    Config back;
    REQUIRE(parse_config(all, Config{}, back) == "");
    CHECK(to_json(back) == to_json(c));
}

TEST_CASE("every sentry line renders in canonical order and parses back to the same data") {
    Config c = full();
    CHECK(render(c) == kFullText);
    Config back;
    REQUIRE(parse_config(render(c), Config{}, back) == "");
    CHECK(to_json(back) == to_json(c));
    Config again;
    REQUIRE(parse_config(render(c, true), Config{}, again) == "");
    CHECK(to_json(again) == to_json(c));
    CHECK(render(again, true) == render(c, true));
    // JSON (the stored revision) round trip too.
    Config j;
    std::string err;
    REQUIRE(from_json(to_json(c), j, &err));
    CHECK(render(j) == kFullText);
}

TEST_CASE("`all` lists each service's defaults under its name") {
    Config c;
    REQUIRE(set(c, "activesync.service[eas2]", true) == "");
    std::string all = render(c, true);
    CHECK(all.find("sentry activesync service eas2\n") != std::string::npos);
    CHECK(all.find("sentry activesync service default server-tls\nsentry activesync service eas2 server-tls\n") !=
          std::string::npos);
    CHECK(all.find("sentry activesync service eas2 health-check interval 60\n") != std::string::npos);
    CHECK(all.find("no sentry activesync service eas2 server-verify\n") != std::string::npos);
    CHECK(all.find("servers") == std::string::npos);  // no servers is not a value
}

TEST_CASE("setting a per-service default stores nothing, as for a scalar") {
    Config c;
    CHECK(set(c, "activesync.service.health.interval_s[default]", 60LL) == "");
    CHECK(set(c, "activesync.service.tls[default]", true) == "");
    CHECK(c.values.empty());
    CHECK(set(c, "activesync.service.health.interval_s[default]", 61LL) == "");
    CHECK(c.values.size() == 1);
    CHECK(set(c, "activesync.service.health.interval_s[default]", 60LL) == "");
    CHECK(c.values.empty());
    CHECK(set(c, "sentry.emm_fail_open", true) == "");
    CHECK(c.values.empty());
}

TEST_CASE("validation messages name the field and the range") {
    Config c;
    CHECK(set(c, "activesync.service.health.interval_s[default]", 5LL) ==
          "activesync.service.health.interval_s[default]: 5 is out of range 10-600");
    CHECK(set(c, "activesync.service.health.interval_s[default]", 601LL) ==
          "activesync.service.health.interval_s[default]: 601 is out of range 10-600");
    CHECK(set(c, "activesync.service.health.live_threshold[x]", 11LL) ==
          "activesync.service.health.live_threshold[x]: 11 is out of range 1-10");
    CHECK(set(c, "activesync.service.health.dead_threshold[x]", 0LL) ==
          "activesync.service.health.dead_threshold[x]: 0 is out of range 1-1000");
    CHECK(set(c, "activesync.service.health.failure_window_ms[x]", 86400001LL) ==
          "activesync.service.health.failure_window_ms[x]: 86400001 is out of range 1-86400000");
    CHECK(set(c, "activesync.service.health.dead_time_ms[x]", 172800001LL) ==
          "activesync.service.health.dead_time_ms[x]: 172800001 is out of range 1-172800000");
    CHECK(set(c, "sentry.timeout.socket_ms", 0LL) == "sentry.timeout.socket_ms: 0 is out of range 1-3600000");
    CHECK(set(c, "sentry.timeout.response_ms", str("x")) == "sentry.timeout.response_ms: expected int");
    CHECK(set(c, "activesync.all_dead", str("maybe")) == "activesync.all_dead: must be try-anyway or reject");
    CHECK(set(c, "activesync.service.scheduling[default]", str("random")) ==
          "activesync.service.scheduling[default]: must be priority or round-robin");
    CHECK(c.values.empty());
}

TEST_CASE("service names follow the spec's rules; default always exists") {
    Config c;
    for (const char* bad : {"a/b", "a;b", "a?b", "a*b", "a<b", "a>b", "a\"b", "a b", "a[b", ""}) {
        std::string why = set(c, std::string("activesync.service[") + bad + "]", true);
        CHECK_MESSAGE(!why.empty(), bad);
    }
    CHECK(set(c, "activesync.service[a;b]", true) ==
          "activesync.service[a;b]: service name must not contain ';' (none of / ; ? * < > \" [ ] or space)");
    CHECK(set(c, std::string("activesync.service[") + std::string(65, 'x') + "]", true).find("1-64 characters") !=
          std::string::npos);
    CHECK(set(c, "activesync.service.servers[a b]", str("m")) != "");
    CHECK(set(c, "activesync.service[default]", true) ==
          "activesync.service[default]: the default service always exists and cannot be added or deleted");
    CHECK(del(c, "activesync.service[default]") ==
          "activesync.service[default]: the default service always exists and cannot be added or deleted");
    CHECK(set(c, "activesync.service[app1842-alt.1]", true) == "");
    CHECK(activesync::service_names(c) == std::vector<std::string>{"default", "app1842-alt.1"});
    // A service with settings but no explicit entry exists too.
    CHECK(set(c, "activesync.service.scheduling[zz]", str("round-robin")) == "");
    CHECK(activesync::service_names(c) == std::vector<std::string>{"default", "app1842-alt.1", "zz"});
}

TEST_CASE("server lists: host[:port];..., at most 4000 characters") {
    Config c;
    const std::string p = "activesync.service.servers[default]";
    CHECK(set(c, p, str("mail1;10.0.0.5:8443;[::1]:443;outlook.office365.com")) == "");
    CHECK(set(c, p, str("")) == p + ": the server list is empty");
    CHECK(set(c, p, str("mail1;;mail2")) == p + ": server 2 is empty (servers are separated by one ';')");
    CHECK(set(c, p, str("mail1;")) == p + ": server 2 is empty (servers are separated by one ';')");
    CHECK(set(c, p, str("mail1:0")) == p + ": server 1 'mail1:0': port 0 is out of range 1-65535");
    CHECK(set(c, p, str("mail1:65536")) == p + ": server 1 'mail1:65536': port 65536 is out of range 1-65535");
    CHECK(set(c, p, str("mail1:")) == p + ": server 1 'mail1:': empty port");
    CHECK(set(c, p, str("mail_1")) ==
          p + ": server 1 'mail_1': not a host name or IPv4 address (IPv6: [address]:port)");
    CHECK(set(c, p, str("10.0.0.256")) ==
          p + ": server 1 '10.0.0.256': not a host name or IPv4 address (IPv6: [address]:port)");
    CHECK(set(c, p, str("[::g]:443")) == p + ": server 1 '[::g]:443': not an IPv6 address");
    CHECK(set(c, p, str("mail1;MAIL1:443")) == p + ": server 2 'MAIL1:443': listed twice");
    std::string long_list;
    while (long_list.size() < 3990) long_list += "m" + std::to_string(long_list.size()) + ".example.com;";
    long_list.pop_back();
    REQUIRE(long_list.size() <= 4000);
    CHECK(set(c, p, long_list) == "");
    CHECK(set(c, p, long_list + ";abcdefghijklmnop") == p + ": the server list is longer than 4000 characters");
}

TEST_CASE("host names, EMM addresses") {
    Config c;
    CHECK(set(c, "activesync.service.hosts[x]", str("a.example.com;b")) == "");
    CHECK(set(c, "activesync.service.hosts[x]", str("a.example.com;a.Example.com")) ==
          "activesync.service.hosts[x]: host 2 'a.Example.com': listed twice");
    CHECK(set(c, "activesync.service.hosts[x]", str("a b")) ==
          "activesync.service.hosts[x]: host 1 'a b': not a host name or IPv4 address");
    CHECK(set(c, "sentry.emm_ips", str("10.0.0.0/8,::1,fe80::/10")) == "");
    CHECK(set(c, "sentry.emm_ips", str("10.0.0.0/33")) ==
          "sentry.emm_ips: entry 1 '10.0.0.0/33': prefix length must be 0-32");
    CHECK(set(c, "sentry.emm_ips", str("10.0.0.1 10.0.0.2")) ==
          "sentry.emm_ips: entry 1 '10.0.0.1 10.0.0.2': not an IPv4 or IPv6 address");
    CHECK(set(c, "sentry.emm_ips", str("10.0.0.1,,10.0.0.2")) ==
          "sentry.emm_ips: entry 2 is empty (separate entries with ',' or spaces)");
    // The import parser takes a space-separated list and stores it canonically.
    Config back;
    REQUIRE(parse_config("sentry emm-ips 10.0.0.1 10.0.0.0/24\n", Config{}, back) == "");
    CHECK(get_string(back, "sentry.emm_ips") == "10.0.0.1,10.0.0.0/24");
    CHECK(parse_config("sentry emm-source-verify maybe\n", Config{}, back) ==
          "line 1: sentry.emm_source_verify: expected bool");
    CHECK(parse_config("sentry activesync service default health-check interval 5\n", Config{}, back) ==
          "line 1: activesync.service.health.interval_s[default]: 5 is out of range 10-600");
}

TEST_CASE("the sentryd snapshot has the contract's shape") {
    json j = snapshot(full());
    CHECK(j["version"] == 7);
    const json& cfg = j["config"];
    CHECK(cfg["hostname"] == "sentry");
    CHECK(cfg["timeouts"] == json{{"socket_ms", 20000}, {"connect_ms", 5000}, {"response_ms", 90000}, {"request_ms", 15000}});
    CHECK(cfg["activesync"]["enabled"] == false);
    CHECK(cfg["activesync"]["all_dead"] == "reject");
    CHECK_FALSE(cfg["activesync"].contains("servers"));  // the legacy key is gone
    const json& svcs = cfg["activesync"]["services"];
    REQUIRE(svcs.size() == 3);
    CHECK(svcs[0]["name"] == "default");
    CHECK(svcs[1]["name"] == "Eas3");
    CHECK(svcs[2]["name"] == "eas2");
    CHECK(svcs[0] == json::parse(R"({"name":"default","hosts":[],
        "servers":[{"host":"mail1.example.com","port":443},{"host":"mail2.example.com","port":8443}],
        "tls":true,"verify":true,"redirect_451":true,"scheduling":"round-robin",
        "health":{"enabled":true,"interval_s":30,"live_threshold":2,"dead_threshold":5,
                  "failure_window_ms":30000,"dead_time_ms":60000}})"));
    // Without hosts a service is selected by its own name (lower case), as in the reference product.
    CHECK(svcs[1]["hosts"] == json{"eas3"});
    CHECK(svcs[1]["servers"] == json::array());
    CHECK(svcs[1]["health"]["enabled"] == false);
    // Server TLS off: a server without a port is on 80.
    CHECK(svcs[2]["hosts"] == json{"eas2.example.com", "mail.example.org"});
    CHECK(svcs[2]["servers"] == json::parse(R"([{"host":"mail3.example.com","port":80},{"host":"2001:db8::1","port":8443}])"));
    CHECK(svcs[2]["tls"] == false);
    CHECK(svcs[2]["redirect_451"] == false);
    CHECK(svcs[2]["health"]["dead_time_ms"] == 120000);
    // The policy fields (source, rules, uem) are config_devices_test.cpp's.
    CHECK(cfg["device_policy"]["emm_fail_open"] == false);
    CHECK(cfg["device_policy"]["emm_source_verify"] == false);
    CHECK(cfg["device_policy"]["emm_ips"] == json{"10.1.0.0/16", "192.0.2.7", "2001:db8::/32"});
    CHECK(cfg["logging"] == json{{"audit", false}, {"health_monitor", false}});
    CHECK(cfg["hsts"] == false);
}

TEST_CASE("factory snapshot: ActiveSync on, the default service with the contract's defaults") {
    json cfg = snapshot(Config{})["config"];
    CHECK(cfg["activesync"]["enabled"] == true);
    CHECK(cfg["activesync"]["all_dead"] == "try-anyway");
    REQUIRE(cfg["activesync"]["services"].size() == 1);
    const json& d = cfg["activesync"]["services"][0];
    CHECK(d["name"] == "default");
    CHECK(d["hosts"] == json::array());
    CHECK(d["tls"] == true);
    CHECK(d["verify"] == false);
    CHECK(d["redirect_451"] == true);
    CHECK(d["scheduling"] == "priority");
    CHECK(d["health"] == json{{"enabled", true}, {"interval_s", 60}, {"live_threshold", 3}, {"dead_threshold", 3},
                              {"failure_window_ms", 60000}, {"dead_time_ms", 60000}});
    CHECK(cfg["timeouts"] == json{{"socket_ms", 10000}, {"connect_ms", 10000}, {"response_ms", 60000}, {"request_ms", 10000}});
    CHECK(cfg["device_policy"]["emm_fail_open"] == true);
    CHECK(cfg["device_policy"]["emm_source_verify"] == true);
    CHECK(cfg["logging"] == json{{"audit", true}, {"health_monitor", true}});
    CHECK(cfg["hsts"] == true);
}

TEST_CASE("a Host header may select one service only") {
    Config c;
    REQUIRE(set(c, "activesync.service.hosts[a]", str("mail.example.com")) == "");
    REQUIRE(set(c, "activesync.service.hosts[b]", str("x.example.com;MAIL.example.com")) == "");
    std::string why;
    CHECK(sentryd_config_json(c, &why).empty());
    CHECK(why == "activesync.service.hosts[b]: mail.example.com already selects service a");
    REQUIRE(del(c, "activesync.service.hosts[b]") == "");
    REQUIRE(set(c, "activesync.service[mail.example.com]", true) == "");
    CHECK(sentryd_config_json(c, &why).empty());
    CHECK(why == "activesync.service[mail.example.com]: its name mail.example.com is already a Host header name "
                 "of service a (give this service hosts of its own)");
    REQUIRE(set(c, "activesync.service.hosts[mail.example.com]", str("other.example.com")) == "");
    CHECK_FALSE(sentryd_config_json(c, &why).empty());
}

TEST_CASE("config properties flatten the snapshot") {
    auto props = sentry_config_properties(full());
    auto value = [&](const std::string& k) {
        for (const auto& [key, v] : props)
            if (key == k) return v;
        return std::string("<absent>");
    };
    CHECK(value("activesync.enabled") == "false");
    CHECK(value("activesync.service.default.servers") == "mail1.example.com:443;mail2.example.com:8443");
    CHECK(value("activesync.service.eas2.hosts") == "eas2.example.com;mail.example.org");
    CHECK(value("activesync.service.eas2.health.dead_time_ms") == "120000");
    CHECK(value("activesync.service.Eas3.servers") == "");
    CHECK(value("timeouts.response_ms") == "90000");
    CHECK(value("device_policy.emm_ips") == "10.1.0.0/16,192.0.2.7,2001:db8::/32");
    CHECK(value("hsts") == "false");
}
