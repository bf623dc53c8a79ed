#include "backends.hpp"
#include "request_log.hpp"
#include "sentryd/ascii.hpp"

#include <mics/log.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace sentryd {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

bool is_ip_literal(const std::string& host) {
    boost::system::error_code ec;
    net::ip::make_address(host, ec);
    return !ec;
}

// Resolve -> connect -> (TLS) handshake, one deadline for all of it.
struct ConnectOp : std::enable_shared_from_this<ConnectOp> {
    ConnectOp(net::io_context& ioc, ssl::context& ctx, BackendTarget t, Millis timeout, ConnectDone done)
        : resolver(ioc), stream(ioc), tls_ctx(ctx), target(std::move(t)),
          deadline(std::chrono::steady_clock::now() + timeout), done(std::move(done)) {}

    tcp::resolver resolver;
    beast::tcp_stream stream;
    std::unique_ptr<BackendConn> conn;
    ssl::context& tls_ctx;
    BackendTarget target;
    std::chrono::steady_clock::time_point deadline;
    ConnectDone done;

    void fail(const std::string& what, boost::system::error_code ec) {
        done(target.host + ":" + std::to_string(target.port) + ": " + what, nullptr, ec);
    }

    void start() {
        // A numeric address needs no getaddrinfo, which would run on Asio's
        // private resolver thread (a thread hop and locks per connect).
        boost::system::error_code aec;
        auto addr = net::ip::make_address(target.host, aec);
        if (!aec) {
            stream.expires_at(deadline);
            return stream.async_connect(tcp::endpoint(addr, static_cast<unsigned short>(target.port)),
                                        [self = shared_from_this()](boost::system::error_code cec) {
                                            self->on_connect(cec);
                                        });
        }
        resolver.async_resolve(target.host, std::to_string(target.port),
                               [self = shared_from_this()](boost::system::error_code ec,
                                                           tcp::resolver::results_type results) {
                                   self->on_resolve(ec, std::move(results));
                               });
    }

    void on_resolve(boost::system::error_code ec, tcp::resolver::results_type results) {
        if (ec) return fail("resolve: " + ec.message(), ec);
        if (std::chrono::steady_clock::now() >= deadline) return fail("connect: timed out", beast::error::timeout);
        stream.expires_at(deadline);
        stream.async_connect(results, [self = shared_from_this()](boost::system::error_code cec,
                                                                  const tcp::endpoint&) {
            self->on_connect(cec);
        });
    }

    void on_connect(boost::system::error_code ec) {
        if (ec) return fail("connect: " + ec.message(), ec);
        boost::system::error_code ignored;
        stream.socket().set_option(tcp::no_delay(true), ignored);
        if (!target.tls) {
            stream.expires_never();
            return done({}, std::make_unique<BackendConn>(PlainStream(stream.release_socket())), {});
        }
        conn = std::make_unique<BackendConn>(
            TlsStream(stream.release_socket(), tls_ctx.native_handle(), TlsStream::Role::client));
        auto& tls = *conn->tls();
        SSL* native = tls.native_handle();
        bool ip = is_ip_literal(target.host);
        if (!ip) SSL_set_tlsext_host_name(native, target.host.c_str());
        if (target.verify) {
            SSL_set_verify(native, SSL_VERIFY_PEER, nullptr);
            if (ip)
                X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(native), target.host.c_str());
            else
                SSL_set1_host(native, target.host.c_str());
        } else {
            SSL_set_verify(native, SSL_VERIFY_NONE, nullptr);
        }
        conn->expires_after(deadline - std::chrono::steady_clock::now());
        tls.async_handshake([self = shared_from_this()](boost::system::error_code hec) { self->on_handshake(hec); });
    }

    void on_handshake(boost::system::error_code ec) {
        if (ec) {
            std::string why = ec.message();
            if (target.verify) {
                auto& tls = *conn->tls();
                long v = SSL_get_verify_result(tls.native_handle());
                if (v != X509_V_OK) why = std::string("certificate: ") + X509_verify_cert_error_string(v);
            }
            return fail("TLS handshake: " + why, ec);
        }
        conn->expires_never();
        done({}, std::move(conn), {});
    }

};

}  // namespace

