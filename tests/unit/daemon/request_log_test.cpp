// Audit records (spec §5.19), debug-log filters, levels and ops.
#include "sentryd/audit_record.hpp"
#include "sentryd/debug_log.hpp"

#include <nlohmann/json.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace sentryd;
using nlohmann::json;

namespace {

json parse_record(const std::string& s) {
    json j = json::parse(s, nullptr, false);
    REQUIRE_MESSAGE(!j.is_discarded(), s);
    return j;
}

}  // namespace

TEST_CASE("audit REQUEST and RESPONSE records carry the spec fields, linked by usecaseId") {
    AuditSubject s{"jdoe", "DEV1", "iPhone", "default", "10.1.2.3", 40000};
    Guid usecase = next_guid();
    std::string out;
    render_audit_request(out, s, usecase, next_guid(), 1510089818,
                         {"/Microsoft-Server-ActiveSync", "POST", "", AuditAction::allow});
    json r = parse_record(out);
    CHECK(r["entryType"] == "REQUEST");
    CHECK(r["userId"] == "jdoe");
    CHECK(r["deviceId"] == "DEV1");
    CHECK(r["deviceType"] == "iPhone");
    CHECK(r["serviceType"] == "ACTIVE_SYNC");
    CHECK(r["serviceName"] == "default");
    CHECK(r["clientHost"] == "/10.1.2.3");
    CHECK(r["clientPort"] == 40000);
    CHECK(r["publishTime"] == "11/07/2017 21:23:38");  // MM/dd/yyyy H:mm:ss, UTC
    CHECK(r["requestUrl"] == "/Microsoft-Server-ActiveSync");
    CHECK(r["httpMethod"] == "POST");
    CHECK(r["action"] == "ALLOW");
    CHECK_FALSE(r.contains("forwardedFor"));
    std::string uc = r["usecaseId"];
    std::string eid = r["entryId"];
    CHECK(uc.rfind("U-", 0) == 0);
    CHECK(eid.rfind("E-", 0) == 0);
    CHECK(uc.size() == 38);
    CHECK(uc[16] == '4');  // version-4 UUID

    out.clear();
    render_audit_response(out, s, usecase, next_guid(), 1510089818,
                          {200, "ex.example.com", 443, "edge1", 4443, "127.0.0.1"});
    json p = parse_record(out);
    CHECK(p["entryType"] == "RESPONSE");
    CHECK(p["usecaseId"] == uc);
    CHECK(p["entryId"] != eid);
    CHECK(p["httpStatus"] == "200");  // a string, as in the guide's examples
    CHECK(p["serverHost"] == "ex.example.com");
    CHECK(p["serverPort"] == 443);
    CHECK(p["sentryHost"] == "edge1");
    CHECK(p["sentryPort"] == 4443);
    CHECK(p["sentryAddress"] == "127.0.0.1");
    CHECK_FALSE(p.contains("deviceType"));
    CHECK_FALSE(p.contains("action"));

    // Answered by sentryd itself: no server fields.
    out.clear();
    render_audit_response(out, s, usecase, next_guid(), 1510089818, {403, "", 0, "edge1", 4443, "127.0.0.1"});
    CHECK_FALSE(parse_record(out).contains("serverHost"));
}

TEST_CASE("a forwarded REQUEST names its back end where the guide's example does") {
    AuditSubject s{"jdoe", "DEV1", "iPhone", "default", "10.1.2.3", 40000};
    std::string out;
    render_audit_request(out, s, next_guid(), next_guid(), 1510089818,
                         {"/Microsoft-Server-ActiveSync", "POST", "", AuditAction::allow, "ex2013.example.com", 443});
    json r = parse_record(out);
    CHECK(r["serverHost"] == "ex2013.example.com");
    CHECK(r["serverPort"] == 443);
    // Key order of the example: ... entryId, serverHost, serverPort, requestUrl ...
    auto at = [&](const char* k) { return out.find(std::string("\"") + k + "\":"); };
    CHECK(at("entryId") < at("serverHost"));
    CHECK(at("serverHost") < at("serverPort"));
    CHECK(at("serverPort") < at("requestUrl"));

    // Never sent to a back end (none reachable, the device left first): no server keys.
    out.clear();
    render_audit_request(out, s, next_guid(), next_guid(), 0, {"/Microsoft-Server-ActiveSync", "POST", "", AuditAction::allow});
    CHECK_FALSE(parse_record(out).contains("serverHost"));
    CHECK_FALSE(parse_record(out).contains("serverPort"));
}

