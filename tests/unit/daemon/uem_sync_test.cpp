#include "sentryd/uem_sync.hpp"

#include <doctest/doctest.h>

using namespace sentryd;

namespace {
DeviceGate uem_gate() {
    DeviceGate g;
    DevicePolicy p;
    p.uem = true;
    g.set_policy(p);
    return g;
}

DeviceRequest req(std::string_view dev, std::string_view user) {
    DeviceRequest r;
    r.device_id = dev;
    r.user = user;
    r.device_type = "iPhone";
    r.cmd = "Sync";
    r.protocol_version = 161;
    return r;
}

DeviceStatus state_of(const DeviceGate& g, std::string_view dev, std::string_view user) {
    auto id = g.cache().find(dev, user);
    REQUIRE(id != DeviceCache::npos);
    return g.cache().at(id).status;
}
}  // namespace

TEST_CASE("uem: a list page gives records, next and cursor; bad objects are skipped and counted") {
    auto p = parse_uem_list(R"({"devices":[
        {"device_id":"ApplDNQ1","user":"jdoe@example.com","status":"allowed","device_type":"iPhone"},
        {"device_id":"D2","user":"","status":"blocked"},
        {"device_id":"D3","user":"u","status":"wipe","device_type":null},
        {"device_id":"D4","user":"u","status":"removed"},
        {"device_id":"","user":"u","status":"allowed"},
        {"device_id":"D6","user":"u","status":"maybe"},
        {"device_id":"D7","status":"allowed"},
        {"device_id":"D8","user":"u","status":"allowed","device_type":7},
        {"device_id":"bad\u0001id","user":"u","status":"allowed"},
        "not an object"],
      "next":"p1000.3","cursor":"c3"})");
    REQUIRE(p);
    REQUIRE(p->records.size() == 3);
    CHECK(p->records[0].device_id == "ApplDNQ1");
    CHECK(p->records[0].user == "jdoe@example.com");
    CHECK(p->records[0].device_type == "iPhone");
    CHECK(p->records[0].change == UemChange::allowed);
    CHECK(p->records[1].user.empty());
    CHECK(p->records[1].change == UemChange::blocked);
    CHECK(p->records[2].change == UemChange::wipe);
    CHECK(p->records[2].device_type.empty());
    CHECK(p->skipped == 7);  // "removed" belongs to change lists only
    REQUIRE(p->next);
    CHECK(*p->next == "p1000.3");
    CHECK(p->cursor == "c3");
}

TEST_CASE("uem: the last list page needs a cursor; earlier pages may leave it out") {
    auto mid = parse_uem_list(R"({"devices":[],"next":"x"})");
    REQUIRE(mid);
    CHECK(mid->cursor.empty());
    auto last = parse_uem_list(R"({"devices":[],"next":null})");
    CHECK_FALSE(last);
    CHECK(last.error().find("cursor") != std::string::npos);
    CHECK(parse_uem_list(R"({"devices":[],"cursor":"c"})"));  // next absent = last page
}

TEST_CASE("uem: page-level errors are reasons, not exceptions") {
    CHECK(parse_uem_list("").error() == "malformed JSON");
    CHECK(parse_uem_list("{\"devices\":").error() == "malformed JSON");
    CHECK(parse_uem_list("[]").error() == "not a JSON object");
    CHECK(parse_uem_list(R"({"cursor":"c"})").error().find("devices") == 0);
    CHECK(parse_uem_list(R"({"devices":{},"cursor":"c"})").error().find("devices") == 0);
    CHECK_FALSE(parse_uem_list(R"({"devices":[],"cursor":"has space"})"));
    CHECK_FALSE(parse_uem_list(R"({"devices":[],"cursor":""})"));
    CHECK_FALSE(parse_uem_list(R"({"devices":[],"cursor":"c","next":5})"));
    CHECK_FALSE(parse_uem_list(R"({"devices":[],"cursor":")" + std::string(1025, 'x') + "\"}"));
    CHECK_FALSE(parse_uem_changes(R"({"changes":[]})"));
    CHECK_FALSE(parse_uem_changes(R"({"changes":[],"cursor":"c","more":"yes"})"));
    CHECK_FALSE(parse_uem_changes(R"({"devices":[],"cursor":"c"})"));
}

