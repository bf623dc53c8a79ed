#include "sentryd/counters.hpp"

#include <doctest/doctest.h>

TEST_CASE("counters: responses are counted per status and in total") {
    sentryd::Counters c;
    CHECK(c.requests_total == 0);
    CHECK(c.responses_seen().empty());
    c.record_response(503);
    c.record_response(503);
    c.record_response(404);
    c.record_response(431);
    CHECK(c.requests_total == 4);
    CHECK(c.responses(503) == 2);
    CHECK(c.responses(404) == 1);
    CHECK(c.responses(200) == 0);
    auto seen = c.responses_seen();
    REQUIRE(seen.size() == 3);
    CHECK(seen[0] == std::pair<unsigned, std::uint64_t>{404, 1});  // ascending
    CHECK(seen[2] == std::pair<unsigned, std::uint64_t>{503, 2});
}

TEST_CASE("counters: out-of-range statuses never index out of bounds") {
    sentryd::Counters c;
    c.record_response(42);
    c.record_response(1000);
    CHECK(c.requests_total == 2);
    CHECK(c.responses(500) == 2);
    CHECK(c.responses(42) == 0);
}