TEST_CASE("a request the parser refused: BLOCK with what is known, then the status sent") {
    AuditSubject s{"", "", "", "", "10.1.2.3", 40000};
    std::string out;
    render_audit_request(out, s, next_guid(), next_guid(), 0, {"", "", "", AuditAction::block});
    json r = parse_record(out);
    CHECK(r["action"] == "BLOCK");
    CHECK(r["requestUrl"] == "");
    CHECK(r["httpMethod"] == "");
    CHECK(r["userId"] == "");
    CHECK(r["clientHost"] == "/10.1.2.3");
    CHECK_FALSE(r.contains("serviceName"));
    out.clear();
    render_audit_response(out, s, next_guid(), next_guid(), 0, {431, "", 0, "edge1", 4443, "127.0.0.1"});
    json p = parse_record(out);
    CHECK(p["httpStatus"] == "431");
    CHECK_FALSE(p.contains("result"));
}

TEST_CASE("a RESPONSE that never reached the device: status 0 and why") {
    AuditSubject s{"jdoe", "DEV1", "iPhone", "default", "10.1.2.3", 40000};
    std::string out;
    render_audit_response(out, s, next_guid(), next_guid(), 0, {0, "", 0, "edge1", 4443, "127.0.0.1", "device closed"});
    json p = parse_record(out);
    CHECK(p["httpStatus"] == "0");
    CHECK(p["result"] == "device closed");
    CHECK_FALSE(p.contains("serverHost"));
    CHECK(out.back() == '}');
    CHECK(out.find("\"httpStatus\":\"0\",\"result\":\"device closed\"}") != std::string::npos);
}

TEST_CASE("hostile device ids and users cannot break the record") {
    std::string evil_user = "eve\",\"action\":\"ALLOW";
    std::string evil_dev = std::string("dev\\\n\r\t\x01\x7f") + "\xff\xc3(" + "\xe2\x82\xac";  // bad UTF-8 + a valid €
    AuditSubject s{evil_user, evil_dev, "T\"y", "", "::1", 1};
    std::string out;
    render_audit_request(out, s, next_guid(), next_guid(), 0, {"/x\"y", "PO\"ST", "1.2.3.4\", \"x", AuditAction::block});
    CHECK(out.find('\n') == std::string::npos);
    CHECK(out.find('\r') == std::string::npos);
    json r = parse_record(out);
    CHECK(r["userId"] == evil_user);
    CHECK(r["action"] == "BLOCK");
    CHECK(r["deviceType"] == "T\"y");
    CHECK(r["forwardedFor"] == "1.2.3.4\", \"x");
    std::string dev = r["deviceId"];
    CHECK(dev.rfind("dev\\\n\r\t\x01\x7f", 0) == 0);
    CHECK(dev.find("\xef\xbf\xbd") != std::string::npos);  // invalid bytes replaced
    CHECK(dev.find("\xe2\x82\xac") != std::string::npos);  // valid UTF-8 kept
    CHECK_FALSE(r.contains("serviceName"));
}

TEST_CASE("GUIDs differ and publishTime has an unpadded hour") {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        std::string s;
        append_guid(s, 'E', next_guid());
        seen.insert(s);
    }
    CHECK(seen.size() == 1000);
    std::string t;
    append_publish_time(t, 1509509639);  // 2017-11-01 04:13:59 UTC
    CHECK(t == "11/01/2017 4:13:59");
}

TEST_CASE("debug-log filters: none = everything, several OR-ed, values exact") {
    DebugLogSettings s;
    RequestIdentity alice{"DEV-A", "10.0.0.1", "alice", "default"};
    RequestIdentity bob{"DEV-B", "10.0.0.2", "bob", "default"};
    CHECK(debug_filter_match(s, alice));
    s.filters.push_back({"t1", FilterType::user_id, "alice"});
    CHECK(debug_filter_match(s, alice));
    CHECK_FALSE(debug_filter_match(s, bob));
    CHECK_FALSE(debug_filter_match(s, {"DEV-A", "10.0.0.1", "Alice", "default"}));  // case-sensitive
    s.filters.push_back({"t2", FilterType::device_ip, "10.0.0.2"});
    CHECK(debug_filter_match(s, bob));
    // App-tunnel attributes never match an ActiveSync request.
    DebugLogSettings t;
    t.filters.push_back({"b", FilterType::bundle_id, "com.x"});
    CHECK_FALSE(debug_filter_match(t, alice));
    // A disabled filter does not count; with none enabled everything is logged.
    t.filters[0].enabled = false;
    CHECK(debug_filter_match(t, alice));
}

