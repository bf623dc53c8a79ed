#include "sentryd/device_gate.hpp"

#include <doctest/doctest.h>

#include "sentryd/eas_provision.hpp"

using namespace sentryd;

namespace {
DeviceRequest req(std::string_view dev, std::string_view user, std::string_view cmd = "Sync") {
    DeviceRequest r;
    r.device_id = dev;
    r.user = user;
    r.device_type = "iPhone";
    r.cmd = cmd;
    r.protocol_version = 161;
    r.request_bytes = 100;
    return r;
}
}  // namespace

TEST_CASE("gate: unknown devices are admitted and cached; counters are exact") {
    DeviceGate g;
    auto a = g.admit(req("DEV1", "alice"), 1000);
    CHECK(a.pass);
    REQUIRE(a.device.valid());
    g.finish(a.device, 200, 500, true);
    a = g.admit(req("dev1", "ALICE", "Ping"), 1005);
    g.finish(a.device, 200, 40, true);
    auto id = g.cache().find("dev1", "alice");
    REQUIRE(id != DeviceCache::npos);
    const auto& e = g.cache().at(id);
    CHECK(e.status == DeviceStatus::allowed);
    CHECK_FALSE(e.is(DeviceEntry::validated));
    CHECK(e.first_seen == 1000u);
    CHECK(e.last_seen == 1005u);
    CHECK(e.eas_version == 161);
    const auto* c = g.cache().counters_if(id);
    REQUIRE(c);
    CHECK(c->get(Dc::d_http_requests) == 2);
    CHECK(c->get(Dc::permits) == 2);
    CHECK(c->get(Dc::cmd_sync) == 1);
    CHECK(c->get(Dc::cmd_ping) == 1);
    CHECK(c->get(Dc::d_bytes_rcvd) == 200);
    CHECK(c->get(Dc::d_bytes_sent) == 540);
    CHECK(c->get(Dc::http_status_200) == 2);
    CHECK(c->get(Dc::s_http_requests) == 0);  // the wire tally's (record()), not finish()'s
    CHECK(g.global().get(Dc::d_http_requests) == 2);
}

TEST_CASE("gate: record() adds a request's wire tally to the device and the global sum") {
    DeviceGate g;
    auto a = g.admit(req("DEV1", "alice"), 1);
    auto b = g.admit(req("DEV2", "bob"), 1);
    WireTally t;
    t.s_bytes_sent = 310;
    t.s_bytes_rcvd = 1200;
    t.d_bytes_sent = 1150;
    t.add(We::s_connections);
    t.add(We::s_http_requests);
    t.add(We::s_http_requests);
    t.add(We::s_http_responses);
    t.add(We::err_conn_pooling);
    t.add(We::s_err_cmd_sync_timeout);
    g.record(a.device, t);
    g.record(a.device, t);
    WireTally u;
    u.add(We::s_err_reset);
    u.add(We::s_so_close);
    g.record(b.device, u);
    const auto* c = g.cache().counters_if(a.device.id);
    REQUIRE(c);
    CHECK(c->get(Dc::s_bytes_sent) == 620);
    CHECK(c->get(Dc::s_bytes_rcvd) == 2400);
    CHECK(c->get(Dc::d_bytes_sent) == 0);  // finish() counts what reached the device
    CHECK(c->get(Dc::s_connections) == 2);
    CHECK(c->get(Dc::s_http_requests) == 4);
    CHECK(c->get(Dc::s_http_responses) == 2);
    CHECK(c->get(Dc::err_conn_pooling) == 2);
    CHECK(c->get(Dc::s_err_cmd_sync_timeout) == 2);
    CHECK(c->get(Dc::s_err_reset) == 0);
    CHECK(c->get(Dc::s_so_close) == 0);
    CHECK(g.cache().counters_if(b.device.id)->get(Dc::s_err_reset) == 1);
    CHECK(g.global().get(Dc::s_err_reset) == 1);
    CHECK(g.global().get(Dc::s_so_close) == 1);
    CHECK(g.global().get(Dc::s_bytes_sent) == 620);
    // A device purged meanwhile: the global sum still counts it.
    g.cache().erase("DEV1", "alice");
    g.record(a.device, t);
    CHECK(g.global().get(Dc::s_bytes_sent) == 930);
    // Device-side events come one at a time from the session.
    g.add(b.device, Dc::d_err_conn_timeout);
    CHECK(g.cache().counters_if(b.device.id)->get(Dc::d_err_conn_timeout) == 1);
}

TEST_CASE("wire tally: every event maps to the device counter of its name, and saturates") {
    for (std::size_t i = 0; i < kWireEventCount; ++i) CHECK(kWireEventCounter[i] != Dc::count);
    CHECK(kWireEventCounter[static_cast<std::size_t>(We::s_err_cmd_ping_timeout)] == Dc::s_err_cmd_ping_timeout);
    CHECK(kWireEventCounter[static_cast<std::size_t>(We::d_unclassified)] == Dc::d_unclassified);
    WireTally t;
    for (int i = 0; i < 300; ++i) t.add(We::s_err_reset);
    CHECK(t.get(We::s_err_reset) == 255);
}

