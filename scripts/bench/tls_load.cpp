// sentry-bench-tls: the TLS load side of scripts/bench-proxy.sh for what wrk
// cannot measure honestly.
//
//   sentry-bench-tls handshakes --connect HOST:PORT --target T [--seconds S] [--concurrency C]
//       Each of C threads loops until S seconds are up: TCP connect, FULL TLS
//       handshake (client session cache off, no tickets offered, never a
//       resumption: every handshake does the key exchange and the server signs),
//       one POST T with "Connection: close", read the response, close.
//       Prints one JSON line: {"ok":N,"seconds":S,"rate":R,"errors":E,
//       "reused":0,"status":{"200":N,...},"first_error":"..."}.
//
//   sentry-bench-tls hold --connect HOST:PORT --target T --count N [--concurrency C]
//       Opens N TLS connections (C threads) and sends one POST T on each
//       (an EAS Ping that the backend holds), never reads the answer. Prints
//       "sent N errors E" on stdout when done, then holds everything open until
//       SIGTERM/SIGINT.
//
// Blocking sockets and one OpenSSL SSL per connection: the per-connection cost
// on this side is one client handshake (X25519 + one ECDSA P-256 verify),
// which the script reports next to the proxy's CPU use so a load-side limit is
// visible.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
    std::string mode;
    std::string host = "127.0.0.1";
    int port = 0;
    std::string target = "/Microsoft-Server-ActiveSync?Cmd=Sync&User=bench&DeviceId=BENCH0001&DeviceType=SmartPhone";
    double seconds = 10;
    int concurrency = 8;
    int count = 1000;
};

int usage() {
    std::fputs(
        "usage: sentry-bench-tls handshakes --connect HOST:PORT [--target T] [--seconds S] [--concurrency C]\n"
        "       sentry-bench-tls hold --connect HOST:PORT [--target T] --count N [--concurrency C]\n",
        stderr);
    return 2;
}

SSL_CTX* make_ctx() {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) return nullptr;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);  // throwaway self-signed cert
    // No resumption of any kind: every connection is a full handshake.
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    return ctx;
}

int tcp_connect(const sockaddr_in& sa) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Abortive close: no TIME_WAIT on the client side, so a long run cannot run
// out of ephemeral ports.
void hard_close(int fd) {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
}

std::string request_text(const Args& a, bool close) {
    static const char body[] = "\x03\x01\x6a\x00\x45\x5c\x4f\x4b\x03\x31\x00\x01\x01\x01\x01";
    std::string r = "POST " + a.target + " HTTP/1.1\r\n";
    r += "Host: " + a.host + ":" + std::to_string(a.port) + "\r\n";
    r += "User-Agent: sentry-bench-tls\r\n";
    r += "MS-ASProtocolVersion: 14.1\r\n";
    r += "Content-Type: application/vnd.ms-sync.wbxml\r\n";
    r += "Content-Length: " + std::to_string(sizeof body - 1) + "\r\n";
    if (close) r += "Connection: close\r\n";
    r += "\r\n";
    r.append(body, sizeof body - 1);
    return r;
}

bool write_all(SSL* ssl, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        int n = SSL_write(ssl, s.data() + off, static_cast<int>(s.size() - off));
        if (n <= 0) return false;
        off += static_cast<std::size_t>(n);
    }
    return true;
}

// Reads one response: headers, then Content-Length bytes (or to EOF when the
// length is not given). Returns the status code, or -1.
int read_response(SSL* ssl) {
    std::string in;
    char buf[4096];
    std::size_t hdr_end = std::string::npos;
    while (hdr_end == std::string::npos) {
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0) return -1;
        in.append(buf, static_cast<std::size_t>(n));
        hdr_end = in.find("\r\n\r\n");
        if (in.size() > 65536) return -1;
    }
    if (in.size() < 12 || in.compare(0, 5, "HTTP/") != 0) return -1;
    int status = std::atoi(in.c_str() + 9);
    long length = -1;
    std::string head = in.substr(0, hdr_end);
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto cl = head.find("\r\ncontent-length:");
    if (cl != std::string::npos) length = std::atol(head.c_str() + cl + 17);
    std::size_t have = in.size() - (hdr_end + 4);
    if (length >= 0) {
        while (static_cast<long>(have) < length) {
            int n = SSL_read(ssl, buf, sizeof buf);
            if (n <= 0) return -1;
            have += static_cast<std::size_t>(n);
        }
    } else {
        while (SSL_read(ssl, buf, sizeof buf) > 0) {
        }
    }
    return status;
}

std::string ssl_error_text() {
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (!e) return std::strerror(errno);
    char b[256];
    ERR_error_string_n(e, b, sizeof b);
    return b;
}

struct Totals {
    std::mutex mu;
    long ok = 0, errors = 0, reused = 0;
    std::map<int, long> status;
    std::string first_error;
};

