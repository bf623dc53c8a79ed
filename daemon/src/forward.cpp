#include "forward.hpp"

#include "http_render.hpp"
#include "request_log.hpp"
#include "scratch.hpp"
#include "wire_error.hpp"

#include <mics/log.hpp>

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cstring>
#include <limits>

namespace sentryd {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::size_t kChunk = 8 * 1024;  // relay buffer; small on purpose (many held connections)
// One read for a response head: Exchange's are a few hundred bytes, and a
// small EAS body usually arrives in the same segment.
constexpr std::size_t kHeadRead = 4 * 1024;
constexpr int kMaxRedirects = 3;

bool is_stale_connection_error(const boost::system::error_code& ec) {
    return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == net::ssl::error::stream_truncated;
}

std::string_view query_of(std::string_view target) {
    auto q = target.find('?');
    return q == std::string_view::npos ? std::string_view() : target.substr(q);
}

// Hop-by-hop fields must not reach the device (streaming path; the common
// path filters while rendering).
template <class Fields>
void strip_hop_by_hop(Fields& f) {
    std::vector<std::string> named;
    for (auto token : http::token_list(f[http::field::connection])) named.emplace_back(token);
    for (const auto& n : named) f.erase(n);
    for (auto field : {http::field::connection, http::field::keep_alive, http::field::proxy_connection,
                       http::field::proxy_authenticate, http::field::proxy_authorization, http::field::te,
                       http::field::trailer, http::field::upgrade})
        f.erase(field);
}

}  // namespace

// State for a body relayed piece by piece; allocated only then, so a held
// Ping's Forward does not carry a serializer.
struct Forward::Streaming {
    explicit Streaming(http::response<http::buffer_body>& res) : serializer(res), chunk(new char[kChunk]) {}
    http::response_serializer<http::buffer_body> serializer;
    std::unique_ptr<char[]> chunk;
};

Forward::Forward(DeviceStream& device, SessionShared& shared, ForwardRequest request,
                 std::function<void(ForwardResult)> done)
    : device_(device), shared_(shared), in_(std::move(request)), done_(std::move(done)) {}

Forward::~Forward() = default;

void Forward::start() {
    service_ = shared_.backends.service(in_.service->name);
    if (!service_ || service_->servers.empty())
        return fail_local(503, "no ActiveSync server configured\n", 60);
    ++shared_.counters.proxied_requests;
    if (in_.ping) ++shared_.counters.pings_total;
    // A user a 451 sent elsewhere goes straight there (until that fails).
    if (in_.service->redirect_451 && !in_.user.empty()) {
        if (auto it = service_->redirects.find(in_.user); it != service_->redirects.end()) {
            location_ = it->second;
            return connect(location_->target);
        }
    }
    next_server();
}

void Forward::next_server() {
    const auto& cfg = *in_.config;
    // One io_context per thread: a scratch vector instead of one per request.
    static thread_local std::vector<const ServerState*> states;
    states.clear();
    for (const auto& s : service_->servers) states.push_back(&s->state);
    if (tried_.size() != states.size()) tried_.resize(states.size(), false);
    bool first = std::none_of(tried_.begin(), tried_.end(), [](bool b) { return b; });
    auto pick = pick_server(states, tried_, in_.service->scheduling, cfg.activesync.all_dead,
                            service_->rr_cursor, PoolClock::now());
    if (!pick.index) {
        if (first) {
            ++shared_.counters.all_dead_rejected;
            return fail_local(503, "every ActiveSync server is down\n", 60);
        }
        return fail_local(502, "no ActiveSync server reachable\n");
    }
    if (pick.all_dead_fallback) ++shared_.counters.all_dead_tried;
    if (!first) ++shared_.counters.backend_retries;
    tried_[*pick.index] = true;
    server_ = service_->servers[*pick.index];
    location_.reset();
    ++server_->state.requests;
    if (auto idle = shared_.backends.take_idle(*server_)) {
        conn_ = std::move(idle);
        reused_ = true;
        ++shared_.counters.backend_reused;
        return send();
    }
    connect(server_->target);
}

void Forward::connect(const BackendTarget& target) {
    reused_ = false;
    drop_conn();
    ++shared_.counters.backend_connects;
    connect_backend(shared_.backends.ioc(), shared_.backends.tls(), target, in_.config->timeouts.connect,
                    [self = shared_from_this()](std::string error, std::unique_ptr<BackendConn> conn,
                                                boost::system::error_code ec) {
                        self->on_connect(std::move(error), std::move(conn), ec);
                    });
}

