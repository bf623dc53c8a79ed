// sentry-bench-backend: a fast fixture Exchange ActiveSync server for
// `make bench` (scripts/bench-proxy.sh). Plain HTTP/1.1 with keep-alive: the
// proxies under test terminate device TLS and talk cleartext upstream, so the
// backend's own cost stays far below theirs. One thread, one io_context.
//
//   OPTIONS /Microsoft-Server-ActiveSync         200 + MS-ASProtocolVersions/Commands
//   POST    /Microsoft-Server-ActiveSync?Cmd=Sync 200, small fixed WBXML body
//   POST    /Microsoft-Server-ActiveSync?Cmd=Ping held --ping-hold-ms, then 200 WBXML
//   POST    ...?Cmd=<other>                      200, same small WBXML body
//   GET     /__stats                             {"held":N,"requests":N,"connections":N}
//   anything else                                404
//
// A held Ping watches its socket: if the proxy closes the upstream connection
// the hold ends at once, so repeated runs do not pile up descriptors here.
//
// Usage: sentry-bench-backend [--listen ADDR:PORT] [--ping-hold-ms MS]
// Port 0 (the default) lets the kernel choose; the chosen port is printed on
// stdout as "port N" once the listener is up.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct Stats {
    long held = 0;
    long requests = 0;
    long connections = 0;
};
Stats g_stats;
std::chrono::milliseconds g_ping_hold{30000};

// WBXML-ish bodies: the EAS code pages are right (AirSync / Ping), the content
// is a minimal "Status 1" answer. Devices never see it; the proxies only relay it.
constexpr unsigned char kSyncBody[] = {
    0x03, 0x01, 0x6a, 0x00,              // WBXML 1.3, public id, UTF-8, no string table
    0x45, 0x5c, 0x4f,                    // <Sync><Collections><Collection>
    0x4b, 0x03, '1', 0x00, 0x01,         //   <SyncKey>1</SyncKey>
    0x52, 0x03, '1', 0x00, 0x01,         //   <CollectionId>1</CollectionId>
    0x4e, 0x03, '1', 0x00, 0x01,         //   <Status>1</Status>
    0x01, 0x01, 0x01};                   // </Collection></Collections></Sync>
constexpr unsigned char kPingBody[] = {
    0x03, 0x01, 0x6a, 0x00, 0x00, 0x0d,  // header, SWITCH_PAGE to Ping (13)
    0x45, 0x47, 0x03, '1', 0x00, 0x01,   // <Ping><Status>1</Status>
    0x01};                               // </Ping>

std::string_view as_view(const unsigned char* p, std::size_t n) {
    return {reinterpret_cast<const char*>(p), n};
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) !=
            std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

