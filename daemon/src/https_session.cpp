#include "https_session.hpp"

#include "forward.hpp"
#include "http_render.hpp"
#include "request_log.hpp"
#include "scratch.hpp"
#include "wire_error.hpp"
#include "sentryd/router.hpp"

#include <mics/log.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace sentryd {

namespace net = boost::asio;
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
    return ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
           ec == ssl::error::stream_truncated || ec == net::error::eof || ec == net::error::connection_reset ||
           ec == beast::error::timeout;
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
    stream_.async_handshake([self = shared_from_this()](error_code ec) { self->on_handshake(ec); });
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
    parser_->eager(true);
    state_ = State::reading;
    stream_.expires_after(config_->timeouts.request);
    if (buffer_.size() > 0 || readable_) {
        // Bytes are here already (pipelined): parse them from the loop, not
        // from inside the previous request's completion, so a long pipeline
        // does not nest calls.
        readable_ = false;
        return net::post(stream_.get_executor(), [self = shared_from_this()] {
            if (self->state_ == State::reading) self->read_request();
        });
    }
    wait_readable();
}

void HttpsSession::wait_readable() {
    // Still pending from the forward that just ended: that is our wait.
    if (wait_pending_) return;
    wait_pending_ = true;
    stream_.async_wait_readable([self = shared_from_this()](error_code ec) { self->on_readable(ec); });
}

void HttpsSession::on_readable(error_code ec) {
    wait_pending_ = false;
    switch (state_) {
    case State::handshake:
    case State::closing:
    case State::closed:
        return;
    case State::reading:
        if (ec) return on_read_error(ec);
        return read_request();
    case State::forwarding:
        if (forward_ && !forward_->responding()) {
            // The watch: the request is with a back end, the device should be silent.
            if (ec) {
                if (ec != net::error::operation_aborted) {
                    device_error(ec);
                    forward_->device_gone();
                }
                return;
            }
            char byte = 0;
            switch (stream_.probe_byte(byte)) {
            case TlsStream::Probe::again:  // a TLS record without data
                return wait_readable();
            case TlsStream::Probe::byte: {
                // Pipelining is legal HTTP/1.1: the next request waits in
                // buffer_ (OpenSSL holds the rest of its record), and the
                // watch ends here, so this device is noticed again only when
                // the server answers.
                auto room = buffer_.prepare(1);
                *static_cast<char*>(room.data()) = byte;
                buffer_.commit(1);
                return;
            }
            case TlsStream::Probe::stuck:
                return;
            case TlsStream::Probe::closed:
                return forward_->device_gone();
            }
            return;
        }
        [[fallthrough]];
    case State::writing:
        // A response is being written: read (or see the EOF) after it.
        if (ec != net::error::operation_aborted) readable_ = true;
        return;
    }
}

void HttpsSession::read_request() {
    for (;;) {
        if (buffer_.size() > 0) {
            error_code ec;
            std::size_t used = parser_->put(buffer_.data(), ec);
            buffer_.consume(used);
            if (ec == http::error::need_more)
                ec = {};
            else if (ec)
                return on_read_error(ec);
            else if (parser_->is_done())
                return on_request();
            else if (used > 0)
                continue;
        }
        error_code ec;
        // Into the per-thread buffer, parsed from there: a session allocates
        // nothing to read a request that came in one piece.
        char* p = io_scratch();
        std::size_t n = stream_.read_some_now(p, kIoScratch, ec);
        if (ec == net::error::would_block) return wait_readable();
        if (ec == net::error::try_again) {
            return stream_.async_wait_writable([self = shared_from_this()](error_code wec) {
                if (self->state_ != State::reading) return;
                if (wec) return self->on_read_error(wec);
                self->read_request();
            });
        }
        if (ec) {
            // As Beast's read: EOF between messages ends the connection,
            // inside one it is a truncated message.
            if (ec == net::error::eof || ec == ssl::error::stream_truncated) {
                if (parser_->got_some())
                    parser_->put_eof(ec);
                else
                    ec = http::error::end_of_stream;
            }
            return on_read_error(ec);
        }
        while (n > 0 && buffer_.size() == 0) {
            std::size_t used = parser_->put(net::const_buffer(p, n), ec);
            p += used;
            n -= used;
            if (ec == http::error::need_more) {
                ec = {};
                break;
            }
            if (ec) return on_read_error(ec);
            if (parser_->is_done()) {
                keep(p, n);
                return on_request();
            }
            if (used == 0) break;
        }
        keep(p, n);
    }
}

void HttpsSession::keep(const char* p, std::size_t n) {
    if (n == 0) return;
    auto room = buffer_.prepare(n);
    std::memcpy(room.data(), p, n);
    buffer_.commit(n);
}

