#include "sentryd/control_handler.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>  // header-only; used here to read replies

using nlohmann::json;

namespace {

struct Fixture {
    sentryd::ConfigStore store;
    sentryd::Counters counters;
    sentryd::ControlHandler handler{store, counters, sentryd::ControlHandler::clock::now()};

    json call(const std::string& request) { return json::parse(handler.handle(request)); }
};

}  // namespace

TEST_CASE_FIXTURE(Fixture, "control: config.apply swaps the snapshot and echoes the id") {
    auto r = call(R"({"v":1,"id":7,"op":"config.apply","args":{"version":1,"config":{
                     "activesync":{"servers":[{"host":"m"}]}}}})");
    CHECK(r["id"] == 7);
    CHECK(r["ok"] == true);
    CHECK(r["data"]["version"] == 1);
    CHECK(store.version() == 1);
    REQUIRE(store.current()->activesync.services.size() == 1);
    CHECK(store.current()->activesync.services[0].servers.size() == 1);
}

TEST_CASE_FIXTURE(Fixture, "control: an invalid config is refused and the old one kept") {
    call(R"({"v":1,"id":1,"op":"config.apply","args":{"version":5,"config":{"hostname":"a"}}})");
    auto old = store.current();
    auto r = call(R"({"v":1,"id":2,"op":"config.apply","args":{"version":4,"config":{}}})");
    CHECK(r["ok"] == false);
    CHECK(r["error"]["code"] == "invalid");
    CHECK(r["error"]["message"].get<std::string>().find("version") != std::string::npos);
    CHECK(store.current() == old);
    r = call(R"({"v":1,"id":3,"op":"config.apply","args":{"version":6,"config":{"hostname":1}}})");
    CHECK(r["error"]["code"] == "invalid");
    CHECK(store.version() == 5);
}

TEST_CASE_FIXTURE(Fixture, "control: status reports version and counters") {
    counters.record_response(503);
    counters.record_response(404);
    counters.record_response(503);
    counters.connections_active = 2;
    auto r = call(R"({"v":1,"id":9,"op":"status"})");
    REQUIRE(r["ok"] == true);
    CHECK(r["data"]["version"] == 0);
    CHECK(r["data"]["connections_active"] == 2);
    CHECK(r["data"]["requests_total"] == 3);
    CHECK(r["data"]["responses"]["503"] == 2);
    CHECK(r["data"]["responses"]["404"] == 1);
    CHECK(r["data"]["uptime_s"].is_number_integer());
}

TEST_CASE_FIXTURE(Fixture, "control: protocol errors use the closed set of codes") {
    CHECK(call("{not json")["error"]["code"] == "bad_request");
    CHECK(call("[1,2]")["error"]["code"] == "bad_request");
    CHECK(call(R"({"v":1,"id":1})")["error"]["code"] == "bad_request");
    CHECK(call(R"({"v":2,"id":1,"op":"status"})")["error"]["code"] == "bad_request");
    CHECK(call(R"({"v":1,"id":1,"op":"status","args":[]})")["error"]["code"] == "bad_request");
    auto r = call(R"({"v":1,"id":4,"op":"reboot"})");
    CHECK(r["id"] == 4);
    CHECK(r["error"]["code"] == "unknown_op");
    CHECK(json::parse(sentryd::ControlHandler::too_large_reply())["error"]["code"] == "bad_request");
    CHECK(json::parse(sentryd::ControlHandler::denied_reply())["error"]["code"] == "denied");
}

TEST_CASE_FIXTURE(Fixture, "control: hello identifies the service") {
    auto r = call(R"({"v":1,"id":1,"op":"hello"})");
    CHECK(r["ok"] == true);
    CHECK(r["data"]["service"] == "sentryd");
}
