#include "sentryd/proxy_config.hpp"

#include <doctest/doctest.h>

using sentryd::parse_config_apply;

TEST_CASE("config.apply: a good snapshot is accepted") {
    auto r = parse_config_apply(
        R"({"version":3,"config":{"hostname":"gw1","activesync":{"servers":[
              {"host":"mail1.example.com","port":8443},{"host":"mail2.example.com"},"mail3"]}}})",
        2);
    REQUIRE(r.ok());
    const auto& c = *r.value();
    CHECK(c.version == 3);
    CHECK(c.hostname == "gw1");
    // The legacy shape becomes the servers of the `default` service.
    REQUIRE(c.activesync.services.size() == 1);
    const auto& servers = c.activesync.services[0].servers;
    CHECK(c.activesync.services[0].name == "default");
    REQUIRE(servers.size() == 3);
    CHECK(servers[0].port == 8443);
    CHECK(servers[1].port == 443);
    CHECK(servers[2].host == "mail3");
}

TEST_CASE("config.apply: empty server list and missing optional fields are fine") {
    CHECK(parse_config_apply(R"({"version":1,"config":{"activesync":{"servers":[]}}})", 0).ok());
    CHECK(parse_config_apply(R"({"version":1,"config":{}})", 0).ok());
    // Unknown keys are ignored so MICS can add fields first.
    CHECK(parse_config_apply(R"({"version":1,"config":{"snmp":{"x":1}}})", 0).ok());
}

TEST_CASE("config.apply: version must be an integer newer than the current one") {
    auto same = parse_config_apply(R"({"version":5,"config":{}})", 5);
    REQUIRE_FALSE(same.ok());
    CHECK(same.error().find("version") != std::string::npos);
    CHECK_FALSE(parse_config_apply(R"({"version":4,"config":{}})", 5).ok());
    CHECK_FALSE(parse_config_apply(R"({"config":{}})", 0).ok());
    CHECK_FALSE(parse_config_apply(R"({"version":"7","config":{}})", 0).ok());
    CHECK_FALSE(parse_config_apply(R"({"version":1.5,"config":{}})", 0).ok());
    CHECK_FALSE(parse_config_apply(R"({"version":-1,"config":{}})", 0).ok());
    CHECK_FALSE(parse_config_apply(R"({"version":true,"config":{}})", 0).ok());
}

TEST_CASE("config.apply: wrong types name the field") {
    struct Case {
        const char* json;
        const char* field;
    };
    const Case cases[] = {
        {R"({"version":1})", "config"},
        {R"({"version":1,"config":[]})", "config"},
        {R"({"version":1,"config":{"hostname":5}})", "config.hostname"},
        {R"({"version":1,"config":{"activesync":[]}})", "config.activesync"},
        {R"({"version":1,"config":{"activesync":{"servers":{}}}})", "config.activesync.servers"},
        {R"({"version":1,"config":{"activesync":{"servers":[5]}}})", "servers[0]"},
        {R"({"version":1,"config":{"activesync":{"servers":[{"host":""}]}}})", "servers[0].host"},
        {R"({"version":1,"config":{"activesync":{"servers":[{"host":"a","port":0}]}}})",
         "servers[0].port"},
        {R"({"version":1,"config":{"activesync":{"servers":[{"host":"a","port":70000}]}}})",
         "servers[0].port"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.json);
        auto r = parse_config_apply(c.json, 0);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().find(c.field) != std::string::npos);
    }
    CHECK_FALSE(parse_config_apply("{not json", 0).ok());
    CHECK_FALSE(parse_config_apply("[]", 0).ok());
}

TEST_CASE("ConfigStore: starts at version 0 and keeps old snapshots alive for their holders") {
    sentryd::ConfigStore store;
    CHECK(store.version() == 0);
    CHECK(store.current()->activesync.services.empty());
    auto in_flight = store.current();
    auto next = parse_config_apply(R"({"version":1,"config":{"hostname":"new"}})", store.version());
    REQUIRE(next.ok());
    store.replace(next.value());
    CHECK(store.version() == 1);
    CHECK(in_flight->version == 0);  // a request that started earlier still sees its snapshot
    CHECK(in_flight->hostname.empty());
}

