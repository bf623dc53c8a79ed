#include "wire_error.hpp"

#include <doctest/doctest.h>

using namespace sentryd;
namespace net = boost::asio;
namespace http = boost::beast::http;

TEST_CASE("wire errors: what the timeout / reset / close counters are told apart by") {
    CHECK(classify_wire_error({}) == WireError::none);
    CHECK(classify_wire_error(boost::beast::error::timeout) == WireError::timeout);
    CHECK(classify_wire_error(net::error::connection_reset) == WireError::reset);
    CHECK(classify_wire_error(net::error::broken_pipe) == WireError::reset);
    CHECK(classify_wire_error(net::error::eof) == WireError::closed);
    CHECK(classify_wire_error(http::error::end_of_stream) == WireError::closed);
    CHECK(classify_wire_error(http::error::partial_message) == WireError::closed);
    CHECK(classify_wire_error(net::ssl::error::stream_truncated) == WireError::closed);
    CHECK(classify_wire_error(net::error::operation_aborted) == WireError::aborted);
    // Refused, a bad response head, a TLS alert: "unclassified".
    CHECK(classify_wire_error(net::error::connection_refused) == WireError::other);
    CHECK(classify_wire_error(http::error::bad_version) == WireError::other);
}
