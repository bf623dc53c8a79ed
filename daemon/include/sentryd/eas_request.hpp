// Understanding of one ActiveSync request line: which command, for which
// device and user, in which protocol version. Pure: no I/O, no allocation
// beyond the result, bounded in every length, never throws on bad input, so
// it can face raw device bytes and a fuzzer (daemon/fuzz/).
//
// Where in the request flow: the router (router.hpp, `classify`) has already
// decided the path is /Microsoft-Server-ActiveSync (any case) and the method
// is POST. OPTIONS carries no command and is answered without parsing the
// query; Autodiscover is a separate path (also `classify`). So this parser
// does not look at the path; it parses what follows the first '?'.
#pragma once
#include "sentryd/result.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sentryd {

struct EasRequest {
    std::string cmd;          // canonical MS-ASCMD spelling, e.g. "Sync"
    std::string user;         // as sent (e.g. "DOMAIN\jdoe"); may be empty in the base64 form
    std::string device_id;
    std::string device_type;
    std::string locale;       // base64 form only: LCID as "0x0409"; empty in the plain form
    int protocol_version = 0; // 141 for "14.1"
    // Base64 form only (the plain form sends X-MS-PolicyKey as a header).
    std::optional<std::uint32_t> policy_key;
    // Command parameters with canonical names: AttachmentName, CollectionId,
    // CollectionName, ItemId, LongId, ParentId, Occurrence, SaveInSent ("T"/"F"),
    // AcceptMultiPart ("T", base64 Options bit only). Order as sent.
    std::vector<std::pair<std::string, std::string>> params;
    bool base64_form = false;
};

// Limits. Generous next to anything a real device sends, small next to the
// header limit, so a hostile target costs little.
inline constexpr std::size_t kEasMaxTarget = 2048;
inline constexpr std::size_t kEasMaxDeviceId = 128;
inline constexpr std::size_t kEasMaxDeviceType = 128;
inline constexpr std::size_t kEasMaxUser = 256;
inline constexpr std::size_t kEasMaxParamValue = 1024;

// `target` is the request-target ("/Microsoft-Server-ActiveSync?Cmd=..." or
// "/Microsoft-Server-ActiveSync?<base64>"); `ms_asprotocolversion_header` is
// the MS-ASProtocolVersion header value, empty when absent. Any error is a
// reason for a 400, worded for the log.
Result<EasRequest> parse_eas_query(std::string_view target, std::string_view ms_asprotocolversion_header);

// "14.1" -> 141 for the versions MS-ASHTTP defines (2.0 2.1 2.5 12.0 12.1
// 14.0 14.1 16.0 16.1); surrounding spaces/tabs allowed. Exposed for tests
// and for the proxy, which echoes the version into its audit record.
Result<int> parse_eas_protocol_version(std::string_view header);

}  // namespace sentryd
