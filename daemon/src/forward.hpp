// One device request forwarded to an ActiveSync back end: pick a server,
// connect (or reuse a kept-alive connection), send, wait for the response
// headers (long for Ping/Sync), follow a 451 when the service says so, then
// stream the response to the device through one small buffer.
//
// While no response byte has gone to the device, the device side is watched
// too (a one-byte TLS read, no buffer of its own): a device that closes or
// resets its connection ends the request at once, and the back-end
// connection is closed rather than kept busy until the server answers a
// held Ping (up to an hour). A device that sends data meanwhile is
// pipelining: that byte goes to the session's buffer for the next request
// and the watch stops.
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

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
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
};

class Forward : public std::enable_shared_from_this<Forward> {
public:
    using DeviceStream = TlsStream;

    // `device_buffer`: the session's read buffer, where a pipelined byte goes.
    Forward(DeviceStream& device, boost::beast::flat_buffer& device_buffer, SessionShared& shared,
            ForwardRequest request, std::function<void(ForwardResult)> done);
    void start();
    // The session is being aborted: close the back-end side now.
    void abort();

private:
    using error_code = boost::system::error_code;

    void next_server();
    void connect(const BackendTarget& target);
    void on_connect(std::string error, std::unique_ptr<BackendConn> conn);
    void send();
    void on_sent(error_code ec);
    void read_header();
    void on_header(error_code ec);
    bool follow_451();
    void relay();
    void relay_read();
    void on_body(error_code ec);
    void relay_write();
    void on_device_write(error_code ec);
    void finish(ForwardResult r);
    void fail_local(unsigned status, std::string_view body, int retry_after_s = 0);
    void server_failed(const std::string& why);
    void prepare_request();
    void watch_device();
    void on_device_readable(error_code ec);
    void stop_watching();

    DeviceStream& device_;
    boost::beast::flat_buffer& device_buffer_;
    SessionShared& shared_;
    ForwardRequest in_;
    std::function<void(ForwardResult)> done_;

    std::shared_ptr<ServiceRuntime> service_;
    std::shared_ptr<ServerRuntime> server_;     // null when talking to a 451 location
    std::optional<RedirectLocation> location_;  // set when talking to a 451 location
    std::vector<bool> tried_;
    std::unique_ptr<BackendConn> conn_;
    bool reused_ = false;
    bool prepared_ = false;
    bool aborted_ = false;
    bool finished_ = false;
    bool header_sent_ = false;
    bool holding_ping_ = false;
    bool watching_ = false;  // a device watch is armed and its result still wanted
    int redirects_ = 0;
    std::string target_path_;  // path the request goes to (a 451 location changes it)

    std::optional<boost::beast::http::response_parser<boost::beast::http::buffer_body>> parser_;
    std::optional<boost::beast::http::response_serializer<boost::beast::http::buffer_body>> serializer_;
    std::unique_ptr<char[]> chunk_;  // relay buffer, only while streaming a body
};

}  // namespace sentryd
