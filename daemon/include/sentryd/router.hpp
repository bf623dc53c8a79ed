// Decides what to do with one device request. Pure: no sockets, no I/O, so
// every routing rule has a unit test.
#pragma once
#include "sentryd/proxy_config.hpp"

#include <string_view>

namespace sentryd {

enum class Route { activesync, autodiscover, not_found };

// What the session should answer. Today every decision is a local answer;
// later `proxy` decisions will carry the chosen backend.
struct Decision {
    Route route = Route::not_found;
    unsigned status = 404;
    std::string_view body;  // static text, valid for the program's lifetime
    int retry_after_s = 0;  // > 0: send Retry-After
    bool malformed = false;  // an ActiveSync request we could not parse (counted)
};

// Exchange matches its virtual directories case-insensitively, and devices
// differ in case (e.g. /Autodiscover/Autodiscover.xml), so we do too.
// The query string (?Cmd=...&User=...) does not affect the route.
Route classify(std::string_view method, std::string_view target);

// protocol_version: the MS-ASProtocolVersion header (plain-form requests need it).
// A POST to ActiveSync whose query does not parse is answered 400 before any
// backend is considered, so a malformed request never reaches a mail server.
Decision decide(std::string_view method, std::string_view target, const ProxyConfig& config,
                std::string_view protocol_version = {});

}  // namespace sentryd
