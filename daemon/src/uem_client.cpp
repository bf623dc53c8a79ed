#include "uem_client.hpp"

#include <mics/log.hpp>
#include <mics/version.hpp>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

#include <ctime>
#include <openssl/ssl.h>

namespace sentryd {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using json = nlohmann::json;

namespace {

constexpr std::chrono::seconds kRequestTimeout{30};
// A UEM that keeps answering "next"/"more" forever must not keep us busy:
// 10,000 pages of 1000 is more than the cache holds.
constexpr unsigned kMaxPagesPerRun = 10000;

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// What an administrator reads in logs and `show sentry status`: the base
// URL (it carries no credentials: parse_location refuses user@host).
std::string where(const UemConfig& c) { return c.url; }

}  // namespace

struct UemClient::Fetch {
    http::request<http::empty_body> req;
    std::optional<http::response_parser<http::string_body>> parser;
    std::unique_ptr<BackendConn> conn;
    bool reused = false;
    std::chrono::steady_clock::time_point deadline;
    FetchDone done;
};

UemClient::UemClient(net::io_context& ioc, DeviceGate& gate, DeviceOps& ops)
    : ioc_(ioc), gate_(gate), ops_(ops), timer_(ioc) {}

// Pending waiters are dropped, not called: at destruction the control
// sessions they would answer may be going away too.
UemClient::~UemClient() {
    ++gen_;
    timer_.cancel();
    close_inflight();
}

void UemClient::close_inflight() {
    if (auto f = inflight_.lock(); f && f->conn) {
        boost::system::error_code ignored;
        f->conn->socket().close(ignored);
    }
}

std::function<bool()> UemClient::still(std::uint64_t gen) const {
    std::weak_ptr<int> w = life_;
    return [this, w, gen] { return !w.expired() && gen_ == gen; };
}

void UemClient::apply(const ProxyConfig& cfg) {
    std::int64_t now = unix_now();
    bool want = cfg.device_policy.uem && !cfg.uem.url.empty();
    if (!want) {
        if (active_) deactivate("the device policy source is standalone");
        return;
    }
    health_.set_fail_open(cfg.device_policy.fail_open, now, active_ ? UemDetect::config : UemDetect::init);
    if (active_) {
        const UemConfig& o = active_->cfg;
        const UemConfig& n = cfg.uem;
        if (o.url == n.url && o.token == n.token && o.ca_file == n.ca_file && o.verify == n.verify) {
            bool resched = o.poll_s != n.poll_s;
            active_->cfg = n;
            if (health_.last_full > 0) health_.next_full = health_.last_full + std::int64_t(n.resync_h) * 3600;
            if (resched && run_ == Run::none) schedule(std::chrono::seconds(n.poll_s));
            return;
        }
        mics::log_info("UEM connector: settings changed; full resync from " + where(n));
        next_by_ = UemDetect::config;
    } else {
        mics::log_info("UEM connector: starting with " + where(cfg.uem));
        next_by_ = UemDetect::init;
    }
    activate(cfg);
}

// Whatever ran under the old settings is dropped: a handler still pending
// sees the new generation and does nothing.
void UemClient::abandon() {
    ++gen_;
    timer_.cancel();
    close_inflight();
    conn_.reset();
    full_.reset();
    run_ = Run::none;
    cursor_.clear();
}

void UemClient::activate(const ProxyConfig& cfg) {
    abandon();
    want_full_ = true;

    Active a;
    a.cfg = cfg.uem;
    auto loc = parse_location(cfg.uem.url, cfg.uem.verify);
    if (!loc || !loc->target.tls) {
        a.setup_error = "url: not an https:// URL sentryd can use";
    } else {
        a.target = loc->target;
        a.base_path = loc->path;
    }
    a.tls = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
    SSL_CTX* native = a.tls->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (a.setup_error.empty() && cfg.uem.verify) {
        // One small file read per settings change; the system store is the
        // default, as for back ends.
        boost::system::error_code ec;
        if (!cfg.uem.ca_file.empty())
            a.tls->load_verify_file(cfg.uem.ca_file, ec);
        else
            a.tls->set_default_verify_paths(ec);
        if (ec) a.setup_error = "ca-file " + cfg.uem.ca_file + ": " + ec.message();
    }
    active_ = std::move(a);
    start_run();
}

void UemClient::deactivate(const std::string& why) {
    mics::log_info("UEM connector: stopped (" + why + ")");
    abandon();
    active_.reset();
    health_ = UemHealth{};
    // Fail-open is a UEM-mode rule; leave the gate as if the UEM answered.
    gate_.set_uem_reachable(true);
    finish_waiters(-1, "the UEM connector stopped: " + why);
    finish_checkins(-1, "the UEM connector stopped: " + why);
}

void UemClient::stop() {
    if (active_) deactivate("sentryd is shutting down");
}

long UemClient::loading() const { return full_ ? full_->loaded() : -1; }

Status UemClient::load_now(LoadDone done) {
    if (!active_)
        return Status::fail("not applicable: the device policy source is standalone (sentry device-policy uem)");
    waiters_.push_back(std::move(done));
    if (run_ == Run::full) return ok_status();  // it answers everybody
    want_full_ = true;
    next_by_ = UemDetect::manual;
    if (run_ == Run::none) {
        timer_.cancel();
        start_run();
    }
    return ok_status();
}

Status UemClient::check_in(CheckInDone done) {
    if (!active_) return Status::fail("not applicable: the device policy source is standalone");
    checkins_.push_back(std::move(done));
    if (run_ != Run::none) return ok_status();  // the poll running now answers it
    next_by_ = UemDetect::checkin;
    timer_.cancel();
    start_run();
    return ok_status();
}

void UemClient::schedule(std::chrono::seconds delay) {
    health_.next_check = unix_now() + delay.count();
    timer_.expires_after(delay);
    timer_.async_wait([this, ok = still(gen_)](boost::system::error_code ec) {
        if (ec || !ok()) return;
        start_run();
    });
}

void UemClient::start_run() {
    if (run_ != Run::none || !active_) return;
    std::int64_t now = unix_now();
    run_by_ = next_by_;
    pages_ = 0;
    run_applied_ = 0;
    run_started_ms_ = steady_ms();
    health_.next_check = now;
    if (!active_->setup_error.empty()) return run_failed(active_->setup_error, false);
    bool full = want_full_ || cursor_.empty() || (health_.next_full > 0 && now >= health_.next_full);
    if (full) {
        run_ = Run::full;
        want_full_ = false;
        full_.emplace(gate_);
        ++health_.full_resyncs;
        fetch(uem_list_target(active_->base_path, std::nullopt), [this](Fetched f) { on_list_page(std::move(f)); });
    } else {
        run_ = Run::delta;
        ++health_.delta_polls;
        fetch(uem_changes_target(active_->base_path, cursor_), [this](Fetched f) { on_changes(std::move(f)); });
    }
}

void UemClient::fetch(std::string target, FetchDone done) {
    auto f = std::make_shared<Fetch>();
    const Active& a = *active_;
    f->req.method(http::verb::get);
    f->req.target(target);
    f->req.version(11);
    f->req.set(http::field::host, host_header(a.target));
    f->req.set(http::field::authorization, "Bearer " + a.cfg.token);
    f->req.set(http::field::accept, "application/json");
    f->req.set(http::field::user_agent, std::string("sentryd/") + mics::kVersion);
    f->req.keep_alive(true);
    f->deadline = std::chrono::steady_clock::now() + kRequestTimeout;
    f->done = std::move(done);
    inflight_ = f;
    ++health_.requests;
    ++pages_;
    if (conn_) {
        f->conn = std::move(conn_);
        f->reused = true;
        return send(f);
    }
    connect(f);
}

void UemClient::connect(std::shared_ptr<Fetch> f) {
    f->reused = false;
    f->conn.reset();
    auto left = std::chrono::duration_cast<Millis>(f->deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return f->done({0, {}, "timed out (30 s)"});
    connect_backend(ioc_, *active_->tls, active_->target, left,
                    [this, ok = still(gen_), f, tls = active_->tls](std::string error, std::unique_ptr<BackendConn> conn,
                                                                    boost::system::error_code) {
                        if (!ok()) return;
                        if (!conn) return f->done({0, {}, std::move(error)});
                        f->conn = std::move(conn);
                        send(f);
                    });
}

void UemClient::send(std::shared_ptr<Fetch> f) {
    f->conn->expires_after(f->deadline - std::chrono::steady_clock::now());
    f->parser.emplace();
    f->parser->header_limit(16 * 1024);
    f->parser->body_limit(kUemMaxBody);
    auto ok = still(gen_);
    f->conn->visit([this, ok, f](auto& stream) {
        http::async_write(stream, f->req, [this, ok, f, &stream](boost::system::error_code ec, std::size_t) {
            if (!ok()) return;
            if (ec) {
                // A kept-alive connection the UEM closed meanwhile: nothing
                // reached it, so a fresh connection is safe.
                if (f->reused) return connect(f);
                return f->done({0, {}, ec == beast::error::timeout ? "timed out (30 s)" : "write: " + ec.message()});
            }
            http::async_read(stream, f->conn->buffer, *f->parser, [this, ok, f](boost::system::error_code rec, std::size_t) {
                if (!ok()) return;
                if (rec) {
                    if (f->reused && !f->parser->got_some()) return connect(f);
                    std::string why = rec == beast::error::timeout       ? "timed out (30 s)"
                                      : rec == http::error::body_limit ? "response body over 16 MiB"
                                                                        : "read: " + rec.message();
                    return f->done({0, {}, why});
                }
                auto& res = f->parser->get();
                Fetched r;
                r.status = res.result_int();
                r.body = std::move(res.body());
                if (res.keep_alive()) {
                    f->conn->expires_never();
                    conn_ = std::move(f->conn);
                }
                f->done(std::move(r));
            });
        });
    });
}

// A transport failure or an HTTP status other than 200 ends the run.
bool UemClient::http_failed(const Fetched& f, const char* what) {
    if (!f.error.empty()) {
        run_failed(std::string(what) + ": " + f.error, false);
        return true;
    }
    if (f.status == 401 || f.status == 403) {
        run_failed("authentication failed (HTTP " + std::to_string(f.status) + ")", true);
        return true;
    }
    if (f.status != 200) {
        run_failed(std::string(what) + ": HTTP " + std::to_string(f.status), false);
        return true;
    }
    return false;
}

void UemClient::on_list_page(Fetched f) {
    if (http_failed(f, "device list")) return;
    auto page = parse_uem_list(f.body);
    if (!page) return run_failed("device list: " + page.error(), false);
    full_->apply(page.value());
    if (page->next) {
        if (pages_ >= kMaxPagesPerRun) return run_failed("device list: more than 10000 pages", false);
        return fetch(uem_list_target(active_->base_path, page->next), [this](Fetched n) { on_list_page(std::move(n)); });
    }
    std::int64_t now = unix_now();
    std::size_t cleared = full_->finish();
    long loaded = full_->loaded();
    health_.records_applied += static_cast<std::uint64_t>(loaded);
    health_.records_skipped += full_->skipped();
    health_.not_cached += static_cast<std::uint64_t>(full_->not_cached());
    if (full_->skipped() || full_->not_cached())
        mics::log_warn("UEM full resync: " + std::to_string(full_->skipped()) + " malformed records skipped, " +
                       std::to_string(full_->not_cached()) + " not cached (cache full)");
    full_.reset();
    cursor_ = page->cursor;
    health_.last_full = now;
    health_.last_full_count = loaded;
    health_.next_full = now + std::int64_t(active_->cfg.resync_h) * 3600;
    ops_.note_uem_load(now, loaded);
    mics::log_info("UEM full resync: " + std::to_string(loaded) + " devices loaded in " + std::to_string(pages_) +
                   " pages, " + std::to_string(cleared) + " no longer listed, " +
                   std::to_string(steady_ms() - run_started_ms_) + " ms");
    run_succeeded(loaded);
}

void UemClient::on_changes(Fetched f) {
    if (f.error.empty() && f.status == 410) {
        // The cursor is too old for the UEM: only a full list is exact now.
        ++health_.gone_410;
        mics::log_info("UEM answered 410 to a delta poll: full resync");
        run_ = Run::full;
        full_.emplace(gate_);
        ++health_.full_resyncs;
        return fetch(uem_list_target(active_->base_path, std::nullopt), [this](Fetched n) { on_list_page(std::move(n)); });
    }
    if (http_failed(f, "changes")) return;
    auto page = parse_uem_changes(f.body);
    if (!page) return run_failed("changes: " + page.error(), false);
    std::uint64_t applied = 0;
    for (const auto& r : page->records) {
        if (apply_uem_record(gate_, r))
            ++applied;
        else
            ++health_.not_cached;
    }
    health_.records_applied += applied;
    health_.records_skipped += page->skipped;
    run_applied_ += static_cast<long>(applied);
    if (applied) mics::log(mics::LogLevel::debug, "UEM delta poll: " + std::to_string(applied) + " changes applied");
    bool progressed = page->cursor != cursor_ || !page->records.empty();
    cursor_ = page->cursor;
    if (page->more && progressed) {
        if (pages_ >= kMaxPagesPerRun) return run_failed("changes: more than 10000 pages", false);
        return fetch(uem_changes_target(active_->base_path, cursor_), [this](Fetched n) { on_changes(std::move(n)); });
    }
    run_succeeded(-1);
}

void UemClient::run_succeeded(long loaded) {
    std::int64_t now = unix_now();
    if (health_.success(now, run_by_)) {
        mics::log_info("UEM " + where(active_->cfg) + " connected");
        if (std::size_t n = gate_.set_uem_reachable(true))
            mics::log_info("UEM reachable again: " + std::to_string(n) + " devices re-decided");
    }
    if (loaded >= 0) finish_waiters(loaded, {});
    finish_checkins(loaded >= 0 ? loaded : run_applied_, {});
    end_run();
}

void UemClient::run_failed(const std::string& why, bool auth) {
    std::int64_t now = unix_now();
    if (run_ == Run::full || full_) want_full_ = true;  // the list was not read whole
    full_.reset();
    if (health_.failure(now, run_by_, why, auth)) {
        mics::log_warn("UEM " + where(active_->cfg) + " unreachable: " + why);
        if (std::size_t n = gate_.set_uem_reachable(false))
            mics::log_info("UEM unreachable: fail-open re-decided " + std::to_string(n) + " devices");
    } else {
        mics::log(mics::LogLevel::debug, "UEM check failed again: " + why);
    }
    finish_waiters(-1, why);
    finish_checkins(-1, why);
    end_run();
}

void UemClient::end_run() {
    run_ = Run::none;
    // No idle connection between polls: the UEM would close it anyway.
    conn_.reset();
    inflight_.reset();
    next_by_ = UemDetect::periodic;
    if (want_full_ && !waiters_.empty()) {
        next_by_ = UemDetect::manual;
        return start_run();  // a load was asked for while a delta poll ran
    }
    schedule(std::chrono::seconds(active_->cfg.poll_s));
}

void UemClient::finish_waiters(long loaded, const std::string& error) {
    auto w = std::move(waiters_);
    waiters_.clear();
    for (auto& d : w) d(loaded, error);
}

void UemClient::finish_checkins(long changed, const std::string& error) {
    if (checkins_.empty()) return;
    bool full = run_ == Run::full;
    auto w = std::move(checkins_);
    checkins_.clear();
    for (auto& d : w) d(changed, full, error);
}

std::string UemClient::status_json(std::int64_t now) const {
    json j;
    j["active"] = active_.has_value();
    j["current_time"] = java_date(now);
    j["server_type"] = "UEM (sentry-uem-api)";
    if (!active_) {
        j["connectivity"] = "Not configured";
        return j.dump();
    }
    const UemHealth& h = health_;
    using S = UemHealth::State;
    j["url"] = active_->cfg.url;
    j["connectivity"] = h.state == S::connected ? "Connected" : h.state == S::disconnected ? "Disconnected" : "Not checked yet";
    j["last_change_by"] = std::string(detect_text(h.changed_by));
    j["last_change"] = java_date(h.changed_at);
    j["last_success"] = java_date(h.last_success);
    j["last_failure"] = java_date(h.last_failure);
    j["last_failure_reason"] = h.last_error;
    j["auth_failed"] = h.auth_failed;
    j["next_scheduled"] = run_ != Run::none ? java_date(now) : java_date(h.next_check);
    j["check_running"] = run_ != Run::none;
    j["poll_interval_s"] = active_->cfg.poll_s;
    j["fail_open"] = h.fail_open ? "Allow" : "Block";
    j["fail_open_changed_by"] = std::string(detect_text(h.fail_open_by));
    j["fail_open_changed"] = java_date(h.fail_open_changed_at);
    j["fail_open_in_effect"] = !gate_.uem_reachable();
    j["last_full_resync"] = java_date(h.last_full);
    j["last_full_resync_count"] = h.last_full_count;
    j["next_full_resync"] = java_date(h.next_full);
    j["loading"] = loading();
    j["counters"] = {{"requests", h.requests},         {"failures", h.failures},
                     {"full_resyncs", h.full_resyncs}, {"delta_polls", h.delta_polls},
                     {"gone_410", h.gone_410},         {"records_applied", h.records_applied},
                     {"records_skipped", h.records_skipped}, {"not_cached", h.not_cached}};
    return j.dump();
}

}  // namespace sentryd
