// One device connection: TLS handshake, then HTTP/1.1 requests with
// keep-alive. The object owns itself through shared_from_this() captured in
// its pending handlers; when no I/O is outstanding it is destroyed.
//
// Reading is a plain loop, not Beast's composed read: wait until the socket
// is readable (no buffer while idle), SSL_read what is there into buffer_,
// feed the parser. The same readiness wait doubles as the watch on the
// device while its request is with a back end (forward.hpp): EOF then means
// the device left; data means the next request came early (pipelining) and
// waits in buffer_; and once the response is out, the wait still pending is
// simply the wait for the next request.
#pragma once
#include "sentryd/audit_record.hpp"
#include "sentryd/device_gate.hpp"
#include "session_shared.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include "tls_stream.hpp"

#include <memory>
#include <optional>
#include <string>

namespace sentryd {

class Forward;
struct ForwardResult;
struct RequestLog;

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
    void wait_readable();
    void on_readable(error_code ec);
    void read_request();
    void keep(const char* p, std::size_t n);
    void on_read_error(error_code ec);
    void on_request();
    void respond(unsigned status, std::string_view body, int retry_after_s, bool head, unsigned version,
                 bool keep_alive, bool wbxml = false);
    // The device gate's part of a request (no-ops without a gate).
    bool admit_device(const struct Decision& d);
    void device_done(unsigned status, std::uint64_t bytes, bool forwarded);
    // Audit record / debug log of the decided request (request_log.hpp).
    void note_decided(const struct Decision& d, AuditAction action);
    // The same for a message the HTTP parser refused (431, 413, 400).
    void note_refused();
    // Connection-level events, counted for the device the connection serves.
    void device_event(Dc c);
    void device_error(error_code ec);
    void write_out();
    void forward(const struct Decision& d);
    void on_forwarded(const ForwardResult& r);
    void next_request();
    void do_close();
    void on_shutdown(error_code ec);

    // Member order is memory order: the stream and buffer dominate; the
    // optional is engaged only while a request is being read.
    TlsStream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    std::string out_;  // a local response being written (from out_pos_)
    std::size_t out_pos_ = 0;
    unsigned out_status_ = 0;  // its status
    std::shared_ptr<const ProxyConfig> config_;  // snapshot of the request in flight
    std::shared_ptr<Forward> forward_;           // while a request is with a back end
    std::string client_ip_;                      // the device's address, once known (X-Forwarded-For)
    std::unique_ptr<RequestLog> log_;            // once a request was audited or debug-logged
    SessionShared& shared_;
    DeviceRef device_;      // the device this connection serves (counted open once)
    DeviceRef req_device_;  // the device of the request in flight
    bool counting_ = false; // the request in flight is counted per device
    State state_ = State::handshake;
    bool keep_alive_ = false;
    bool wait_pending_ = false;  // a readiness wait on the device socket is outstanding
    bool readable_ = false;      // it completed while we were busy: bytes (or EOF) are waiting
};

}  // namespace sentryd