TEST_CASE("config.apply: the services shape with every field") {
    auto r = parse_config_apply(R"({"version":9,"config":{
        "listen":{"address":"127.0.0.1","port":8443},
        "timeouts":{"socket_ms":5000,"connect_ms":2000,"response_ms":30000,"request_ms":7000},
        "activesync":{"enabled":true,"all_dead":"reject","services":[
          {"name":"default","servers":[{"host":"mail1","port":443},{"host":"mail2"}],
           "scheduling":"round-robin","tls":false,"verify":true,"redirect_451":false,
           "health":{"enabled":false,"interval_s":10,"live_threshold":2,"dead_threshold":5,
                     "failure_window_ms":1000,"dead_time_ms":2000}},
          {"name":"o365","hosts":["EAS.Example.com:443"],"servers":[{"host":"outlook.office365.com"}]}]}}})",
                                0);
    REQUIRE(r.ok());
    const auto& c = *r.value();
    REQUIRE(c.listen);
    CHECK(c.listen->port == 8443);
    CHECK(c.timeouts.socket.count() == 5000);
    CHECK(c.timeouts.connect.count() == 2000);
    CHECK(c.timeouts.response.count() == 30000);
    CHECK(c.timeouts.request.count() == 7000);
    CHECK(c.activesync.all_dead == sentryd::AllDead::reject);
    REQUIRE(c.activesync.services.size() == 2);
    const auto& d = c.activesync.services[0];
    CHECK(d.scheduling == sentryd::Scheduling::round_robin);
    CHECK_FALSE(d.tls);
    CHECK(d.verify);
    CHECK_FALSE(d.redirect_451);
    CHECK_FALSE(d.health.enabled);
    CHECK(d.health.interval_s == 10);
    CHECK(d.health.live_threshold == 2);
    CHECK(d.health.dead_threshold == 5);
    CHECK(d.health.failure_window.count() == 1000);
    CHECK(d.health.dead_time.count() == 2000);
    const auto& o = c.activesync.services[1];
    CHECK(o.hosts == std::vector<std::string>{"eas.example.com"});  // lower case, port gone
    CHECK(o.tls);  // defaults
    CHECK(o.scheduling == sentryd::Scheduling::priority);
    CHECK(o.health.interval_s == 60);
    CHECK(c.service_for_host("eas.example.com") == &o);
    CHECK(c.service_for_host("nope") == &d);
}

TEST_CASE("config.apply: defaults match docs/sentryd-config.md") {
    auto r = parse_config_apply(R"({"version":1,"config":{}})", 0);
    REQUIRE(r.ok());
    const auto& c = *r.value();
    CHECK_FALSE(c.listen);
    CHECK(c.timeouts.socket.count() == 10000);
    CHECK(c.timeouts.connect.count() == 10000);
    CHECK(c.timeouts.response.count() == 60000);
    CHECK(c.timeouts.request.count() == 10000);
    CHECK(c.activesync.enabled);
    CHECK(c.activesync.all_dead == sentryd::AllDead::try_anyway);
    sentryd::HealthCheck h;
    CHECK(h.enabled);
    CHECK(h.interval_s == 60);
    CHECK(h.live_threshold == 3);
    CHECK(h.dead_threshold == 3);
    CHECK(h.failure_window.count() == 60000);
    CHECK(h.dead_time.count() == 60000);
}

TEST_CASE("config.apply: services win over the legacy servers list when both are sent") {
    auto r = parse_config_apply(R"({"version":1,"config":{"activesync":{"servers":["old"],
        "services":[{"name":"default","servers":["new"]}]}}})", 0);
    REQUIRE(r.ok());
    REQUIRE(r.value()->activesync.services.size() == 1);
    CHECK(r.value()->activesync.services[0].servers[0].host == "new");
    // The legacy list is still validated.
    CHECK_FALSE(parse_config_apply(R"({"version":1,"config":{"activesync":{"servers":[1],
        "services":[]}}})", 0).ok());
}

