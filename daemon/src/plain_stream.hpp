// A plain TCP connection to a back end with TlsStream's interface: one lazy
// deadline (deadline.hpp), non-blocking read_some_now / write_some_now for
// the hot path, readiness waits, and Beast's AsyncRead/WriteStream for the
// rest. Replaces beast::tcp_stream, which starts and cancels a timer around
// every operation.
//
// async_read_some goes straight to the socket, so Asio's reactor skips the
// speculative recv (and any epoll_ctl) when the last read drained the
// socket: the usual case when a response is awaited.
#pragma once
#include "deadline.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>

#include <memory>

namespace sentryd {

class PlainStream {
public:
    using socket_type = boost::asio::ip::tcp::socket;
    using executor_type = socket_type::executor_type;
    using error_code = boost::system::error_code;

    explicit PlainStream(socket_type&& socket);
    PlainStream(PlainStream&&) = default;
    PlainStream& operator=(PlainStream&&) = default;
    ~PlainStream();

    executor_type get_executor() noexcept { return impl_->socket.get_executor(); }
    socket_type& socket() { return impl_->socket; }

    void expires_after(std::chrono::steady_clock::duration d) {
        set_deadline(impl_, DeadlineState::clock::now() + d);
    }
    void expires_never() { set_deadline(impl_, DeadlineState::none); }
    void cancel();
    void close();

    bool has_pending() const { return false; }
    // Non-blocking; ec = would_block: wait for the socket, then call again.
    std::size_t read_some_now(void* data, std::size_t size, error_code& ec);
    std::size_t write_some_now(const void* data, std::size_t size, error_code& ec);

    template <class Handler>
    void async_wait_readable(Handler&& handler) {
        wait(socket_type::wait_read, std::forward<Handler>(handler));
    }
    template <class Handler>
    void async_wait_writable(Handler&& handler) {
        wait(socket_type::wait_write, std::forward<Handler>(handler));
    }

    template <class MutableBuffers, class Handler>
    void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
        if (impl_->deadline.timed_out) return fail_now(std::forward<Handler>(handler));
        impl_->socket.async_read_some(buffers, Checked<std::decay_t<Handler>>{impl_, std::forward<Handler>(handler)});
    }
    template <class ConstBuffers, class Handler>
    void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
        if (impl_->deadline.timed_out) return fail_now(std::forward<Handler>(handler));
        impl_->socket.async_write_some(buffers, Checked<std::decay_t<Handler>>{impl_, std::forward<Handler>(handler)});
    }

private:
    struct Impl {
        explicit Impl(socket_type&& s) : socket(std::move(s)), deadline(socket.get_executor()) {}
        socket_type socket;
        DeadlineState deadline;
    };

    // Turns the cancellation caused by the deadline into beast::error::timeout.
    template <class Handler>
    struct Checked {
        std::shared_ptr<Impl> impl;
        Handler handler;
        void operator()(error_code ec, std::size_t n) {
            if (impl->deadline.timed_out) ec = boost::beast::error::timeout;
            handler(ec, n);
        }
    };

    template <class Handler>
    void fail_now(Handler&& handler) {
        boost::asio::post(impl_->socket.get_executor(), [h = std::forward<Handler>(handler)]() mutable {
            h(boost::beast::error::timeout, std::size_t(0));
        });
    }

    template <class Handler>
    void wait(socket_type::wait_type w, Handler&& handler) {
        impl_->socket.async_wait(w, [impl = impl_, h = std::forward<Handler>(handler)](error_code ec) mutable {
            if (impl->deadline.timed_out) ec = boost::beast::error::timeout;
            h(ec);
        });
    }

    std::shared_ptr<Impl> impl_;
};

}  // namespace sentryd
