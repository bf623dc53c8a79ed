// Connectivity diagnostics from the appliance (spec 2.9, 2.10): `tlscheck
// server` tries a TLS 1.2 handshake, `curl active-sync | app-tunnel` sends one
// HTTP(S) request and prints the status line, headers, TLS parameters and
// timings. Both run in the shell with OpenSSL; nothing goes through MICS
// (they change nothing), and every step has a deadline.
#include "command_util.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cli {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kStepMs = 10000;  // connect, handshake, and the response each get 10 s

long long ms_since(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

std::string ssl_error() {
    unsigned long e = ERR_get_error();
    if (!e) return errno ? std::strerror(errno) : "connection closed by the peer";
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return buf;
}

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

// Resolves and connects with a deadline; the fd stays non-blocking. "" or why.
std::string connect_to(const std::string& host, int port, Fd& out, std::string& peer) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0)
        return "cannot resolve " + host + ": " + gai_strerror(rc);
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, ::freeaddrinfo);
    std::string why = "no address";
    for (addrinfo* a = res; a; a = a->ai_next) {
        Fd fd;
        fd.fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd.fd < 0) continue;
        char ip[INET6_ADDRSTRLEN] = "?";
        void* addr = a->ai_family == AF_INET ? static_cast<void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                                             : static_cast<void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
        ::inet_ntop(a->ai_family, addr, ip, sizeof ip);
        if (::connect(fd.fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
            why = std::string(ip) + ": " + std::strerror(errno);
            continue;
        }
        pollfd p{fd.fd, POLLOUT, 0};
        int n = ::poll(&p, 1, kStepMs);
        int err = 0;
        socklen_t len = sizeof err;
        if (n == 0) {
            why = std::string(ip) + ": connection timed out";
            continue;
        }
        if (n < 0 || ::getsockopt(fd.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            why = std::string(ip) + ": " + std::strerror(err ? err : errno);
            continue;
        }
        peer = ip;
        std::swap(out.fd, fd.fd);
        return {};
    }
    return why;
}

// Waits for the socket as OpenSSL asks; false on timeout.
bool wait_ssl(SSL* ssl, int fd, int rc) {
    int e = SSL_get_error(ssl, rc);
    short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (!ev) return false;
    pollfd p{fd, ev, 0};
    return ::poll(&p, 1, kStepMs) > 0;
}

struct Tls {
    std::unique_ptr<SSL_CTX, decltype(&::SSL_CTX_free)> ctx{nullptr, ::SSL_CTX_free};
    std::unique_ptr<SSL, decltype(&::SSL_free)> ssl{nullptr, ::SSL_free};
};

// TLS handshake on fd with exactly `version` (0 = the best both sides know).
std::string handshake(Tls& t, int fd, const std::string& host, int version) {
    ERR_clear_error();
    t.ctx.reset(SSL_CTX_new(TLS_client_method()));
    if (!t.ctx) return ssl_error();
    SSL_CTX_set_default_verify_paths(t.ctx.get());
    SSL_CTX_set_verify(t.ctx.get(), SSL_VERIFY_NONE, nullptr);  // reported, not enforced: this is a diagnosis
    if (version) {
        SSL_CTX_set_min_proto_version(t.ctx.get(), version);
        SSL_CTX_set_max_proto_version(t.ctx.get(), version);
    }
    t.ssl.reset(SSL_new(t.ctx.get()));
    if (!t.ssl) return ssl_error();
    SSL_set_fd(t.ssl.get(), fd);
    in6_addr a6{};
    in_addr a4{};
    bool literal = ::inet_pton(AF_INET, host.c_str(), &a4) == 1 || ::inet_pton(AF_INET6, host.c_str(), &a6) == 1;
    if (!literal) SSL_set_tlsext_host_name(t.ssl.get(), host.c_str());
    SSL_set1_host(t.ssl.get(), host.c_str());
    for (;;) {
        int rc = SSL_connect(t.ssl.get());
        if (rc == 1) return {};
        if (!wait_ssl(t.ssl.get(), fd, rc)) return ssl_error();
    }
}

