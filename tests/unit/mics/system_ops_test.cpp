// Platform settings (config_fields_platform.cpp) and the system ops
// (ops_system.cpp): config.status, system.reload, system.fips, system.kparam.
// A real App over a temp state dir, services not started.
#include "app_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

using namespace micsd;
using nlohmann::json;

using namespace mics_test;

namespace {
struct Box : Appliance {
    Box() : Appliance("system-ops-test") {}
};
}  // namespace

TEST_CASE("platform fields: defaults, checks, render and parse back") {
    Config c;
    CHECK(std::get<bool>(get(c, "system.fips")) == false);
    CHECK(std::get<bool>(get(c, "service.ntp")) == true);
    CHECK(std::get<bool>(get(c, "service.iptables")) == true);
    CHECK(get_int(c, "kparam.tcp_keepalive_time") == 7200);
    CHECK(render(c).empty());  // all defaults: nothing rendered

    CHECK(apply_edit(c, "system.fips", "set", Value(true)).empty());
    CHECK(apply_edit(c, "system.dbconfig", "set", Value(true)).empty());
    CHECK(apply_edit(c, "service.ntp", "set", Value(false)).empty());
    CHECK(apply_edit(c, "service.iptables", "set", Value(false)).empty());
    CHECK(apply_edit(c, "kparam.rp_filter", "set", Value(1LL)).empty());
    CHECK(apply_edit(c, "kparam.tcp_keepalive_probes", "set", Value(5LL)).empty());
    CHECK(apply_edit(c, "kparam.rp_filter", "set", Value(3LL)) == "kparam.rp_filter: 3 is out of range 0-2");
    CHECK(apply_edit(c, "kparam.tcp_keepalive_probes", "set", Value(0LL)).find("out of range 1-127") !=
          std::string::npos);
    CHECK_FALSE(apply_edit(c, "system.fips", "set", Value(std::string("yes"))).empty());
    const std::string text = render(c);
    CHECK(text ==
          "fips\ndbconfig\nno service ntp\nno service iptables\nkparam rp_filter 1\nkparam tcp_keepalive_probes 5\n");

    Config back;
    REQUIRE(parse_config(text, Config{}, back).empty());
    CHECK(to_json(back) == to_json(c));
    // The no-forms of the defaults parse too (the reference's running-config prints "no dbconfig").
    REQUIRE(parse_config("no dbconfig\nservice ntp\nno fips\nservice iptables enable\nkparam tcp_sack 1\n", Config{},
                         back)
                .empty());
    CHECK(back.values.empty());
    CHECK(parse_config("kparam tcp_sack 2\n", Config{}, back).find("line 1") == 0);
    CHECK(parse_config("kparam bogus 1\n", Config{}, back).find("line 1: not a configuration line") == 0);

    const std::string all = render(Config{}, true);
    for (const char* line : {"\nno fips\n", "\nno dbconfig\n", "\nservice ntp\n", "\nservice iptables enable\n",
                             "\nkparam kernel_panic 0\n", "\nkparam tcp_keepalive_intvl 75\n"})
        CHECK_MESSAGE(all.find(line) != std::string::npos, line);
}

TEST_CASE("config.status tells whether running differs from startup-config") {
    Box b;
    Session s = session(*b.app, true);
    json r = call(*b.app, s, "config.status");
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["modified"] == false);
    CHECK(r["data"]["startup"] == r["data"]["running"]);

    REQUIRE(code(call(*b.app, s, "session.mode", {{"mode", "config"}})) == "ok");
    REQUIRE(code(call(*b.app, s, "config.edit", set("system.hostname", "edge1"))) == "ok");
    CHECK(call(*b.app, s, "config.status")["data"]["modified"] == true);
    // Back to the saved value by another revision: not modified (contents are compared, not ids).
    REQUIRE(code(call(*b.app, s, "config.edit", set("system.hostname", "sentry"))) == "ok");
    CHECK(call(*b.app, s, "config.status")["data"]["modified"] == false);
    REQUIRE(code(call(*b.app, s, "config.edit", set("system.hostname", "edge2"))) == "ok");
    REQUIRE(code(call(*b.app, s, "config.save")) == "ok");
    CHECK(call(*b.app, s, "config.status")["data"]["modified"] == false);
    REQUIRE(code(call(*b.app, s, "config.erase_startup")) == "ok");
    r = call(*b.app, s, "config.status");
    CHECK(r["data"]["modified"] == true);
    CHECK(r["data"]["startup"].is_null());

    Session user = session(*b.app, false);
    CHECK(code(call(*b.app, user, "config.status")) == "denied");
    CHECK(code(call(*b.app, user, "system.reload")) == "denied");
}

