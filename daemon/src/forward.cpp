#include "forward.hpp"

#include <mics/log.hpp>

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <limits>

namespace sentryd {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::size_t kChunk = 8 * 1024;  // relay buffer; small on purpose (many held connections)
constexpr int kMaxRedirects = 3;

// Hop-by-hop headers (RFC 7230 §6.1) and those the Connection header names:
// they describe one connection and must not cross the proxy.
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

bool is_stale_connection_error(const boost::system::error_code& ec) {
    return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == net::ssl::error::stream_truncated;
}

std::string query_of(std::string_view target) {
    auto q = target.find('?');
    return q == std::string_view::npos ? std::string() : std::string(target.substr(q));
}

}  // namespace

Forward::Forward(DeviceStream& device, beast::flat_buffer& device_buffer, SessionShared& shared,
                 ForwardRequest request, std::function<void(ForwardResult)> done)
    : device_(device), device_buffer_(device_buffer), shared_(shared), in_(std::move(request)),
      done_(std::move(done)) {}

void Forward::start() {
    service_ = shared_.backends.service(in_.service->name);
    if (!service_ || service_->servers.empty())
        return fail_local(503, "no ActiveSync server configured\n", 60);
    prepare_request();
    watch_device();
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

void Forward::prepare_request() {
    auto& req = in_.req;
    std::string original_host(req[http::field::host]);
    strip_hop_by_hop(req);
    req.erase(http::field::transfer_encoding);  // the body is whole; prepare_payload sets Content-Length
    if (!original_host.empty()) req.set("X-Forwarded-Host", original_host);
    std::string xff(req["X-Forwarded-For"]);
    req.set("X-Forwarded-For", xff.empty() ? in_.client_ip : xff + ", " + in_.client_ip);
    req.set("X-Forwarded-Proto", "https");
    req.version(11);
    req.keep_alive(true);
    req.prepare_payload();
    target_path_ = std::string(req.target());
}

void Forward::next_server() {
    const auto& cfg = *in_.config;
    std::vector<const ServerState*> states;
    states.reserve(service_->servers.size());
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
    conn_.reset();
    ++shared_.counters.backend_connects;
    connect_backend(shared_.backends.ioc(), shared_.backends.tls(), target, in_.config->timeouts.connect,
                    [self = shared_from_this()](std::string error, std::unique_ptr<BackendConn> conn,
                                                boost::system::error_code) {
                        self->on_connect(std::move(error), std::move(conn));
                    });
}

void Forward::on_connect(std::string error, std::unique_ptr<BackendConn> conn) {
    if (aborted_) return finish({false, false, false, 0, {}, 0});
    if (!conn) {
        ++shared_.counters.backend_connect_failures;
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
    conn_ = std::move(conn);
    send();
}

void Forward::send() {
    const BackendTarget& t = server_ ? server_->target : location_->target;
    in_.req.set(http::field::host, host_header(t));
    in_.req.target(location_ ? location_->path + query_of(target_path_) : target_path_);
    conn_->expires_after(in_.config->timeouts.socket);
    conn_->visit([self = shared_from_this()](auto& stream) {
        http::async_write(stream, self->in_.req,
                          [self](error_code ec, std::size_t) { self->on_sent(ec); });
    });
}

void Forward::on_sent(error_code ec) {
    if (aborted_) return finish({false, false, false, 0, {}, 0});
    if (ec) {
        if (reused_) {
            // The server closed the kept-alive connection under us: nothing
            // reached it, so a fresh connection to the same server is safe.
            return connect(server_ ? server_->target : location_->target);
        }
        if (location_) return fail_local(502, "ActiveSync redirect target failed\n");
        server_failed("write: " + ec.message());
        return next_server();
    }
    read_header();
}

void Forward::read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(in_.config->limits.backend_header_limit));
    // Streamed, never held whole, so no limit. Not boost::none: Beast 1.74
    // compares the Content-Length against the optional and none always loses.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    const auto& t = in_.config->timeouts;
    conn_->expires_after(in_.long_poll ? t.held : t.response);
    if (in_.ping) {
        holding_ping_ = true;
        ++shared_.counters.ping_held;
    }
    conn_->visit([self = shared_from_this()](auto& stream) {
        http::async_read_header(stream, self->conn_->buffer, *self->parser_,
                                [self](error_code ec, std::size_t) { self->on_header(ec); });
    });
}

void Forward::on_header(error_code ec) {
    if (holding_ping_) {
        holding_ping_ = false;
        --shared_.counters.ping_held;
    }
    if (aborted_) return finish({false, false, false, 0, {}, 0});
    if (ec) {
        if (reused_ && is_stale_connection_error(ec) && !parser_->got_some())
            return connect(server_ ? server_->target : location_->target);
        bool timeout = ec == beast::error::timeout;
        ++(timeout ? shared_.counters.backend_timeouts : shared_.counters.backend_errors);
        std::string why = (timeout ? "no response in time" : "response: " + ec.message());
        if (server_)
            server_failed(why);
        else
            mics::log_warn("ActiveSync 451 location " + location_->target.host + ": " + why);
        conn_.reset();
        if (timeout) return fail_local(504, "ActiveSync server did not answer in time\n");
        return fail_local(502, "ActiveSync server sent no valid response\n");
    }
    if (server_) record_success(server_->state, PoolClock::now());
    if (parser_->get().result_int() == 451 && follow_451()) return;
    relay();
}

