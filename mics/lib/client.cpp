#include "mics/client.hpp"

#include "mics/frame.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace mics {

using nlohmann::json;

Client::~Client() { close(); }

Client& Client::operator=(Client&& o) noexcept {
    if (this != &o) {
        close();
        fd_ = o.fd_;
        next_id_ = o.next_id_;
        o.fd_ = -1;
    }
    return *this;
}

void Client::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool Client::connect(const std::string& path, std::string* err) {
    close();
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof(sa.sun_path)) {
        if (err) *err = "socket path too long: " + path;
        return false;
    }
    std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        if (err) *err = std::strerror(errno);
        return false;
    }
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) < 0) {
        if (err) *err = path + ": " + std::strerror(errno);
        ::close(fd);
        return false;
    }
    fd_ = fd;
    return true;
}

Reply Client::call(std::string_view op, std::string_view args_json, int timeout_ms) {
    Reply r;
    if (fd_ < 0) {
        r.code = "transport";
        r.message = "not connected to MICS";
        return r;
    }
    std::uint64_t id = next_id_++;
    json req;
    req["v"] = 1;
    req["id"] = id;
    req["op"] = std::string(op);
    try {
        req["args"] = args_json.empty() ? json::object() : json::parse(args_json);
    } catch (const json::exception& e) {
        r.code = "bad_request";
        r.message = std::string("client built invalid JSON: ") + e.what();
        return r;
    }
    if (!write_frame(fd_, req.dump())) {
        r.code = "transport";
        r.message = "MICS connection lost";
        return r;
    }
    for (;;) {
        std::string frame;
        FrameStatus st = read_frame(fd_, frame, timeout_ms);
        if (st != FrameStatus::ok) {
            r.code = "transport";
            r.message = st == FrameStatus::timeout ? "MICS did not answer in time"
                                                   : "MICS connection lost";
            return r;
        }
        json rep = json::parse(frame, nullptr, false);
        if (rep.is_discarded() || !rep.is_object()) {
            r.code = "transport";
            r.message = "malformed reply from MICS";
            return r;
        }
        // Replies to other ids (none today) are skipped rather than misattributed.
        if (!rep.contains("id") || !rep["id"].is_number() || rep["id"].get<std::uint64_t>() != id)
            continue;
        r.ok = rep.value("ok", false);
        if (r.ok) {
            r.data = rep.contains("data") ? rep["data"].dump() : "null";
        } else if (rep.contains("error") && rep["error"].is_object()) {
            r.code = rep["error"].value("code", "error");
            r.message = rep["error"].value("message", "");
        } else {
            r.code = "error";
        }
        return r;
    }
}

std::string json_quote(std::string_view s) { return json(std::string(s)).dump(); }

}  // namespace mics