TEST_CASE("gate: finish() sorts statuses into the s-/d- status counters") {
    DeviceGate g;
    auto a = g.admit(req("DEV1", "alice"), 1);
    g.finish(a.device, 302, 10, true);
    g.finish(a.device, 503, 10, true);
    g.finish(a.device, 503, 10, false);
    g.finish(a.device, 400, 10, false);
    g.finish(a.device, 449, 10, true);
    const auto* c = g.cache().counters_if(a.device.id);
    CHECK(c->get(Dc::s_http_3xx_redirects) == 1);
    CHECK(c->get(Dc::d_http_503_s2c) == 1);
    CHECK(c->get(Dc::d_http_503_c2s) == 1);
    CHECK(c->get(Dc::d_http_400_c2s) == 1);
    CHECK(c->get(Dc::s_http_449) == 1);
    CHECK(c->get(Dc::d_bytes_sent) == 50);
}

TEST_CASE("gate: rules block with 403 and re-decide cached devices at once") {
    DeviceGate g;
    g.admit(req("good", "bob"), 1);
    g.admit(req("bad", "mallory"), 1);
    DevicePolicy p;
    p.rules = {{10, RuleAction::block, RuleField::user, "mallory"}};
    CHECK(g.set_policy(p) == 1);  // only mallory changes
    auto bad = g.cache().find("bad", "mallory");
    CHECK(g.cache().at(bad).status == DeviceStatus::blocked);
    CHECK(g.cache().at(bad).is(DeviceEntry::validated));
    auto a = g.admit(req("bad", "mallory"), 2);
    CHECK_FALSE(a.pass);
    CHECK(a.status == 403);
    g.finish(a.device, 403, 20, false);
    CHECK(g.cache().counters_if(bad)->get(Dc::blocks) == 1);
    CHECK(g.global().get(Dc::blocks) == 1);
    CHECK(g.set_policy(p) == 0);  // unchanged policy: nothing to do
}

TEST_CASE("gate: auto-block lists unknown devices as blocked, pending validation") {
    DeviceGate g;
    DevicePolicy p;
    p.auto_block_unregistered = true;
    g.set_policy(p);
    auto a = g.admit(req("new", "u"), 1);
    CHECK(a.status == 403);
    auto id = g.cache().find("new", "u");
    CHECK(g.cache().at(id).status == DeviceStatus::blocked);
    CHECK_FALSE(g.cache().at(id).is(DeviceEntry::validated));
}

TEST_CASE("gate: remote wipe exchange, then blocked") {
    DeviceGate g;
    DevicePolicy p;
    p.rules = {{1, RuleAction::wipe, RuleField::device_id, "lost*"}};
    g.set_policy(p);
    auto a = g.admit(req("LOST1", "u", "Sync"), 1);
    CHECK(a.status == 449);
    a = g.admit(req("LOST1", "u", "Provision"), 2);
    CHECK(a.status == 200);
    CHECK(a.wbxml);
    CHECK(a.body == provision_remote_wipe_body());
    auto id = g.cache().find("lost1", "u");
    CHECK(g.cache().at(id).status == DeviceStatus::wipe_pending);
    std::string ack("\x03\x01\x6a\x00\x00\x0e\x45\x4c\x4b\x03" "1\x00\x01\x01\x01", 15);
    auto r = req("LOST1", "u", "Provision");
    r.body = ack;
    a = g.admit(r, 3);
    CHECK(a.status == 200);
    CHECK(a.body == provision_done_body());
    CHECK(g.cache().at(id).is(DeviceEntry::wiped));
    CHECK(g.cache().at(id).status == DeviceStatus::blocked);
    CHECK(g.admit(req("LOST1", "u"), 4).status == 403);
    CHECK(g.cache().counters_if(id)->get(Dc::wipes) == 1);
    CHECK(g.cache().counters_if(id)->get(Dc::d_http_449) == 1);
    CHECK(g.events().wipes_acknowledged == 1);
}

TEST_CASE("gate: UEM records decide; unknown devices pend; fail-open when unreachable") {
    DeviceGate g;
    DevicePolicy p;
    p.uem = true;
    g.set_policy(p);
    CHECK(g.apply_uem("d1", "u", "Android", UemStatus::allowed));
    CHECK(g.admit(req("d1", "u"), 1).pass);
    CHECK(g.apply_uem("d1", "u", "", UemStatus::blocked));
    CHECK(g.admit(req("d1", "u"), 2).status == 403);
    auto a = g.admit(req("d2", "u"), 3);
    CHECK(a.pass);
    CHECK(a.state == DeviceStatus::pending);
    g.set_uem_reachable(false);
    p.fail_open = false;
    g.set_policy(p);
    CHECK(g.admit(req("d3", "u"), 4).status == 403);
    CHECK(g.admit(req("d1", "u"), 4).status == 403);  // listed: its record still holds
}

TEST_CASE("gate: connection counts survive a purge without underflow") {
    DeviceGate g;
    auto a = g.admit(req("d", "u"), 1);
    g.connection_open(a.device);
    g.connection_open(a.device);
    auto id = g.cache().find("d", "u");
    CHECK(g.cache().at(id).connections == 2);
    g.connection_closed(a.device);
    CHECK(g.cache().at(id).connections == 1);
    g.cache().erase("d", "u");
    g.admit(req("other", "u"), 2);  // may reuse the slot
    g.connection_closed(a.device);  // stale ref: ignored
    auto o = g.cache().find("other", "u");
    CHECK(g.cache().at(o).connections == 0);
}
