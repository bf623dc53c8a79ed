#include "tls_stream.hpp"

#include <cerrno>
#include <stdexcept>

namespace sentryd {

namespace net = boost::asio;

// OpenSSL's error queue must be empty before an SSL call for SSL_get_error
// to mean anything. Clearing it costs ~800 instructions in OpenSSL 3 even
// when it is empty, twice per request; peeking is cheap, and the queue is
// almost always empty because every failure below drains it.
void clear_ssl_errors() {
    if (ERR_peek_error() != 0) ERR_clear_error();
}

TlsStream::TlsStream(socket_type&& socket, SSL_CTX* ctx, Role role)
    : impl_(std::make_shared<Impl>(std::move(socket))) {
    impl_->ssl = SSL_new(ctx);
    if (!impl_->ssl) throw std::runtime_error("SSL_new: out of memory");
    error_code ec;
    impl_->socket.native_non_blocking(true, ec);
    if (ec) throw std::runtime_error("non-blocking socket: " + ec.message());
    // The socket BIO does not own the fd (BIO_NOCLOSE): Asio closes it.
    SSL_set_fd(impl_->ssl, static_cast<int>(impl_->socket.native_handle()));
    // Partial writes: async_write_some semantics. Moving buffer: a retried
    // write may come from a gathered copy. Release buffers: idle = no buffers.
    SSL_set_mode(impl_->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                 SSL_MODE_RELEASE_BUFFERS);
    // Read what the socket has in one read() instead of a 5-byte record
    // header and then its body: one syscall less per request. The buffer
    // is the same one OpenSSL allocates anyway, and still released when
    // no record is pending.
    SSL_set_read_ahead(impl_->ssl, 1);
    if (role == Role::server)
        SSL_set_accept_state(impl_->ssl);
    else
        SSL_set_connect_state(impl_->ssl);
}

TlsStream::~TlsStream() {
    if (!impl_) return;  // moved from
    error_code ignored;
    impl_->deadline.timer.cancel();
    impl_->socket.close(ignored);
}

void TlsStream::cancel() {
    error_code ignored;
    impl_->socket.cancel(ignored);
}

void TlsStream::close() {
    error_code ignored;
    impl_->deadline.timer.cancel();
    impl_->socket.close(ignored);
}

std::size_t TlsStream::read_some_now(void* data, std::size_t size, error_code& ec) {
    std::size_t n = 0;
    clear_ssl_errors();
    int ret = SSL_read_ex(impl_->ssl, data, size, &n);
    StepResult r = finish_call(*impl_, ret, n);
    ec = r.want == Want::read ? net::error::would_block : r.want == Want::write ? net::error::try_again : r.ec;
    return r.n;
}

std::size_t TlsStream::write_some_now(const void* data, std::size_t size, error_code& ec) {
    std::size_t n = 0;
    clear_ssl_errors();
    int ret = SSL_write_ex(impl_->ssl, data, size, &n);
    StepResult r = finish_call(*impl_, ret, n);
    ec = r.want == Want::write ? net::error::would_block : r.want == Want::read ? net::error::try_again : r.ec;
    return r.n;
}

TlsStream::StepResult TlsStream::finish_call(Impl& impl, int ret, std::size_t n) {
    int saved_errno = errno;
    StepResult r;
    if (ret == 1) {
        r.n = n;
        return r;
    }
    switch (SSL_get_error(impl.ssl, ret)) {
    case SSL_ERROR_WANT_READ:
        // No record half-read: hand the record buffers back while we wait
        // (a no-op when OpenSSL still needs them).
        SSL_free_buffers(impl.ssl);
        r.want = Want::read;
        return r;
    case SSL_ERROR_WANT_WRITE:
        r.want = Want::write;
        return r;
    case SSL_ERROR_ZERO_RETURN:  // close_notify from the peer
        r.ec = net::error::eof;
        return r;
    case SSL_ERROR_SYSCALL: {
        unsigned long e = ERR_get_error();
        if (e == 0 && saved_errno != 0)
            r.ec = error_code(saved_errno, boost::system::system_category());
        else
            r.ec = net::ssl::error::stream_truncated;  // EOF without close_notify
        return r;
    }
    default: {
        unsigned long e = ERR_get_error();
        ERR_clear_error();
        if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
            r.ec = net::ssl::error::stream_truncated;
        else
            r.ec = error_code(static_cast<int>(e), net::error::get_ssl_category());
        return r;
    }
    }
}

TlsStream::Probe TlsStream::probe_byte(char& out) {
    std::size_t n = 0;
    clear_ssl_errors();
    int r = SSL_read_ex(impl_->ssl, &out, 1, &n);
    StepResult res = finish_call(*impl_, r, n);
    if (res.want == Want::read) return Probe::again;
    if (res.want == Want::write) return Probe::stuck;
    if (res.ec) return Probe::closed;
    return n == 1 ? Probe::byte : Probe::again;
}

TlsStream::StepResult TlsStream::HandshakeStep::operator()(Impl& impl) {
    clear_ssl_errors();
    int r = SSL_do_handshake(impl.ssl);
    return finish_call(impl, r, 0);
}

TlsStream::StepResult TlsStream::ShutdownStep::operator()(Impl& impl) {
    clear_ssl_errors();
    int r = SSL_shutdown(impl.ssl);
    if (r >= 0) return {};  // our close_notify is out; the peer's is not awaited
    return finish_call(impl, r, 0);
}

}  // namespace sentryd
