#include "sentryd/eas_request.hpp"
#include "sentryd/ascii.hpp"

#include <array>
#include <cstdio>

// References: [MS-ASHTTP] 2.2.1.1.1.1 (base64-encoded query value),
// 2.2.1.1.1.2 (plain text query value), 2.2.1.1.2.4 (MS-ASProtocolVersion);
// [MS-ASCMD] for the command names.

namespace sentryd {

namespace {

// Command names as MS-ASCMD spells them, with the base64 command code from
// MS-ASHTTP 2.2.1.1.1.1.2 (-1: the command has no code there). Codes 5-8
// are unassigned in today's table: the 2.x collection commands predate the
// base64 form, and Find (16.1) was never given one.
struct Command {
    std::string_view name;
    int code;
};
constexpr std::array<Command, 24> kCommands{{
    {"Sync", 0},
    {"SendMail", 1},
    {"SmartForward", 2},
    {"SmartReply", 3},
    {"GetAttachment", 4},
    {"GetHierarchy", -1},
    {"CreateCollection", -1},
    {"DeleteCollection", -1},
    {"MoveCollection", -1},
    {"FolderSync", 9},
    {"FolderCreate", 10},
    {"FolderDelete", 11},
    {"FolderUpdate", 12},
    {"MoveItems", 13},
    {"GetItemEstimate", 14},
    {"MeetingResponse", 15},
    {"Search", 16},
    {"Settings", 17},
    {"Ping", 18},
    {"ItemOperations", 19},
    {"Provision", 20},
    {"ResolveRecipients", 21},
    {"ValidateCert", 22},
    {"Find", -1},
}};

// MS-ASProtocolVersion values and their one-byte form in the base64 query.
struct Version {
    std::string_view text;
    int value;
};
constexpr std::array<Version, 9> kVersions{{
    {"2.0", 20},
    {"2.1", 21},
    {"2.5", 25},
    {"12.0", 120},
    {"12.1", 121},
    {"14.0", 140},
    {"14.1", 141},
    {"16.0", 160},
    {"16.1", 161},
}};

bool known_version(int v) {
    for (const auto& k : kVersions)
        if (k.value == v) return true;
    return false;
}

// A short, printable rendering of device-supplied text for error messages,
// so a hostile value can neither flood nor forge log lines.
std::string for_log(std::string_view s) {
    constexpr std::size_t kMax = 32;
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        out += c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? static_cast<char>(c) : '?';
    }
    if (s.size() > kMax) out += "...";
    out += '"';
    return out;
}

const Command* command_by_name(std::string_view name) {
    for (const auto& c : kCommands)
        if (iequals(c.name, name)) return &c;
    return nullptr;
}

const Command* command_by_code(int code) {
    for (const auto& c : kCommands)
        if (c.code >= 0 && c.code == code) return &c;
    return nullptr;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// %XX decoding. A '%' not followed by two hex digits is an error rather than
// a literal (what ASP.NET would do): two readings of one request are how a
// gateway and its backend come to disagree. `plus_is_space` follows the
// form encoding Exchange's query parser applies to the plain form; the
// base64 form keeps '+', which is part of its alphabet.
bool percent_decode(std::string_view in, bool plus_is_space, std::string& out) {
    out.clear();
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%') {
            if (in.size() - i < 3) return false;
            int hi = hex_value(in[i + 1]);
            int lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) return false;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return true;
}

// percent_decode without the copy when there is nothing to decode: `out`
// views `in` itself, else `scratch` (the common plain-form parameter is
// plain, and this runs for every name and value of every request). A loop,
// not find_first_of: that calls memchr per character.
bool decode_view(std::string_view in, bool plus_is_space, std::string& scratch, std::string_view& out) {
    for (char c : in)
        if (c == '%' || (c == '+' && plus_is_space)) {
            if (!percent_decode(in, plus_is_space, scratch)) return false;
            out = scratch;
            return true;
        }
    out = in;
    return true;
}

// Text that may reach logs, audit records (JSON) and the backend: valid
// UTF-8 (no overlongs, no surrogates, <= U+10FFFF), no control characters.
bool is_clean_text(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) return false;
            ++i;
            continue;
        }
        std::size_t len;
        std::uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (s.size() - i < len) return false;
        for (std::size_t k = 1; k < len; ++k) {
            unsigned char cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        if (cp >= 0x80 && cp < 0xa0) return false;  // C1 controls
        i += len;
    }
    return true;
}

// MS-ASHTTP 2.2.1.1.1.2.3: the device ID "MUST NOT contain commas or
// special characters". Real devices send letters and digits (Apple, Samsung,
// Outlook), sometimes '-', '_' or '.'; GUIDs may come in braces.
bool is_device_id_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '{' || c == '}';
}

