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

TEST_CASE("router: configured servers no longer answer 503") {
    ProxyConfig cfg;
    cfg.activesync_servers.push_back({"mail.example.com", 443});
    auto d = decide("POST", "/Microsoft-Server-ActiveSync?Cmd=Ping", cfg);
    CHECK(d.status != 503);
    CHECK(d.route == Route::activesync);
    CHECK(decide("GET", "/nope", cfg).status == 404);
}
