#include "sentryd/device_policy.hpp"

#include <doctest/doctest.h>

#include <string>

#include "sentryd/eas_provision.hpp"

using namespace sentryd;

TEST_CASE("glob: * and ?, case-insensitive, no blow-up") {
    CHECK(glob_match("*", ""));
    CHECK(glob_match("iPhone*", "IPHONE12C1"));
    CHECK(glob_match("a?c", "abc"));
    CHECK_FALSE(glob_match("a?c", "ac"));
    CHECK(glob_match("*@example.com", "Bob@Example.COM"));
    CHECK_FALSE(glob_match("*@example.com", "bob@example.org"));
    CHECK(glob_match("exact", "EXACT"));
    CHECK_FALSE(glob_match("exact", "exactly"));
    // Pathological pattern: finishes (quadratic at worst, no recursion).
    CHECK_FALSE(glob_match("a*a*a*a*a*a*a*a*b", std::string(2000, 'a')));
}

TEST_CASE("policy: rules first, in order, over the UEM and the defaults") {
    DevicePolicy p;
    p.rules = {{10, RuleAction::block, RuleField::user, "mallory"},
               {20, RuleAction::wipe, RuleField::device_id, "LOST*"},
               {30, RuleAction::allow, RuleField::device_type, "iPhone*"}};
    auto v = decide(p, "dev1", "Mallory", "iPhone", UemStatus::none, false, true);
    CHECK(v.status == DeviceStatus::blocked);
    CHECK(v.validated);
    CHECK(v.rule == 0);
    v = decide(p, "lost42", "bob", "iPhone", UemStatus::none, false, true);
    CHECK(v.status == DeviceStatus::wipe_pending);
    v = decide(p, "lost42", "bob", "iPhone", UemStatus::none, true, true);
    CHECK(v.status == DeviceStatus::blocked);  // wiped already: not again
    v = decide(p, "x", "bob", "iPhone13", UemStatus::none, false, true);
    CHECK(v.status == DeviceStatus::allowed);
    CHECK(v.rule == 2);
    v = decide(p, "x", "bob", "Android", UemStatus::none, false, true);
    CHECK(v.status == DeviceStatus::allowed);
    CHECK_FALSE(v.validated);
    CHECK(v.rule == -1);
}

TEST_CASE("policy: unregistered devices, standalone and UEM-synced") {
    DevicePolicy p;
    CHECK(decide(p, "d", "u", "", UemStatus::none, false, true).status == DeviceStatus::allowed);
    p.auto_block_unregistered = true;
    auto v = decide(p, "d", "u", "", UemStatus::none, false, true);
    CHECK(v.status == DeviceStatus::blocked);
    CHECK_FALSE(v.validated);  // listed as pending validation

    p.uem = true;
    p.auto_block_unregistered = false;
    CHECK(decide(p, "d", "u", "", UemStatus::allowed, false, true).status == DeviceStatus::allowed);
    CHECK(decide(p, "d", "u", "", UemStatus::blocked, false, true).status == DeviceStatus::blocked);
    CHECK(decide(p, "d", "u", "", UemStatus::wipe, false, true).status == DeviceStatus::wipe_pending);
    CHECK(decide(p, "d", "u", "", UemStatus::none, false, true).status == DeviceStatus::pending);
    // UEM unreachable: fail-open decides unlisted devices; listed ones keep their state.
    CHECK(decide(p, "d", "u", "", UemStatus::none, false, false).status == DeviceStatus::allowed);
    p.fail_open = false;
    CHECK(decide(p, "d", "u", "", UemStatus::none, false, false).status == DeviceStatus::blocked);
    CHECK(decide(p, "d", "u", "", UemStatus::allowed, false, false).status == DeviceStatus::allowed);
    // Standalone ignores what a stale UEM list said.
    p.uem = false;
    CHECK(decide(p, "d", "u", "", UemStatus::blocked, false, true).status == DeviceStatus::allowed);
}

TEST_CASE("counters: command and status mapping") {
    CHECK(command_counter("Sync") == Dc::cmd_sync);
    CHECK(command_counter("ping") == Dc::cmd_ping);
    CHECK(command_counter("FolderSync") == Dc::cmd_folder_sync);
    CHECK(command_counter("") == Dc::cmd_none);
    CHECK(command_counter("SendMail") == Dc::cmd_unknown);
    CHECK(status_counter(200) == Dc::http_status_200);
    CHECK(status_counter(503) == Dc::http_status_5xx);
    CHECK(status_counter(449) == Dc::http_status_other);
    CHECK(kDeviceCounterNames.size() == 67);  // spec §4.1
    CHECK(kDeviceCounterNames[0] == "d-connection");
    CHECK(kDeviceCounterNames[66] == "active-sync-status-reports");
}

TEST_CASE("provision: remote wipe bodies and the acknowledgement") {
    std::string wipe = provision_remote_wipe_body();
    CHECK(wipe == std::string("\x03\x01\x6a\x00\x00\x0e\x45\x4b\x03" "1\x00\x01\x0c\x01", 14));
    // The device's answer: <Provision><RemoteWipe><Status>1</Status></RemoteWipe></Provision>
    std::string ack("\x03\x01\x6a\x00\x00\x0e\x45\x4c\x4b\x03" "1\x00\x01\x01\x01", 15);
    CHECK(parse_wipe_ack(ack) == WipeAck::success);
    std::string fail = ack;
    fail[10] = '2';
    CHECK(parse_wipe_ack(fail) == WipeAck::failure);
    CHECK(parse_wipe_ack(wipe) == WipeAck::none);  // our own order is not an ack
    CHECK(parse_wipe_ack("") == WipeAck::none);
    for (std::size_t n = 0; n < ack.size(); ++n) CHECK(parse_wipe_ack(ack.substr(0, n)) == WipeAck::none);
    // A policy request (Policies > Policy > PolicyType) is not an ack.
    static const char kPolicy[] = "\x03\x01\x6a\x00\x00\x0e\x45\x46\x47\x48\x03" "MS-EAS-Provisioning-WBXML\x00\x01\x01\x01\x01";
    std::string policy(kPolicy, sizeof kPolicy - 1);
    CHECK(parse_wipe_ack(policy) == WipeAck::none);
}