void HttpsSession::on_read_error(error_code ec) {
    if (state_ == State::closed) return;
    // Order matters: end_of_stream and partial_message share the parser's
    // error category with real syntax errors but are the peer going away.
    if (ec == http::error::end_of_stream) return do_close();
    if (ec == http::error::partial_message) return;
    if (ec == http::error::header_limit) {
        note_refused();
        return respond(431, "request header too large\n", 0, false, 11, false);
    }
    if (ec == http::error::body_limit) {
        note_refused();
        return respond(413, "request body too large\n", 0, false, 11, false);
    }
    if (ec == net::error::operation_aborted) return do_close();  // drain
    if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
        note_refused();
        return respond(400, "bad request\n", 0, false, 11, false);
    }
    // A request begun and not finished in time is a command timeout; no
    // request at all on the (kept-alive) connection, a connection timeout.
    if (ec == beast::error::timeout)
        device_event(parser_ && parser_->got_some() ? Dc::d_err_cmd_timeout : Dc::d_err_conn_timeout);
    else
        device_error(ec);
    if (!is_normal_ending(ec)) mics::log(mics::LogLevel::debug, "read: " + ec.message());
    // Timeout or reset: the peer is gone; with nothing pending the session
    // ends and the socket closes.
}

void HttpsSession::device_event(Dc c) {
    if (shared_.devices && device_.valid()) shared_.devices->add(device_, c);
}

void HttpsSession::device_error(error_code ec) {
    switch (classify_wire_error(ec)) {
        case WireError::timeout: return device_event(Dc::d_err_so_timeout);
        case WireError::reset: return device_event(Dc::d_err_reset);
        case WireError::other: return device_event(Dc::d_unclassified);
        default: return;  // closed: d-so-close, at the end; aborted: ours
    }
}

void HttpsSession::on_request() {
    const auto& req = parser_->get();
    // One pass over the fields instead of two keyed lookups (each a walk of
    // Beast's case-insensitive tree).
    std::string_view host, protocol_version;
    for (const auto& f : req) {
        if (f.name() == http::field::host) {
            if (host.empty()) host = f.value();
        } else if (f.name() == http::field::unknown && protocol_version.empty() &&
                   beast::iequals(f.name_string(), "MS-ASProtocolVersion")) {
            protocol_version = f.value();
        }
    }
    Decision d = decide(req.method_string(), req.target(), *config_, protocol_version, host);
    if (d.malformed) ++shared_.counters.eas_malformed;
    if (d.service && !admit_device(d)) return;  // the gate answered
    if (d.service) {
        note_decided(d, AuditAction::allow);
        return forward(d);
    }
    note_decided(d, AuditAction::none);
    bool keep_alive = req.keep_alive() && !shared_.draining;
    respond(d.status, d.body, d.retry_after_s, req.method() == http::verb::head, req.version(), keep_alive);
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
    // What the device sent: request line ("M T HTTP/1.1\r\n"), header
    // fields ("N: V\r\n"), the empty line and the body.
    std::uint64_t bytes = req.method_string().size() + req.target().size() + 12 + 2 + req.body().size();
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
    note_decided(d, AuditAction::block);
    respond(a.status, a.body, 0, false, req.version(), req.keep_alive() && !shared_.draining, a.wbxml);
    return false;
}

void HttpsSession::note_decided(const Decision& d, AuditAction action) {
    if (request_logging(*config_)) log_request_decided(log_, *config_, stream_.socket(), parser_->get(), d, action);
}

void HttpsSession::note_refused() {
    const ProxyConfig& c = config_ ? *config_ : *shared_.config.current();
    if (!request_logging(c)) return;
    // Empty until the parser has read the request line (it reads it
    // before the header fields, so a 431 usually has it).
    std::string_view method, target;
    if (parser_) method = parser_->get().method_string(), target = parser_->get().target();
    log_request_refused(log_, c, stream_.socket(), method, target);
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
    out_status_ = status;
    char num[24];
    out_.clear();
    out_pos_ = 0;
    out_.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    out_.append(num, std::to_chars(num, num + sizeof num, status).ptr);
    out_.push_back(' ');
    out_.append(http::obsolete_reason(static_cast<http::status>(status)));
    out_.append("\r\n");
    // No version in Server: it only helps an attacker pick an exploit.
    append_field(out_, "Server", "sentry");
    append_field(out_, "Date", http_date());
    append_field(out_, "Content-Type", wbxml ? "application/vnd.ms-sync.wbxml" : "text/plain; charset=utf-8");
    if ((config_ ? config_ : shared_.config.current())->hsts)
        append_field(out_, "Strict-Transport-Security", kHstsValue);
    if (retry_after_s > 0)
        append_field(out_, "Retry-After",
                     std::string_view(num, std::to_chars(num, num + sizeof num, retry_after_s).ptr - num));
    // HEAD: same headers (incl. Content-Length) as GET would have, no body.
    append_field(out_, "Content-Length",
                 std::string_view(num, std::to_chars(num, num + sizeof num, body.size()).ptr - num));
    if (version == 10 && keep_alive) out_.append("Connection: keep-alive\r\n");
    if (version != 10 && !keep_alive) out_.append("Connection: close\r\n");
    out_.append("\r\n");
    if (!head) out_.append(body);
    parser_.reset();
    if (log_ && (log_->audit || log_->debug))
        log_request_answered(*log_, config_ ? *config_ : *shared_.config.current(), status, {}, 0, out_);

    state_ = State::writing;
    stream_.expires_after(config_ ? config_->timeouts.socket : shared_.config.current()->timeouts.socket);
    write_out();
}