TEST_CASE("debug-log ops edit the state all or nothing, bounded") {
    DebugLogSettings s;
    std::string data, code, message;
    auto op = [&](const std::string& name, const json& args) {
        data.clear(), code.clear(), message.clear();
        REQUIRE(handle_debug_log_op(s, name, args.dump(), data, code, message));
        return code.empty();
    };
    CHECK_FALSE(handle_debug_log_op(s, "devices.list", "{}", data, code, message));
    CHECK(op("log.enable", json::object()));
    CHECK(s.enabled);
    CHECK(s.side == LogSide::both);
    CHECK(op("log.enable", {{"log_from_to", "device"}}));
    CHECK(s.side == LogSide::device);
    CHECK_FALSE(op("log.enable", {{"log_from_to", "sideways"}}));
    CHECK(code == "invalid");
    CHECK(s.side == LogSide::device);
    CHECK(op("log.verbosity", {{"verbosity", 3}}));
    CHECK_FALSE(op("log.verbosity", {{"verbosity", 5}}));
    CHECK(s.verbosity == 3);
    CHECK(op("log.filter", {{"tag", "K"}, {"type", "user-id"}, {"value", "ksmith"}}));
    CHECK(op("log.filter", {{"tag", "K"}, {"type", "device-id"}, {"value", "D1"}}));
    CHECK(op("log.filter", {{"tag", "K"}, {"type", "device-id"}, {"value", "D1"}}));  // duplicate: no second copy
    CHECK(op("log.filter", {{"tag", "L"}, {"type", "user-id"}, {"value", "x"}}));
    CHECK(s.filters.size() == 3);
    CHECK_FALSE(op("log.filter", {{"tag", "K"}, {"type", "colour"}, {"value", "x"}}));
    CHECK_FALSE(op("log.filter", {{"tag", std::string(65, 'a')}, {"type", "user-id"}, {"value", "x"}}));
    CHECK_FALSE(op("log.filter", {{"tag", "a b"}, {"type", "user-id"}, {"value", "x"}}));
    CHECK_FALSE(op("log.filter", {{"tag", "a"}, {"type", "user-id"}, {"value", std::string(257, 'v')}}));
    CHECK(op("log.filter_remove", {{"tag", "K"}}));  // every filter with the tag
    CHECK(s.filters.size() == 1);
    CHECK_FALSE(op("log.filter_remove", {{"tag", "K"}}));
    CHECK(code == "not_found");
    for (int i = 0; s.filters.size() < kMaxDebugFilters; ++i)
        REQUIRE(op("log.filter", {{"tag", "m"}, {"type", "user-id"}, {"value", "u" + std::to_string(i)}}));
    CHECK_FALSE(op("log.filter", {{"tag", "m"}, {"type", "user-id"}, {"value", "one-too-many"}}));
    CHECK(op("log.disable", json::object()));
    CHECK_FALSE(s.enabled);
    CHECK(s.verbosity == 3);  // kept for the next enable

    // log.get reports; log.set replaces the whole state (MICS re-push).
    CHECK(op("log.get", json::object()));
    json state = json::parse(data);
    CHECK(state["enabled"] == false);
    CHECK(state["log_from_to"] == "device");
    CHECK(state["filters"].size() == kMaxDebugFilters);
    DebugLogSettings fresh;
    std::string d2, c2, m2;
    REQUIRE(handle_debug_log_op(fresh, "log.set", state.dump(), d2, c2, m2));
    CHECK(c2.empty());
    CHECK(json::parse(d2) == state);
}

TEST_CASE("debug-log levels: headers masked, bodies from level 3, WBXML as hex, cut at the limit") {
    CHECK(is_masked_header("Authorization"));
    CHECK(is_masked_header("cookie"));
    CHECK(is_masked_header("Set-Cookie"));
    CHECK_FALSE(is_masked_header("Content-Type"));
    std::string out;
    append_debug_header(out, "Authorization", "Basic dXNlcjpwYXNzd29yZA==");
    CHECK(out == "  Authorization: Basic ********\n");
    out.clear();
    append_debug_header(out, "Cookie", "session=abc def");
    CHECK(out == "  Cookie: ********\n");
    out.clear();
    append_debug_header(out, "X-Evil", "a\r\nInjected: 1");
    CHECK(out == "  X-Evil: a  Injected: 1\n");

    out.clear();
    append_debug_body(out, "hello", false, 2);
    CHECK(out.empty());
    append_debug_body(out, std::string("\x03\x01\x6a\x00", 4), true, 3);
    CHECK(out == "  03016a00\n");
    out.clear();
    append_debug_body(out, "line1\nline2", false, 3);
    CHECK(out == "  line1\n  line2\n");
    out.clear();
    std::string big(kDebugBodyLevel3 + 10, 'x');
    append_debug_body(out, big, false, 3);
    CHECK(out.find("[body cut: 4096 of 4106 bytes shown]") != std::string::npos);
    out.clear();
    append_debug_body(out, big, false, 4);
    CHECK(out.find("body cut") == std::string::npos);
}
