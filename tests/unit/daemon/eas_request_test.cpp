#include "sentryd/eas_request.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

using sentryd::EasRequest;
using sentryd::parse_eas_protocol_version;
using sentryd::parse_eas_query;

namespace {

constexpr std::string_view kPath = "/Microsoft-Server-ActiveSync?";

std::string b64(std::string_view bytes, bool pad = true) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8 |
                          static_cast<unsigned char>(bytes[i + 2]);
        for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
    }
    std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        if (pad) out += "==";
    } else if (rest == 2) {
        std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        if (pad) out += "=";
    }
    return out;
}

// Builds an MS-ASHTTP 2.2.1.1.1.1 blob.
struct Blob {
    std::string bytes;
    Blob(unsigned version, unsigned code, std::uint16_t locale = 0x0409) {
        bytes += static_cast<char>(version);
        bytes += static_cast<char>(code);
        bytes += static_cast<char>(locale & 0xff);
        bytes += static_cast<char>(locale >> 8);
    }
    Blob& counted(std::string_view s) {
        bytes += static_cast<char>(s.size());
        bytes += s;
        return *this;
    }
    Blob& policy_key(std::uint32_t k) {
        bytes += '\x04';
        for (int i = 0; i < 4; ++i) bytes += static_cast<char>((k >> (8 * i)) & 0xff);
        return *this;
    }
    Blob& param(unsigned tag, std::string_view v) {
        bytes += static_cast<char>(tag);
        return counted(v);
    }
    std::string target(bool pad = true) const { return std::string(kPath) + b64(bytes, pad); }
};

std::string with(std::string_view query) { return std::string(kPath) + std::string(query); }

}  // namespace

TEST_CASE("eas: plain form happy path") {
    auto r = parse_eas_query(with("Cmd=Sync&User=jdoe&DeviceId=ABC123&DeviceType=iPhone"), "14.1");
    REQUIRE_MESSAGE(r.ok(), r.error());
    CHECK(r->cmd == "Sync");
    CHECK(r->user == "jdoe");
    CHECK(r->device_id == "ABC123");
    CHECK(r->device_type == "iPhone");
    CHECK(r->protocol_version == 141);
    CHECK_FALSE(r->policy_key);
    CHECK(r->locale.empty());
    CHECK(r->params.empty());
    CHECK_FALSE(r->base64_form);
}

TEST_CASE("eas: plain form percent-decoding, any name case, canonical spellings") {
    auto r = parse_eas_query(
        with("cmd=smartreply&USER=CONTOSO%5Cj%2Edoe&deviceid=Appl%2DF17&DeviceType=Android+Phone"
             "&itemid=5%3A12&CollectionId=5&saveinsent=T"),
        " 16.1\t");
    REQUIRE_MESSAGE(r.ok(), r.error());
    CHECK(r->cmd == "SmartReply");
    CHECK(r->user == "CONTOSO\\j.doe");
    CHECK(r->device_id == "Appl-F17");
    CHECK(r->device_type == "Android Phone");  // '+' is a space, as Exchange reads it
    CHECK(r->protocol_version == 161);
    REQUIRE(r->params.size() == 3);
    CHECK(r->params[0] == std::pair<std::string, std::string>("ItemId", "5:12"));
    CHECK(r->params[1] == std::pair<std::string, std::string>("CollectionId", "5"));
    CHECK(r->params[2] == std::pair<std::string, std::string>("SaveInSent", "T"));

    // UTF-8 user names pass; empty segments and a trailing '&' are harmless.
    auto u = parse_eas_query(with("Cmd=Ping&&User=j%C3%B6rg&DeviceId=d1&DeviceType=t&"), "14.0");
    REQUIRE_MESSAGE(u.ok(), u.error());
    CHECK(u->user == "j\xC3\xB6rg");
    CHECK(u->cmd == "Ping");

    // Every MS-ASCMD command name is known, also the 2.x and 16.1 ones.
    for (std::string_view c : {"Sync", "SendMail", "SmartForward", "SmartReply", "GetAttachment", "GetHierarchy",
                               "CreateCollection", "DeleteCollection", "MoveCollection", "FolderSync", "FolderCreate",
                               "FolderDelete", "FolderUpdate", "MoveItems", "GetItemEstimate", "MeetingResponse",
                               "Search", "Settings", "Ping", "ItemOperations", "Provision", "ResolveRecipients",
                               "ValidateCert", "Find"}) {
        auto k = parse_eas_query(with("Cmd=" + std::string(c) + "&User=u&DeviceId=d&DeviceType=t"), "2.5");
        REQUIRE_MESSAGE(k.ok(), k.error());
        CHECK(k->cmd == c);
    }
}