std::string host_header(const BackendTarget& t) {
    std::string h = t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host;
    if (t.port != (t.tls ? 443 : 80)) h += ":" + std::to_string(t.port);
    return h;
}

void connect_backend(net::io_context& ioc, ssl::context& tls_ctx, const BackendTarget& target,
                     Millis timeout, ConnectDone done) {
    std::make_shared<ConnectOp>(ioc, tls_ctx, target, timeout, std::move(done))->start();
}

std::optional<RedirectLocation> parse_location(std::string_view url, bool verify) {
    RedirectLocation loc;
    auto lower_prefix = [&](std::string_view p) { return istarts_with(url, p); };
    if (lower_prefix("https://")) {
        url.remove_prefix(8);
        loc.target.tls = true;
        loc.target.port = 443;
    } else if (lower_prefix("http://")) {
        url.remove_prefix(7);
        loc.target.tls = false;
        loc.target.port = 80;
    } else {
        return std::nullopt;
    }
    loc.target.verify = verify;
    auto slash = url.find_first_of("/?#");
    std::string_view authority = url.substr(0, slash);
    std::string_view rest = slash == std::string_view::npos ? std::string_view("/") : url.substr(slash);
    if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
    std::string_view host = authority;
    if (authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = authority.substr(1, close - 1);
        authority.remove_prefix(close + 1);
        if (!authority.empty() && authority.front() != ':') return std::nullopt;
    } else {
        auto colon = authority.find(':');
        host = authority.substr(0, colon);
        authority = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
    }
    if (!authority.empty()) {  // ":port"
        authority.remove_prefix(1);
        int port = 0;
        if (authority.empty() || authority.size() > 5) return std::nullopt;
        for (char c : authority) {
            if (c < '0' || c > '9') return std::nullopt;
            port = port * 10 + (c - '0');
        }
        if (port < 1 || port > 65535) return std::nullopt;
        loc.target.port = port;
    }
    if (host.empty()) return std::nullopt;
    for (char c : host)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return std::nullopt;
    loc.target.host = std::string(host);
    // Keep the path only; the device's query is sent again as it was.
    auto q = rest.find_first_of("?#");
    loc.path = std::string(rest.substr(0, q));
    if (loc.path.empty() || loc.path.front() != '/') loc.path = "/" + loc.path;
    for (char c : loc.path)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return std::nullopt;
    return loc;
}

Backends::Backends(net::io_context& ioc, Counters& counters)
    : ioc_(ioc), counters_(counters), tls_(ssl::context::tls_client), sweep_timer_(ioc) {
    SSL_CTX* native = tls_.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    // System trust store for `verify`; without verify nothing is checked.
    if (SSL_CTX_set_default_verify_paths(native) != 1)
        mics::log_warn("backend TLS: cannot load the system trust store; verify will fail");
}

Backends::~Backends() { stop(); }

void Backends::stop() {
    stopped_ = true;
    sweep_timer_.cancel();
    for (auto& [name, svc] : services_)
        for (auto& s : svc->servers) {
            s->removed = true;
            if (s->health_timer) s->health_timer->cancel();
            s->idle.clear();
        }
    services_.clear();
}

