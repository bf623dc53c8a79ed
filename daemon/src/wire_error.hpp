// Sorts a socket/TLS/HTTP error into what the statistics distinguish
// (docs/device-policy.md, "Counters"): a deadline passed, the peer reset
// the connection, the peer closed it, we cancelled it ourselves, or
// anything else.
#pragma once
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <cstdint>

namespace sentryd {

enum class WireError : std::uint8_t { none, timeout, reset, closed, aborted, other };

inline WireError classify_wire_error(const boost::system::error_code& ec) {
    namespace net = boost::asio;
    namespace http = boost::beast::http;
    if (!ec) return WireError::none;
    if (ec == boost::beast::error::timeout) return WireError::timeout;
    if (ec == net::error::connection_reset || ec == net::error::broken_pipe) return WireError::reset;
    if (ec == net::error::eof || ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == net::ssl::error::stream_truncated)
        return WireError::closed;
    if (ec == net::error::operation_aborted) return WireError::aborted;
    return WireError::other;
}

}  // namespace sentryd
