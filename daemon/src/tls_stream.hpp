// A lean TLS stream: OpenSSL works directly on the non-blocking socket
// (SSL_set_fd) and we wait for readiness with socket.async_wait on
// SSL_ERROR_WANT_READ/WRITE. Unlike asio::ssl::stream it keeps no buffers of
// its own (that one holds four ~17 KiB buffers for the connection's life),
// so with SSL_MODE_RELEASE_BUFFERS an idle connection costs the SSL object
// and the socket only. That is the held-Ping case, thousands at a time.
//
// It models Beast's AsyncReadStream/AsyncWriteStream (get_executor,
// async_read_some, async_write_some) plus handshake/shutdown, and carries
// one deadline like beast::tcp_stream: when it passes, the pending (or next)
// operation fails with beast::error::timeout. The hot path (sessions and
// Forward) skips the composed operations: it calls read_some_now /
// write_some_now, which never block, and waits for the socket only when
// they say would_block.
//
// State lives in a shared Impl: operations and the deadline hold it, so the
// wrapper may be destroyed with operations outstanding (they then fail with
// operation_aborted once the socket closes).
#pragma once
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include "deadline.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <vector>

namespace sentryd {

void clear_ssl_errors();

class TlsStream {
public:
    using socket_type = boost::asio::ip::tcp::socket;
    using executor_type = socket_type::executor_type;
    using error_code = boost::system::error_code;

    enum class Role { client, server };

    // Takes the connected socket. Fails (throws std::bad_alloc-like
    // std::runtime_error) only if OpenSSL cannot allocate.
    TlsStream(socket_type&& socket, SSL_CTX* ctx, Role role);
    TlsStream(TlsStream&&) = default;
    TlsStream& operator=(TlsStream&&) = default;
    ~TlsStream();

    executor_type get_executor() noexcept { return impl_->socket.get_executor(); }
    socket_type& socket() { return impl_->socket; }
    SSL* native_handle() { return impl_->ssl; }

    // Deadline for the pending and following operations (lazy: a clock read).
    void expires_after(std::chrono::steady_clock::duration d) {
        set_deadline(impl_, DeadlineState::clock::now() + d);
    }
    void expires_never() { set_deadline(impl_, DeadlineState::none); }
    // Cancels pending operations (they fail with operation_aborted).
    void cancel();
    // Closes the socket; pending operations fail.
    void close();

    // For watching a connection that has nothing to read by protocol (the
    // device while its request is with the back end): one non-blocking
    // SSL_read of at most one byte. `again`: nothing yet (or only a TLS
    // record that carried no data), wait for the socket and ask again;
    // `byte`: the peer sent data (HTTP pipelining), `out` holds its first
    // byte; `closed`: close_notify, EOF or an error; `stuck`: OpenSSL needs
    // to write first, so readability means nothing, stop watching.
    enum class Probe { again, byte, closed, stuck };
    Probe probe_byte(char& out);
    // OpenSSL holds bytes already read from the socket (no readiness event
    // will announce them).
    bool has_pending() const { return SSL_has_pending(impl_->ssl) == 1; }

    // One non-blocking SSL_read / SSL_write. ec = would_block: wait for the
    // socket in the same direction (async_wait_readable / _writable), then
    // call again; ec = try_again: OpenSSL needs the other direction first
    // (a TLS 1.3 key update); eof / stream_truncated: the peer closed.
    std::size_t read_some_now(void* data, std::size_t size, error_code& ec);
    std::size_t write_some_now(const void* data, std::size_t size, error_code& ec);

    // Completes (never inside this call) when reading may make progress:
    // OpenSSL already holds bytes, or the socket is readable. Fails with
    // beast::error::timeout once the deadline passes, operation_aborted on
    // cancel().
    template <class Handler>
    void async_wait_readable(Handler&& handler) {
        if (has_pending())
            return boost::asio::post(impl_->socket.get_executor(),
                                     [h = std::forward<Handler>(handler)]() mutable { h(error_code{}); });
        wait(socket_type::wait_read, std::forward<Handler>(handler));
    }
    template <class Handler>
    void async_wait_writable(Handler&& handler) {
        wait(socket_type::wait_write, std::forward<Handler>(handler));
    }

    template <class Handler>
    auto async_handshake(Handler&& handler) {
        return start<void(error_code)>(Op<HandshakeStep, false>{impl_, {}}, std::forward<Handler>(handler));
    }
    // Sends close_notify (without waiting for the peer's).
    template <class Handler>
    auto async_shutdown(Handler&& handler) {
        return start<void(error_code)>(Op<ShutdownStep, false>{impl_, {}}, std::forward<Handler>(handler));
    }
    template <class MutableBuffers, class Handler>
    auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
        return start<void(error_code, std::size_t)>(Op<ReadStep<MutableBuffers>, true>{impl_, {buffers, false}},
                                                     std::forward<Handler>(handler));
    }
    template <class ConstBuffers, class Handler>
    auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
        return start<void(error_code, std::size_t)>(Op<WriteStep<ConstBuffers>, true>{impl_, {buffers, {}}},
                                                     std::forward<Handler>(handler));
    }