bool Forward::follow_451() {
    if (!in_.service->redirect_451 || redirects_ >= kMaxRedirects) return false;
    auto loc = parse_location(parser_->get()["X-MS-Location"], in_.service->verify);
    if (!loc) return false;
    ++redirects_;
    ++shared_.counters.redirects_451;
    mics::log_info("ActiveSync 451 for user '" + in_.user + "': following to " + loc->target.host + ":" +
                   std::to_string(loc->target.port) + loc->path);
    if (!in_.user.empty()) {
        if (service_->redirects.size() >= Backends::kMaxRedirects) service_->redirects.clear();
        service_->redirects[in_.user] = *loc;
    }
    // The 451's body is not read: this connection is not reused.
    conn_.reset();
    parser_.reset();
    server_.reset();
    location_ = std::move(loc);
    connect(location_->target);
    return true;
}

void Forward::watch_device() {
    if (watching_ || aborted_) return;
    watching_ = true;
    // Bytes OpenSSL already holds raise no readiness event: look now.
    if (device_.has_pending())
        return net::post(device_.get_executor(), [self = shared_from_this()] { self->on_device_readable({}); });
    device_.socket().async_wait(net::socket_base::wait_read,
                                [self = shared_from_this()](error_code ec) { self->on_device_readable(ec); });
}

void Forward::stop_watching() {
    if (!watching_) return;
    watching_ = false;
    // Only the watch waits on the device socket now; a completion already
    // queued finds watching_ false and does nothing.
    device_.cancel();
}

void Forward::on_device_readable(error_code ec) {
    if (!watching_ || aborted_ || finished_) return;
    if (!ec) {
        char byte = 0;
        switch (device_.probe_byte(byte)) {
        case TlsStream::Probe::again:
            watching_ = false;
            return watch_device();
        case TlsStream::Probe::byte: {
            // Pipelining is legal HTTP/1.1: keep the byte for the next
            // request's parse, and stop watching (the device is there).
            watching_ = false;
            auto dst = device_buffer_.prepare(1);
            *static_cast<char*>(dst.data()) = byte;
            device_buffer_.commit(1);
            return;
        }
        case TlsStream::Probe::stuck:
            watching_ = false;
            return;
        case TlsStream::Probe::closed:
            break;
        }
    }
    // EOF, close_notify, reset: the device is gone. Its answer has nowhere
    // to go, so do not keep the server's connection busy for it (nor give
    // it back to the pool: the server still owes a response on it).
    watching_ = false;
    ++shared_.counters.device_gone;
    // A back-end operation (connect, write or read) is always pending while
    // we watch; its completion sees aborted_ and finishes with the device
    // connection marked unusable.
    abort();
}

void Forward::relay() {
    stop_watching();
    auto& res = parser_->get();
    strip_hop_by_hop(res);
    // A body delimited by the server closing cannot be delimited for the
    // device either: it ends with the device connection.
    bool keep_alive = in_.device_keep_alive && !shared_.draining && !parser_->need_eof();
    in_.device_keep_alive = keep_alive;
    res.version(11);
    res.keep_alive(keep_alive);
    header_sent_ = true;
    serializer_.emplace(res);
    if (parser_->is_done()) {
        res.body().data = nullptr;
        res.body().size = 0;
        res.body().more = false;
        return relay_write();
    }
    chunk_ = std::make_unique<char[]>(kChunk);
    relay_read();
}

void Forward::relay_read() {
    auto& body = parser_->get().body();
    body.data = chunk_.get();
    body.size = kChunk;
    conn_->expires_after(in_.config->timeouts.socket);
    conn_->visit([self = shared_from_this()](auto& stream) {
        http::async_read_some(stream, self->conn_->buffer, *self->parser_,
                              [self](error_code ec, std::size_t) { self->on_body(ec); });
    });
}

void Forward::on_body(error_code ec) {
    if (ec == http::error::need_buffer) ec = {};
    if (aborted_) return finish({true, false, false, 0, {}, 0});
    if (ec) {
        // Part of the response is already with the device: all we can do is close.
        ++shared_.counters.backend_errors;
        if (server_) server_failed("response body: " + ec.message());
        return finish({true, false, false, parser_->get().result_int(), {}, 0});
    }
    auto& body = parser_->get().body();
    std::size_t got = kChunk - body.size;
    if (got == 0 && !parser_->is_done()) return relay_read();  // e.g. only a chunk header arrived
    body.data = chunk_.get();
    body.size = got;
    body.more = !parser_->is_done();
    relay_write();
}

void Forward::relay_write() {
    device_.expires_after(in_.config->timeouts.socket);
    http::async_write(device_, *serializer_,
                      [self = shared_from_this()](error_code ec, std::size_t) { self->on_device_write(ec); });
}

void Forward::on_device_write(error_code ec) {
    if (ec == http::error::need_buffer) ec = {};
    unsigned status = parser_->get().result_int();
    if (ec || aborted_) return finish({true, false, false, status, {}, 0});
    if (!serializer_->is_done()) {
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
    chunk_.reset();
    finish({true, true, in_.device_keep_alive, status, {}, 0});
}

void Forward::server_failed(const std::string& why) {
    conn_.reset();
    if (!server_) return;
    bool was_dead = server_->state.dead;
    record_failure(server_->state, server_->health, PoolClock::now());
    std::string name = server_->service + "/" + server_->target.host + ":" + std::to_string(server_->target.port);
    if (!was_dead && server_->state.dead)
        mics::log_warn("ActiveSync server " + name + " is now dead: " + why);
    else
        mics::log(mics::LogLevel::debug, "ActiveSync server " + name + ": " + why);
}

void Forward::fail_local(unsigned status, std::string_view body, int retry_after_s) {
    conn_.reset();
    finish({false, true, in_.device_keep_alive, status, body, retry_after_s});
}

void Forward::finish(ForwardResult r) {
    if (finished_) return;
    finished_ = true;
    stop_watching();
    if (holding_ping_) {
        holding_ping_ = false;
        --shared_.counters.ping_held;
    }
    if (!r.device_ok) conn_.reset();
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(r);
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