int run_handshakes(const Args& a, const sockaddr_in& sa) {
    SSL_CTX* ctx = make_ctx();
    if (!ctx) return 1;
    const std::string req = request_text(a, true);
    Totals t;
    const auto start = Clock::now();
    const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(a.seconds));
    std::vector<std::thread> threads;
    for (int i = 0; i < a.concurrency; ++i) {
        threads.emplace_back([&] {
            long ok = 0, errors = 0, reused = 0;
            std::map<int, long> status;
            std::string first_error;
            auto err = [&](std::string what) {
                ++errors;
                if (first_error.empty()) first_error = std::move(what);
            };
            while (Clock::now() < end) {
                int fd = tcp_connect(sa);
                if (fd < 0) {
                    err(std::string("connect: ") + std::strerror(errno));
                    continue;
                }
                SSL* ssl = SSL_new(ctx);
                SSL_set_fd(ssl, fd);
                if (SSL_connect(ssl) != 1) {
                    err("handshake: " + ssl_error_text());
                } else {
                    if (SSL_session_reused(ssl)) ++reused;
                    int st = write_all(ssl, req) ? read_response(ssl) : -1;
                    if (st < 0) {
                        err("request: " + ssl_error_text());
                    } else {
                        ++status[st];
                        if (st == 200) ++ok;
                    }
                    SSL_shutdown(ssl);  // close_notify, not waiting for the peer's
                }
                SSL_free(ssl);
                hard_close(fd);
            }
            std::lock_guard<std::mutex> lk(t.mu);
            t.ok += ok;
            t.errors += errors;
            t.reused += reused;
            for (auto& [k, v] : status) t.status[k] += v;
            if (t.first_error.empty()) t.first_error = first_error;
        });
    }
    for (auto& th : threads) th.join();
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::string st;
    for (auto& [k, v] : t.status) {
        if (!st.empty()) st += ',';
        st += '"';
        st += std::to_string(k);
        st += "\":";
        st += std::to_string(v);
    }
    std::string fe;
    for (char c : t.first_error)
        if (c != '"' && c != '\\') fe += c;
    std::printf("{\"ok\":%ld,\"seconds\":%.3f,\"rate\":%.1f,\"errors\":%ld,\"reused\":%ld,\"status\":{%s},\"first_error\":\"%s\"}\n",
                t.ok, secs, t.ok / secs, t.errors, t.reused, st.c_str(), fe.c_str());
    SSL_CTX_free(ctx);
    return 0;
}

int run_hold(const Args& a, const sockaddr_in& sa) {
    SSL_CTX* ctx = make_ctx();
    if (!ctx) return 1;
    const std::string req = request_text(a, false);
    std::vector<SSL*> conns(static_cast<std::size_t>(a.count), nullptr);
    std::atomic<int> next{0};
    std::atomic<long> errors{0};
    std::mutex mu;
    std::string first_error;
    std::vector<std::thread> threads;
    for (int i = 0; i < a.concurrency; ++i) {
        threads.emplace_back([&] {
            for (int k; (k = next++) < a.count;) {
                int fd = tcp_connect(sa);
                std::string why;
                if (fd < 0) {
                    why = std::string("connect: ") + std::strerror(errno);
                } else {
                    SSL* ssl = SSL_new(ctx);
                    SSL_set_fd(ssl, fd);
                    if (SSL_connect(ssl) == 1 && write_all(ssl, req)) {
                        conns[static_cast<std::size_t>(k)] = ssl;
                        continue;
                    }
                    why = "tls: " + ssl_error_text();
                    SSL_free(ssl);
                    hard_close(fd);
                }
                ++errors;
                std::lock_guard<std::mutex> lk(mu);
                if (first_error.empty()) first_error = why;
            }
        });
    }
    for (auto& th : threads) th.join();
    std::printf("sent %ld errors %ld%s%s\n", a.count - errors.load(), errors.load(),
                first_error.empty() ? "" : " first_error ", first_error.c_str());
    std::fflush(stdout);
    // Hold until told to stop (a background job's stdin is /dev/null, so no stdin watch).
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    int sig = 0;
    sigwait(&set, &sig);
    for (SSL* s : conns)
        if (s) hard_close(SSL_get_fd(s));  // the process exits; no need to free
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    Args a;
    a.mode = argv[1];
    for (int i = 2; i < argc; ++i) {
        std::string_view k = argv[i];
        if (i + 1 >= argc) return usage();
        std::string v = argv[++i];
        if (k == "--connect") {
            auto c = v.rfind(':');
            if (c == std::string::npos) return usage();
            a.host = v.substr(0, c);
            a.port = std::atoi(v.c_str() + c + 1);
        } else if (k == "--target") {
            a.target = v;
        } else if (k == "--seconds") {
            a.seconds = std::atof(v.c_str());
        } else if (k == "--concurrency") {
            a.concurrency = std::max(1, std::atoi(v.c_str()));
        } else if (k == "--count") {
            a.count = std::max(1, std::atoi(v.c_str()));
        } else {
            return usage();
        }
    }
    signal(SIGPIPE, SIG_IGN);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(a.port));
    if (a.port <= 0 || ::inet_pton(AF_INET, a.host.c_str(), &sa.sin_addr) != 1) return usage();
    if (a.mode == "handshakes") return run_handshakes(a, sa);
    if (a.mode == "hold") return run_hold(a, sa);
    return usage();
}