TEST_CASE("config.apply: out-of-range and malformed new fields are refused naming the field") {
    struct Case {
        const char* config;
        const char* field;
    };
    const Case cases[] = {
        {R"({"timeouts":{"socket_ms":0}})", "config.timeouts.socket_ms"},
        {R"({"timeouts":{"connect_ms":3600001}})", "config.timeouts.connect_ms"},
        {R"({"timeouts":{"response_ms":"60"}})", "config.timeouts.response_ms"},
        {R"({"timeouts":{"request_ms":-5}})", "config.timeouts.request_ms"},
        {R"({"timeouts":[]})", "config.timeouts"},
        {R"({"listen":{"address":"127.0.0.1","port":0}})", "config.listen.port"},
        {R"({"listen":{"port":443}})", "config.listen.address"},
        {R"({"listen":{"address":"127.0.0.1"}})", "config.listen.port"},
        {R"({"activesync":{"enabled":"yes"}})", "config.activesync.enabled"},
        {R"({"activesync":{"all_dead":"maybe"}})", "config.activesync.all_dead"},
        {R"({"activesync":{"services":{}}})", "config.activesync.services"},
        {R"({"activesync":{"services":[{}]}})", "services[0].name"},
        {R"({"activesync":{"services":[{"name":"a b"}]}})", "services[0].name"},
        {R"({"activesync":{"services":[{"name":"a/b"}]}})", "services[0].name"},
        {R"({"activesync":{"services":[{"name":""}]}})", "services[0].name"},
        {R"({"activesync":{"services":[{"name":"a"},{"name":"a"}]}})", "services[1].name"},
        {R"({"activesync":{"services":[{"name":"a","hosts":["x"]},{"name":"b","hosts":["X:1"]}]}})",
         "services[1].hosts"},
        {R"({"activesync":{"services":[{"name":"a","hosts":[5]}]}})", "services[0].hosts[0]"},
        {R"({"activesync":{"services":[{"name":"a","servers":[{"host":"m","port":65536}]}]}})",
         "services[0].servers[0].port"},
        {R"({"activesync":{"services":[{"name":"a","servers":[{"host":"a b"}]}]}})",
         "services[0].servers[0].host"},
        {R"({"activesync":{"services":[{"name":"a","tls":1}]}})", "services[0].tls"},
        {R"({"activesync":{"services":[{"name":"a","verify":"no"}]}})", "services[0].verify"},
        {R"({"activesync":{"services":[{"name":"a","redirect_451":null}]}})", "services[0].redirect_451"},
        {R"({"activesync":{"services":[{"name":"a","scheduling":"random"}]}})", "services[0].scheduling"},
        {R"({"activesync":{"services":[{"name":"a","health":{"interval_s":9}}]}})",
         "services[0].health.interval_s"},
        {R"({"activesync":{"services":[{"name":"a","health":{"interval_s":601}}]}})",
         "services[0].health.interval_s"},
        {R"({"activesync":{"services":[{"name":"a","health":{"live_threshold":11}}]}})",
         "services[0].health.live_threshold"},
        {R"({"activesync":{"services":[{"name":"a","health":{"dead_threshold":1001}}]}})",
         "services[0].health.dead_threshold"},
        {R"({"activesync":{"services":[{"name":"a","health":{"failure_window_ms":86400001}}]}})",
         "services[0].health.failure_window_ms"},
        {R"({"activesync":{"services":[{"name":"a","health":{"dead_time_ms":0}}]}})",
         "services[0].health.dead_time_ms"},
        {R"({"activesync":{"services":[{"name":"a","health":{"enabled":0}}]}})",
         "services[0].health.enabled"},
        {R"({"activesync":{"services":[{"name":"a","health":[]}]}})", "services[0].health"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.config);
        auto r = parse_config_apply(std::string(R"({"version":1,"config":)") + c.config + "}", 0);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().find(c.field) != std::string::npos);
    }
    // Range edges are accepted.
    CHECK(parse_config_apply(R"({"version":1,"config":{"timeouts":{"socket_ms":1,"connect_ms":3600000},
        "activesync":{"services":[{"name":"a","health":{"interval_s":600,"live_threshold":10,
        "dead_threshold":1000,"failure_window_ms":86400000,"dead_time_ms":172800000}}]}}})", 0).ok());
}

TEST_CASE("config.apply: hsts and logging, as MICS sends them") {
    // Absent: both on, as MICS's defaults.
    auto d = parse_config_apply(R"({"version":1,"config":{}})", 0);
    REQUIRE(d.ok());
    CHECK(d.value()->hsts);
    CHECK(d.value()->logging.audit);
    CHECK(d.value()->logging.health_monitor);

    auto r = parse_config_apply(
        R"({"version":2,"config":{"hsts":false,"logging":{"audit":true,"health_monitor":false},
            "device_policy":{"emm_fail_open":true,"emm_source_verify":true,"emm_ips":[]}}})",
        1);
    REQUIRE(r.ok());
    CHECK_FALSE(r.value()->hsts);
    CHECK(r.value()->logging.audit);
    CHECK_FALSE(r.value()->logging.health_monitor);

    struct Case {
        const char* config;
        const char* field;
    };
    const Case cases[] = {
        {R"({"hsts":"yes"})", "config.hsts"},
        {R"({"logging":true})", "config.logging"},
        {R"({"logging":{"audit":1}})", "config.logging.audit"},
        {R"({"logging":{"health_monitor":null}})", "config.logging.health_monitor"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.config);
        auto bad = parse_config_apply(std::string(R"({"version":1,"config":)") + c.config + "}", 0);
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.error().find(c.field) != std::string::npos);
    }
}