void Backends::apply(const ProxyConfig& config) {
    if (stopped_) return;
    log_health_ = config.logging.health_monitor;
    // Index the servers we have, so those that stay keep their state.
    std::map<std::string, std::shared_ptr<ServerRuntime>> old;
    auto key = [](const std::string& svc, const BackendTarget& t) {
        return svc + '\n' + t.host + '\n' + std::to_string(t.port) + (t.tls ? "s" : "p") + (t.verify ? "v" : "n");
    };
    std::map<std::string, std::shared_ptr<ServiceRuntime>> old_services = std::move(services_);
    services_.clear();
    for (auto& [name, svc] : old_services)
        for (auto& s : svc->servers) old.emplace(key(name, s->target), s);

    for (const auto& cfg : config.activesync.services) {
        auto svc = std::make_shared<ServiceRuntime>();
        svc->name = cfg.name;
        svc->scheduling = cfg.scheduling;
        if (auto it = old_services.find(cfg.name); it != old_services.end()) {
            svc->rr_cursor = it->second->rr_cursor;
            if (cfg.redirect_451) svc->redirects = std::move(it->second->redirects);
        }
        for (const auto& srv : cfg.servers) {
            BackendTarget t{srv.host, srv.port, cfg.tls, cfg.verify};
            std::shared_ptr<ServerRuntime> rt;
            if (auto it = old.find(key(cfg.name, t)); it != old.end() && !it->second->removed) {
                rt = it->second;
                old.erase(it);
            } else {
                rt = std::make_shared<ServerRuntime>();
                rt->service = cfg.name;
                rt->target = t;
                rt->host_field = host_header(t);
            }
            bool was_checking = rt->health.enabled && rt->health_timer;
            rt->health = cfg.health;
            rt->timeouts = config.timeouts;
            if (cfg.health.enabled && !was_checking) {
                // First check soon, so a new server shows its real state quickly.
                schedule_health(rt, Millis(200));
            } else if (!cfg.health.enabled && rt->health_timer) {
                rt->health_timer->cancel();
                rt->health_timer.reset();
            }
            svc->servers.push_back(std::move(rt));
        }
        services_.emplace(cfg.name, std::move(svc));
    }
    // Servers no longer configured: in-flight requests keep their shared_ptr.
    for (auto& [k, s] : old) {
        s->removed = true;
        if (s->health_timer) s->health_timer->cancel();
        s->health_timer.reset();
        s->idle.clear();
    }
}

std::shared_ptr<ServiceRuntime> Backends::service(const std::string& name) const {
    auto it = services_.find(name);
    return it == services_.end() ? nullptr : it->second;
}

std::unique_ptr<BackendConn> Backends::take_idle(ServerRuntime& s) {
    while (!s.idle.empty()) {
        auto conn = std::move(s.idle.back());
        s.idle.pop_back();
        ++conn->idle_epoch;
        boost::system::error_code ec;
        if (conn->watched) conn->socket().cancel(ec);  // the idle watch
        conn->watched = false;
        if (!ec && conn->socket().is_open()) return conn;
    }
    return nullptr;
}

// Under load a connection spends microseconds in the pool: arming a watch
// (a syscall) and shrinking its buffer (a free, then a malloc when it is
// taken) each time would cost more than the request. So the pool is swept
// every kIdleSweep: connections still idle then get their watch and give
// their buffer back. One taken before that and found closed by the server
// is retried on a fresh connection (Forward: the stale-connection retry).
void Backends::put_idle(const std::shared_ptr<ServerRuntime>& s, std::unique_ptr<BackendConn> conn,
                        std::size_t max_idle) {
    if (stopped_ || s->removed || conn->buffer.size() != 0 || max_idle == 0) return;
    if (s->idle.size() >= max_idle) s->idle.erase(s->idle.begin());  // drop the oldest
    ++conn->idle_epoch;
    s->idle.push_back(std::move(conn));
    if (!sweep_armed_) {
        sweep_armed_ = true;
        sweep_timer_.expires_after(kIdleSweep);
        sweep_timer_.async_wait([this](boost::system::error_code ec) {
            sweep_armed_ = false;
            if (!ec && !stopped_) sweep_idle();
        });
    }
}

void Backends::sweep_idle() {
    for (auto& [name, svc] : services_)
        for (auto& s : svc->servers)
            for (auto& conn : s->idle) {
                if (conn->watched) continue;
                conn->watched = true;
                conn->buffer.shrink_to_fit();
                watch_idle(s, *conn);
            }
}

