#include "http_render.hpp"
#include "sentryd/ascii.hpp"

#include <boost/beast/http/rfc7230.hpp>

#include <charconv>

namespace sentryd {

namespace http = boost::beast::http;

namespace {

void append_number(std::string& out, std::uint64_t n) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, r.ptr);
}

}  // namespace

HopByHop::HopByHop(const http::fields& f) {
    auto it = f.find(http::field::connection);
    if (it != f.end()) connection_ = it->value();
}

bool HopByHop::operator()(const http::fields::value_type& field) const {
    switch (field.name()) {
    case http::field::connection:
    case http::field::keep_alive:
    case http::field::proxy_connection:
    case http::field::proxy_authenticate:
    case http::field::proxy_authorization:
    case http::field::te:
    case http::field::trailer:
    case http::field::upgrade:
        return true;
    default:
        break;
    }
    if (connection_.empty()) return false;
    for (auto token : http::token_list(connection_))
        if (iequals(token, field.name_string())) return true;
    return false;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out.append(name);
    out.append(": ", 2);
    out.append(value);
    out.append("\r\n", 2);
}

void render_backend_request(std::string& out, const http::request<http::string_body>& req,
                            std::string_view target, std::string_view host, std::string_view client_ip) {
    const auto& body = req.body();
    out.reserve(out.size() + 512 + body.size());
    out.append(req.method_string());
    out.push_back(' ');
    out.append(target);
    out.append(" HTTP/1.1\r\n", 11);
    append_field(out, "Host", host);
    HopByHop hop(req);
    std::string_view xff, original_host;
    bool have_xff = false;
    for (const auto& f : req) {
        switch (f.name()) {
        case http::field::host:
            original_host = f.value();
            continue;
        case http::field::content_length:
        case http::field::transfer_encoding:
        case http::field::expect:
            continue;
        default:
            break;
        }
        if (hop(f)) continue;
        // The X-Forwarded-* fields have no enum value of their own.
        if (f.name() == http::field::unknown) {
            std::string_view n = f.name_string();
            if (iequals(n, "X-Forwarded-For")) {
                // The first one, as a proxy that set() it would have kept.
                if (!have_xff) xff = f.value();
                have_xff = true;
                continue;
            }
            if (iequals(n, "X-Forwarded-Host") || iequals(n, "X-Forwarded-Proto")) continue;
        }
        append_field(out, f.name_string(), f.value());
    }
    if (!original_host.empty()) append_field(out, "X-Forwarded-Host", original_host);
    out.append("X-Forwarded-For: ");
    if (!xff.empty()) {
        out.append(xff);
        out.append(", ", 2);
    }
    out.append(client_ip);
    out.append("\r\nX-Forwarded-Proto: https\r\n");
    // As Beast's prepare_payload: a length for any body, and for the methods
    // that always carry one even when it is empty.
    auto m = req.method();
    if (!body.empty() || m == http::verb::post || m == http::verb::put || m == http::verb::options) {
        out.append("Content-Length: ");
        append_number(out, body.size());
        out.append("\r\n", 2);
    }
    out.append("\r\n", 2);
    out.append(body);
}

void render_response_head(std::string& out, const http::response_header<>& res, bool keep_alive, bool hsts) {
    out.append("HTTP/1.1 ", 9);
    append_number(out, res.result_int());
    out.push_back(' ');
    out.append(res.reason());
    out.append("\r\n", 2);
    HopByHop hop(res);
    for (const auto& f : res) {
        if (hop(f) || (hsts && f.name() == http::field::strict_transport_security)) continue;
        append_field(out, f.name_string(), f.value());
    }
    if (hsts) append_field(out, "Strict-Transport-Security", kHstsValue);
    if (!keep_alive) out.append("Connection: close\r\n");
    out.append("\r\n", 2);
}

}  // namespace sentryd