TEST_CASE("system.reload boots startup-config: unsaved changes are lost, or saved first when asked") {
    Box b;
    Session s = session(*b.app, true);
    REQUIRE(code(call(*b.app, s, "session.mode", {{"mode", "config"}})) == "ok");
    REQUIRE(code(call(*b.app, s, "config.edit", set("system.hostname", "saved"))) == "ok");
    REQUIRE(code(call(*b.app, s, "config.save")) == "ok");
    REQUIRE(code(call(*b.app, s, "config.edit", set("system.hostname", "unsaved"))) == "ok");
    auto unsaved = b.app->revision();

    json r = call(*b.app, s, "system.reload");
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["discarded_changes"] == true);
    CHECK(get_string(b.app->running(), "system.hostname") == "saved");
    CHECK(b.app->revision() > unsaved);
    CHECK(b.app->store().latest()->meta.command.rfind("reload: load startup-config (revision ", 0) == 0);
    CHECK(b.app->store().startup_id() == b.app->revision());
    CHECK(b.app->store().revision(unsaved));  // still in the archive

    // Nothing changed since: no new revision.
    auto now = b.app->revision();
    r = call(*b.app, s, "system.reload");
    CHECK(r["data"]["discarded_changes"] == false);
    CHECK(b.app->revision() == now);

    // save: true keeps the change.
    REQUIRE(code(call(*b.app, s, "config.edit", set("system.hostname", "kept"))) == "ok");
    r = call(*b.app, s, "system.reload", {{"save", true}});
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["discarded_changes"] == false);
    CHECK(get_string(b.app->running(), "system.hostname") == "kept");
    CHECK(call(*b.app, s, "config.status")["data"]["modified"] == false);
}

TEST_CASE("show FIPS: configured vs in effect (after reload), and the provider's state") {
    Box b;
    Session s = session(*b.app, true);
    json r = call(*b.app, s, "system.fips");
    REQUIRE(code(r) == "ok");
    std::string text = r["data"]["text"];
    CHECK(text.rfind("FIPS 140 mode is disabled\nApproved-algorithms mode: off\nOpenSSL ", 0) == 0);
    CHECK(r["data"]["data"]["approved_only_configured"] == false);

    REQUIRE(code(call(*b.app, s, "session.mode", {{"mode", "config"}})) == "ok");
    REQUIRE(code(call(*b.app, s, "config.edit", set("system.fips", true))) == "ok");
    r = call(*b.app, s, "system.fips");
    CHECK(r["data"]["data"]["approved_only_configured"] == true);
    CHECK(r["data"]["data"]["approved_only_in_effect"] == false);
    text = r["data"]["text"];
    CHECK(text.find("Approved-algorithms mode: off (fips configured: on after the next reload)") != std::string::npos);

    REQUIRE(code(call(*b.app, s, "system.reload", {{"save", true}})) == "ok");
    r = call(*b.app, s, "system.fips");
    CHECK(r["data"]["data"]["approved_only_in_effect"] == true);
    bool provider = r["data"]["data"]["openssl_fips_provider"];
    // "enabled" is claimed only with a loadable FIPS provider.
    CHECK(r["data"]["data"]["fips_140_mode"] == provider);
    text = r["data"]["text"];
    CHECK(text.rfind(provider ? "FIPS 140 mode is enabled\n" : "FIPS 140 mode is disabled\n", 0) == 0);
    CHECK(text.find("Approved-algorithms mode: on\n") != std::string::npos);

    // A boot loads the same: in effect stays on.
    b.boot();
    s = session(*b.app, true);
    CHECK(call(*b.app, s, "system.fips")["data"]["data"]["approved_only_in_effect"] == true);
}

TEST_CASE("system.kparam lists every parameter with the kernel's value") {
    Box b;
    Session s = session(*b.app, true);
    json r = call(*b.app, s, "system.kparam");
    REQUIRE(code(r) == "ok");
    auto rows = r["data"]["data"]["parameters"];
    REQUIRE(rows.size() == 7);
    CHECK(rows[0]["name"] == "rp_filter");
    CHECK(rows[0]["configured"].is_null());
    CHECK(rows[0]["sysctl"] == "net.ipv4.conf.all.rp_filter");
    CHECK(rows[3]["name"] == "tcp_sack");
    std::string text = r["data"]["text"];
    CHECK(text.rfind("Parameter             Configured  Kernel  Sysctl\nrp_filter             -", 0) == 0);
}

TEST_CASE("certificate.sentry regenerates a self-signed certificate, never a CA's") {
    Box b;
    Session s = session(*b.app, true);
    CHECK(code(call(*b.app, s, "certificate.sentry")) == "denied");  // configuration mode only
    REQUIRE(code(call(*b.app, s, "session.mode", {{"mode", "config"}})) == "ok");
    const std::string crt = b.dir.path + "/certs/sentry.crt";
    auto slurp = [](const std::string& p) {
        std::ifstream f(p);
        return std::string(std::istreambuf_iterator<char>(f), {});
    };
    std::string before = slurp(crt);
    REQUIRE(before.find("BEGIN CERTIFICATE") != std::string::npos);
    json r = call(*b.app, s, "certificate.sentry");
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["regenerated"] == true);
    std::string after = slurp(crt);
    CHECK(after.find("BEGIN CERTIFICATE") != std::string::npos);
    CHECK(after != before);
    CHECK_FALSE(std::ifstream(crt + ".old").good());

    // Not self-signed (here: unreadable as a certificate): left alone.
    { std::ofstream(crt) << "not a certificate\n"; }
    r = call(*b.app, s, "certificate.sentry");
    REQUIRE(code(r) == "ok");
    CHECK(r["data"]["regenerated"] == false);
    CHECK(slurp(crt) == "not a certificate\n");
}