// An idle connection that becomes readable was closed by the server (or
// sent something unasked): drop it before a request is written into it.
// A one-byte MSG_PEEK receive rather than async_wait(read): Asio arms it
// without a syscall when the last read drained the socket (the response
// just read), where async_wait always costs an epoll_ctl.
void Backends::watch_idle(const std::shared_ptr<ServerRuntime>& s, BackendConn& conn) {
    static char peek_byte;  // written by the kernel, never read
    std::weak_ptr<ServerRuntime> weak = s;
    std::uint64_t epoch = conn.idle_epoch;
    BackendConn* raw = &conn;
    conn.socket().async_receive(net::buffer(&peek_byte, 1), tcp::socket::message_peek,
                                [weak, epoch, raw](boost::system::error_code ec, std::size_t) {
        if (ec == net::error::operation_aborted) return;
        auto srv = weak.lock();
        if (!srv) return;
        auto it = std::find_if(srv->idle.begin(), srv->idle.end(), [&](const auto& c) {
            return c.get() == raw && c->idle_epoch == epoch;
        });
        if (it != srv->idle.end()) srv->idle.erase(it);
    });
}

void Backends::schedule_health(const std::shared_ptr<ServerRuntime>& s, Millis delay) {
    if (stopped_ || s->removed) return;
    if (!s->health_timer) s->health_timer = std::make_unique<net::steady_timer>(ioc_);
    s->health_timer->expires_after(delay);
    std::weak_ptr<ServerRuntime> weak = s;
    s->health_timer->async_wait([this, weak](boost::system::error_code ec) {
        if (ec) return;
        if (auto srv = weak.lock(); srv && !srv->removed && srv->health.enabled) run_health(srv);
    });
}

namespace {

// Which spec §4.3 error counter a failed health-check step feeds.
Hc hc_error(boost::system::error_code ec, bool connecting) {
    if (ec == beast::error::timeout) return connecting ? Hc::err_conn_timeout : Hc::err_so_timeout;
    if (ec == net::error::connection_reset || ec == net::error::broken_pipe) return Hc::err_reset;
    return Hc::unclassified;
}

Hc hc_status(unsigned st) {
    switch (st) {
        case 200: return Hc::status_200;
        case 401: return Hc::status_401;
        case 404: return Hc::status_404;
        default: return Hc::status_other;
    }
}

// One OPTIONS /Microsoft-Server-ActiveSync on a fresh connection. Counts
// what it does in the hc-* counters (HTTP bytes; TLS overhead not included).
struct HealthProbe : std::enable_shared_from_this<HealthProbe> {
    std::unique_ptr<BackendConn> conn;
    http::request<http::empty_body> req;
    std::optional<http::response_parser<http::string_body>> parser;
    Millis response_timeout{};
    HealthCounters* hc = nullptr;
    std::function<void(bool ok, std::string why)> done;

    void send() {
        req.method(http::verb::options);
        req.target("/Microsoft-Server-ActiveSync");
        req.version(11);
        req.set(http::field::user_agent, "sentry-health-check");
        req.keep_alive(false);
        parser.emplace();
        parser->body_limit(64 * 1024);
        conn->expires_after(response_timeout);
        conn->visit([self = shared_from_this()](auto& stream) {
            http::async_write(stream, self->req, [self, &stream](boost::system::error_code ec, std::size_t n) {
                if (ec) {
                    self->hc->add(hc_error(ec, false));
                    return self->done(false, "write: " + ec.message());
                }
                self->hc->add(Hc::http_requests);
                self->hc->add(Hc::bytes_sent, n);
                http::async_read(stream, self->conn->buffer, *self->parser,
                                 [self](boost::system::error_code rec, std::size_t rn) {
                                     self->hc->add(Hc::bytes_rcvd, rn);
                                     if (rec) {
                                         self->hc->add(hc_error(rec, false));
                                         return self->done(false, "read: " + rec.message());
                                     }
                                     unsigned st = self->parser->get().result_int();
                                     self->hc->add(Hc::http_responses);
                                     self->hc->add(hc_status(st));
                                     // 401: up, wants credentials. 5xx: the server says it is broken.
                                     self->done(st < 500, "HTTP " + std::to_string(st));
                                 });
            });
        });
    }
};

}  // namespace

