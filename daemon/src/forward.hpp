// One device request forwarded to an ActiveSync back end: pick a server,
// connect (or reuse a kept-alive connection), send, wait for the response
// headers (long for Ping/Sync), follow a 451 when the service says so, then
// relay the response to the device.
//
// The common case costs one send and one receive upstream and one SSL_write
// to the device: the request is rendered into one buffer and written with a
// non-blocking call (a wait only if the socket is full); a response whose
// Content-Length body arrived with its head goes out as one buffer too, and
// its back-end connection returns to the pool before the device write.
// Anything else (chunked, close-delimited, larger bodies) is streamed
// through an 8 KiB buffer with Beast's parser and serializer.
//
// The session watches the device meanwhile and calls device_gone() when it
// leaves before the response starts: the back-end connection is then
// closed, not pooled (the server still owes a response on it).
//
// Lifetime: owned by its pending handler (shared_from_this), like a session;
// it holds the session alive through `done`, which it calls exactly once.
// Before any response byte reaches the device it may move to the next server
// (connect failure) or retry once on a fresh connection (a kept-alive one
// the server had closed); after that, a failure closes the device
// connection.
#pragma once
#include "backends.hpp"
#include "session_shared.hpp"
#include "sentryd/wire_tally.hpp"

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace sentryd {

struct ForwardResult {
    bool responded = false;      // a back-end response was (at least partly) written to the device
    bool device_ok = true;       // false: the device connection is unusable, close it
    bool keep_alive = false;     // the device connection may serve another request
    unsigned status = 0;         // relayed status, or the local answer to send when !responded
    std::string_view body;       // local answer text (static)
    int retry_after_s = 0;
    std::string_view server_host;  // the back end that answered (audit), valid during `done`
    int server_port = 0;
    WireTally tally;             // bytes, back-end connections and failures of this request
};

struct ForwardRequest {
    boost::beast::http::request<boost::beast::http::string_body> req;
    std::shared_ptr<const ProxyConfig> config;
    const ActiveSyncService* service = nullptr;  // inside *config
    std::string client_ip;
    std::string user;  // EAS user (451 memory key)
    bool long_poll = false;
    bool ping = false;
    bool device_keep_alive = true;
    // Set when the request is debug-logged or its audit REQUEST record is
    // owed (request_log.hpp); the session that owns it outlives the forward.
    struct RequestLog* log = nullptr;
};

class Forward : public std::enable_shared_from_this<Forward> {
public:
    using DeviceStream = TlsStream;

    Forward(DeviceStream& device, SessionShared& shared, ForwardRequest request,
            std::function<void(ForwardResult)> done);
    ~Forward();
    void start();
    // The session is being aborted: close the back-end side now.
    void abort();
    // The device closed or reset its connection before the response started.
    void device_gone();
    // The response (relayed or local) has started: the device connection is
    // ours to write, no longer to watch.
    bool responding() const { return responding_ || finished_; }

private:
    using error_code = boost::system::error_code;
    struct Streaming;

    void next_server();
    void connect(const BackendTarget& target);
    void on_connect(std::string error, std::unique_ptr<BackendConn> conn, error_code ec);
    void send();
    void write_backend();
    void on_sent(error_code ec);
    void read_header();
    void read_backend();
    void on_backend_read(error_code ec, std::size_t n);
    void on_header(error_code ec);
    bool follow_451();
    void relay();
    void write_device();
    void stream_body();
    void relay_read();
    void on_body(error_code ec, std::size_t parsed);
    void relay_write();
    void on_device_write(error_code ec, std::size_t n);
    void finish(ForwardResult r);
    void fail_local(unsigned status, std::string_view body, int retry_after_s = 0);
    void server_failed(const std::string& why);
    const BackendTarget* target() const;  // the server (or 451 location) in use, if any
    std::string target_name() const;      // its "host:port" (debug log)
    // Closes the back-end connection (if any) instead of pooling it; counted.
    void drop_conn();
    // Counts a back-end failure after the connection was made (request
    // write, response body); the response head wait counts its own.
    void count_backend_error(error_code ec);
    void count_device_error(error_code ec);

    DeviceStream& device_;
    SessionShared& shared_;
    ForwardRequest in_;
    std::function<void(ForwardResult)> done_;

    std::shared_ptr<ServiceRuntime> service_;
    std::shared_ptr<ServerRuntime> server_;     // null when talking to a 451 location
    std::optional<RedirectLocation> location_;  // set when talking to a 451 location
    std::vector<bool> tried_;
    std::unique_ptr<BackendConn> conn_;
    bool reused_ = false;
    bool aborted_ = false;
    bool finished_ = false;
    bool responding_ = false;
    bool holding_ping_ = false;
    int redirects_ = 0;
    unsigned status_ = 0;  // of the response being relayed
    std::size_t buffered_ = 0;  // back-end read buffer size before a streaming read (bytes read = its growth + parsed)
    WireTally tally_;

    // The request rendered for the back end, then the response head (and
    // body) for the device; written from out_pos_. Empty while a Ping is held.
    std::string out_;
    std::size_t out_pos_ = 0;
    std::optional<boost::beast::http::response_parser<boost::beast::http::buffer_body>> parser_;
    std::unique_ptr<Streaming> streaming_;  // only for bodies relayed piecewise
};

}  // namespace sentryd
