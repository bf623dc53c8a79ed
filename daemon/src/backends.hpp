// The back-end side of the proxy on one io_context: connections to
// ActiveSync servers (TCP or TLS), a small idle pool per server, background
// health checks, and the per-server state (backend_pool.hpp) that survives a
// config apply for every server that stays.
#pragma once
#include "sentryd/backend_pool.hpp"
#include "sentryd/counters.hpp"
#include "sentryd/proxy_config.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include "plain_stream.hpp"
#include "tls_stream.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace sentryd {

// One connection to a back end, plain or TLS. Both stream types have the
// same interface (non-blocking *_now calls, readiness waits, Beast's async
// stream concepts); `visit` hands the stream to a generic lambda, so callers
// write each step once for both kinds.
class BackendConn {
public:
    using error_code = boost::system::error_code;

    explicit BackendConn(PlainStream&& s) : stream_(std::in_place_index<0>, std::move(s)) {}
    explicit BackendConn(TlsStream&& s) : stream_(std::in_place_index<1>, std::move(s)) {}

    template <class F>
    decltype(auto) visit(F&& f) {
        return std::visit(std::forward<F>(f), stream_);
    }
    boost::asio::ip::tcp::socket& socket() {
        return stream_.index() == 0 ? std::get<0>(stream_).socket() : std::get<1>(stream_).socket();
    }
    void expires_after(std::chrono::steady_clock::duration d) {
        visit([d](auto& s) { s.expires_after(d); });
    }
    void expires_never() {
        visit([](auto& s) { s.expires_never(); });
    }
    std::size_t read_some_now(void* data, std::size_t size, error_code& ec) {
        return visit([&](auto& s) { return s.read_some_now(data, size, ec); });
    }
    std::size_t write_some_now(const void* data, std::size_t size, error_code& ec) {
        return visit([&](auto& s) { return s.write_some_now(data, size, ec); });
    }
    template <class Handler>
    void async_wait_readable(Handler&& h) {
        visit([&](auto& s) { s.async_wait_readable(std::forward<Handler>(h)); });
    }
    template <class Handler>
    void async_wait_writable(Handler&& h) {
        visit([&](auto& s) { s.async_wait_writable(std::forward<Handler>(h)); });
    }
    template <class MutableBuffers, class Handler>
    void async_read_some(const MutableBuffers& b, Handler&& h) {
        visit([&](auto& s) { s.async_read_some(b, std::forward<Handler>(h)); });
    }
    bool is_tls() const { return stream_.index() == 1; }
    TlsStream* tls() { return std::get_if<1>(&stream_); }

    boost::beast::flat_buffer buffer;  // read buffer; empty between responses
    std::uint64_t idle_epoch = 0;      // changes each time the connection leaves the idle pool
    bool watched = false;              // in the pool with its close watch armed (Backends::sweep_idle)

private:
    std::variant<PlainStream, TlsStream> stream_;
};

struct BackendTarget {
    std::string host;
    int port = 443;
    bool tls = true;
    bool verify = false;
};

// Resolves, connects and (for TLS) handshakes within `timeout`. `done(error,
// conn, ec)`: error empty on success; ec classifies a failure (timeout,
// reset, ...) for counters. With `verify`, the certificate must chain to the
// context's trust store and name `host` (SNI is always sent for names).
using ConnectDone =
    std::function<void(std::string error, std::unique_ptr<BackendConn> conn, boost::system::error_code ec)>;
void connect_backend(boost::asio::io_context& ioc, boost::asio::ssl::context& tls_ctx,
                     const BackendTarget& target, Millis timeout, ConnectDone done);

// Host header value for a back end ("host" or "host:port" when not the default port).
std::string host_header(const BackendTarget& t);

struct ServerRuntime {
    std::string service;
    BackendTarget target;
    std::string host_field;  // host_header(target), rendered once
    HealthCheck health;
    Timeouts timeouts;  // of the snapshot that last configured it (health checks)
    ServerState state;
    std::vector<std::unique_ptr<BackendConn>> idle;  // newest last
    std::unique_ptr<boost::asio::steady_timer> health_timer;
    bool removed = false;  // no longer in the configuration
    bool probing = false;  // a health check is in flight
};

// Where a 451 sent a user ("https://host:port/path").
struct RedirectLocation {
    BackendTarget target;
    std::string path;  // "/Microsoft-Server-ActiveSync"
};
// Parses X-MS-Location; only http/https absolute URLs.
std::optional<RedirectLocation> parse_location(std::string_view url, bool verify);

struct ServiceRuntime {
    std::string name;
    Scheduling scheduling = Scheduling::priority;
    std::size_t rr_cursor = 0;
    std::vector<std::shared_ptr<ServerRuntime>> servers;  // in configured order
    std::unordered_map<std::string, RedirectLocation> redirects;  // user -> 451 location
};

class Backends {
public:
    static constexpr std::size_t kMaxRedirects = 10000;
    // How long a pooled connection may go unwatched (see put_idle).
    static constexpr std::chrono::seconds kIdleSweep{2};

    Backends(boost::asio::io_context& ioc, Counters& counters);
    ~Backends();
    Backends(const Backends&) = delete;
    Backends& operator=(const Backends&) = delete;

    // Rebuilds services and servers from a snapshot. A server that stays
    // (same service, host, port, tls, verify) keeps its state and idle
    // connections; a removed one loses its idle connections and health timer
    // (requests using it finish normally).
    void apply(const ProxyConfig& config);
    // Shutdown: stop health checks and close idle connections.
    void stop();

    std::shared_ptr<ServiceRuntime> service(const std::string& name) const;
    boost::asio::io_context& ioc() { return ioc_; }
    boost::asio::ssl::context& tls() { return tls_; }
    Counters& counters() { return counters_; }

    // A kept-alive connection to `s`, or nullptr.
    std::unique_ptr<BackendConn> take_idle(ServerRuntime& s);
    // Keeps a connection whose last response ended cleanly, at most
    // `max_idle` per server (the oldest goes).
    void put_idle(const std::shared_ptr<ServerRuntime>& s, std::unique_ptr<BackendConn> conn,
                  std::size_t max_idle);

    std::vector<ServiceStatus> status() const;

private:
    void schedule_health(const std::shared_ptr<ServerRuntime>& s, Millis delay);
    void run_health(const std::shared_ptr<ServerRuntime>& s);
    void watch_idle(const std::shared_ptr<ServerRuntime>& s, BackendConn& conn);
    void sweep_idle();

    boost::asio::io_context& ioc_;
    Counters& counters_;
    boost::asio::ssl::context tls_;
    std::map<std::string, std::shared_ptr<ServiceRuntime>> services_;
    boost::asio::steady_timer sweep_timer_;
    bool sweep_armed_ = false;
    bool log_health_ = true;  // ProxyConfig::logging.health_monitor
    bool stopped_ = false;
};

}  // namespace sentryd