void Backends::run_health(const std::shared_ptr<ServerRuntime>& s) {
    if (s->probing) return schedule_health(s, std::chrono::seconds(s->health.interval_s));
    s->probing = true;
    std::weak_ptr<ServerRuntime> weak = s;
    auto finish = [this, weak](bool ok, const std::string& why) {
        auto srv = weak.lock();
        if (!srv) return;
        srv->probing = false;
        if (srv->removed) return;
        bool was_dead = srv->state.dead;
        record_health(srv->state, srv->health, ok, PoolClock::now());
        ++(ok ? counters_.health_checks_ok : counters_.health_checks_failed);
        // `sentry health-monitor` off: checks still run and decide, but
        // their results are not logged (counters and status still show them).
        std::string name = srv->service + "/" + srv->target.host + ":" + std::to_string(srv->target.port);
        if (!ok && log_health_) mics::log(mics::LogLevel::debug, "health check " + name + " failed: " + why);
        if (was_dead != srv->state.dead && log_health_) {
            std::string text = "ActiveSync server " + name + " is now " + (srv->state.dead ? "dead" : "live") +
                               " (health check: " + why + ")";
            mics::log_warn(text);
            log_health_transition(true, text, srv->state.dead);
        }
        schedule_health(srv, std::chrono::seconds(srv->health.interval_s));
    };
    HealthCounters* hc = &counters_.hc;
    connect_backend(ioc_, tls_, s->target, s->timeouts.connect,
                    [finish, hc, host = host_header(s->target), timeout = s->timeouts.response](
                        std::string error, std::unique_ptr<BackendConn> conn, boost::system::error_code ec) {
                        if (!conn) {
                            hc->add(hc_error(ec, true));
                            return finish(false, error);
                        }
                        hc->add(Hc::connections);
                        auto probe = std::make_shared<HealthProbe>();
                        probe->conn = std::move(conn);
                        probe->req.set(http::field::host, host);
                        probe->response_timeout = timeout;
                        probe->hc = hc;
                        probe->done = [finish, hc, probe_raw = probe.get()](bool ok, std::string why) {
                            // Close now; no TLS close_notify wait for a probe.
                            boost::system::error_code ignored;
                            probe_raw->conn->socket().close(ignored);
                            hc->add(Hc::so_close);
                            finish(ok, why);
                        };
                        probe->send();
                    });
}

std::vector<ServiceStatus> Backends::status() const {
    std::vector<ServiceStatus> out;
    auto now = PoolClock::now();
    auto ago = [now](const std::optional<PoolClock::time_point>& t) -> std::int64_t {
        if (!t) return -1;
        return std::chrono::duration_cast<Millis>(now - *t).count();
    };
    for (const auto& [name, svc] : services_) {
        ServiceStatus st;
        st.name = name;
        st.scheduling = svc->scheduling;
        for (const auto& s : svc->servers) {
            st.health_enabled = s->health.enabled;
            ServerStatus ss;
            ss.host = s->target.host;
            ss.port = s->target.port;
            ss.dead = s->state.dead;
            ss.last_success_ms_ago = ago(s->state.last_success);
            ss.last_failure_ms_ago = ago(s->state.last_failure);
            ss.requests = s->state.requests;
            ss.failures = s->state.failures;
            ss.health_ok = s->state.health_ok;
            ss.health_fail = s->state.health_fail;
            ss.idle_connections = s->idle.size();
            st.servers.push_back(std::move(ss));
        }
        out.push_back(std::move(st));
    }
    return out;
}

}  // namespace sentryd
