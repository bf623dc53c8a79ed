// MICS wire framing: 4-byte big-endian length, then that many bytes of JSON.
// Shared by every process that talks to MICS or to a service control socket.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mics {

// Frames above this are refused on both sides (DESIGN.md: 1 MiB).
inline constexpr std::size_t kMaxFrame = 1u << 20;

enum class FrameStatus { ok, closed, too_large, io_error, timeout };

// Blocking read of one frame. timeout_ms < 0 waits forever.
FrameStatus read_frame(int fd, std::string& out, int timeout_ms = -1);
// Blocking write of one frame (handles partial writes, EINTR, no SIGPIPE).
bool write_frame(int fd, std::string_view payload);

// Incremental decoder for non-blocking event loops.
class FrameDecoder {
public:
    // Append received bytes.
    void feed(const char* data, std::size_t n);
    // Next complete frame, if any. After too_large() the stream is unusable.
    std::optional<std::string> next();
    bool too_large() const { return too_large_; }
    std::size_t buffered() const { return buf_.size(); }

private:
    std::string buf_;
    bool too_large_ = false;
};

std::string encode_frame(std::string_view payload);

}  // namespace mics
