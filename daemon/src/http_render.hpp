// HTTP/1.1 message heads rendered straight into one contiguous buffer.
//
// The proxy's hot path writes each head (plus a small body) with a single
// SSL_write or send: Beast's serializer hands out a concatenation of many
// buffer views whose iteration cost more than the rest of a request, and the
// field edits it needs first (erase hop-by-hop, set X-Forwarded-*) each walk
// and rebalance a tree. Here the original fields are read once, in order,
// and filtered while they are copied.
#pragma once
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>

namespace sentryd {

// Hop-by-hop fields (RFC 7230 §6.1) describe one connection and must not
// cross the proxy: Connection, Keep-Alive, Proxy-Connection,
// Proxy-Authenticate, Proxy-Authorization, TE, Trailer, Upgrade, and every
// field the Connection header names.
class HopByHop {
public:
    explicit HopByHop(const boost::beast::http::fields& f);
    bool operator()(const boost::beast::http::fields::value_type& field) const;

private:
    std::string_view connection_;  // the Connection header's value (tokens), or empty
};

void append_field(std::string& out, std::string_view name, std::string_view value);

// The device's request as sent to a back end: `target` and `host` replace
// the device's; X-Forwarded-For gets `client_ip` appended, X-Forwarded-Host
// the device's Host, X-Forwarded-Proto "https"; Content-Length frames the
// (whole) body; no Connection header (HTTP/1.1 keep-alive is the default).
// Expect is dropped: the body is already here, a "100 Continue" from the
// server would only be mistaken for the response.
void render_backend_request(std::string& out,
                            const boost::beast::http::request<boost::beast::http::string_body>& req,
                            std::string_view target, std::string_view host, std::string_view client_ip);

// The Strict-Transport-Security value sentryd sends when `hsts` is on: the
// reference product's (one year, subdomains included).
inline constexpr std::string_view kHstsValue = "max-age=31536000; includeSubDomains";

// A back end's response head for the device, HTTP/1.1. Keeps the framing
// fields (Content-Length / Transfer-Encoding); drops hop-by-hop ones; adds
// "Connection: close" when the device connection ends after it. With
// `hsts`, ours replaces any Strict-Transport-Security of the server's.
void render_response_head(std::string& out, const boost::beast::http::response_header<>& res, bool keep_alive,
                          bool hsts);

}  // namespace sentryd
