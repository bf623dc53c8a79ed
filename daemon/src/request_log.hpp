// What sentryd writes about each device request besides its counters: the
// audit records of spec §5.19 (syslog facility audit, when `sentry audit`
// is on) and the `debug sentry log` file (when enabled and the request
// passes the filters), plus the health-monitor events of back-end state
// changes. The session and the forward call these hooks; each call site
// tests one flag first, so a proxy with both off pays one branch per hook.
#pragma once
#include "sentryd/audit_record.hpp"
#include "sentryd/debug_log.hpp"
#include "sentryd/proxy_config.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace sentryd {

struct Decision;

// Per connection, allocated on its first audited or debug-logged request;
// the strings keep their capacity, so later requests allocate nothing.
struct RequestLog {
    Guid usecase;
    std::string user, device_id, device_type, service;
    std::string client_ip, local_ip;
    int client_port = 0;
    int local_port = 0;
    std::uint64_t conn = 0;  // connection number (debug lines)
    std::uint64_t seq = 0;   // request number on the connection
    bool audit = false;      // a REQUEST record went out (or is owed), its RESPONSE is owed
    // A forwarded request's REQUEST record waits for its back end (the
    // guide's REQUEST carries serverHost/serverPort): the forward writes it
    // when it sends the request, or when it ends without having sent it.
    bool request_owed = false;
    std::int64_t decided_at = 0;  // publishTime of an owed REQUEST
    bool debug = false;      // this request passes the debug-log filters
    LogSide side = LogSide::both;
    int verbosity = 1;
    bool device_side() const { return side != LogSide::server; }
    bool server_side() const { return side != LogSide::device; }
};

inline bool request_logging(const ProxyConfig& c) { return c.logging.audit || debug_log_on(); }

// The request is decided: `action` ALLOW (forwarded), BLOCK (the device
// gate answered) or NONE (answered locally: not ActiveSync, no service...).
// For ALLOW the REQUEST record is only owed (request_owed), see
// log_request_forwarded.
void log_request_decided(std::unique_ptr<RequestLog>& log, const ProxyConfig& c,
                         const boost::asio::ip::tcp::socket& socket,
                         const boost::beast::http::request<boost::beast::http::string_body>& req, const Decision& d,
                         AuditAction action);

// The owed REQUEST record of a forwarded request (no-op when none is
// owed): server_host is the back end it was sent to, empty when it never
// was (no server reachable, the device left during the connect).
void log_request_forwarded(RequestLog& log, const boost::beast::http::request<boost::beast::http::string_body>& req,
                           std::string_view server_host, int server_port);

// The parser refused the message (431, 413, 400): a REQUEST record, action
// BLOCK, with what the parser got (method and target, empty if it did not
// get that far). The RESPONSE follows from log_request_answered.
void log_request_refused(std::unique_ptr<RequestLog>& log, const ProxyConfig& c,
                         const boost::asio::ip::tcp::socket& socket, std::string_view method,
                         std::string_view target);

// No response reached the device: a RESPONSE record with httpStatus "0"
// and `result` saying why ("device closed", "sentry stopped").
void log_request_unanswered(RequestLog& log, const ProxyConfig& c, std::string_view result);

// The status the device got; server_host empty when sentryd answered
// itself, then `local` is the whole response text (for the debug log).
void log_request_answered(RequestLog& log, const ProxyConfig& c, unsigned status, std::string_view server_host,
                          int server_port, std::string_view local);

// The back-end half (debug log only; `log` is set on the forward only for
// requests that pass the filters): the request as rendered for the server,
// the server's response head and, when it came whole, its body.
void log_server_request(const RequestLog& log, std::string_view server, std::string_view rendered);
void log_server_response(const RequestLog& log, std::string_view server,
                         const boost::beast::http::response_header<>& head, std::string_view body, bool whole);

// A back end went live or dead: facility health-monitor (tag SENTRY_HEALTH)
// when `enabled` (`sentry health-monitor`).
void log_health_transition(bool enabled, std::string_view text, bool dead);

}  // namespace sentryd