TEST_CASE("uem: a changes page carries removed, the next cursor and more") {
    auto p = parse_uem_changes(R"({"changes":[
        {"device_id":"D1","user":"u","status":"blocked"},
        {"device_id":"D2","user":"u","status":"removed"}],
      "cursor":"c17","more":true})");
    REQUIRE(p);
    REQUIRE(p->records.size() == 2);
    CHECK(p->records[1].change == UemChange::removed);
    CHECK(p->cursor == "c17");
    CHECK(p->more);
    auto q = parse_uem_changes(R"({"changes":[],"cursor":"c17"})");
    REQUIRE(q);
    CHECK_FALSE(q->more);
}

TEST_CASE("uem: request targets percent-encode tokens and drop a trailing slash") {
    CHECK(uem_list_target("/api", std::nullopt) == "/api/devices?limit=1000");
    CHECK(uem_list_target("/api/", std::string("p1000.3")) == "/api/devices?limit=1000&page=p1000.3");
    CHECK(uem_list_target("/", std::nullopt) == "/devices?limit=1000");
    CHECK(uem_changes_target("/v1/uem", "a+b/c=&d") == "/v1/uem/devices/changes?since=a%2Bb%2Fc%3D%26d&limit=1000");
}

TEST_CASE("uem: changes update the cache at once; removed drops an untouched entry, keeps a used one") {
    DeviceGate g = uem_gate();
    auto page = parse_uem_changes(R"({"changes":[
        {"device_id":"A","user":"u","status":"allowed"},
        {"device_id":"B","user":"u","status":"blocked"},
        {"device_id":"W","user":"u","status":"wipe"}],"cursor":"c3"})");
    REQUIRE(page);
    for (const auto& r : page->records) CHECK(apply_uem_record(g, r));
    CHECK(state_of(g, "a", "U") == DeviceStatus::allowed);
    CHECK(state_of(g, "B", "u") == DeviceStatus::blocked);
    CHECK(state_of(g, "W", "u") == DeviceStatus::wipe_pending);
    CHECK(g.admit(req("A", "u"), 100).pass);  // A has now been used

    CHECK(apply_uem_record(g, {"A", "u", "", UemChange::removed}));
    CHECK(apply_uem_record(g, {"B", "u", "", UemChange::removed}));
    CHECK(apply_uem_record(g, {"nobody", "u", "", UemChange::removed}));  // nothing to do
    // A keeps its history and waits for the UEM again; B only existed because the UEM listed it.
    CHECK(state_of(g, "A", "u") == DeviceStatus::pending);
    CHECK_FALSE(g.cache().at(g.cache().find("A", "u")).is(DeviceEntry::validated));
    CHECK(g.cache().find("B", "u") == DeviceCache::npos);
    CHECK(g.cache().size() == 2);
}

TEST_CASE("uem: a full resync replaces every UEM status; unlisted entries lose theirs") {
    DeviceGate g = uem_gate();
    for (auto r : {UemRecord{"OLD", "u", "", UemChange::allowed}, UemRecord{"USED", "u", "", UemChange::blocked},
                   UemRecord{"KEEP", "u", "", UemChange::blocked}})
        apply_uem_record(g, r);
    CHECK(g.admit(req("USED", "u"), 5).status == 403);
    CHECK(g.admit(req("LOCAL", "u"), 6).pass);  // never listed: P

    UemFullSync full(g);
    full.apply(parse_uem_list(R"({"devices":[{"device_id":"KEEP","user":"u","status":"allowed"},
        {"device_id":"NEW","user":"u","status":"wipe"}],"next":"p2"})")
                   .value());
    full.apply(parse_uem_list(R"({"devices":[{"device_id":"NEW2","user":"v","status":"blocked"},
        {"device_id":"x"}],"cursor":"c9"})")
                   .value());
    CHECK(full.loaded() == 3);
    CHECK(full.skipped() == 1);
    CHECK(full.finish() == 2);  // OLD and USED were not listed
    CHECK(g.cache().find("OLD", "u") == DeviceCache::npos);
    CHECK(state_of(g, "USED", "u") == DeviceStatus::pending);
    CHECK(state_of(g, "KEEP", "u") == DeviceStatus::allowed);
    CHECK(state_of(g, "NEW", "u") == DeviceStatus::wipe_pending);
    CHECK(state_of(g, "NEW2", "v") == DeviceStatus::blocked);
    CHECK(state_of(g, "LOCAL", "u") == DeviceStatus::pending);
}