private:
    struct Impl {
        Impl(socket_type&& s) : socket(std::move(s)), deadline(socket.get_executor()) {}
        ~Impl() {
            if (ssl) SSL_free(ssl);
        }
        socket_type socket;
        DeadlineState deadline;
        SSL* ssl = nullptr;
    };

    template <class Handler>
    void wait(socket_type::wait_type w, Handler&& handler) {
        impl_->socket.async_wait(w, [impl = impl_, h = std::forward<Handler>(handler)](error_code ec) mutable {
            if (impl->deadline.timed_out) ec = boost::beast::error::timeout;
            h(ec);
        });
    }

    // Result of one OpenSSL call: done (ec, n), or wait for the socket.
    enum class Want { none, read, write };
    struct StepResult {
        Want want = Want::none;
        error_code ec;
        std::size_t n = 0;
    };
    static StepResult finish_call(Impl& impl, int ret, std::size_t n);

    struct HandshakeStep {
        StepResult operator()(Impl& impl);
    };
    struct ShutdownStep {
        StepResult operator()(Impl& impl);
    };
    template <class MutableBuffers>
    struct ReadStep {
        MutableBuffers buffers;
        bool waited = false;
        StepResult operator()(Impl& impl) {
            // SSL_read allocates OpenSSL's ~17 KiB record buffer and keeps it
            // while it waits for bytes; an idle connection would hold it for
            // minutes. So wait for the socket first unless OpenSSL already
            // has bytes, and let SSL_MODE_RELEASE_BUFFERS free it after.
            if (!waited && !SSL_has_pending(impl.ssl)) {
                waited = true;
                return {Want::read, {}, 0};
            }
            for (auto it = boost::asio::buffer_sequence_begin(buffers);
                 it != boost::asio::buffer_sequence_end(buffers); ++it) {
                boost::asio::mutable_buffer b(*it);
                if (b.size() == 0) continue;
                std::size_t n = 0;
                clear_ssl_errors();
                int r = SSL_read_ex(impl.ssl, b.data(), b.size(), &n);
                return finish_call(impl, r, n);
            }
            return {};
        }
    };
    template <class ConstBuffers>
    struct WriteStep {
        ConstBuffers buffers;
        std::vector<char> linear;  // a multi-buffer sequence gathered once, so one TLS record carries it
        StepResult operator()(Impl& impl) {
            const void* data = nullptr;
            std::size_t size = 0;
            if (!linear.empty()) {
                data = linear.data();
                size = linear.size();
            } else {
                std::size_t pieces = 0, total = 0;
                for (auto it = boost::asio::buffer_sequence_begin(buffers);
                     it != boost::asio::buffer_sequence_end(buffers); ++it) {
                    boost::asio::const_buffer b(*it);
                    if (b.size() == 0) continue;
                    if (!data) {
                        data = b.data();
                        size = b.size();
                    }
                    ++pieces;
                    total += b.size();
                }
                if (!data) return {};
                if (pieces > 1 && size < kGather) {
                    linear.reserve(std::min(total, kGather));
                    for (auto it = boost::asio::buffer_sequence_begin(buffers);
                         it != boost::asio::buffer_sequence_end(buffers) && linear.size() < kGather; ++it) {
                        boost::asio::const_buffer b(*it);
                        std::size_t take = std::min(b.size(), kGather - linear.size());
                        const char* p = static_cast<const char*>(b.data());
                        linear.insert(linear.end(), p, p + take);
                    }
                    data = linear.data();
                    size = linear.size();
                }
            }
            std::size_t n = 0;
            clear_ssl_errors();
            int r = SSL_write_ex(impl.ssl, data, size, &n);
            return finish_call(impl, r, n);
        }
    };
    static constexpr std::size_t kGather = 16 * 1024;

    // One composed operation: first run is posted (never completes inside
    // the initiating call), then step -> wait for the socket -> step ...
    template <class Step, bool WithSize>
    struct Op {
        std::shared_ptr<Impl> impl;
        Step step;
        bool started = false;

        template <class Self>
        void operator()(Self& self, error_code ec = {}) {
            if (!started) {
                started = true;
                auto ex = impl->socket.get_executor();
                return boost::asio::post(ex, std::move(self));
            }
            if (impl->deadline.timed_out) return complete(self, boost::beast::error::timeout, 0);
            if (ec) return complete(self, ec, 0);
            if (!impl->socket.is_open()) return complete(self, boost::asio::error::bad_descriptor, 0);
            StepResult r = step(*impl);
            if (r.want == Want::read) return impl->socket.async_wait(socket_type::wait_read, std::move(self));
            if (r.want == Want::write) return impl->socket.async_wait(socket_type::wait_write, std::move(self));
            complete(self, r.ec, r.n);
        }

        template <class Self>
        static void complete(Self& self, error_code ec, std::size_t n) {
            if constexpr (WithSize)
                self.complete(ec, n);
            else
                self.complete(ec);
        }
    };

    template <class Signature, class OpT, class Handler>
    auto start(OpT&& op, Handler&& handler) {
        // Asio 1.74 takes the token by lvalue reference (and moves from it).
        return boost::asio::async_compose<Handler, Signature>(std::forward<OpT>(op), handler, impl_->socket);
    }

    std::shared_ptr<Impl> impl_;
};

}  // namespace sentryd
