#include "plain_stream.hpp"

namespace sentryd {

PlainStream::PlainStream(socket_type&& socket) : impl_(std::make_shared<Impl>(std::move(socket))) {
    error_code ignored;
    // read_some_now / write_some_now must not block the io_context.
    impl_->socket.non_blocking(true, ignored);
}

PlainStream::~PlainStream() {
    if (!impl_) return;  // moved from
    error_code ignored;
    impl_->deadline.timer.cancel();
    impl_->socket.close(ignored);
}

void PlainStream::cancel() {
    error_code ignored;
    impl_->socket.cancel(ignored);
}

void PlainStream::close() {
    error_code ignored;
    impl_->deadline.timer.cancel();
    impl_->socket.close(ignored);
}

std::size_t PlainStream::read_some_now(void* data, std::size_t size, error_code& ec) {
    std::size_t n = impl_->socket.read_some(boost::asio::buffer(data, size), ec);
    return ec ? 0 : n;
}

std::size_t PlainStream::write_some_now(const void* data, std::size_t size, error_code& ec) {
    std::size_t n = impl_->socket.write_some(boost::asio::buffer(data, size), ec);
    return ec ? 0 : n;
}

}  // namespace sentryd
