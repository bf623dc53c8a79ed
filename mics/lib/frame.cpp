#include "mics/frame.hpp"

#include <cerrno>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace mics {

namespace {

std::uint32_t decode_len(const unsigned char* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) |
           (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}

// Reads exactly n bytes; returns status. Waits at most timeout_ms per poll.
FrameStatus read_exact(int fd, char* p, std::size_t n, int timeout_ms) {
    while (n > 0) {
        if (timeout_ms >= 0) {
            pollfd pfd{fd, POLLIN, 0};
            int r = ::poll(&pfd, 1, timeout_ms);
            if (r == 0) return FrameStatus::timeout;
            if (r < 0) {
                if (errno == EINTR) continue;
                return FrameStatus::io_error;
            }
        }
        ssize_t got = ::read(fd, p, n);
        if (got == 0) return FrameStatus::closed;
        if (got < 0) {
            if (errno == EINTR) continue;
            return FrameStatus::io_error;
        }
        p += got;
        n -= std::size_t(got);
    }
    return FrameStatus::ok;
}

}  // namespace

std::string encode_frame(std::string_view payload) {
    std::string out;
    out.reserve(payload.size() + 4);
    auto n = std::uint32_t(payload.size());
    out.push_back(char((n >> 24) & 0xff));
    out.push_back(char((n >> 16) & 0xff));
    out.push_back(char((n >> 8) & 0xff));
    out.push_back(char(n & 0xff));
    out.append(payload);
    return out;
}

FrameStatus read_frame(int fd, std::string& out, int timeout_ms) {
    unsigned char hdr[4];
    FrameStatus st = read_exact(fd, reinterpret_cast<char*>(hdr), 4, timeout_ms);
    if (st != FrameStatus::ok) return st;
    std::uint32_t n = decode_len(hdr);
    if (n > kMaxFrame) return FrameStatus::too_large;
    out.assign(n, '\0');
    return n ? read_exact(fd, out.data(), n, timeout_ms) : FrameStatus::ok;
}

bool write_frame(int fd, std::string_view payload) {
    if (payload.size() > kMaxFrame) return false;
    std::string buf = encode_frame(payload);
    const char* p = buf.data();
    std::size_t left = buf.size();
    while (left > 0) {
        // MSG_NOSIGNAL: a peer that went away must not kill us with SIGPIPE.
        ssize_t w = ::send(fd, p, left, MSG_NOSIGNAL);
        if (w < 0 && errno == ENOTSOCK) w = ::write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                pollfd pfd{fd, POLLOUT, 0};
                ::poll(&pfd, 1, 1000);
                continue;
            }
            return false;
        }
        p += w;
        left -= std::size_t(w);
    }
    return true;
}

void FrameDecoder::feed(const char* data, std::size_t n) {
    if (too_large_) return;
    buf_.append(data, n);
}

std::optional<std::string> FrameDecoder::next() {
    if (too_large_ || buf_.size() < 4) return std::nullopt;
    std::uint32_t n = decode_len(reinterpret_cast<const unsigned char*>(buf_.data()));
    if (n > kMaxFrame) {
        too_large_ = true;
        buf_.clear();
        return std::nullopt;
    }
    if (buf_.size() < 4 + std::size_t(n)) return std::nullopt;
    std::string frame = buf_.substr(4, n);
    buf_.erase(0, 4 + std::size_t(n));
    return frame;
}

}  // namespace mics
