// One read buffer per io_context thread, room for a whole TLS record's
// plaintext. Reads that are parsed at once (a device request, a back-end
// response head) land here instead of in a per-connection buffer; only
// what the parser leaves over is copied to the connection. Valid until
// control returns to the io_context.
#pragma once
#include <cstddef>

namespace sentryd {

inline constexpr std::size_t kIoScratch = 17 * 1024;

inline char* io_scratch() {
    alignas(64) static thread_local char buf[kIoScratch];
    return buf;
}

}  // namespace sentryd