TEST_CASE("uem: a full cache counts records it could not store") {
    DeviceGate g(2);
    DevicePolicy p;
    p.uem = true;
    g.set_policy(p);
    UemFullSync full(g);
    full.apply(parse_uem_list(R"({"devices":[{"device_id":"1","user":"u","status":"allowed"},
        {"device_id":"2","user":"u","status":"allowed"},{"device_id":"3","user":"u","status":"allowed"}],
        "cursor":"c"})")
                   .value());
    CHECK(full.loaded() == 2);
    CHECK(full.not_cached() == 1);
    CHECK(full.finish() == 0);
}

TEST_CASE("uem: unreachable flips fail-open for unlisted devices only, and back") {
    DeviceGate g;
    DevicePolicy p;
    p.uem = true;
    p.fail_open = false;
    g.set_policy(p);
    apply_uem_record(g, {"LISTED", "u", "", UemChange::allowed});
    CHECK(g.admit(req("UNKNOWN", "u"), 1).pass);  // P while the UEM answers
    CHECK(g.set_uem_reachable(false) == 1);
    CHECK(state_of(g, "UNKNOWN", "u") == DeviceStatus::blocked);
    CHECK(state_of(g, "LISTED", "u") == DeviceStatus::allowed);
    CHECK(g.admit(req("NEW", "u"), 2).status == 403);
    CHECK(g.set_uem_reachable(false) == 0);  // no flip, no work
    CHECK(g.set_uem_reachable(true) == 2);
    CHECK(state_of(g, "NEW", "u") == DeviceStatus::pending);
}

TEST_CASE("uem health: first result is initialisation; flips are reported once; fail-open changes are dated") {
    UemHealth h;
    CHECK(h.state == UemHealth::State::unknown);
    CHECK(h.success(100, UemDetect::init));
    CHECK(h.state == UemHealth::State::connected);
    CHECK(h.changed_at == 100);
    CHECK(h.changed_by == UemDetect::init);
    CHECK_FALSE(h.success(160, UemDetect::periodic));  // no flip: the change time stays
    CHECK(h.changed_at == 100);
    CHECK(h.last_success == 160);

    CHECK(h.failure(220, UemDetect::periodic, "authentication failed (HTTP 401)", true));
    CHECK(h.state == UemHealth::State::disconnected);
    CHECK(h.changed_by == UemDetect::periodic);
    CHECK(h.auth_failed);
    CHECK(h.last_failure == 220);
    CHECK_FALSE(h.failure(280, UemDetect::periodic, "connect: refused", false));
    CHECK_FALSE(h.auth_failed);
    CHECK(h.last_error == "connect: refused");
    CHECK(h.failures == 2);
    CHECK(h.changed_at == 220);
    CHECK(h.success(340, UemDetect::manual));
    CHECK(detect_text(h.changed_by) == "Manual load (debug sentry device-cache from-emm)");

    h.set_fail_open(true, 10, UemDetect::init);
    CHECK(h.fail_open_changed_at == 10);
    CHECK(detect_text(h.fail_open_by) == "Sentry initialization");
    h.set_fail_open(true, 20, UemDetect::config);  // same value: not a change
    CHECK(h.fail_open_changed_at == 10);
    h.set_fail_open(false, 30, UemDetect::config);
    CHECK_FALSE(h.fail_open);
    CHECK(h.fail_open_changed_at == 30);
    CHECK(detect_text(h.fail_open_by) == "Configuration change");
    CHECK(detect_text(UemDetect::periodic) == "Periodic connectivity check");
    CHECK(detect_text(UemDetect::checkin) == "Manual check-in (debug sentry check-in)");
}