std::string verify_text(SSL* ssl) {
    long v = SSL_get_verify_result(ssl);
    if (!SSL_get0_peer_certificate(ssl)) return "no certificate";
    return v == X509_V_OK ? "ok" : std::string("failed (") + X509_verify_cert_error_string(v) + ")";
}

// One server: OK with the cipher, or FAILED with OpenSSL's reason (spec §3.14).
bool tlscheck_one(Shell& sh, const std::string& host, int port, const std::string& role) {
    std::string where = host + ":" + std::to_string(port) + (role.empty() ? "" : "  " + role);
    Fd fd;
    std::string peer;
    Tls t;
    std::string why = connect_to(host, port, fd, peer);
    if (why.empty()) why = handshake(t, fd.fd, host, TLS1_2_VERSION);
    if (!why.empty()) {
        sh.print(where + "  FAILED  " + why + "\n");
        return false;
    }
    sh.print(where + "  OK  " + SSL_get_version(t.ssl.get()) + " " + SSL_get_cipher_name(t.ssl.get()) +
             "  (certificate verification: " + verify_text(t.ssl.get()) + ")\n");
    SSL_shutdown(t.ssl.get());
    return true;
}

int do_tlscheck(Shell& sh, const Args& a) {
    int port = a.has("port") ? int(a.num("port")) : 443;
    return tlscheck_one(sh, a.str("server"), port, "") ? kOk : kCommandError;
}

// Splits "host:port" / "[v6]:port" as the snapshot writes servers.
bool split_host_port(const std::string& hp, std::string& host, int& port) {
    auto colon = hp.rfind(':');
    if (colon == std::string::npos || colon + 1 >= hp.size()) return false;
    host = hp.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    port = std::atoi(hp.c_str() + colon + 1);
    return !host.empty() && port > 0 && port < 65536;
}

