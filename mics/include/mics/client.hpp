// libmics client: one connection to MICS = one MICS session.
// The API carries JSON as text so that callers need no third-party types;
// callers that build or read JSON include nlohmann in their own .cpp files.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace mics {

struct Reply {
    bool ok = false;
    std::string data;     // JSON text of "data" when ok (may be "null")
    std::string code;     // error code when !ok (closed set, see docs/mics-protocol.md)
    std::string message;  // human-readable error when !ok
};

class Client {
public:
    Client() = default;
    explicit Client(int fd) : fd_(fd) {}
    ~Client();
    Client(Client&& o) noexcept : fd_(o.fd_), next_id_(o.next_id_) { o.fd_ = -1; }
    Client& operator=(Client&& o) noexcept;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Connects to a Unix socket path. On failure returns false and fills err.
    bool connect(const std::string& path, std::string* err = nullptr);
    bool connected() const { return fd_ >= 0; }
    int fd() const { return fd_; }
    // Gives up ownership of the socket (e.g. to hand it to a child process).
    int release() { int f = fd_; fd_ = -1; return f; }
    void close();

    // Sends {"v":1,"id":N,"op":op,"args":args_json} and waits for the reply
    // with the same id. Transport failures come back as code "transport".
    Reply call(std::string_view op, std::string_view args_json = "{}", int timeout_ms = 30000);

private:
    int fd_ = -1;
    std::uint64_t next_id_ = 1;
};

// An ok reply's id and the JSON text of its "data", found by scanning the
// frame's top level (strings and brackets), not by decoding it: a relay
// passes a large data value on untouched and a client decodes it once.
// False when the frame is not {"id": N, "ok": true, "data": ...} (any key
// order) or is cut short; the caller then parses it whole. The data text
// is balanced but not validated; its reader parses it.
bool scan_ok_reply(std::string_view frame, std::uint64_t& id, std::string_view& data);

// Quotes s as a JSON string literal (for small hand-built argument objects).
std::string json_quote(std::string_view s);

}  // namespace mics
