#include "sentryd/router.hpp"

#include <doctest/doctest.h>

using sentryd::classify;
using sentryd::decide;
using sentryd::ProxyConfig;
using sentryd::Route;

TEST_CASE("router: ActiveSync path, any case and query, OPTIONS or POST") {
    CHECK(classify("OPTIONS", "/Microsoft-Server-ActiveSync") == Route::activesync);
    CHECK(classify("POST", "/Microsoft-Server-ActiveSync?Cmd=Ping&User=a&DeviceId=b&DeviceType=c") ==
          Route::activesync);
    CHECK(classify("POST", "/microsoft-server-activesync?Cmd=Sync") == Route::activesync);
    CHECK(classify("OPTIONS", "/MICROSOFT-SERVER-ACTIVESYNC/") == Route::activesync);
    CHECK(classify("GET", "/Microsoft-Server-ActiveSync") == Route::not_found);
    CHECK(classify("POST", "/Microsoft-Server-ActiveSyncX") == Route::not_found);
    CHECK(classify("POST", "/Microsoft-Server-ActiveSync/extra") == Route::not_found);
}

TEST_CASE("router: autodiscover and everything else") {
    CHECK(classify("POST", "/autodiscover/autodiscover.xml") == Route::autodiscover);
    CHECK(classify("GET", "/Autodiscover/Autodiscover.xml") == Route::autodiscover);
    CHECK(classify("GET", "/") == Route::not_found);
    CHECK(classify("GET", "/favicon.ico") == Route::not_found);
    CHECK(classify("GET", "https://host/Microsoft-Server-ActiveSync") == Route::not_found);
    CHECK(classify("GET", "") == Route::not_found);
}

TEST_CASE("router: 503 with Retry-After while no ActiveSync server is configured") {
    ProxyConfig empty;
    auto d = decide("OPTIONS", "/Microsoft-Server-ActiveSync", empty);
    CHECK(d.status == 503);
    CHECK(d.retry_after_s == 60);
    CHECK(d.body.find("no ActiveSync server configured") != std::string_view::npos);
    CHECK(decide("POST", "/autodiscover/autodiscover.xml", empty).status == 503);
    auto nf = decide("GET", "/nope", empty);
    CHECK(nf.status == 404);
    CHECK(nf.retry_after_s == 0);
}

TEST_CASE("router: configured servers are forwarded to the service") {
    ProxyConfig cfg;
    cfg.activesync.services.push_back({});
    cfg.activesync.services.back().name = "default";
    cfg.activesync.services.back().servers.push_back({"mail.example.com", 443});
    auto d = decide("POST", "/Microsoft-Server-ActiveSync?Cmd=Ping&User=u&DeviceId=d1&DeviceType=t", cfg, "14.1");
    CHECK(d.service == &cfg.activesync.services[0]);
    CHECK(d.route == Route::activesync);
    CHECK(d.ping);
    CHECK(d.long_poll);
    CHECK(d.user == "u");
    auto sync = decide("POST", "/Microsoft-Server-ActiveSync?Cmd=Sync&User=u&DeviceId=d1&DeviceType=t", cfg, "14.1");
    CHECK(sync.long_poll);
    CHECK_FALSE(sync.ping);
    auto fs = decide("POST", "/Microsoft-Server-ActiveSync?Cmd=FolderSync&User=u&DeviceId=d1&DeviceType=t", cfg, "14.1");
    CHECK_FALSE(fs.long_poll);
    CHECK(decide("OPTIONS", "/Microsoft-Server-ActiveSync", cfg).service != nullptr);
    CHECK(decide("GET", "/nope", cfg).status == 404);
}

TEST_CASE("router: the Host header selects the service, else default") {
    ProxyConfig cfg;
    sentryd::ActiveSyncService def, other;
    def.name = "default";
    def.servers.push_back({"mail1", 443});
    other.name = "o365";
    other.hosts = {"eas.example.com"};
    other.servers.push_back({"outlook.office365.com", 443});
    cfg.activesync.services = {def, other};
    CHECK(decide("OPTIONS", "/Microsoft-Server-ActiveSync", cfg, {}, "EAS.Example.com:443").service->name == "o365");
    CHECK(decide("OPTIONS", "/Microsoft-Server-ActiveSync", cfg, {}, "other.example.com").service->name == "default");
    CHECK(decide("OPTIONS", "/Microsoft-Server-ActiveSync", cfg).service->name == "default");
    // Disabled: 503 for everything ActiveSync.
    cfg.activesync.enabled = false;
    auto off = decide("OPTIONS", "/Microsoft-Server-ActiveSync", cfg);
    CHECK(off.status == 503);
    CHECK(off.service == nullptr);
    // No default and no matching host: 503.
    cfg.activesync.enabled = true;
    cfg.activesync.services = {other};
    CHECK(decide("OPTIONS", "/Microsoft-Server-ActiveSync", cfg, {}, "x").status == 503);
}

TEST_CASE("router: an unparsable ActiveSync POST is a 400, before the backend question") {
    ProxyConfig empty;
    auto bad = decide("POST", "/Microsoft-Server-ActiveSync?Cmd=Bogus&User=u&DeviceId=d1&DeviceType=t", empty, "14.1");
    CHECK(bad.status == 400);
    CHECK(bad.malformed);
    // The plain form needs the protocol version header.
    CHECK(decide("POST", "/Microsoft-Server-ActiveSync?Cmd=Sync&User=u&DeviceId=d1&DeviceType=t", empty).status == 400);
    auto good = decide("POST", "/Microsoft-Server-ActiveSync?Cmd=Sync&User=u&DeviceId=d1&DeviceType=t", empty, "14.1");
    CHECK(good.status == 503);
    CHECK_FALSE(good.malformed);
    // OPTIONS carries no command and is never parsed.
    CHECK(decide("OPTIONS", "/Microsoft-Server-ActiveSync", empty).status == 503);
}