TEST_CASE("eas: plain form rejections") {
    auto fails = [](std::string_view query, std::string_view header = "14.1") {
        auto r = parse_eas_query(with(query), header);
        CHECK_FALSE(r.ok());
        if (!r.ok()) CHECK_FALSE(r.error().empty());
        return r.ok() ? std::string() : r.error();
    };
    // missing required parameters (User too: only OPTIONS goes without, and it is not parsed)
    CHECK(fails("User=u&DeviceId=d&DeviceType=t").find("Cmd") != std::string::npos);
    CHECK(fails("Cmd=Sync&DeviceId=d&DeviceType=t").find("User") != std::string::npos);
    CHECK(fails("Cmd=Sync&User=u&DeviceType=t").find("DeviceId") != std::string::npos);
    CHECK(fails("Cmd=Sync&User=u&DeviceId=d").find("DeviceType") != std::string::npos);
    // duplicates, also in another case or %-encoded
    CHECK(fails("Cmd=Sync&User=u&DeviceId=d&DeviceType=t&cmd=Ping").find("duplicate") != std::string::npos);
    fails("Cmd=Sync&User=u&DeviceId=d&DeviceType=t&%44eviceId=e");
    // unknown parameter, unknown command, empty values
    CHECK(fails("Cmd=Sync&User=u&DeviceId=d&DeviceType=t&Foo=1").find("unknown query parameter") != std::string::npos);
    CHECK(fails("Cmd=Launch&User=u&DeviceId=d&DeviceType=t").find("unknown command") != std::string::npos);
    fails("Cmd=&User=u&DeviceId=d&DeviceType=t");
    fails("Cmd=Sync&User=&DeviceId=d&DeviceType=t");
    fails("Cmd=Sync&User=u&DeviceId=&DeviceType=t");
    fails("Cmd=Sync&User=u&DeviceId=d&DeviceType=");
    // malformed pairs and escapes
    fails("Cmd=Sync&User&DeviceId=d&DeviceType=t");
    fails("Cmd=Sync&User=u%&DeviceId=d&DeviceType=t");
    fails("Cmd=Sync&User=u%4&DeviceId=d&DeviceType=t");
    fails("Cmd=Sync&User=u%zz&DeviceId=d&DeviceType=t");
    // control characters, invalid UTF-8, device-id characters
    fails("Cmd=Sync&User=u%0Aforged&DeviceId=d&DeviceType=t");
    fails("Cmd=Sync&User=u%00&DeviceId=d&DeviceType=t");
    fails("Cmd=Sync&User=%C3%28&DeviceId=d&DeviceType=t");
    fails("Cmd=Sync&User=%C0%AF&DeviceId=d&DeviceType=t");  // overlong '/'
    fails("Cmd=Sync&User=u&DeviceId=a%2Cb&DeviceType=t");   // comma
    fails("Cmd=Sync&User=u&DeviceId=a+b&DeviceType=t");     // space
    fails("Cmd=SendMail&User=u&DeviceId=d&DeviceType=t&SaveInSent=yes");
    // field bounds
    fails("Cmd=Sync&User=u&DeviceId=" + std::string(129, 'a') + "&DeviceType=t");
    CHECK(parse_eas_query(with("Cmd=Sync&User=u&DeviceId=" + std::string(128, 'a') + "&DeviceType=t"), "14.1").ok());
    fails("Cmd=Sync&User=" + std::string(257, 'u') + "&DeviceId=d&DeviceType=t");
    // version header missing or unknown
    CHECK(fails("Cmd=Sync&User=u&DeviceId=d&DeviceType=t", "").find("MS-ASProtocolVersion") != std::string::npos);
    fails("Cmd=Sync&User=u&DeviceId=d&DeviceType=t", "15.0");
}

