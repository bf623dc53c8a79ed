// Decides what to do with one device request. Pure: no sockets, no I/O, so
// every routing rule has a unit test.
#pragma once
#include "sentryd/eas_request.hpp"
#include "sentryd/proxy_config.hpp"

#include <optional>

#include <string_view>

namespace sentryd {

enum class Route { activesync, autodiscover, not_found };

// What the session should do: forward to `service` (proxy), or answer
// locally with `status`.
struct Decision {
    Route route = Route::not_found;
    unsigned status = 404;
    std::string_view body;  // static text, valid for the program's lifetime
    int retry_after_s = 0;  // > 0: send Retry-After
    bool malformed = false;  // an ActiveSync request we could not parse (counted)
    // Forward to this service of the snapshot (status/body unused then).
    const ActiveSyncService* service = nullptr;
    // Ping or Sync: the back end may hold it (Timeouts::held instead of response).
    bool long_poll = false;
    bool ping = false;  // Cmd=Ping (counted as held while the back end holds it)
    std::string user;  // EAS user, when the query names one (451 redirects are kept per user)
    std::optional<EasRequest> eas;  // the parsed query of an ActiveSync POST (device policy)
};

// Exchange matches its virtual directories case-insensitively, and devices
// differ in case (e.g. /Autodiscover/Autodiscover.xml), so we do too.
// The query string (?Cmd=...&User=...) does not affect the route.
Route classify(std::string_view method, std::string_view target);

// protocol_version: the MS-ASProtocolVersion header (plain-form requests need it).
// host: the Host header, which selects the ActiveSync service (else `default`).
// A POST to ActiveSync whose query does not parse is answered 400 before any
// backend is considered, so a malformed request never reaches a mail server.
Decision decide(std::string_view method, std::string_view target, const ProxyConfig& config,
                std::string_view protocol_version = {}, std::string_view host = {});

}  // namespace sentryd
