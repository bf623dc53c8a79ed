#include "request_log.hpp"

#include "sentryd/ascii.hpp"
#include "sentryd/router.hpp"

#include <mics/syslog.hpp>

#include <charconv>
#include <ctime>

namespace sentryd {

namespace http = boost::beast::http;

namespace {

// One render buffer per thread (sentryd runs one): records reuse its capacity.
std::string& scratch() {
    thread_local std::string s;
    s.clear();
    return s;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

void append_num(std::string& out, unsigned long long v) {
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// "2026-11-29T23:10:00Z conn=3 req=2 user=u device=d ip=1.2.3.4: "
void line_head(std::string& out, const RequestLog& l) {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char ts[32];
    out.append(ts, std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm));
    out.append(" conn=");
    append_num(out, l.conn);
    out.append(" req=");
    append_num(out, l.seq);
    out.append(" user=").append(l.user).append(" device=").append(l.device_id);
    out.append(" ip=").append(l.client_ip).append(": ");
}

bool is_wbxml(std::string_view content_type) {
    return content_type.find("vnd.ms-sync.wbxml") != std::string_view::npos;
}

// Raw HTTP text (a rendered request or local response): first line at
// level 1, masked headers at 2, the body at 3 and 4.
void append_http_text(std::string& out, std::string_view text, int verbosity) {
    auto eol = text.find("\r\n");
    out.append(text.substr(0, eol)).push_back('\n');
    if (verbosity < 2 || eol == std::string_view::npos) return;
    auto end = text.find("\r\n\r\n", eol);
    std::string_view fields = text.substr(eol + 2, end == std::string_view::npos ? std::string_view::npos : end - eol - 2);
    bool wbxml = false;
    while (!fields.empty()) {
        auto e = fields.find("\r\n");
        std::string_view f = fields.substr(0, e);
        auto colon = f.find(':');
        std::string_view name = f.substr(0, colon);
        std::string_view value = colon == std::string_view::npos ? std::string_view() : f.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (iequals(name, "Content-Type")) wbxml = is_wbxml(value);
        append_debug_header(out, name, value);
        if (e == std::string_view::npos) break;
        fields.remove_prefix(e + 2);
    }
    if (end != std::string_view::npos) append_debug_body(out, text.substr(end + 4), wbxml, verbosity);
}

void send_audit(std::string_view record) {
    mics::syslog_send(mics::LogFacility::audit, mics::Severity::info, "SENTRY_AUDIT", record);
}

std::uint64_t g_connections = 0;

AuditSubject subject(const RequestLog& l) {
    return {l.user, l.device_id, l.device_type, l.service, l.client_ip, l.client_port};
}

RequestLog& connection_log(std::unique_ptr<RequestLog>& log, const boost::asio::ip::tcp::socket& socket) {
    if (!log) {
        // Once per connection: the endpoints cost a system call each.
        log = std::make_unique<RequestLog>();
        log->conn = ++g_connections;
        boost::system::error_code ec;
        auto peer = socket.remote_endpoint(ec);
        if (!ec) log->client_ip = peer.address().to_string(), log->client_port = peer.port();
        auto local = socket.local_endpoint(ec);
        if (!ec) log->local_ip = local.address().to_string(), log->local_port = local.port();
    }
    ++log->seq;
    return *log;
}

// The part of a request's context every record path sets the same way:
// audit on or off, and whether the debug log's filters take this request
// (after the subject fields are filled).
void start_request(RequestLog& l, const ProxyConfig& c) {
    l.audit = c.logging.audit;
    l.request_owed = false;
    l.debug = false;
    if (debug_log_on()) {
        const auto& s = debug_log_settings();
        l.debug = debug_filter_match(s, {l.device_id, l.client_ip, l.user, l.service});
        l.side = s.side;
        l.verbosity = s.verbosity;
    }
}

}  // namespace

void log_request_decided(std::unique_ptr<RequestLog>& log, const ProxyConfig& c, const boost::asio::ip::tcp::socket& socket,
                         const http::request<http::string_body>& req, const Decision& d, AuditAction action) {
    RequestLog& l = connection_log(log, socket);
    if (d.eas) {
        l.user.assign(d.eas->user);
        l.device_id.assign(d.eas->device_id);
        l.device_type.assign(d.eas->device_type);
    } else {
        l.user.assign(d.user);
        l.device_id.clear();
        l.device_type.clear();
    }
    if (d.service)
        l.service.assign(d.service->name);
    else
        l.service.clear();
    start_request(l, c);
    if (l.audit) {
        l.usecase = next_guid();
        if (action == AuditAction::allow) {
            // Forwarded: written by the forward once a back end has it.
            l.request_owed = true;
            l.decided_at = std::time(nullptr);
        } else {
            std::string& out = scratch();
            render_audit_request(out, subject(l), l.usecase, next_guid(), std::time(nullptr),
                                 {path_of(req.target()), req.method_string(), req["X-Forwarded-For"], action});
            send_audit(out);
        }
    }
    if (l.debug && l.device_side()) {
        std::string& out = scratch();
        line_head(out, l);
        out.append("device -> sentry (").append(audit_action_name(action)).append("): ");
        out.append(req.method_string()).append(" ").append(req.target()).append(req.version() == 10 ? " HTTP/1.0\n" : " HTTP/1.1\n");
        if (l.verbosity >= 2) {
            bool wbxml = false;
            for (const auto& f : req) {
                if (f.name() == http::field::content_type) wbxml = is_wbxml(f.value());
                append_debug_header(out, f.name_string(), f.value());
            }
            append_debug_body(out, req.body(), wbxml, l.verbosity);
        }
        debug_log_write(out);
    }
}

void log_request_forwarded(RequestLog& l, const http::request<http::string_body>& req, std::string_view server_host,
                           int server_port) {
    if (!l.request_owed) return;
    l.request_owed = false;
    std::string& out = scratch();
    render_audit_request(out, subject(l), l.usecase, next_guid(), l.decided_at,
                         {path_of(req.target()), req.method_string(), req["X-Forwarded-For"], AuditAction::allow,
                          server_host, server_port});
    send_audit(out);
}

void log_request_refused(std::unique_ptr<RequestLog>& log, const ProxyConfig& c,
                         const boost::asio::ip::tcp::socket& socket, std::string_view method,
                         std::string_view target) {
    RequestLog& l = connection_log(log, socket);
    // Nothing of the query was looked at: no user, device or service.
    l.user.clear();
    l.device_id.clear();
    l.device_type.clear();
    l.service.clear();
    start_request(l, c);
    if (l.audit) {
        l.usecase = next_guid();
        std::string& out = scratch();
        render_audit_request(out, subject(l), l.usecase, next_guid(), std::time(nullptr),
                             {path_of(target), method, {}, AuditAction::block});
        send_audit(out);
    }
    if (l.debug && l.device_side()) {
        std::string& out = scratch();
        line_head(out, l);
        out.append("device -> sentry (BLOCK): refused by the HTTP parser");
        if (!method.empty()) out.append(": ").append(method).append(" ").append(target);
        out.push_back('\n');
        debug_log_write(out);
    }
}

void log_request_unanswered(RequestLog& l, const ProxyConfig& c, std::string_view result) {
    if (l.audit) {
        l.audit = false;
        std::string& out = scratch();
        render_audit_response(out, subject(l), l.usecase, next_guid(), std::time(nullptr),
                              {0, {}, 0, c.hostname, l.local_port, l.local_ip, result});
        send_audit(out);
    }
    if (l.debug && l.device_side()) {
        std::string& out = scratch();
        line_head(out, l);
        out.append("sentry -> device: no response (").append(result).append(")\n");
        debug_log_write(out);
    }
    l.debug = false;
}

void log_request_answered(RequestLog& l, const ProxyConfig& c, unsigned status, std::string_view server_host,
                          int server_port, std::string_view local) {
    if (l.audit) {
        l.audit = false;
        std::string& out = scratch();
        render_audit_response(out, subject(l), l.usecase, next_guid(), std::time(nullptr),
                              {status, server_host, server_port, c.hostname, l.local_port, l.local_ip});
        send_audit(out);
    }
    if (l.debug && l.device_side()) {
        std::string& out = scratch();
        line_head(out, l);
        out.append("sentry -> device: ");
        if (server_host.empty()) {
            append_http_text(out, local, l.verbosity);
        } else {
            out.append("HTTP ");
            append_num(out, status);
            out.append(" relayed from ").append(server_host).push_back(':');
            append_num(out, static_cast<unsigned>(server_port));
            out.push_back('\n');
        }
        debug_log_write(out);
    }
    l.debug = false;
}

void log_server_request(const RequestLog& l, std::string_view server, std::string_view rendered) {
    if (!l.debug || !l.server_side()) return;
    std::string& out = scratch();
    line_head(out, l);
    out.append("sentry -> ").append(server).append(": ");
    append_http_text(out, rendered, l.verbosity);
    debug_log_write(out);
}

void log_server_response(const RequestLog& l, std::string_view server, const http::response_header<>& head,
                         std::string_view body, bool whole) {
    if (!l.debug || !l.server_side()) return;
    std::string& out = scratch();
    line_head(out, l);
    out.append(server).append(" -> sentry: HTTP/1.1 ");
    append_num(out, head.result_int());
    out.push_back(' ');
    out.append(head.reason()).push_back('\n');
    if (l.verbosity >= 2) {
        bool wbxml = false;
        for (const auto& f : head) {
            if (f.name() == http::field::content_type) wbxml = is_wbxml(f.value());
            append_debug_header(out, f.name_string(), f.value());
        }
        if (whole)
            append_debug_body(out, body, wbxml, l.verbosity);
        else if (l.verbosity >= 3)
            out.append("  [body streamed to the device, not logged]\n");
    }
    debug_log_write(out);
}

void log_health_transition(bool enabled, std::string_view text, bool dead) {
    if (!enabled) return;
    mics::syslog_send(mics::LogFacility::health_monitor, dead ? mics::Severity::warning : mics::Severity::notice,
                      "SENTRY_HEALTH", text);
}

}  // namespace sentryd
