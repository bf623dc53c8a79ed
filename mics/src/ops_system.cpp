// System ops: whether the running configuration differs from startup, reload
// (load startup-config and restart every service: unsaved changes are lost),
// the FIPS report and the kernel parameters (kparam). Rows are appended to the
// op table by ops.cpp.
#include "certs.hpp"
#include "ops_detail.hpp"

#include "mics/log.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <unistd.h>

namespace micsd::ops {

namespace {

constexpr auto kReloadGrace = std::chrono::seconds(10);  // per service; MICS's loop waits for it

// The configuration `reload` boots: startup-config, or the factory
// configuration (revision 1) after `erase startup-config`, as at boot.
std::pair<Config, std::string> boot_config(App& app, std::int64_t* id) {
    auto sid = app.store().startup_id();
    auto r = app.store().revision(sid ? *sid : 1);
    if (!r) fail("internal", "the startup configuration revision is missing");
    Config c;
    std::string err;
    if (!from_json(r->config, c, &err)) fail("internal", "the startup configuration is invalid: " + err);
    if (id) *id = r->id;
    return {c, sid ? "startup-config (revision " + std::to_string(r->id) + ")" : "the factory configuration"};
}

json config_status(App& app, Session&, const json&) {
    auto sid = app.store().startup_id();
    bool modified = true;
    if (sid) {
        std::int64_t id = 0;
        modified = to_json(boot_config(app, &id).first) != to_json(app.running());
    }
    return {{"running", app.revision()}, {"startup", sid ? json(*sid) : json(nullptr)}, {"modified", modified}};
}

// ---- kernel parameters ----------------------------------------------------

struct Sysctl {
    const char* name;
    std::vector<const char*> files;  // every /proc/sys file the setting writes
};

const std::vector<Sysctl>& sysctls() {
    static const std::vector<Sysctl> t = {
        {"rp_filter", {"net/ipv4/conf/all/rp_filter", "net/ipv4/conf/default/rp_filter"}},
        {"log_martians", {"net/ipv4/conf/all/log_martians", "net/ipv4/conf/default/log_martians"}},
        {"kernel_panic", {"kernel/panic"}},
        {"tcp_sack", {"net/ipv4/tcp_sack"}},
        {"tcp_keepalive_time", {"net/ipv4/tcp_keepalive_time"}},
        {"tcp_keepalive_probes", {"net/ipv4/tcp_keepalive_probes"}},
        {"tcp_keepalive_intvl", {"net/ipv4/tcp_keepalive_intvl"}},
    };
    return t;
}

std::string read_proc(const std::string& rel) {
    std::ifstream in("/proc/sys/" + rel);
    std::string v;
    if (!(in >> v)) return "-";
    return v;
}

// Writes every kparam set in the running configuration, only as root and
// only where the appliance owns the kernel ($SENTRY_KPARAM_APPLY=1, set by
// the production service): a development run or a test, even as root, leaves
// the host's kernel alone. Returns what was not applied, with the reason.
std::vector<std::string> apply_kparams(const Config& c) {
    std::vector<std::string> skipped;
    const char* env = std::getenv("SENTRY_KPARAM_APPLY");
    std::string refuse = ::geteuid() != 0 ? "MICS does not run as root"
                         : !env || std::string(env) != "1"
                             ? "SENTRY_KPARAM_APPLY is not 1 (the host's kernel is left alone)"
                             : "";
    for (const auto& s : sysctls()) {
        std::string path = std::string("kparam.") + s.name;
        if (!c.values.count(path)) continue;  // not configured: the kernel's value stays
        std::string value = std::to_string(get_int(c, path));
        if (!refuse.empty()) {
            skipped.push_back(std::string(s.name) + ": " + refuse);
            continue;
        }
        for (const char* f : s.files) {
            std::ofstream out(std::string("/proc/sys/") + f);
            if (!(out << value << '\n') || !out.flush())
                skipped.push_back(std::string(s.name) + ": cannot write /proc/sys/" + f);
        }
    }
    for (const auto& w : skipped) mics::log_info("kparam not applied: " + w);
    return skipped;
}

json kparam_show(App& app, Session&, const json& a) {
    std::vector<std::string> skipped;
    if (a.value("apply", false)) skipped = apply_kparams(app.running());
    std::string text = "Parameter             Configured  Kernel  Sysctl\n";
    json rows = json::array();
    for (const auto& s : sysctls()) {
        std::string path = std::string("kparam.") + s.name;
        bool set = app.running().values.count(path) != 0;
        std::string conf = set ? std::to_string(get_int(app.running(), path)) : "-";
        std::string now = read_proc(s.files[0]);
        std::string dotted = s.files[0];
        for (auto& ch : dotted)
            if (ch == '/') ch = '.';
        auto pad = [](std::string x, std::size_t w) { return x.size() >= w ? x + " " : x + std::string(w - x.size(), ' '); };
        text += pad(s.name, 22) + pad(conf, 12) + pad(now, 8) + dotted + "\n";
        rows.push_back({{"name", s.name}, {"configured", set ? json(get_int(app.running(), path)) : json(nullptr)},
                        {"kernel", now}, {"sysctl", dotted}});
    }
    text += "('-' = not configured: the kernel's value is left alone. Configured values are written to /proc/sys "
            "only by a root MICS with SENTRY_KPARAM_APPLY=1.)\n";
    for (const auto& w : skipped) text += "Not applied: " + w + "\n";
    return {{"text", text}, {"data", {{"parameters", rows}, {"not_applied", skipped}}}};
}

// ---- FIPS -----------------------------------------------------------------

// Whether OpenSSL can load its FIPS provider here, tried in a private library
// context so MICS's own crypto is unaffected. "" and the version, or why not.
std::pair<std::string, std::string> fips_provider() {
    OSSL_LIB_CTX* ctx = OSSL_LIB_CTX_new();
    if (!ctx) return {"", "cannot create an OpenSSL library context"};
    ERR_clear_error();
    OSSL_PROVIDER* p = OSSL_PROVIDER_load(ctx, "fips");
    std::pair<std::string, std::string> out;
    if (!p) {
        char buf[256] = "no error text";
        if (unsigned long e = ERR_peek_last_error()) ERR_error_string_n(e, buf, sizeof buf);
        out = {"", std::string("the OpenSSL FIPS provider does not load (") + buf + ")"};
    } else {
        const char* version = nullptr;
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_ptr("version", const_cast<char**>(&version), 0),
                               OSSL_PARAM_construct_end()};
        std::string v = OSSL_PROVIDER_get_params(p, params) && version ? version : "unknown version";
        out = {v, ""};
        OSSL_PROVIDER_unload(p);
    }
    ERR_clear_error();
    OSSL_LIB_CTX_free(ctx);
    return out;
}

json fips_show(App& app, Session&, const json&) {
    bool configured = std::get<bool>(get(app.running(), "system.fips"));
    bool effective = std::get<bool>(get(app.booted(), "system.fips"));
    auto [version, why_not] = fips_provider();
    bool provider = why_not.empty();
    // "FIPS 140 mode is enabled" claims a validated module: only with the
    // OpenSSL FIPS provider loadable and approved-only mode in effect.
    bool enabled = effective && provider;
    std::string text = std::string("FIPS 140 mode is ") + (enabled ? "enabled" : "disabled") + "\n";
    text += std::string("Approved-algorithms mode: ") + (effective ? "on" : "off");
    if (configured != effective) text += configured ? " (fips configured: on after the next reload)"
                                                    : " (no fips configured: off after the next reload)";
    text += "\n";
    text += "OpenSSL " + std::string(OpenSSL_version(OPENSSL_VERSION_STRING)) + " FIPS provider: " +
            (provider ? "available, version " + version : "not available: " + why_not) + "\n";
    if (effective && !provider)
        text += "Note: services restrict themselves to FIPS-approved algorithms, but no FIPS 140 validated module "
                "is in use\n";
    return {{"text", text},
            {"data",
             {{"fips_140_mode", enabled},
              {"approved_only_configured", configured},
              {"approved_only_in_effect", effective},
              {"openssl_fips_provider", provider},
              {"openssl_fips_provider_version", provider ? json(version) : json(nullptr)},
              {"openssl_fips_provider_error", provider ? json(nullptr) : json(why_not)}}}};
}

// ---- reload -----------------------------------------------------------------

// Saves first when asked, boots startup-config (a new revision when it differs
// from running: unsaved changes are lost but stay in the archive), applies the
// kernel parameters and restarts every service in start order, so each picks
// up settings that apply at start (fips). The caller's SSH session ends when
// ssh restarts, as on a real reload; a console session stays connected.
json reload(App& app, Session& s, const json& a) {
    if (a.value("save", false) && !app.store().set_startup(app.revision()))
        fail("internal", "cannot mark the startup revision");
    std::int64_t id = 0;
    auto [boot, what] = boot_config(app, &id);
    std::int64_t rev = app.revision();
    bool changed = boot.values != app.running().values;
    if (changed) {
        if (std::string why = app.commit(std::move(boot), s, "reload: load " + what, &rev); !why.empty()) fail("apply_failed", why);
        if (app.store().startup_id()) app.store().set_startup(rev);  // startup follows its reloaded copy, as at boot
    }
    app.set_booted(app.running());
    app.apply_sshd(false);  // fips (and the port) for the restart below
    std::vector<std::string> skipped = apply_kparams(app.running());
    json restarted = json::array();
    if (Supervisor* sup = app.supervisor()) {
        std::vector<std::string> names;
        for (const auto& st : sup->status())
            if (st.state != "disabled") names.push_back(st.name);
        for (auto it = names.rbegin(); it != names.rend(); ++it) sup->stop(*it, kReloadGrace);
        for (const auto& n : names) {
            if (sup->start(n)) restarted.push_back(n);
            else mics::log_error("reload: cannot start " + n);
        }
    }
    mics::log_warn("reload by " + s.user + ": loaded " + what + ", restarted " + std::to_string(restarted.size()) +
                   " services");
    return {{"revision", rev}, {"loaded", what}, {"discarded_changes", changed}, {"restarted", restarted},
            {"kparam_not_applied", skipped}};
}

// ---- certificate sentry --------------------------------------------------------

// "" when the certificate at path is self-signed, else why not (spec 2.12:
// a certificate from a CA is never replaced by this command).
std::string self_signed(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "r");
    if (!f) return "cannot read " + path;
    X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (!x) return "cannot parse " + path;
    bool self = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
    X509_free(x);
    return self ? "" : "not self-signed";
}

