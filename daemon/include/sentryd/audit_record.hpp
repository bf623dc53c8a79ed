// The audit records of spec §5.19 (syslog facility audit, tag SENTRY_AUDIT):
// one REQUEST record when a device request is decided and one RESPONSE
// record with its status, both JSON on one line. Key spelling follows the
// guide's examples (camelCase: usecaseId, entryId, userId, deviceId); the
// choice and the field list are in docs/logging-sentryd.md.
//
// Rendering appends to a caller's buffer (reused per thread by the caller),
// so an audited request allocates nothing once the buffer has grown.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace sentryd {

// A random 128-bit id printed as a version-4 UUID. Not a secret, only
// unique: a per-thread SplitMix64 seeded once from std::random_device.
struct Guid {
    std::uint64_t hi = 0, lo = 0;
};
Guid next_guid();
// "<prefix>-xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" (the examples' E-/U- ids).
void append_guid(std::string& out, char prefix, const Guid& g);

// JSON string content (no quotes): ", \ and control characters escaped;
// bytes that are not valid UTF-8 become U+FFFD, so a hostile device id can
// neither end the string nor make the line invalid JSON.
void append_json_escaped(std::string& out, std::string_view s);

// publishTime as the guide prints it, MM/dd/yyyy H:mm:ss, in UTC.
void append_publish_time(std::string& out, std::int64_t unix_time);

enum class AuditAction { allow, block, none };
const char* audit_action_name(AuditAction a);

// What both records of one request carry.
struct AuditSubject {
    std::string_view user;
    std::string_view device_id;
    std::string_view device_type;
    std::string_view service_name;  // the ActiveSync service (empty: none was selected)
    std::string_view client_ip;     // printed with the guide's leading '/'
    int client_port = 0;
};

struct AuditRequest {
    std::string_view url;            // path only: the query repeats user/device and may carry a policy key
    std::string_view method;
    std::string_view forwarded_for;  // the device's X-Forwarded-For, if any
    AuditAction action = AuditAction::none;
    std::string_view server_host;    // the back end it was sent to (empty: none, the key is left out)
    int server_port = 0;
};

struct AuditResponse {
    unsigned status = 0;
    std::string_view server_host;  // the back end that answered (empty: answered locally)
    int server_port = 0;
    std::string_view sentry_host;  // our host name
    int sentry_port = 0;           // the port the device connected to
    std::string_view sentry_address;
    // Why no response reached the device (e.g. "device closed"; status 0
    // then); empty for a response that was sent, and the key is left out.
    std::string_view result;
};

// Each appends one record (no newline) to `out`.
void render_audit_request(std::string& out, const AuditSubject& s, const Guid& usecase, const Guid& entry,
                          std::int64_t now, const AuditRequest& r);
void render_audit_response(std::string& out, const AuditSubject& s, const Guid& usecase, const Guid& entry,
                           std::int64_t now, const AuditResponse& r);

}  // namespace sentryd