bool is_device_id(std::string_view s) {
    for (char c : s)
        if (!is_device_id_char(static_cast<unsigned char>(c))) return false;
    return true;
}

Result<std::string> check_device_id(std::string value) {
    if (value.empty()) return Result<std::string>::fail("DeviceId is empty");
    if (value.size() > kEasMaxDeviceId) return Result<std::string>::fail("DeviceId is too long");
    if (!is_device_id(value))
        return Result<std::string>::fail("DeviceId " + for_log(value) + " has characters other than letters, digits and -_.{}");
    return value;
}

Result<std::string> check_text(std::string_view field, std::string value, std::size_t max, bool allow_empty) {
    if (!allow_empty && value.empty()) return Result<std::string>::fail(std::string(field) + " is empty");
    if (value.size() > max) return Result<std::string>::fail(std::string(field) + " is too long");
    if (!is_clean_text(value))
        return Result<std::string>::fail(std::string(field) + " is not printable UTF-8");
    return value;
}

// --- base64 --------------------------------------------------------------

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Standard alphabet (RFC 4648 section 4). Padding is optional because
// devices differ, but when present it must be exactly right; unused low
// bits of the last character must be zero, so every blob has one spelling.
// Our own decoder rather than EVP_DecodeBlock: that one keeps the padding
// bytes as zeros in its output length and skips whitespace.
bool base64_decode(std::string_view in, std::string& out) {
    out.clear();
    std::size_t pads = 0;
    while (!in.empty() && in.back() == '=' && pads < 2) {
        in.remove_suffix(1);
        ++pads;
    }
    if (in.size() % 4 == 1) return false;
    if (pads > 0 && (in.size() + pads) % 4 != 0) return false;
    out.reserve(in.size() / 4 * 3 + 2);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        int v = b64_value(c);
        if (v < 0) return false;  // includes a '=' in the middle
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
        acc &= (1u << bits) - 1;  // keep only the bits not yet emitted
    }
    return acc == 0;  // leftover bits (0, 2 or 4 of them) must be zero
}

// Bounds-checked reader over the decoded blob: every read states how much
// it needs and fails instead of reading past the end.
class Reader {
public:
    explicit Reader(std::string_view data) : data_(data) {}
    bool at_end() const { return pos_ == data_.size(); }
    bool u8(unsigned& v) {
        if (data_.size() - pos_ < 1) return false;
        v = static_cast<unsigned char>(data_[pos_++]);
        return true;
    }
    bool bytes(std::size_t n, std::string_view& v) {
        if (data_.size() - pos_ < n) return false;
        v = data_.substr(pos_, n);
        pos_ += n;
        return true;
    }
    // A 1-byte length followed by that many bytes.
    bool counted(std::string_view& v) {
        unsigned n = 0;
        return u8(n) && bytes(n, v);
    }

private:
    std::string_view data_;
    std::size_t pos_ = 0;
};

std::string hex_upper(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char b : bytes) {
        unsigned char c = static_cast<unsigned char>(b);
        out += kDigits[c >> 4];
        out += kDigits[c & 0x0f];
    }
    return out;
}

// Base64 command parameter tags, MS-ASHTTP 2.2.1.1.1.1.3. Tags 2 and 5 are
// unassigned (CollectionName/ParentId belonged to 2.x commands).
enum : unsigned {
    kTagAttachmentName = 0,
    kTagCollectionId = 1,
    kTagItemId = 3,
    kTagLongId = 4,
    kTagOccurrence = 6,
    kTagOptions = 7,
    kTagUser = 8,
    kTagCount = 9,
};

std::string_view tag_name(unsigned tag) {
    switch (tag) {
    case kTagAttachmentName: return "AttachmentName";
    case kTagCollectionId: return "CollectionId";
    case kTagItemId: return "ItemId";
    case kTagLongId: return "LongId";
    case kTagOccurrence: return "Occurrence";
    case kTagOptions: return "Options";
    case kTagUser: return "User";
    default: return {};
    }
}

// Options bitmask bits (MS-ASHTTP 2.2.1.1.1.1.3).
constexpr unsigned kOptSaveInSent = 0x01;
constexpr unsigned kOptAcceptMultiPart = 0x02;