TEST_CASE("eas: target-level rejections") {
    CHECK_FALSE(parse_eas_query("/Microsoft-Server-ActiveSync", "14.1").ok());
    CHECK_FALSE(parse_eas_query("/Microsoft-Server-ActiveSync?", "14.1").ok());
    CHECK_FALSE(parse_eas_query("", "").ok());
    CHECK_FALSE(parse_eas_query(with("Cmd=Sync&User=u u&DeviceId=d&DeviceType=t"), "14.1").ok());
    CHECK_FALSE(parse_eas_query(with("Cmd=Sync&User=u&DeviceId=d&DeviceType=t#frag"), "14.1").ok());
    CHECK_FALSE(parse_eas_query(with("Cmd=Sync&User=\xC3\xB6&DeviceId=d&DeviceType=t"), "14.1").ok());

    // Over-long target: rejected before any parsing, whatever it holds.
    std::string base = with("Cmd=Sync&User=u&DeviceId=d&DeviceType=t&ItemId=");
    base += std::string(1000, 'x') + "&LongId=";
    std::string at_limit = base + std::string(sentryd::kEasMaxTarget - base.size(), 'x');
    auto ok = parse_eas_query(at_limit, "14.1");
    CHECK_MESSAGE(ok.ok(), ok.error());
    auto r = parse_eas_query(at_limit + "x", "14.1");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().find("longer than") != std::string::npos);
    CHECK_FALSE(parse_eas_query(std::string(kPath) + std::string(100000, 'A'), "").ok());
}

TEST_CASE("eas: protocol version header") {
    struct Case {
        std::string_view text;
        int value;
    };
    for (auto c : {Case{"2.0", 20}, Case{"2.1", 21}, Case{"2.5", 25}, Case{"12.0", 120}, Case{"12.1", 121},
                   Case{"14.0", 140}, Case{"14.1", 141}, Case{"16.0", 160}, Case{"16.1", 161}, Case{" 14.1 ", 141}}) {
        auto r = parse_eas_protocol_version(c.text);
        REQUIRE_MESSAGE(r.ok(), r.error());
        CHECK(r.value() == c.value);
    }
    for (std::string_view bad : {"", "14", "14.10", "14,1", "1.0", "16.2", "v14.1", "14.1.0", "141", "14.1x"})
        CHECK_FALSE(parse_eas_protocol_version(bad).ok());
}

TEST_CASE("eas: base64 form Sync") {
    Blob blob(141, 0);
    blob.counted("ABC123").counted("").counted("iPhone");
    auto r = parse_eas_query(blob.target(), "");
    REQUIRE_MESSAGE(r.ok(), r.error());
    CHECK(r->base64_form);
    CHECK(r->cmd == "Sync");
    CHECK(r->protocol_version == 141);
    CHECK(r->locale == "0x0409");
    CHECK(r->device_id == "ABC123");
    CHECK(r->device_type == "iPhone");
    CHECK(r->user.empty());  // the base64 form may omit User; the proxy takes it from Authorization
    CHECK_FALSE(r->policy_key);
    CHECK(r->params.empty());

    // Padding is optional, and a matching header is fine.
    auto unpadded = parse_eas_query(blob.target(false), "14.1");
    REQUIRE_MESSAGE(unpadded.ok(), unpadded.error());
    CHECK(unpadded->device_id == "ABC123");
    // A disagreeing header is not.
    CHECK_FALSE(parse_eas_query(blob.target(), "12.1").ok());
    CHECK_FALSE(parse_eas_query(blob.target(), "bogus").ok());
}