// Every server the proxy talks to over TLS, from the same snapshot MICS
// pushes to sentryd: each ActiveSync service's back ends (plain-HTTP
// services are listed as skipped) and the UEM.
int do_tlscheck_all(Shell& sh, const Args&) {
    mics::Reply r = sh.call("sentry.show", R"({"what":"config-properties"})");
    if (!r.ok) return sh.fail(r);
    nlohmann::json d = nlohmann::json::parse(r.data, nullptr, false);
    if (d.is_discarded()) return sh.error("unreadable reply from MICS");
    const nlohmann::json props = d.value("data", nlohmann::json::object()).value("properties", nlohmann::json::object());
    int checked = 0, failed = 0;
    for (const auto& [key, value] : props.items()) {
        const std::string suffix = ".servers";
        if (key.rfind("activesync.service.", 0) != 0 || key.size() <= suffix.size() ||
            key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        std::string service = key.substr(19, key.size() - 19 - suffix.size());
        std::string list = value.get<std::string>();
        bool tls = props.value("activesync.service." + service + ".tls", std::string("true")) == "true";
        for (std::size_t pos = 0; pos < list.size();) {
            std::size_t semi = list.find(';', pos);
            std::string hp = list.substr(pos, semi == std::string::npos ? std::string::npos : semi - pos);
            pos = semi == std::string::npos ? list.size() : semi + 1;
            std::string host;
            int port = 0;
            if (!split_host_port(hp, host, port)) continue;
            std::string role = "ActiveSync " + service;
            if (!tls) {
                sh.print(hp + "  " + role + "  SKIPPED  plain HTTP (server TLS is off)\n");
                continue;
            }
            ++checked;
            failed += tlscheck_one(sh, host, port, role) ? 0 : 1;
        }
    }
    std::string url = props.value("device_policy.uem.url", std::string());
    if (url.rfind("https://", 0) == 0) {
        std::string rest = url.substr(8);
        std::string hp = rest.substr(0, rest.find('/'));
        std::string host;
        int port = 443;
        if (!split_host_port(hp, host, port)) {
            host = hp;
            port = 443;
        }
        ++checked;
        failed += tlscheck_one(sh, host, port, "UEM") ? 0 : 1;
    }
    sh.print(std::to_string(checked) + " servers checked, " + std::to_string(checked - failed) + " OK, " +
             std::to_string(failed) + " FAILED\n");
    return failed ? kCommandError : kOk;
}

// One HTTP/1.1 request; prints what curl -v would tell an administrator.
int do_curl(Shell& sh, const Args& a, const std::string& path) {
    std::string host = a.str("dest");
    bool tls = !a.has("http");
    int port = a.has("port") ? int(a.num("port")) : (tls ? 443 : 80);
    if (a.has("sslv2")) return sh.error("SSLv2 is not supported: OpenSSL removed it (insecure)");
    int version = a.has("tlsv1") ? TLS1_VERSION : a.has("tlsv1.2") ? TLS1_2_VERSION : a.has("tlsv1.3") ? TLS1_3_VERSION : 0;
    std::string method = a.has("head") ? "HEAD" : a.has("options") ? "OPTIONS" : "GET";
    std::string auth;
    if (a.has("user")) {
        std::string pw = sh.read_secret("Password: ");
        std::string raw = a.str("user") + ":" + pw;
        std::string b64(4 * ((raw.size() + 2) / 3) + 1, '\0');
        int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()), int(raw.size()));
        b64.resize(std::size_t(n));
        auth = "Authorization: Basic " + b64 + "\r\n";
    }
    auto start = Clock::now();
    Fd fd;
    std::string peer;
    if (std::string why = connect_to(host, port, fd, peer); !why.empty()) return sh.error("Connection failed: " + why);
    sh.print("* Connected to " + host + " (" + peer + ") port " + std::to_string(port) + " in " +
             std::to_string(ms_since(start)) + " ms\n");
    Tls t;
    if (tls) {
        auto hs = Clock::now();
        if (std::string why = handshake(t, fd.fd, host, version); !why.empty())
            return sh.error("TLS handshake failed: " + why);
        sh.print(std::string("* TLS ") + SSL_get_version(t.ssl.get()) + " " + SSL_get_cipher_name(t.ssl.get()) +
                 " in " + std::to_string(ms_since(hs)) + " ms; certificate verification: " + verify_text(t.ssl.get()) +
                 "\n");
    }
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: sentry-cli\r\n" + auth +
                      "Accept: */*\r\nConnection: close\r\n\r\n";
    sh.print("> " + method + " " + path + " HTTP/1.1\n");
    auto io = [&](bool write, char* buf, std::size_t len) -> long {
        for (;;) {
            if (tls) {
                int rc = write ? SSL_write(t.ssl.get(), buf, int(len)) : SSL_read(t.ssl.get(), buf, int(len));
                if (rc > 0) return rc;
                int e = SSL_get_error(t.ssl.get(), rc);
                if (e == SSL_ERROR_ZERO_RETURN) return 0;
                if (!wait_ssl(t.ssl.get(), fd.fd, rc)) return e == SSL_ERROR_SYSCALL ? 0 : -1;
            } else {
                ssize_t rc = write ? ::send(fd.fd, buf, len, MSG_NOSIGNAL) : ::recv(fd.fd, buf, len, 0);
                if (rc >= 0) return long(rc);
                if (errno != EAGAIN && errno != EINTR) return -1;
                pollfd p{fd.fd, short(write ? POLLOUT : POLLIN), 0};
                if (::poll(&p, 1, kStepMs) <= 0) return -1;
            }
        }
    };
    for (std::size_t off = 0; off < req.size();) {
        long n = io(true, req.data() + off, req.size() - off);
        if (n <= 0) return sh.error("Sending the request failed");
        off += std::size_t(n);
    }
    auto sent = Clock::now();
    std::string resp;
    long long body = -1;
    char buf[4096];
    for (;;) {
        long n = io(false, buf, sizeof buf);
        if (n < 0) return sh.error("Reading the response failed or timed out");
        if (n == 0) break;
        resp.append(buf, std::size_t(n));
        if (resp.size() > (1u << 20)) break;  // enough to count: the body is not printed
    }
    auto end = resp.find("\r\n\r\n");
    if (resp.empty()) return sh.error("The server closed the connection without a response");
    std::string head = resp.substr(0, end == std::string::npos ? resp.size() : end);
    if (end != std::string::npos) body = static_cast<long long>(resp.size() - end - 4);
    for (std::size_t pos = 0; pos <= head.size();) {
        auto nl = head.find("\r\n", pos);
        std::string line = head.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        sh.print("< " + line + "\n");
        if (nl == std::string::npos) break;
        pos = nl + 2;
    }
    sh.print("* Response in " + std::to_string(ms_since(sent)) + " ms, total " + std::to_string(ms_since(start)) +
             " ms" + (body >= 0 ? ", body " + std::to_string(body) + " bytes" : "") + "\n");
    if (tls) SSL_shutdown(t.ssl.get());
    return kOk;
}

