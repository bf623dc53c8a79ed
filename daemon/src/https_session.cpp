#include "https_session.hpp"

#include "forward.hpp"
#include "sentryd/router.hpp"

#include <mics/log.hpp>

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <cstdlib>
#include <ctime>

namespace sentryd {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = boost::asio::ssl;

namespace {

std::string http_date() {
    char buf[64];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

// Endings that are part of normal life and not worth a log line: the peer
// closed (end_of_stream), we cancelled (operation_aborted), or the peer
// closed TCP without close_notify (stream_truncated). The last is safe for
// HTTP because every message is self-delimited by Content-Length/chunking,
// so a truncation attack cannot shorten a message without the parser
// noticing.
bool is_normal_ending(const boost::system::error_code& ec) {
    return ec == http::error::end_of_stream || ec == boost::asio::error::operation_aborted ||
           ec == ssl::error::stream_truncated || ec == boost::asio::error::eof ||
           ec == boost::asio::error::connection_reset || ec == beast::error::timeout;
}

}  // namespace

HttpsSession::HttpsSession(boost::asio::ip::tcp::socket&& socket, SessionShared& shared)
    : stream_(std::move(socket), shared.tls.native_handle(), TlsStream::Role::server), shared_(shared) {
    ++shared_.counters.connections_total;
    ++shared_.counters.connections_active;
    shared_.live.insert(this);
}

HttpsSession::~HttpsSession() {
    if (device_.valid() && shared_.devices) shared_.devices->connection_closed(device_);
    --shared_.counters.connections_active;
    shared_.live.erase(this);
    if (shared_.draining && shared_.live.empty() && shared_.on_drained) shared_.on_drained();
}

void HttpsSession::start() {
    auto& limits = shared_.config.current()->limits;
    stream_.expires_after(limits.handshake_timeout);
    stream_.async_handshake(beast::bind_front_handler(&HttpsSession::on_handshake, shared_from_this()));
}

void HttpsSession::on_handshake(error_code ec) {
    if (ec) {
        // Scanners and old clients (TLS < 1.2) end here; count, do not log each.
        ++shared_.counters.tls_handshake_failures;
        return;
    }
    if (shared_.draining) return do_close();
    do_read();
}

void HttpsSession::do_read() {
    config_ = shared_.config.current();
    const Limits& limits = config_->limits;
    // A fresh parser per request: limits apply per message, no state leaks.
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits.header_limit));
    parser_->body_limit(limits.body_limit);
    state_ = State::reading;
    stream_.expires_after(config_->timeouts.request);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpsSession::on_read, shared_from_this()));
}

void HttpsSession::on_read(error_code ec, std::size_t) {
    if (state_ == State::closed) return;
    // Order matters: end_of_stream and partial_message share the parser's
    // error category with real syntax errors but are the peer going away.
    if (ec == http::error::end_of_stream) return do_close();
    if (ec == http::error::partial_message) return;
    if (ec == http::error::header_limit)
        return respond(431, "request header too large\n", 0, false, 11, false);
    if (ec == http::error::body_limit)
        return respond(413, "request body too large\n", 0, false, 11, false);
    if (ec == boost::asio::error::operation_aborted) return do_close();  // drain
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category())
        return respond(400, "bad request\n", 0, false, 11, false);
    if (ec) {
        if (!is_normal_ending(ec)) mics::log(mics::LogLevel::debug, "read: " + ec.message());
        return;  // timeout or reset: the peer is gone, just drop the socket
    }

    const auto& req = parser_->get();
    Decision d = decide(req.method_string(), req.target(), *config_, req["MS-ASProtocolVersion"],
                        req[http::field::host]);
    if (d.malformed) ++shared_.counters.eas_malformed;
    if (d.service && !admit_device(d)) return;  // the gate answered
    if (d.service) return forward(d);
    bool keep_alive = req.keep_alive() && !shared_.draining;
    respond(d.status, d.body, d.retry_after_s, req.method() == http::verb::head, req.version(),
            keep_alive);
}

// Looks the device up before anything goes to a back end. Returns false
// when the gate answered the request itself (blocked, wipe exchange).
bool HttpsSession::admit_device(const Decision& d) {
    counting_ = false;
    if (!shared_.devices || !d.eas || d.eas->device_id.empty()) return true;
    const auto& req = parser_->get();
    DeviceRequest r;
    r.device_id = d.eas->device_id;
    r.user = d.eas->user;
    r.device_type = d.eas->device_type;
    r.cmd = d.eas->cmd;
    r.protocol_version = d.eas->protocol_version;
    if (d.eas->policy_key) {
        r.policy_key = *d.eas->policy_key;
    } else if (auto pk = req["X-MS-PolicyKey"]; !pk.empty()) {
        r.policy_key = static_cast<std::uint32_t>(std::strtoul(std::string(pk.substr(0, 10)).c_str(), nullptr, 10));
    }
    r.body = req.body();
    // What the device sent: request line, header fields and body.
    std::uint64_t bytes = req.method_string().size() + req.target().size() + 12 + req.body().size();
    for (const auto& f : req) bytes += f.name_string().size() + f.value().size() + 4;
    r.request_bytes = bytes;
    Admission a = shared_.devices->admit(r, static_cast<std::uint32_t>(std::time(nullptr)));
    req_device_ = a.device;
    counting_ = true;
    if (a.device.valid() && !device_.valid()) {
        device_ = a.device;
        shared_.devices->connection_open(device_);
    }
    if (a.pass) return true;
    respond(a.status, a.body, 0, false, req.version(), req.keep_alive() && !shared_.draining, a.wbxml);
    return false;
}