// Regenerates the self-signed certificate sentryd presents to devices (CN and
// SAN = the host name now configured) and restarts sentryd to load it.
json certificate_sentry(App& app, Session& s, const json&) {
    const std::string dir = app.options().paths.certs();
    const std::string crt = dir + "/sentry.crt", key = dir + "/sentry.key";
    if (std::string why = self_signed(crt); !why.empty()) return {{"regenerated", false}, {"reason", why}};
    // Kept until the new pair exists, so a failure leaves the old one in place.
    if (std::rename(crt.c_str(), (crt + ".old").c_str()) != 0 || std::rename(key.c_str(), (key + ".old").c_str()) != 0)
        fail("internal", "cannot move the old certificate aside");
    if (std::string why = ensure_self_signed(crt, key, get_string(app.running(), "system.hostname")); !why.empty()) {
        std::rename((crt + ".old").c_str(), crt.c_str());
        std::rename((key + ".old").c_str(), key.c_str());
        fail("internal", "cannot create the certificate: " + why);
    }
    std::remove((crt + ".old").c_str());
    std::remove((key + ".old").c_str());
    bool restarted = false;
    if (Supervisor* sup = app.supervisor()) {
        sup->stop("sentryd", kReloadGrace);
        restarted = sup->start("sentryd");
    }
    mics::log_warn("certificate sentry regenerated by " + s.user);
    return {{"regenerated", true}, {"restarted", restarted}};
}

}  // namespace

std::vector<OpDef> system_ops() {
    return {
        {"config.status", Who::session, 15, false, config_status},
        {"system.reload", Who::session, 15, false, reload},
        {"system.fips", Who::session, 15, false, fips_show},
        {"system.kparam", Who::session, 15, false, kparam_show},
        {"certificate.sentry", Who::session, 15, true, certificate_sentry},
    };
}

}  // namespace micsd::ops
