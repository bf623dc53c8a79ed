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
    REQUIRE(c.activesync_servers.size() == 3);
    CHECK(c.activesync_servers[0].port == 8443);
    CHECK(c.activesync_servers[1].port == 443);
    CHECK(c.activesync_servers[2].host == "mail3");
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
    CHECK(store.current()->activesync_servers.empty());
    auto in_flight = store.current();
    auto next = parse_config_apply(R"({"version":1,"config":{"hostname":"new"}})", store.version());
    REQUIRE(next.ok());
    store.replace(next.value());
    CHECK(store.version() == 1);
    CHECK(in_flight->version == 0);  // a request that started earlier still sees its snapshot
    CHECK(in_flight->hostname.empty());
}