Result<EasRequest> parse_base64_form(std::string_view query, std::string_view header) {
    using R = Result<EasRequest>;
    std::string scratch;
    std::string_view text;
    // Some devices percent-encode '+', '/' and '=' in the blob.
    if (!decode_view(query, /*plus_is_space=*/false, scratch, text)) return R::fail("bad %-escape in base64 query");
    std::string blob;
    if (!base64_decode(text, blob)) return R::fail("query is neither name=value pairs nor valid base64");

    EasRequest req;
    req.base64_form = true;
    Reader in(blob);
    unsigned version = 0, code = 0, lo = 0, hi = 0;
    if (!in.u8(version) || !in.u8(code) || !in.u8(lo) || !in.u8(hi))
        return R::fail("base64 query: truncated header");
    if (!known_version(static_cast<int>(version)))
        return R::fail("base64 query: unknown protocol version " + std::to_string(version));
    req.protocol_version = static_cast<int>(version);
    const Command* cmd = command_by_code(static_cast<int>(code));
    if (!cmd) return R::fail("base64 query: unknown command code " + std::to_string(code));
    req.cmd = std::string(cmd->name);
    char locale[8];
    std::snprintf(locale, sizeof locale, "0x%04x", lo | (hi << 8));
    req.locale = locale;

    std::string_view device_id;
    if (!in.counted(device_id)) return R::fail("base64 query: truncated DeviceId");
    // Windows Mobile sends its device ID as a binary GUID; Exchange shows
    // such IDs as hex, and so do we. A textual ID is kept as is, so a device
    // has one ID whichever form it uses.
    if (!is_device_id(device_id) && device_id.size() * 2 > kEasMaxDeviceId)
        return R::fail("base64 query: DeviceId is too long");
    auto checked_id =
        check_device_id(is_device_id(device_id) ? std::string(device_id) : hex_upper(device_id));
    if (!checked_id) return R::fail("base64 query: " + checked_id.error());
    req.device_id = std::move(checked_id.value());

    std::string_view policy_key;
    if (!in.counted(policy_key)) return R::fail("base64 query: truncated policy key");
    if (policy_key.size() == 4) {
        std::uint32_t k = 0;
        for (int i = 3; i >= 0; --i) k = (k << 8) | static_cast<unsigned char>(policy_key[i]);
        req.policy_key = k;
    } else if (!policy_key.empty()) {
        return R::fail("base64 query: policy key length is " + std::to_string(policy_key.size()) +
                       ", not 0 or 4");
    }

    std::string_view device_type;
    if (!in.counted(device_type)) return R::fail("base64 query: truncated DeviceType");
    auto checked_type = check_text("DeviceType", std::string(device_type), kEasMaxDeviceType, false);
    if (!checked_type) return R::fail("base64 query: " + checked_type.error());
    req.device_type = std::move(checked_type.value());

    bool seen[kTagCount] = {};
    while (!in.at_end()) {
        unsigned tag = 0;
        std::string_view value;
        if (!in.u8(tag)) return R::fail("base64 query: truncated parameter");
        if (!in.counted(value)) return R::fail("base64 query: truncated parameter value");
        std::string_view name = tag < kTagCount ? tag_name(tag) : std::string_view{};
        if (name.empty()) return R::fail("base64 query: unknown parameter tag " + std::to_string(tag));
        if (seen[tag]) return R::fail("base64 query: duplicate parameter " + std::string(name));
        seen[tag] = true;
        if (tag == kTagOptions) {
            if (value.size() != 1) return R::fail("base64 query: Options is not one byte");
            unsigned bits = static_cast<unsigned char>(value[0]);
            if (bits & ~(kOptSaveInSent | kOptAcceptMultiPart))
                return R::fail("base64 query: unknown Options bits");
            if (bits & kOptSaveInSent) req.params.emplace_back("SaveInSent", "T");
            if (bits & kOptAcceptMultiPart) req.params.emplace_back("AcceptMultiPart", "T");
            continue;
        }
        std::size_t max = tag == kTagUser ? kEasMaxUser : kEasMaxParamValue;
        auto checked = check_text(name, std::string(value), max, tag != kTagUser);
        if (!checked) return R::fail("base64 query: " + checked.error());
        if (tag == kTagUser)
            req.user = std::move(checked.value());
        else
            req.params.emplace_back(std::string(name), std::move(checked.value()));
    }

    // The blob carries the version; a header, if a device sends one too,
    // must agree, or backend and gateway could act on different versions.
    if (!header.empty()) {
        auto v = parse_eas_protocol_version(header);
        if (!v) return R::fail(v.error());
        if (v.value() != req.protocol_version)
            return R::fail("MS-ASProtocolVersion header disagrees with the base64 query");
    }
    return req;
}

// --- plain form ----------------------------------------------------------

// Parameters of the plain text query value (MS-ASHTTP 2.2.1.1.1.2):
// the four fixed ones, then the command parameters of 2.2.1.1.1.2.5, plus
// CollectionName and ParentId, which the 2.x collection commands use.
constexpr std::array<std::string_view, 12> kPlainParams{
    "Cmd",          "User",       "DeviceId", "DeviceType", "AttachmentName", "CollectionId",
    "CollectionName", "ItemId",   "LongId",   "ParentId",   "Occurrence",     "SaveInSent",
};
enum : std::size_t { kCmd = 0, kUser = 1, kDeviceId = 2, kDeviceType = 3, kSaveInSent = 11 };

