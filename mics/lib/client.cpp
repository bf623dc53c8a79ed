#include "mics/client.hpp"

#include "mics/frame.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace mics {

using nlohmann::json;

namespace {

constexpr std::size_t kBad = std::string_view::npos;

std::size_t skip_ws(std::string_view s, std::size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
    return i;
}

// s[i] is the opening quote; returns the index after the closing one.
std::size_t skip_string(std::string_view s, std::size_t i) {
    for (++i; i < s.size(); ++i) {
        if (s[i] == '\\')
            ++i;
        else if (s[i] == '"')
            return i + 1;
    }
    return kBad;
}

// One value starting at s[i]; returns the index after it.
std::size_t skip_value(std::string_view s, std::size_t i) {
    if (i >= s.size()) return kBad;
    if (s[i] == '"') return skip_string(s, i);
    if (s[i] == '{' || s[i] == '[') {
        std::size_t depth = 0;
        while (i < s.size()) {
            char c = s[i];
            if (c == '"') {
                i = skip_string(s, i);
                if (i == kBad) return kBad;
                continue;
            }
            if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) return i + 1;
            }
            ++i;
        }
        return kBad;
    }
    std::size_t j = i;  // number, true, false, null
    while (j < s.size() && s[j] != ',' && s[j] != '}' && s[j] != ']' && s[j] != ' ' && s[j] != '\n' &&
           s[j] != '\r' && s[j] != '\t')
        ++j;
    return j == i ? kBad : j;
}

}  // namespace

bool scan_ok_reply(std::string_view s, std::uint64_t& id, std::string_view& data) {
    std::string_view id_text, ok_text;
    data = {};
    std::size_t i = skip_ws(s, 0);
    if (i >= s.size() || s[i] != '{') return false;
    i = skip_ws(s, i + 1);
    if (i < s.size() && s[i] == '}') return false;
    for (;;) {
        if (i >= s.size() || s[i] != '"') return false;
        std::size_t k = skip_string(s, i);
        if (k == kBad) return false;
        std::string_view key = s.substr(i + 1, k - i - 2);
        i = skip_ws(s, k);
        if (i >= s.size() || s[i] != ':') return false;
        std::size_t v0 = skip_ws(s, i + 1);
        std::size_t v1 = skip_value(s, v0);
        if (v1 == kBad) return false;
        std::string_view value = s.substr(v0, v1 - v0);
        if (key == "id")
            id_text = value;
        else if (key == "ok")
            ok_text = value;
        else if (key == "data")
            data = value;
        i = skip_ws(s, v1);
        if (i >= s.size()) return false;
        if (s[i] == '}') {
            if (skip_ws(s, i + 1) != s.size()) return false;
            break;
        }
        if (s[i] != ',') return false;
        i = skip_ws(s, i + 1);
    }
    if (ok_text != "true" || data.empty() || id_text.empty()) return false;
    auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    return ec == std::errc() && end == id_text.data() + id_text.size();
}

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
        // The common case, an ok reply, without decoding its data.
        std::uint64_t got = 0;
        std::string_view data;
        if (scan_ok_reply(frame, got, data)) {
            if (got != id) continue;
            r.ok = true;
            r.data.assign(data);
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