void Forward::on_connect(std::string error, std::unique_ptr<BackendConn> conn, error_code ec) {
    if (aborted_) return finish({false, false, false, 0, {}, 0});
    if (!conn) {
        ++shared_.counters.backend_connect_failures;
        // Refused, DNS, certificate and the like are "unclassified".
        switch (classify_wire_error(ec)) {
            case WireError::timeout: tally_.add(We::s_err_conn_timeout); break;
            case WireError::reset: tally_.add(We::s_err_reset); break;
            default: tally_.add(We::s_unclassified); break;
        }
        if (location_) {
            // The remembered (or just received) 451 location is unreachable:
            // forget it and fall back to the service's own servers.
            mics::log_warn("ActiveSync 451 location " + error + "; using the service's servers");
            if (!in_.user.empty()) service_->redirects.erase(in_.user);
            location_.reset();
            if (redirects_ > 0) return fail_local(502, "ActiveSync redirect target not reachable\n");
            return next_server();
        }
        server_failed(error);
        return next_server();
    }
    tally_.add(We::s_connections);
    conn_ = std::move(conn);
    send();
}

void Forward::send() {
    out_.clear();
    out_pos_ = 0;
    std::string_view target = in_.req.target();
    if (location_) {
        std::string t = location_->path;
        t.append(query_of(target));
        render_backend_request(out_, in_.req, t, host_header(location_->target), in_.client_ip);
    } else {
        render_backend_request(out_, in_.req, target, server_->host_field, in_.client_ip);
    }
    if (in_.log) {
        if (const BackendTarget* t = this->target()) log_request_forwarded(*in_.log, in_.req, t->host, t->port);
        log_server_request(*in_.log, target_name(), out_);
    }
    conn_->expires_after(in_.config->timeouts.socket);
    write_backend();
}

// Non-blocking writes until done; a wait only when the socket is full.
void Forward::write_backend() {
    while (out_pos_ < out_.size()) {
        error_code ec;
        std::size_t n = conn_->write_some_now(out_.data() + out_pos_, out_.size() - out_pos_, ec);
        if (ec == net::error::would_block || ec == net::error::try_again) {
            auto resume = [self = shared_from_this()](error_code wec) {
                if (wec || self->aborted_) return self->on_sent(wec ? wec : net::error::operation_aborted);
                self->write_backend();
            };
            if (ec == net::error::would_block)
                conn_->async_wait_writable(std::move(resume));
            else
                conn_->async_wait_readable(std::move(resume));
            return;
        }
        if (ec) return on_sent(ec);
        out_pos_ += n;
        tally_.s_bytes_sent += n;
    }
    // A held Ping keeps no copy of its request text (the message itself
    // stays, for a retry on a fresh connection).
    if (in_.ping) std::string().swap(out_);
    on_sent({});
}

void Forward::on_sent(error_code ec) {
    if (aborted_) return finish({false, false, false, 0, {}, 0});
    if (ec) {
        if (reused_) {
            // The server closed the kept-alive connection under us: nothing
            // reached it, so a fresh connection to the same server is safe.
            tally_.add(We::err_conn_pooling);
            return connect(server_ ? server_->target : location_->target);
        }
        count_backend_error(ec);
        if (location_) return fail_local(502, "ActiveSync redirect target failed\n");
        server_failed("write: " + ec.message());
        return next_server();
    }
    tally_.add(We::s_http_requests);
    read_header();
}

void Forward::read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(in_.config->limits.backend_header_limit));
    // Streamed, never held whole, so no limit. Not boost::none: Beast 1.74
    // compares the Content-Length against the optional and none always loses.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    // A response to HEAD has a Content-Length but no body.
    if (in_.req.method() == http::verb::head) parser_->skip(true);
    const auto& t = in_.config->timeouts;
    conn_->expires_after(in_.long_poll ? t.held : t.response);
    if (in_.ping) {
        holding_ping_ = true;
        ++shared_.counters.ping_held;
    }
    read_backend();
}