// The value of Cmd= in a plain-form query, or "" (base64 form, no query).
std::string_view eas_command(std::string_view target) {
    auto q = target.find('?');
    if (q == std::string_view::npos) return {};
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        if (iequals_prefix(pair, "cmd=")) return pair.substr(4);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

class Session : public std::enable_shared_from_this<Session> {
public:
    explicit Session(tcp::socket s) : stream_(std::move(s)), hold_timer_(stream_.get_executor()) {
        ++g_stats.connections;
    }
    ~Session() { --g_stats.connections; }

    void start() { read(); }

private:
    void read() {
        parser_.emplace();
        parser_->header_limit(16 * 1024);
        parser_->body_limit(1024 * 1024);
        http::async_read(stream_, buf_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) return self->close();
                             self->handle(self->parser_->release());
                         });
    }

    void handle(http::request<http::string_body> req) {
        ++g_stats.requests;
        keep_alive_ = req.keep_alive();
        res_ = {};
        res_.version(11);
        res_.set(http::field::server, "sentry-bench-backend");
        std::string_view target = req.target();
        bool eas = iequals_prefix(target, "/Microsoft-Server-ActiveSync");
        if (eas && req.method() == http::verb::options) {
            res_.result(http::status::ok);
            res_.set(http::field::allow, "OPTIONS,POST");
            res_.set("MS-Server-ActiveSync", "15.1");
            res_.set("MS-ASProtocolVersions", "2.0,2.1,2.5,12.0,12.1,14.0,14.1,16.0,16.1");
            res_.set("MS-ASProtocolCommands",
                     "Sync,SendMail,SmartForward,SmartReply,GetAttachment,GetHierarchy,"
                     "CreateCollection,DeleteCollection,MoveCollection,FolderSync,FolderCreate,"
                     "FolderDelete,FolderUpdate,MoveItems,GetItemEstimate,MeetingResponse,"
                     "Search,Settings,Ping,ItemOperations,Provision,ResolveRecipients,"
                     "ValidateCert,Find");
            return write();
        }
        if (eas && req.method() == http::verb::post) {
            std::string_view cmd = eas_command(target);
            res_.result(http::status::ok);
            res_.set(http::field::content_type, "application/vnd.ms-sync.wbxml");
            if (iequals_prefix(cmd, "ping") && cmd.size() == 4) {
                res_.body() = std::string(as_view(kPingBody, sizeof kPingBody));
                return hold();
            }
            res_.body() = std::string(as_view(kSyncBody, sizeof kSyncBody));
            return write();
        }
        if (target == "/__stats" && req.method() == http::verb::get) {
            res_.result(http::status::ok);
            res_.set(http::field::content_type, "application/json");
            res_.body() = "{\"held\":" + std::to_string(g_stats.held) +
                          ",\"requests\":" + std::to_string(g_stats.requests) +
                          ",\"connections\":" + std::to_string(g_stats.connections) + "}\n";
            return write();
        }
        res_.result(http::status::not_found);
        res_.set(http::field::content_type, "text/plain");
        res_.body() = "not found\n";
        write();
    }

    // Holds a Ping: answer when the timer fires, or drop everything at once if
    // the peer closes (or sends anything) while we hold.
    void hold() {
        ++g_stats.held;
        holding_ = true;
        hold_timer_.expires_after(g_ping_hold);
        hold_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec || !self->holding_) return;
            self->end_hold();
            beast::error_code ignored;
            self->stream_.socket().cancel(ignored);  // the watch read
            self->write();
        });
        stream_.socket().async_read_some(
            asio::buffer(watch_), [self = shared_from_this()](beast::error_code, std::size_t) {
                if (!self->holding_) return;  // cancelled by the timer
                self->end_hold();
                self->hold_timer_.cancel();
                self->close();
            });
    }

    void end_hold() {
        holding_ = false;
        --g_stats.held;
    }

    void write() {
        res_.keep_alive(keep_alive_);
        res_.prepare_payload();
        http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec || !self->keep_alive_) return self->close();
            self->read();
        });
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.socket().close(ignored);
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buf_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> res_;
    asio::steady_timer hold_timer_;
    std::array<char, 1> watch_{};
    bool keep_alive_ = true;
    bool holding_ = false;
};

void accept(tcp::acceptor& acc) {
    acc.async_accept([&acc](beast::error_code ec, tcp::socket s) {
        if (!ec) {
            s.set_option(tcp::no_delay(true), ec);
            std::make_shared<Session>(std::move(s))->start();
        } else if (ec == asio::error::operation_aborted) {
            return;
        }
        // EMFILE and friends: keep accepting; the bench reports what it sees.
        accept(acc);
    });
}

int usage() {
    std::fputs("usage: sentry-bench-backend [--listen ADDR:PORT] [--ping-hold-ms MS]\n", stderr);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string addr = "127.0.0.1";
    unsigned short port = 0;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--listen" && i + 1 < argc) {
            std::string v = argv[++i];
            auto colon = v.rfind(':');
            if (colon == std::string::npos) return usage();
            addr = v.substr(0, colon);
            port = static_cast<unsigned short>(std::atoi(v.c_str() + colon + 1));
        } else if (a == "--ping-hold-ms" && i + 1 < argc) {
            g_ping_hold = std::chrono::milliseconds(std::atol(argv[++i]));
        } else {
            return usage();
        }
    }
    asio::io_context ioc{1};
    beast::error_code ec;
    tcp::endpoint ep(asio::ip::make_address(addr, ec), port);
    if (ec) return usage();
    tcp::acceptor acc(ioc);
    acc.open(ep.protocol(), ec);
    if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acc.bind(ep, ec);
    if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        std::fprintf(stderr, "sentry-bench-backend: %s: %s\n", addr.c_str(), ec.message().c_str());
        return 1;
    }
    std::printf("port %u\n", acc.local_endpoint().port());
    std::fflush(stdout);
    accept(acc);
    asio::signal_set signals(ioc, SIGTERM, SIGINT);
    signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
    ioc.run();
    return 0;
}