TEST_CASE("eas: base64 form Ping with policy key and User") {
    Blob blob(121, 18, 0x0407);
    blob.counted("SEC1234ABCD").policy_key(3942919513u).counted("SAMSUNGSMG960F").param(8, "jdoe@contoso.com");
    auto r = parse_eas_query(blob.target(), "");
    REQUIRE_MESSAGE(r.ok(), r.error());
    CHECK(r->cmd == "Ping");
    CHECK(r->protocol_version == 121);
    CHECK(r->locale == "0x0407");
    REQUIRE(r->policy_key);
    CHECK(*r->policy_key == 3942919513u);
    CHECK(r->user == "jdoe@contoso.com");
    CHECK(r->params.empty());
}

TEST_CASE("eas: base64 form GetAttachment, SmartReply options, binary device id") {
    Blob att(140, 4);
    att.counted("dev1").counted("").counted("PocketPC").param(0, "5:3:0");
    auto r = parse_eas_query(att.target(), "");
    REQUIRE_MESSAGE(r.ok(), r.error());
    CHECK(r->cmd == "GetAttachment");
    REQUIRE(r->params.size() == 1);
    CHECK(r->params[0] == std::pair<std::string, std::string>("AttachmentName", "5:3:0"));

    Blob reply(141, 3);
    reply.counted("dev1").counted("").counted("SP").param(1, "5").param(3, "5:12").param(6, "2024-01-01").param(7, "\x01");
    auto s = parse_eas_query(reply.target(), "");
    REQUIRE_MESSAGE(s.ok(), s.error());
    CHECK(s->cmd == "SmartReply");
    REQUIRE(s->params.size() == 4);
    CHECK(s->params[0].first == "CollectionId");
    CHECK(s->params[1] == std::pair<std::string, std::string>("ItemId", "5:12"));
    CHECK(s->params[2].first == "Occurrence");
    CHECK(s->params[3] == std::pair<std::string, std::string>("SaveInSent", "T"));

    Blob items(141, 19);
    items.counted("dev1").counted("").counted("SP").param(7, "\x02");
    auto io = parse_eas_query(items.target(), "");
    REQUIRE_MESSAGE(io.ok(), io.error());
    REQUIRE(io->params.size() == 1);
    CHECK(io->params[0] == std::pair<std::string, std::string>("AcceptMultiPart", "T"));

    // A binary GUID device id (Windows Mobile) becomes upper-case hex.
    Blob guid(121, 9);
    guid.counted(std::string("\x01\x23\x45\x67\x89\xab\xcd\xef\x00\x11\x22\x33\x44\x55\x66\x77", 16))
        .counted("")
        .counted("PocketPC");
    auto g = parse_eas_query(guid.target(), "");
    REQUIRE_MESSAGE(g.ok(), g.error());
    CHECK(g->cmd == "FolderSync");
    CHECK(g->device_id == "0123456789ABCDEF0011223344556677");

    // Devices that %-encode the base64 specials are understood.
    std::string t = reply.target();
    std::string enc;
    for (char c : t.substr(kPath.size()))
        enc += c == '+' ? std::string("%2B") : c == '/' ? std::string("%2F") : c == '=' ? std::string("%3D") : std::string(1, c);
    auto e = parse_eas_query(std::string(kPath) + enc, "");
    REQUIRE_MESSAGE(e.ok(), e.error());
    CHECK(e->cmd == "SmartReply");
}