void HttpsSession::device_done(unsigned status, std::uint64_t bytes, bool forwarded) {
    if (!counting_ || !shared_.devices) return;
    counting_ = false;
    shared_.devices->finish(req_device_, status, bytes, forwarded);
}

void HttpsSession::respond(unsigned status, std::string_view body, int retry_after_s, bool head,
                           unsigned version, bool keep_alive, bool wbxml) {
    shared_.counters.record_response(status);
    keep_alive_ = keep_alive;
    res_.emplace(static_cast<http::status>(status), version);
    // No version in Server: it only helps an attacker pick an exploit.
    res_->set(http::field::server, "sentry");
    res_->set(http::field::date, http_date());
    res_->set(http::field::content_type, wbxml ? "application/vnd.ms-sync.wbxml" : "text/plain; charset=utf-8");
    if (retry_after_s > 0) res_->set(http::field::retry_after, std::to_string(retry_after_s));
    res_->body().assign(body.data(), body.size());
    res_->keep_alive(keep_alive);
    res_->prepare_payload();
    // HEAD: same headers (incl. Content-Length) as GET would have, no body.
    if (head) res_->body().clear();
    parser_.reset();

    state_ = State::writing;
    stream_.expires_after(config_ ? config_->timeouts.socket : shared_.config.current()->timeouts.socket);
    http::async_write(stream_, *res_,
                      beast::bind_front_handler(&HttpsSession::on_write, shared_from_this()));
}

void HttpsSession::on_write(error_code ec, std::size_t n) {
    if (state_ == State::closed) return;
    if (res_) device_done(static_cast<unsigned>(res_->result_int()), ec ? 0 : n, false);
    if (ec) {
        if (!is_normal_ending(ec)) mics::log(mics::LogLevel::debug, "write: " + ec.message());
        return;
    }
    res_.reset();
    next_request();
}

void HttpsSession::next_request() {
    config_.reset();  // the request is done; let an old snapshot go
    if (!keep_alive_ || shared_.draining) return do_close();
    // Idle between requests: give buffer memory back (OpenSSL does the same
    // for its buffers via SSL_MODE_RELEASE_BUFFERS).
    if (buffer_.size() == 0) buffer_.shrink_to_fit();
    do_read();
}

void HttpsSession::forward(const Decision& d) {
    ForwardRequest fr;
    fr.req = parser_->release();
    parser_.reset();
    fr.config = config_;
    fr.service = d.service;
    fr.user = d.user;
    fr.long_poll = d.long_poll;
    fr.ping = d.ping;
    fr.device_keep_alive = fr.req.keep_alive() && !shared_.draining;
    if (client_ip_.empty()) {
        // Once per connection: getpeername and inet_ntop are not free.
        boost::system::error_code ec;
        auto peer = stream_.socket().remote_endpoint(ec);
        if (!ec) client_ip_ = peer.address().to_string();
    }
    fr.client_ip = client_ip_;
    state_ = State::forwarding;
    // The back end sets the pace now (a Ping may be held for many minutes);
    // Forward puts a deadline on every device write itself.
    stream_.expires_never();
    forward_ = std::make_shared<Forward>(
        stream_, buffer_, shared_, std::move(fr),
        [self = shared_from_this()](ForwardResult r) { self->on_forwarded(r); });
    forward_->start();
}

void HttpsSession::on_forwarded(const ForwardResult& r) {
    forward_.reset();
    if (state_ == State::closed) return;
    if (r.responded) device_done(r.status, 0, true);  // bytes: see docs/device-policy.md
    if (!r.device_ok) {
        // Half a response went out (or the device went away): nothing more to say.
        if (r.status) shared_.counters.record_response(r.status);
        state_ = State::closed;
        stream_.close();
        return;
    }
    if (!r.responded) return respond(r.status, r.body, r.retry_after_s, false, 11, r.keep_alive);
    shared_.counters.record_response(r.status);
    keep_alive_ = r.keep_alive;
    next_request();
}

void HttpsSession::do_close() {
    if (state_ == State::closing || state_ == State::closed) return;
    state_ = State::closing;
    stream_.expires_after(shared_.config.current()->timeouts.socket);
    stream_.async_shutdown(beast::bind_front_handler(&HttpsSession::on_shutdown, shared_from_this()));
}

void HttpsSession::on_shutdown(error_code) {
    // Whatever the peer did with close_notify, we are done with it.
    state_ = State::closed;
}

void HttpsSession::drain() {
    // Idle = waiting for the first byte of the next request.
    if (state_ == State::reading && parser_ && !parser_->got_some() && buffer_.size() == 0)
        stream_.cancel();
    // handshake/reading with data/writing: on_handshake/on_write see draining.
}

void HttpsSession::abort() {
    if (state_ == State::closed) return;
    state_ = State::closed;
    if (forward_) forward_->abort();
    stream_.close();
}

}  // namespace sentryd
