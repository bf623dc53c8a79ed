// One device connection: TLS handshake, then HTTP/1.1 requests with
// keep-alive. The object owns itself through shared_from_this() captured in
// its one pending handler; when no I/O is outstanding it is destroyed.
#pragma once
#include "sentryd/device_gate.hpp"
#include "session_shared.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include "tls_stream.hpp"

#include <memory>
#include <optional>

namespace sentryd {

class Forward;
struct ForwardResult;

class HttpsSession : public std::enable_shared_from_this<HttpsSession> {
public:
    HttpsSession(boost::asio::ip::tcp::socket&& socket, SessionShared& shared);
    ~HttpsSession();
    HttpsSession(const HttpsSession&) = delete;
    HttpsSession& operator=(const HttpsSession&) = delete;

    void start();
    // Shutdown step 1: an idle connection closes now, a busy one after the
    // response in progress.
    void drain();
    // Shutdown step 2 (drain deadline passed): close the socket now.
    void abort();

private:
    using error_code = boost::system::error_code;
    enum class State { handshake, reading, forwarding, writing, closing, closed };

    void on_handshake(error_code ec);
    void do_read();
    void on_read(error_code ec, std::size_t n);
    void respond(unsigned status, std::string_view body, int retry_after_s, bool head,
                 unsigned version, bool keep_alive, bool wbxml = false);
    // The device gate's part of a request (no-ops without a gate).
    bool admit_device(const struct Decision& d);
    void device_done(unsigned status, std::uint64_t bytes, bool forwarded);
    void on_write(error_code ec, std::size_t n);
    void forward(const struct Decision& d);
    void on_forwarded(const ForwardResult& r);
    void next_request();
    void do_close();
    void on_shutdown(error_code ec);

    // Member order is memory order: the stream and buffers dominate; the
    // optionals are engaged only while a request is in flight.
    TlsStream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::optional<boost::beast::http::response<boost::beast::http::string_body>> res_;
    std::shared_ptr<const ProxyConfig> config_;  // snapshot of the request in flight
    std::shared_ptr<Forward> forward_;           // while a request is with a back end
    std::string client_ip_;                      // the device's address, once known (X-Forwarded-For)
    SessionShared& shared_;
    DeviceRef device_;      // the device this connection serves (counted open once)
    DeviceRef req_device_;  // the device of the request in flight
    bool counting_ = false; // the request in flight is counted per device
    State state_ = State::handshake;
    bool keep_alive_ = false;
};

}  // namespace sentryd