void Forward::read_backend() {
    if (in_.ping && conn_->buffer.size() == 0) {
        // Held for minutes: wait for the answer without a read buffer, and
        // read through the per-thread one (a TLS server's session tickets
        // also wake us, and must not leave a buffer behind).
        return conn_->async_wait_readable([self = shared_from_this()](error_code ec) {
            if (ec) return self->on_header(ec);
            std::size_t n = self->conn_->read_some_now(io_scratch(), kIoScratch, ec);
            if (ec == net::error::would_block) return self->read_backend();
            if (!ec) {
                auto room = self->conn_->buffer.prepare(n);
                std::memcpy(room.data(), io_scratch(), n);
            }
            self->on_backend_read(ec, n);
        });
    }
    conn_->async_read_some(conn_->buffer.prepare(kHeadRead),
                           [self = shared_from_this()](error_code ec, std::size_t n) { self->on_backend_read(ec, n); });
}

void Forward::on_backend_read(error_code ec, std::size_t n) {
    if (ec) {
        // As Beast's read: EOF inside a message is partial_message.
        if ((ec == net::error::eof || ec == net::ssl::error::stream_truncated) && parser_->got_some())
            parser_->put_eof(ec);
        return on_header(ec);
    }
    tally_.s_bytes_rcvd += n;
    conn_->buffer.commit(n);
    std::size_t used = parser_->put(conn_->buffer.data(), ec);
    conn_->buffer.consume(used);
    if (ec == http::error::need_more) return read_backend();
    if (!ec && !parser_->is_header_done()) return read_backend();
    on_header(ec);
}

void Forward::on_header(error_code ec) {
    if (holding_ping_) {
        holding_ping_ = false;
        --shared_.counters.ping_held;
    }
    if (aborted_) return finish({false, false, false, 0, {}, 0});
    if (ec) {
        if (reused_ && is_stale_connection_error(ec) && !parser_->got_some()) {
            tally_.add(We::err_conn_pooling);
            return connect(server_ ? server_->target : location_->target);
        }
        bool timeout = ec == beast::error::timeout;
        // No head in time: Ping and Sync waited `held`, the rest `response`.
        if (timeout)
            tally_.add(in_.ping ? We::s_err_cmd_ping_timeout
                                : in_.long_poll ? We::s_err_cmd_sync_timeout : We::s_err_cmd_timeout);
        else
            count_backend_error(ec);
        ++(timeout ? shared_.counters.backend_timeouts : shared_.counters.backend_errors);
        std::string why = (timeout ? "no response in time" : "response: " + ec.message());
        if (server_)
            server_failed(why);
        else
            mics::log_warn("ActiveSync 451 location " + location_->target.host + ": " + why);
        drop_conn();
        if (timeout) return fail_local(504, "ActiveSync server did not answer in time\n");
        return fail_local(502, "ActiveSync server sent no valid response\n");
    }
    if (server_) {
        bool was_dead = server_->state.dead;
        record_success(server_->state, PoolClock::now());
        if (was_dead && !server_->state.dead)
            log_health_transition(in_.config->logging.health_monitor,
                                  "ActiveSync server " + server_->service + "/" + target_name() +
                                      " is now live (a request succeeded)", false);
    }
    tally_.add(We::s_http_responses);
    if (parser_->get().result_int() == 451) {
        tally_.add(We::s_http_451_redirects);
        if (follow_451()) return;
    }
    relay();
}

bool Forward::follow_451() {
    if (!in_.service->redirect_451 || redirects_ >= kMaxRedirects) return false;
    auto loc = parse_location(parser_->get()["X-MS-Location"], in_.service->verify);
    if (!loc) return false;
    ++redirects_;
    ++shared_.counters.redirects_451;
    tally_.add(We::d_http_451_redirect_drops);  // the device never sees this 451
    mics::log_info("ActiveSync 451 for user '" + in_.user + "': following to " + loc->target.host + ":" +
                   std::to_string(loc->target.port) + loc->path);
    if (!in_.user.empty()) {
        if (service_->redirects.size() >= Backends::kMaxRedirects) service_->redirects.clear();
        service_->redirects[in_.user] = *loc;
    }
    // The 451's body is not read: this connection is not reused.
    drop_conn();
    parser_.reset();
    server_.reset();
    location_ = std::move(loc);
    connect(location_->target);
    return true;
}