TEST_CASE("eas: base64 form rejections") {
    auto fails = [](const Blob& b) {
        auto r = parse_eas_query(b.target(), "");
        CHECK_FALSE(r.ok());
        return r.ok() ? std::string() : r.error();
    };
    auto base = [](unsigned version, unsigned code) {
        Blob b(version, code);
        b.counted("dev").counted("").counted("SP");
        return b;
    };
    CHECK(fails(base(99, 0)).find("version") != std::string::npos);
    CHECK(fails(base(141, 5)).find("command code") != std::string::npos);  // unassigned
    fails(base(141, 23));
    fails(base(141, 255));
    CHECK(fails(Blob(base(141, 0)).param(2, "x")).find("tag") != std::string::npos);  // unassigned tag
    fails(Blob(base(141, 0)).param(9, "x"));
    CHECK(fails(Blob(base(141, 0)).param(1, "a").param(1, "b")).find("duplicate") != std::string::npos);
    fails(Blob(base(141, 1)).param(7, "\x04"));    // unknown Options bit
    fails(Blob(base(141, 1)).param(7, ""));        // Options must be one byte
    fails(Blob(base(141, 1)).param(7, "\x01\x01"));
    fails(Blob(base(141, 0)).param(8, "j\ndoe"));  // control character in User
    fails(Blob(base(141, 0)).param(1, "\xff"));    // not UTF-8

    Blob no_id(141, 0);
    fails(no_id.counted("").counted("").counted("SP"));
    Blob no_type(141, 0);
    fails(no_type.counted("dev").counted("").counted(""));
    Blob bad_key(141, 0);
    CHECK(fails(bad_key.counted("dev").counted("\x01\x02").counted("SP")).find("policy key") != std::string::npos);
    Blob long_bin_id(141, 0);
    fails(long_bin_id.counted(std::string(65, '\x01')).counted("").counted("SP"));
}

TEST_CASE("eas: every prefix of a valid base64 blob is an error, never a crash") {
    Blob blob(141, 2);
    blob.counted("ApplF17ABCDEF").policy_key(0x01020304).counted("iPhone").param(1, "5").param(3, "5:1").param(7, "\x03")
        .param(8, "jdoe");
    auto full = parse_eas_query(blob.target(), "");
    REQUIRE_MESSAGE(full.ok(), full.error());
    CHECK(full->params.size() == 4);  // CollectionId, ItemId, SaveInSent, AcceptMultiPart

    // Prefixes ending exactly after a whole parameter are themselves valid
    // requests (the parameter list simply ends there); all others must fail.
    std::size_t params_start = 4 + 1 + 13 + 1 + 4 + 1 + 6;
    std::size_t whole[] = {params_start, params_start + 3, params_start + 3 + 5, params_start + 3 + 5 + 3};
    for (std::size_t n = 0; n < blob.bytes.size(); ++n) {
        Blob cut = blob;
        cut.bytes.resize(n);
        for (bool pad : {true, false}) {
            auto r = parse_eas_query(cut.target(pad), "");
            bool expect_ok = false;
            for (std::size_t w : whole) expect_ok = expect_ok || n == w;
            CAPTURE(n);
            CHECK(r.ok() == expect_ok);
            if (!r.ok()) CHECK_FALSE(r.error().empty());
        }
    }
}

TEST_CASE("eas: bad base64") {
    Blob blob(141, 0);
    blob.counted("dev").counted("").counted("SPX");  // 13 bytes: the last group is "xx=="
    std::string good = b64(blob.bytes);
    REQUIRE(good.substr(good.size() - 2) == "==");
    REQUIRE(parse_eas_query(std::string(kPath) + good, "").ok());

    auto bad = [](std::string q) {
        CAPTURE(q);
        CHECK_FALSE(parse_eas_query(std::string(kPath) + q, "").ok());
    };
    bad(good + "=");                            // too much padding
    bad(good.substr(0, good.size() - 1));       // wrong padding count
    bad(good + "A");                            // length % 4 == 1
    bad("jQA*" + good.substr(4));               // character outside the alphabet
    bad("jQA-" + good.substr(4));               // URL-safe alphabet is not accepted
    bad(good.substr(0, 4) + "=" + good.substr(5));  // '=' in the middle
    bad("====");
    bad("=");
    bad("%");
    bad("%2");
    // Non-zero leftover bits: "jR" decodes like "jQ" in lax decoders.
    std::string lax = good;
    std::size_t last = lax.find('=') - 1;
    std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    lax[last] = alphabet[alphabet.find(lax[last]) | 1];
    bad(lax);
}
