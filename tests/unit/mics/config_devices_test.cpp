// The device-policy subtree (config_fields_devices.cpp) and its part of the
// sentryd snapshot: validation names the field, lines render and parse
// back, `all` shows the defaults, the UEM token is masked below 15.
#include "accounts.hpp"
#include "config_model.hpp"
#include "sentryd_snapshot.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <string>

using namespace micsd;
using nlohmann::json;

namespace {
std::string set(Config& c, const std::string& path, Value v) { return apply_edit(c, path, "set", std::move(v)); }
std::string str(const char* s) { return s; }

Config full() {
    Config c;
    REQUIRE(set(c, "sentry.uem.resync_h", 24LL) == "");
    REQUIRE(set(c, "sentry.device_rule[20]", str("wipe device-id LOST*")) == "");
    REQUIRE(set(c, "sentry.device_rule[3]", str("block user mallory@example.com")) == "");
    REQUIRE(set(c, "sentry.device_rule[100]", str("allow device-type iPad*")) == "");
    REQUIRE(set(c, "sentry.uem.url", str("https://uem.example.com:8443/api/v1")) == "");
    REQUIRE(set(c, "sentry.uem.token", str("s3cr3t-t0ken")) == "");
    REQUIRE(set(c, "sentry.uem.ca_file", str("/etc/sentry/uem-ca.pem")) == "");
    REQUIRE(set(c, "sentry.uem.verify", false) == "");
    REQUIRE(set(c, "sentry.uem.poll_s", 30LL) == "");
    REQUIRE(set(c, "sentry.device_policy.auto_block", true) == "");
    REQUIRE(set(c, "sentry.device_policy.source", str("uem")) == "");
    return c;
}

const char* kText =
    "sentry uem url https://uem.example.com:8443/api/v1\n"
    "sentry uem token s3cr3t-t0ken\n"
    "sentry uem ca-file /etc/sentry/uem-ca.pem\n"
    "no sentry uem verify-certificate\n"
    "sentry uem poll-interval 30\n"
    "sentry uem resync-interval 24\n"
    "sentry device-policy uem\n"
    "sentry auto-block-unregistered\n"
    "sentry device-rule 3 block user mallory@example.com\n"
    "sentry device-rule 20 wipe device-id LOST*\n"
    "sentry device-rule 100 allow device-type iPad*\n";
}  // namespace

TEST_CASE("device policy: lines render in order (rules by number) and parse back") {
    Config c = full();
    std::string text = render(c);
    CHECK(text.find(kText) != std::string::npos);
    Config back;
    REQUIRE(parse_config(text, Config{}, back) == "");
    CHECK(to_json(back) == to_json(c));
    Config again;
    REQUIRE(parse_config(render(c, true), Config{}, again) == "");
    CHECK(to_json(again) == to_json(c));
}

TEST_CASE("device policy: defaults render only with `all`") {
    Config c;
    CHECK(render(c).find("device-") == std::string::npos);
    std::string all = render(c, true);
    CHECK(all.find("sentry uem verify-certificate\nsentry uem poll-interval 60\nsentry uem resync-interval 12\n"
                   "sentry device-policy standalone\nno sentry auto-block-unregistered\n") !=
          std::string::npos);
    CHECK(all.find("sentry uem url") == std::string::npos);  // empty: nothing to show
}

TEST_CASE("device policy: validation names the field") {
    Config c;
    CHECK(set(c, "sentry.device_policy.source", str("cloud")).find("standalone or uem") != std::string::npos);
    CHECK(set(c, "sentry.device_rule[0]", str("allow user x")).find("sentry.device_rule[0]") != std::string::npos);
    CHECK(set(c, "sentry.device_rule[70000]", str("allow user x")) != "");
    CHECK(set(c, "sentry.device_rule[5]", str("permit user x")).find("action must be allow, block or wipe") !=
          std::string::npos);
    CHECK(set(c, "sentry.device_rule[5]", str("allow imei x")).find("match must be") != std::string::npos);
    CHECK(set(c, "sentry.device_rule[5]", str("allow user")) != "");
    CHECK(set(c, "sentry.device_rule[5]", std::string("allow user ") + std::string(129, 'x')) != "");
    CHECK(set(c, "sentry.uem.url", str("http://uem.example.com")).find("https://") != std::string::npos);
    CHECK(set(c, "sentry.uem.poll_s", 5LL).find("sentry.uem.poll_s") != std::string::npos);
    CHECK(set(c, "sentry.uem.resync_h", 200LL) != "");
    CHECK(set(c, "sentry.uem.ca_file", str("relative.pem")).find("absolute") != std::string::npos);
}

TEST_CASE("device policy: the snapshot carries rules in order and refuses uem without a URL") {
    Config c = full();
    std::string why;
    json snap = json::parse(sentryd_config_json(c, &why));
    REQUIRE(why.empty());
    const json& dp = snap["device_policy"];
    CHECK(dp["source"] == "uem");
    CHECK(dp["auto_block_unregistered"] == true);
    REQUIRE(dp["rules"].size() == 3);
    CHECK(dp["rules"][0]["seq"] == 3);
    CHECK(dp["rules"][1] == json{{"seq", 20}, {"action", "wipe"}, {"match", "device-id"}, {"pattern", "LOST*"}});
    CHECK(dp["uem"]["token"] == "s3cr3t-t0ken");
    CHECK(dp["uem"]["poll_s"] == 30);
    Config bare;
    REQUIRE(set(bare, "sentry.device_policy.source", str("uem")) == "");
    CHECK(sentryd_config_json(bare, &why).empty());
    CHECK(why.find("sentry uem url") != std::string::npos);
}

TEST_CASE("device policy: config-properties lists rules and never fails on them") {
    Config c = full();
    std::string rules;
    for (const auto& [k, v] : sentry_config_properties(c))
        if (k == "device_policy.rules") rules = v;
    CHECK(rules.find("3 block user mallory@example.com") != std::string::npos);
}

TEST_CASE("device policy: the UEM token is masked for viewers below privilege 15") {
    Config c = full();
    std::string masked = render(accounts::mask_secrets(c));
    CHECK(masked.find("s3cr3t") == std::string::npos);
    CHECK(masked.find("sentry uem token ***\n") != std::string::npos);
}

TEST_CASE("the SNMP community is masked for viewers below privilege 15, an unset one stays unset") {
    Config c;
    CHECK(render(accounts::mask_secrets(c)).find("snmp-server community") == std::string::npos);
    REQUIRE(apply_edit(c, "snmp.community", "set", Value(std::string("pub!ic"))).empty());
    std::string masked = render(accounts::mask_secrets(c));
    CHECK(masked.find("pub!ic") == std::string::npos);
    CHECK(masked.find("snmp-server community *** ro\n") != std::string::npos);
    CHECK(render(c).find("snmp-server community pub!ic ro\n") != std::string::npos);
}
