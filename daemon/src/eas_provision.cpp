#include "sentryd/eas_provision.hpp"

#include <cstdint>
#include <vector>

namespace sentryd {

namespace {
// WBXML 1.3, unknown public id, UTF-8 (IANA 106 = 0x6A), empty string table.
constexpr char kHeader[] = {0x03, 0x01, 0x6a, 0x00};
constexpr unsigned char kSwitchPage = 0x00, kEnd = 0x01, kStrI = 0x03, kOpaque = 0xc3;
constexpr unsigned char kContent = 0x40, kAttrs = 0x80;
// MS-ASWBXML code page 14 (Provision).
constexpr unsigned char kPageProvision = 14;
constexpr unsigned char kTagProvision = 0x05, kTagStatus = 0x0b, kTagRemoteWipe = 0x0c;

std::string start() {
    std::string s(kHeader, sizeof kHeader);
    s += static_cast<char>(kSwitchPage);
    s += static_cast<char>(kPageProvision);
    s += static_cast<char>(kTagProvision | kContent);
    s += static_cast<char>(kTagStatus | kContent);
    s += static_cast<char>(kStrI);
    s += '1';
    s += '\0';
    s += static_cast<char>(kEnd);  // </Status>
    return s;
}

// WBXML multi-byte unsigned integer: 7 bits per byte, high bit = more.
bool read_mb(std::string_view b, std::size_t& i, std::uint32_t& out) {
    out = 0;
    for (int n = 0; n < 5; ++n) {
        if (i >= b.size()) return false;
        unsigned char c = static_cast<unsigned char>(b[i++]);
        out = (out << 7) | (c & 0x7f);
        if ((c & 0x80) == 0) return true;
    }
    return false;
}
}  // namespace

std::string provision_remote_wipe_body() {
    std::string s = start();
    s += static_cast<char>(kTagRemoteWipe);  // empty element, no content flag
    s += static_cast<char>(kEnd);            // </Provision>
    return s;
}

std::string provision_done_body() {
    std::string s = start();
    s += static_cast<char>(kEnd);
    return s;
}

WipeAck parse_wipe_ack(std::string_view b) {
    std::size_t i = 0;
    std::uint32_t v = 0;
    if (b.size() < 4) return WipeAck::none;
    ++i;                                      // version
    if (!read_mb(b, i, v)) return WipeAck::none;  // public id
    if (v == 0 && !read_mb(b, i, v)) return WipeAck::none;
    if (!read_mb(b, i, v)) return WipeAck::none;  // charset
    if (!read_mb(b, i, v) || v > b.size() - i) return WipeAck::none;  // string table
    i += v;
    unsigned char page = 0;
    struct Open {
        unsigned char page, tag;
    };
    std::vector<Open> stack;
    WipeAck seen = WipeAck::none;
    bool opened = false;
    auto in = [&](std::size_t depth, unsigned char tag) {
        return stack.size() > depth && stack[depth].page == kPageProvision && stack[depth].tag == tag;
    };
    while (i < b.size()) {
        unsigned char t = static_cast<unsigned char>(b[i++]);
        if (t == kSwitchPage) {
            if (i >= b.size()) return WipeAck::none;
            page = static_cast<unsigned char>(b[i++]);
        } else if (t == kEnd) {
            if (stack.empty()) return WipeAck::none;
            stack.pop_back();
        } else if (t == kStrI) {
            std::size_t z = b.find('\0', i);
            if (z == std::string_view::npos) return WipeAck::none;
            std::string_view text = b.substr(i, z - i);
            i = z + 1;
            // Provision > RemoteWipe > Status: the acknowledgement.
            if (stack.size() == 3 && in(0, kTagProvision) && in(1, kTagRemoteWipe) && in(2, kTagStatus))
                seen = text == "1" ? WipeAck::success : WipeAck::failure;
        } else if (t == kOpaque) {
            if (!read_mb(b, i, v) || v > b.size() - i) return WipeAck::none;
            i += v;
        } else if ((t & 0x3f) >= 0x05) {
            if (t & kAttrs) return WipeAck::none;  // EAS never uses attributes
            if (t & kContent) {
                if (stack.size() >= 64) return WipeAck::none;  // bound the nesting
                stack.push_back({page, static_cast<unsigned char>(t & 0x3f)});
                opened = true;
            }
        } else {
            return WipeAck::none;  // global tokens EAS does not use (entities, PI, ...)
        }
    }
    // Only a complete document counts: a cut-off body is no acknowledgement.
    return opened && stack.empty() ? seen : WipeAck::none;
}

}  // namespace sentryd
