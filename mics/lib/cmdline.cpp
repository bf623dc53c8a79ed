#include "mics/cmdline.hpp"

#include <arpa/inet.h>
#include <charconv>

namespace mics {

std::string parse_listen(std::string_view text, std::string& addr, int& port) {
    std::string_view host, p;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find("]:");
        if (close == std::string_view::npos) return "expected [ADDR]:PORT";
        host = text.substr(1, close - 1);
        p = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return "expected ADDR:PORT";
        host = text.substr(0, colon);
        p = text.substr(colon + 1);
        // A bare IPv6 address is ambiguous with the port separator.
        if (host.find(':') != std::string_view::npos) return "write IPv6 addresses as [ADDR]:PORT";
    }
    std::string h(host.substr(0, 64));
    unsigned char buf[16];
    if (host.size() > 64 ||
        (::inet_pton(AF_INET, h.c_str(), buf) != 1 && ::inet_pton(AF_INET6, h.c_str(), buf) != 1))
        return "'" + h + "' is not a numeric IP address";
    int v = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (p.empty() || ec != std::errc() || end != p.data() + p.size() || v < 1 || v > 65535)
        return "port '" + std::string(p.substr(0, 16)) + "' is not in 1..65535";
    addr = h;
    port = v;
    return {};
}

bool FlagReader::next() {
    if (!error_.empty() || i_ >= args_.size()) return false;
    flag_ = args_[i_++];
    has_inline_ = false;
    if (auto eq = flag_.find('='); flag_.rfind("--", 0) == 0 && eq != std::string::npos) {
        inline_ = flag_.substr(eq + 1);
        flag_.resize(eq);
        has_inline_ = true;
    }
    return true;
}

bool FlagReader::value(std::string& out) {
    std::string v;
    if (has_inline_) {
        v = inline_;
    } else if (i_ < args_.size()) {
        v = args_[i_++];
    } else {
        error_ = "option " + flag_ + " needs a value";
        return false;
    }
    if (v.empty() || v.size() > kMaxValue) {
        error_ = "option " + flag_ + ": " + (v.empty() ? "empty value" : "value too long");
        return false;
    }
    out = std::move(v);
    return true;
}

bool FlagReader::no_value() {
    if (has_inline_) error_ = "option " + flag_ + " takes no value";
    return !has_inline_;
}

}  // namespace mics