// Spec 2.4 #64: open and close a TCP connection, no data; the reference's lines.
int do_kdc(Shell& sh, const Args& a) {
    std::string host = a.str("kdc");
    int port = a.has("port") ? int(a.num("port")) : 88;
    sh.print("Connecting to KDC " + host + ", port " + std::to_string(port) + "\n");
    Fd fd;
    std::string peer;
    if (std::string why = connect_to(host, port, fd, peer); !why.empty()) {
        sh.print("Connection failed.\n");
        return sh.error(why);
    }
    sh.print("Connection successful.\nAddress: " + host + "/" + peer + ":" + std::to_string(port) + "\n");
    return kOk;
}

}  // namespace

void register_diag_commands(Grammar& g) {
    g.add({"debug sentry kerberos kdc HOSTNAME$kdc [(1-65535)$port]",
           std::string(kDebugHelp) + kSentryHelp + "Kerberos constrained delegation\n"
               "Test TCP reachability of a KDC\nKDC host name or address\nPort (default 88)\n",
           kConfig, 15, do_kdc, false,
           "Open a TCP connection to a KDC and close it at once (no data sent): 'Connection successful.' with the "
           "address, or 'Connection failed.' and the reason (exit status 1)."});
    g.add({"tlscheck server HOSTNAME$server [(1-65535)$port]",
           "Check TLS 1.2 compliance of a server\nOne server\nServer host name or address\nPort (default 443)\n",
           kExec, 15, do_tlscheck, false,
           "Try a TLS 1.2 handshake with the server and print OK with the cipher and the certificate "
           "verification result, or FAILED with OpenSSL's error (exit status 1)."});
    g.add({"tlscheck all", "Check TLS 1.2 compliance of a server\nEvery server the proxy talks to\n", kExec, 15,
           do_tlscheck_all, false,
           "Try a TLS 1.2 handshake with every ActiveSync back end of every service (plain-HTTP services are listed "
           "as skipped) and the UEM; one OK/FAILED line each, then a summary; exit status 1 if any failed."});
    const std::string curl = "Send an HTTP(S) request from the appliance\n";
    const std::string dest = "Destination host name or address\nPort (default 443, 80 for HTTP)\n";
    const std::string scheme = "Plain HTTP\nHTTPS (default)\n";
    const std::string proto = "Only TLS 1.0 (obsolete)\nSSL 2 (removed from OpenSSL: refused)\nOnly TLS 1.2\n"
                              "Only TLS 1.3\nUser name for Basic authentication (asks for the password)\n";
    const std::string opt_tail = " [{HTTP|HTTPS} [{TLSv1|SSLv2|TLSv1.2|TLSv1.3} [WORD$user]]]";
    g.add({"curl active-sync HOSTNAME$dest [(1-65535)$port" + opt_tail + "]",
           curl + "To an ActiveSync server (GET /Microsoft-Server-ActiveSync)\n" + dest + scheme + proto, kExec, 15,
           [](Shell& sh, const Args& a) { return do_curl(sh, a, "/Microsoft-Server-ActiveSync"); }, false,
           "Send GET /Microsoft-Server-ActiveSync to a server and print the TLS version, cipher, certificate "
           "verification, the status line and headers and the timings (the body is counted, not printed); "
           "optional arguments are positional, and without a protocol the best version both sides support is used."});
    g.add({"curl app-tunnel HOSTNAME$dest [(1-65535)$port [{GET|HEAD|OPTIONS}" + opt_tail + "]]",
           curl + "To an app-tunnel backend (path /)\n" + dest + "GET (default)\nHEAD\nOPTIONS\n" + scheme + proto,
           kExec, 15, [](Shell& sh, const Args& a) { return do_curl(sh, a, "/"); }, false,
           "Send one request (GET, HEAD or OPTIONS on /) to an app-tunnel backend; output as for 'curl active-sync'."});
}

}  // namespace cli