void Forward::relay() {
    responding_ = true;
    auto& res = parser_->get();
    status_ = res.result_int();
    // A body delimited by the server closing cannot be delimited for the
    // device either: it ends with the device connection.
    bool keep_alive = in_.device_keep_alive && !shared_.draining && !parser_->need_eof();
    in_.device_keep_alive = keep_alive;
    auto length = parser_->content_length();
    bool whole = parser_->is_done() ||
                 (length && !parser_->chunked() && conn_->buffer.size() >= *length);
    if (in_.log) {
        std::string_view body(static_cast<const char*>(conn_->buffer.data().data()), conn_->buffer.size());
        log_server_response(*in_.log, target_name(), res, body.substr(0, length.value_or(0)), whole);
    }
    if (!whole) return stream_body();

    // The whole response is here: one buffer, one write; the back-end
    // connection is free already.
    std::size_t body = parser_->is_done() ? 0 : static_cast<std::size_t>(*length);
    out_.clear();
    out_pos_ = 0;
    render_response_head(out_, res, keep_alive, in_.config->hsts);
    const char* data = static_cast<const char*>(conn_->buffer.data().data());
    out_.append(data, body);
    conn_->buffer.consume(body);
    ++shared_.counters.proxied_responses;
    if (server_ && parser_->keep_alive())
        shared_.backends.put_idle(server_, std::move(conn_), in_.config->limits.backend_idle_per_server);
    drop_conn();
    parser_.reset();
    device_.expires_after(in_.config->timeouts.socket);
    write_device();
}

void Forward::write_device() {
    while (out_pos_ < out_.size()) {
        error_code ec;
        std::size_t n = device_.write_some_now(out_.data() + out_pos_, out_.size() - out_pos_, ec);
        if (ec == net::error::would_block || ec == net::error::try_again) {
            auto resume = [self = shared_from_this()](error_code wec) {
                if (wec || self->aborted_) {
                    self->count_device_error(wec);
                    return self->finish({true, false, false, self->status_, {}, 0});
                }
                self->write_device();
            };
            if (ec == net::error::would_block)
                device_.async_wait_writable(std::move(resume));
            else
                device_.async_wait_readable(std::move(resume));
            return;
        }
        if (ec) {
            count_device_error(ec);
            return finish({true, false, false, status_, {}, 0});
        }
        out_pos_ += n;
        tally_.d_bytes_sent += n;
    }
    finish({true, true, in_.device_keep_alive, status_, {}, 0});
}

// Chunked, close-delimited, or a body larger than what came with the head:
// Beast's parser and serializer, 8 KiB at a time.
void Forward::stream_body() {
    auto& res = parser_->get();
    strip_hop_by_hop(res);
    if (in_.config->hsts) res.set(http::field::strict_transport_security, kHstsValue);
    res.version(11);
    res.keep_alive(in_.device_keep_alive);
    streaming_ = std::make_unique<Streaming>(res);
    relay_read();
}

void Forward::relay_read() {
    auto& body = parser_->get().body();
    body.data = streaming_->chunk.get();
    body.size = kChunk;
    conn_->expires_after(in_.config->timeouts.socket);
    buffered_ = conn_->buffer.size();
    conn_->visit([self = shared_from_this()](auto& stream) {
        http::async_read_some(stream, self->conn_->buffer, *self->parser_,
                              [self](error_code ec, std::size_t parsed) { self->on_body(ec, parsed); });
    });
}

void Forward::on_body(error_code ec, std::size_t parsed) {
    // Beast reports what the parser took; what came off the socket is that
    // plus what the read buffer grew by.
    if (conn_) tally_.s_bytes_rcvd += conn_->buffer.size() + parsed - buffered_;
    if (ec == http::error::need_buffer) ec = {};
    if (aborted_) return finish({true, false, false, 0, {}, 0});
    if (ec) {
        // Part of the response may be with the device already: all we can do is close.
        ++shared_.counters.backend_errors;
        count_backend_error(ec);
        if (server_) server_failed("response body: " + ec.message());
        return finish({true, false, false, status_, {}, 0});
    }
    auto& body = parser_->get().body();
    std::size_t got = kChunk - body.size;
    if (got == 0 && !parser_->is_done()) return relay_read();  // e.g. only a chunk header arrived
    body.data = streaming_->chunk.get();
    body.size = got;
    body.more = !parser_->is_done();
    relay_write();
}