Result<EasRequest> parse_plain_form(std::string_view query, std::string_view header) {
    using R = Result<EasRequest>;
    EasRequest req;
    std::array<bool, kPlainParams.size()> seen{};
    std::string name_buf, value_buf;
    std::string_view name, value;
    while (!query.empty()) {
        std::size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) continue;  // "a=1&&b=2" and a trailing '&' are harmless
        std::size_t eq = pair.find('=');
        if (eq == std::string_view::npos) return R::fail("query parameter " + for_log(pair) + " has no '='");
        if (!decode_view(pair.substr(0, eq), true, name_buf, name) ||
            !decode_view(pair.substr(eq + 1), true, value_buf, value))
            return R::fail("bad %-escape in query parameter " + for_log(pair.substr(0, eq)));
        std::size_t idx = 0;
        while (idx < kPlainParams.size() && !iequals(kPlainParams[idx], name)) ++idx;
        if (idx == kPlainParams.size()) return R::fail("unknown query parameter " + for_log(name));
        std::string_view canon = kPlainParams[idx];
        if (seen[idx]) return R::fail("duplicate query parameter " + std::string(canon));
        seen[idx] = true;
        switch (idx) {
        case kCmd: {
            const Command* cmd = command_by_name(value);
            if (!cmd) return R::fail("unknown command " + for_log(value));
            req.cmd = std::string(cmd->name);
            break;
        }
        case kUser: {
            auto r = check_text("User", std::string(value), kEasMaxUser, false);
            if (!r) return R::fail(r.error());
            req.user = std::move(r.value());
            break;
        }
        case kDeviceId: {
            auto r = check_device_id(std::string(value));
            if (!r) return R::fail(r.error());
            req.device_id = std::move(r.value());
            break;
        }
        case kDeviceType: {
            auto r = check_text("DeviceType", std::string(value), kEasMaxDeviceType, false);
            if (!r) return R::fail(r.error());
            req.device_type = std::move(r.value());
            break;
        }
        case kSaveInSent:
            if (value != "T" && value != "F") return R::fail("SaveInSent is not T or F");
            req.params.emplace_back(std::string(canon), std::string(value));
            break;
        default: {
            auto r = check_text(canon, std::string(value), kEasMaxParamValue, true);
            if (!r) return R::fail(r.error());
            req.params.emplace_back(std::string(canon), std::move(r.value()));
            break;
        }
        }
    }
    // MS-ASHTTP marks all four required in the plain form. OPTIONS, the one
    // request without them, never reaches this parser.
    for (std::size_t idx : {kCmd, kUser, kDeviceId, kDeviceType})
        if (!seen[idx]) return R::fail("missing query parameter " + std::string(kPlainParams[idx]));

    if (header.empty()) return R::fail("missing MS-ASProtocolVersion header");
    auto v = parse_eas_protocol_version(header);
    if (!v) return R::fail(v.error());
    req.protocol_version = v.value();
    return req;
}

// The base64 alphabet has neither '&' nor '=' except as trailing padding;
// every plain query has a "name=value" with something after the '='.
bool looks_plain(std::string_view query) {
    if (query.find('&') != std::string_view::npos) return true;
    std::size_t eq = query.find('=');
    if (eq == std::string_view::npos) return false;
    return query.find_first_not_of('=', eq) != std::string_view::npos;
}

}  // namespace

Result<int> parse_eas_protocol_version(std::string_view header) {
    while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) header.remove_prefix(1);
    while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) header.remove_suffix(1);
    for (const auto& v : kVersions)
        if (header == v.text) return v.value;
    return Result<int>::fail("unsupported MS-ASProtocolVersion " + for_log(header));
}

Result<EasRequest> parse_eas_query(std::string_view target, std::string_view ms_asprotocolversion_header) {
    using R = Result<EasRequest>;
    if (target.size() > kEasMaxTarget)
        return R::fail("request target longer than " + std::to_string(kEasMaxTarget) + " bytes");
    // Only visible ASCII in a request-target (RFC 9112 3.2); '#' starts a
    // fragment, which a client never sends.
    for (char c : target) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f || c == '#') return R::fail("request target has a character not allowed in a URI");
    }
    std::size_t q = target.find('?');
    if (q == std::string_view::npos || q + 1 == target.size()) return R::fail("ActiveSync request without a query");
    std::string_view query = target.substr(q + 1);
    return looks_plain(query) ? parse_plain_form(query, ms_asprotocolversion_header)
                              : parse_base64_form(query, ms_asprotocolversion_header);
}

}  // namespace sentryd
