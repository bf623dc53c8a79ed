#include "mics/client.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

TEST_CASE("scan_ok_reply finds an ok reply's id and data text without decoding it") {
    std::uint64_t id = 0;
    std::string_view data;
    // Any key order, whitespace, nested strings with brackets and escaped quotes.
    std::string frame = R"({"data":{"rows":[{"user":"a\"}]","n":1},[2,3]],"next":null},"id":42,"ok":true})";
    REQUIRE(mics::scan_ok_reply(frame, id, data));
    CHECK(id == 42);
    CHECK(data == R"({"rows":[{"user":"a\"}]","n":1},[2,3]],"next":null})");
    CHECK(nlohmann::json::parse(data)["rows"][0]["user"] == "a\"}]");
    REQUIRE(mics::scan_ok_reply(" { \"id\" : 7 , \"ok\" : true , \"data\" : 12 } ", id, data));
    CHECK(id == 7);
    CHECK(data == "12");
    REQUIRE(mics::scan_ok_reply(R"({"id":1,"ok":true,"data":"x,}"})", id, data));
    CHECK(data == R"("x,}")");
    // Round trip with what the encoder writes.
    nlohmann::json j = {{"id", 9}, {"ok", true}, {"data", {{"a", {1, "b\\\"", nullptr}}}}};
    std::string text = j.dump();  // data points into it
    REQUIRE(mics::scan_ok_reply(text, id, data));
    CHECK(nlohmann::json::parse(data) == j["data"]);
}

TEST_CASE("scan_ok_reply leaves everything else to the full parser") {
    std::uint64_t id = 0;
    std::string_view data;
    for (const char* bad : {R"({"id":1,"ok":false,"error":{"code":"x","message":"y"}})",  // an error
                            R"({"id":1,"ok":true})",                                      // no data
                            R"({"ok":true,"data":1})",                                    // no id
                            R"({"id":-1,"ok":true,"data":1})", R"({"id":"1","ok":true,"data":1})",
                            R"({"id":1,"ok":true,"data":{"a":[1,2})",                     // cut short
                            R"({"id":1,"ok":true,"data":"abc)", R"({"id":1,"ok":true,"data":1} x)",
                            R"([1,2])", "", "{", R"({"id":1,"ok":true,"data":})", R"({"id":1 "ok":true})"}) {
        CHECK_MESSAGE(!mics::scan_ok_reply(bad, id, data), bad);
    }
}
