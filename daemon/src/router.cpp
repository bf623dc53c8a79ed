#include "sentryd/router.hpp"
#include "sentryd/ascii.hpp"

#include "sentryd/eas_request.hpp"


namespace sentryd {

namespace {

constexpr std::string_view kActiveSyncPath = "/Microsoft-Server-ActiveSync";
constexpr std::string_view kAutodiscoverPath = "/autodiscover/autodiscover.xml";

// Path part of an origin-form target ("/path?query"). Absolute-form targets
// ("https://host/path") are only sent to forward proxies; they fall to 404.
std::string_view path_of(std::string_view target) {
    // A loop, not find_first_of("?#"), which calls memchr per character.
    for (std::size_t i = 0; i < target.size(); ++i)
        if (target[i] == '?' || target[i] == '#') return target.substr(0, i);
    return target;
}

}  // namespace

Route classify(std::string_view method, std::string_view target) {
    std::string_view path = path_of(target);
    // Some clients add a trailing slash to the virtual directory.
    std::string_view trimmed = path.size() > 1 && path.back() == '/' ? path.substr(0, path.size() - 1) : path;
    if (iequals(trimmed, kActiveSyncPath) && (method == "OPTIONS" || method == "POST"))
        return Route::activesync;
    if (iequals(path, kAutodiscoverPath)) return Route::autodiscover;
    return Route::not_found;
}

Decision decide(std::string_view method, std::string_view target, const ProxyConfig& config,
                std::string_view protocol_version, std::string_view host) {
    Decision d;
    d.route = classify(method, target);
    if (d.route == Route::activesync && method == "POST") {
        auto eas = parse_eas_query(target, protocol_version);
        if (!eas) {
            d.status = 400;
            d.body = "malformed ActiveSync request\n";
            d.malformed = true;
            return d;
        }
        d.ping = eas->cmd == "Ping";
        d.long_poll = d.ping || eas->cmd == "Sync";
        d.user = eas->user;
        d.eas = std::move(eas.value());
    }
    switch (d.route) {
    case Route::activesync:
    case Route::autodiscover: {
        const ActiveSyncService* svc =
            config.activesync.enabled ? config.service_for_host(host) : nullptr;
        if (!svc || svc->servers.empty()) {
            // Devices back off and retry on 503 + Retry-After instead of
            // prompting the user for new credentials.
            d.status = 503;
            d.body = config.activesync.enabled ? "no ActiveSync server configured\n"
                                               : "ActiveSync is disabled\n";
            d.retry_after_s = 60;
            return d;
        }
        d.service = svc;
        d.status = 0;
        return d;
    }
    case Route::not_found:
        break;
    }
    d.status = 404;
    d.body = "not found\n";
    return d;
}

}  // namespace sentryd
