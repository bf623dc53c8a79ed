#include "http_render.hpp"

#include <boost/beast/http/empty_body.hpp>

#include <doctest/doctest.h>

namespace http = boost::beast::http;

TEST_CASE("render_backend_request: hop-by-hop out, X-Forwarded-* in, body framed") {
    http::request<http::string_body> req{http::verb::post, "/Microsoft-Server-ActiveSync?Cmd=Sync", 11};
    req.set(http::field::host, "mail.example.com");
    req.set(http::field::connection, "keep-alive, X-Hop");
    req.set("X-Hop", "secret");
    req.set(http::field::te, "trailers");
    req.set(http::field::expect, "100-continue");
    req.set("X-Forwarded-For", "10.9.8.7");
    req.set("X-Forwarded-Proto", "http");
    req.set("MS-ASProtocolVersion", "14.1");
    req.set(http::field::content_length, "999");
    req.body() = "wbxml";

    std::string out;
    sentryd::render_backend_request(out, req, "/other?Cmd=Sync", "backend:8443", "192.0.2.1");
    CHECK(out.rfind("POST /other?Cmd=Sync HTTP/1.1\r\nHost: backend:8443\r\n", 0) == 0);
    CHECK(out.find("MS-ASProtocolVersion: 14.1\r\n") != std::string::npos);
    CHECK(out.find("X-Forwarded-Host: mail.example.com\r\n") != std::string::npos);
    CHECK(out.find("X-Forwarded-For: 10.9.8.7, 192.0.2.1\r\n") != std::string::npos);
    CHECK(out.find("X-Forwarded-Proto: https\r\n") != std::string::npos);
    CHECK(out.find("X-Forwarded-Proto: http\r\n") == std::string::npos);
    for (const char* gone : {"X-Hop", "Connection", "TE:", "Expect", "999"}) {
        CAPTURE(gone);
        CHECK(out.find(gone) == std::string::npos);
    }
    const std::string tail = "\r\nContent-Length: 5\r\n\r\nwbxml";
    REQUIRE(out.size() > tail.size());
    CHECK(out.substr(out.size() - tail.size()) == tail);
}

TEST_CASE("render_backend_request: OPTIONS without a body keeps an empty Content-Length") {
    http::request<http::string_body> req{http::verb::options, "/Microsoft-Server-ActiveSync", 11};
    std::string out;
    sentryd::render_backend_request(out, req, req.target(), "b", "::1");
    CHECK(out.find("Content-Length: 0\r\n\r\n") != std::string::npos);
    CHECK(out.find("X-Forwarded-For: ::1\r\n") != std::string::npos);
    CHECK(out.find("X-Forwarded-Host") == std::string::npos);  // the device sent no Host
}

TEST_CASE("render_response_head: hop-by-hop out, HSTS replaces the server's when on") {
    http::response<http::empty_body> res{http::status::ok, 11};
    res.reason("Fine");
    res.set(http::field::content_length, "25");
    res.set(http::field::keep_alive, "timeout=5");
    res.set(http::field::connection, "X-Private");
    res.set("X-Private", "1");
    res.set(http::field::strict_transport_security, "max-age=1");
    res.set("X-Backend", "b1");

    std::string on;
    sentryd::render_response_head(on, res.base(), /*keep_alive=*/true, /*hsts=*/true);
    CHECK(on.rfind("HTTP/1.1 200 Fine\r\n", 0) == 0);
    CHECK(on.find("Content-Length: 25\r\n") != std::string::npos);
    CHECK(on.find("X-Backend: b1\r\n") != std::string::npos);
    CHECK(on.find("Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n") != std::string::npos);
    CHECK(on.find("max-age=1\r\n") == std::string::npos);
    CHECK(on.find("X-Private") == std::string::npos);
    CHECK(on.find("Keep-Alive") == std::string::npos);
    CHECK(on.find("Connection") == std::string::npos);
    CHECK(on.substr(on.size() - 4) == "\r\n\r\n");

    std::string off;
    sentryd::render_response_head(off, res.base(), /*keep_alive=*/false, /*hsts=*/false);
    CHECK(off.find("Strict-Transport-Security: max-age=1\r\n") != std::string::npos);
    CHECK(off.find("Connection: close\r\n") != std::string::npos);
}