void HttpsSession::write_out() {
    while (out_pos_ < out_.size()) {
        error_code ec;
        std::size_t n = stream_.write_some_now(out_.data() + out_pos_, out_.size() - out_pos_, ec);
        if (ec == net::error::would_block || ec == net::error::try_again) {
            auto resume = [self = shared_from_this()](error_code wec) {
                if (self->state_ != State::writing) return;
                if (wec) {
                    self->device_error(wec);
                    self->device_done(self->out_status_, 0, false);
                    if (!is_normal_ending(wec)) mics::log(mics::LogLevel::debug, "write: " + wec.message());
                    return;
                }
                self->write_out();
            };
            if (ec == net::error::would_block)
                stream_.async_wait_writable(std::move(resume));
            else
                stream_.async_wait_readable(std::move(resume));
            return;
        }
        if (ec) {
            device_error(ec);
            device_done(out_status_, 0, false);
            if (!is_normal_ending(ec)) mics::log(mics::LogLevel::debug, "write: " + ec.message());
            return;
        }
        out_pos_ += n;
    }
    device_done(out_status_, out_.size(), false);
    std::string().swap(out_);  // local answers are rare; hold no memory for them
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
    if (log_ && (log_->debug || log_->request_owed)) fr.log = log_.get();
    state_ = State::forwarding;
    // The back end sets the pace now (a Ping may be held for many minutes);
    // Forward puts a deadline on every device write itself.
    stream_.expires_never();
    // Watch the device meanwhile (on_readable). Armed before start(): the
    // forward may end inside it. A request the back end may hold for
    // minutes keeps no read buffer.
    if (buffer_.size() == 0) {
        if (d.long_poll) buffer_.shrink_to_fit();
        wait_readable();
    }
    auto f = std::make_shared<Forward>(stream_, shared_, std::move(fr),
                                       [self = shared_from_this()](ForwardResult r) { self->on_forwarded(r); });
    forward_ = f;
    f->start();
}

void HttpsSession::on_forwarded(const ForwardResult& r) {
    forward_.reset();
    if (state_ == State::closed) {
        // abort(): sentryd is stopping and the drain deadline passed.
        if (log_ && (log_->audit || log_->debug) && config_) {
            if (r.responded && r.status)
                log_request_answered(*log_, *config_, r.status, r.server_host, r.server_port, {});
            else
                log_request_unanswered(*log_, *config_, "sentry stopped");
        }
        return;
    }
    if (counting_ && shared_.devices) shared_.devices->record(req_device_, r.tally);
    if (r.responded) device_done(r.status, r.tally.d_bytes_sent, true);
    if (log_ && (log_->audit || log_->debug)) {
        if (r.responded)
            log_request_answered(*log_, *config_, r.status, r.server_host, r.server_port, {});
        else if (!r.device_ok)
            log_request_unanswered(*log_, *config_, "device closed");  // it left before an answer
    }
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
    stream_.async_shutdown([self = shared_from_this()](error_code ec) { self->on_shutdown(ec); });
}

void HttpsSession::on_shutdown(error_code) {
    // Whatever the peer did with close_notify, we are done with it; closing
    // also ends a readiness wait still pending.
    state_ = State::closed;
    stream_.close();
}

void HttpsSession::drain() {
    // Idle = waiting for the first byte of the next request.
    if (state_ == State::reading && parser_ && !parser_->got_some() && buffer_.size() == 0) stream_.cancel();
    // handshake/reading with data/writing: on_handshake/next_request see draining.
}

void HttpsSession::abort() {
    if (state_ == State::closed) return;
    state_ = State::closed;
    if (forward_) forward_->abort();
    stream_.close();
}

}  // namespace sentryd