void Forward::relay_write() {
    device_.expires_after(in_.config->timeouts.socket);
    http::async_write(device_, streaming_->serializer,
                      [self = shared_from_this()](error_code ec, std::size_t n) { self->on_device_write(ec, n); });
}

void Forward::on_device_write(error_code ec, std::size_t n) {
    tally_.d_bytes_sent += n;
    if (ec == http::error::need_buffer) ec = {};
    if (ec || aborted_) {
        count_device_error(ec);
        return finish({true, false, false, status_, {}, 0});
    }
    if (!streaming_->serializer.is_done()) {
        if (!parser_->is_done()) return relay_read();
        auto& body = parser_->get().body();
        body.data = nullptr;
        body.size = 0;
        body.more = false;
        return relay_write();
    }
    ++shared_.counters.proxied_responses;
    if (server_ && conn_ && parser_->keep_alive() && parser_->is_done())
        shared_.backends.put_idle(server_, std::move(conn_), in_.config->limits.backend_idle_per_server);
    streaming_.reset();
    finish({true, true, in_.device_keep_alive, status_, {}, 0});
}

void Forward::server_failed(const std::string& why) {
    drop_conn();
    if (!server_) return;
    bool was_dead = server_->state.dead;
    record_failure(server_->state, server_->health, PoolClock::now());
    std::string name = server_->service + "/" + server_->target.host + ":" + std::to_string(server_->target.port);
    if (!was_dead && server_->state.dead) {
        std::string text = "ActiveSync server " + name + " is now dead: " + why;
        mics::log_warn(text);
        log_health_transition(in_.config->logging.health_monitor, text, true);
    } else
        mics::log(mics::LogLevel::debug, "ActiveSync server " + name + ": " + why);
}

const BackendTarget* Forward::target() const {
    return server_ ? &server_->target : location_ ? &location_->target : nullptr;
}

std::string Forward::target_name() const {
    const BackendTarget* t = target();
    return t ? t->host + ":" + std::to_string(t->port) : std::string();
}

void Forward::drop_conn() {
    if (!conn_) return;
    tally_.add(We::s_so_close);
    conn_.reset();
}

void Forward::count_backend_error(error_code ec) {
    switch (classify_wire_error(ec)) {
        case WireError::timeout: tally_.add(We::s_err_so_timeout); break;
        case WireError::reset: tally_.add(We::s_err_reset); break;
        case WireError::other: tally_.add(We::s_unclassified); break;
        default: break;  // closed: s-so-close says it; aborted: ours
    }
}

void Forward::count_device_error(error_code ec) {
    switch (classify_wire_error(ec)) {
        case WireError::timeout: tally_.add(We::d_err_so_timeout); break;
        case WireError::reset: tally_.add(We::d_err_reset); break;
        case WireError::other: tally_.add(We::d_unclassified); break;
        default: break;  // closed: d-so-close says it (at the session's end); aborted: ours
    }
}

void Forward::fail_local(unsigned status, std::string_view body, int retry_after_s) {
    drop_conn();
    finish({false, true, in_.device_keep_alive, status, body, retry_after_s});
}

void Forward::finish(ForwardResult r) {
    if (finished_) return;
    finished_ = true;
    if (holding_ping_) {
        holding_ping_ = false;
        --shared_.counters.ping_held;
    }
    // The request is over: a connection still held is not going back to the pool.
    drop_conn();
    if (const BackendTarget* t = target()) r.server_host = t->host, r.server_port = t->port;
    // Never sent (no server reachable, the device left during the connect):
    // the REQUEST record still goes out, before the RESPONSE, without a server.
    if (in_.log) log_request_forwarded(*in_.log, in_.req, {}, 0);
    r.tally = tally_;
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(r);
}

void Forward::device_gone() {
    if (aborted_ || finished_ || responding_) return;
    ++shared_.counters.device_gone;
    // A back-end operation (connect, write or read) is always pending until
    // the response starts; its completion sees aborted_ and finishes with the
    // device connection marked unusable. Closing the socket here is what
    // tells the server; the connection never returns to the pool.
    abort();
}

void Forward::abort() {
    if (aborted_) return;
    aborted_ = true;
    if (conn_) {
        boost::system::error_code ignored;
        conn_->socket().close(ignored);
    }
}

}  // namespace sentryd
