#include "server.hpp"

#include "https_session.hpp"
#include "sentryd/debug_log.hpp"

#include <mics/log.hpp>
#include <nlohmann/json.hpp>

#include <boost/asio/post.hpp>

#include <malloc.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <sstream>
#include <vector>

namespace sentryd {

Server::Server(boost::asio::io_context& ioc, ServerSettings settings,
               std::shared_ptr<boost::asio::ssl::context> tls)
    : ioc_(ioc),
      settings_(std::move(settings)),
      tls_(std::move(tls)),
      device_ops_(gate_, settings_.devices_file),
      backends_(ioc, counters_),
      handler_(config_, counters_, ControlHandler::clock::now(),
               ControlHooks{[this](const ProxyConfig& c) { return prepare_apply(c); },
                            [this](const ProxyConfig& c) { applied(c); },
                            [this] { return backends_.status(); },
                            [this](const std::string& op, std::string_view args, std::string& data,
                                   std::string& code, std::string& message) {
                                if (handle_debug_log_op(debug_log_settings(), op, args, data, code, message)) {
                                    debug_log_settings_changed();
                                    return true;
                                }
                                if (op == "uem.status") {
                                    data = uem_.status_json(std::time(nullptr));
                                    return true;
                                }
                                return device_ops_.handle(op, args, std::time(nullptr), data, code, message);
                            },
                            [this](const std::string& op, std::string_view, ControlHooks::DeferredDone done) {
                                if (op == "devices.from_uem") {
                                    load_from_uem(std::move(done));
                                    return true;
                                }
                                if (op == "uem.check_in") {
                                    check_in_uem(std::move(done));
                                    return true;
                                }
                                return false;
                            }}),
      shared_{config_, counters_, *tls_, backends_, &gate_},
      listener_(std::make_shared<Listener>(ioc, shared_)),
      bound_{settings_.listen_addr, settings_.listen_port},
      control_(ioc, handler_),
      uem_(ioc, gate_, device_ops_),
      drain_timer_(ioc),
      tick_timer_(ioc) {
    device_ops_.set_health_counters(&counters_.hc);
}

Status Server::start() {
    if (auto st = listener_->open(settings_.listen_addr, settings_.listen_port); !st) return st;
    if (auto st = control_.open(settings_.control_path); !st) return st;
    listener_->start();
    control_.start();
    // The persistent list brings back what the proxy knew before a restart
    // (a missing file is a first start, not an error).
    if (!settings_.devices_file.empty()) {
        std::string err;
        long n = device_ops_.restore(std::time(nullptr), &err);
        if (n >= 0)
            mics::log_info("device list: restored " + std::to_string(n) + " devices");
        else if (::access(settings_.devices_file.c_str(), F_OK) == 0)
            mics::log_warn("device list not restored: " + err);
    }
    next_save_ = std::time(nullptr) + settings_.devices_save_every.count();
    device_ops_.set_next_save(next_save_);
    tick();
    return ok_status();
}

namespace {
// Figures from /proc for the system statistics; zeros where unreadable.
struct ProcFigures {
    double virt_mb = 0, rss_mb = 0, cpu_s = 0, mem_total_kb = 0, mem_avail_kb = 0, buff_cached_kb = 0;
    std::uint64_t threads = 0;
};
ProcFigures read_proc() {
    ProcFigures f;
    long page = ::sysconf(_SC_PAGESIZE);
    if (std::ifstream statm("/proc/self/statm"); statm) {
        long size = 0, resident = 0;
        statm >> size >> resident;
        f.virt_mb = double(size) * page / 1048576.0;
        f.rss_mb = double(resident) * page / 1048576.0;
    }
    if (std::ifstream stat("/proc/self/stat"); stat) {
        std::string all((std::istreambuf_iterator<char>(stat)), {});
        auto close = all.rfind(')');
        if (close != std::string::npos) {
            std::istringstream in(all.substr(close + 2));
            std::string tok;
            std::vector<std::string> v;
            while (in >> tok) v.push_back(tok);
            // Fields after ')' start at field 3 (state): utime=14, stime=15, num_threads=20.
            if (v.size() > 17) {
                double tick = double(::sysconf(_SC_CLK_TCK));
                f.cpu_s = (std::stod(v[11]) + std::stod(v[12])) / tick;
                f.threads = std::stoull(v[17]);
            }
        }
    }
    if (std::ifstream mem("/proc/meminfo"); mem) {
        std::string key;
        double val = 0;
        std::string unit;
        while (mem >> key >> val >> unit) {
            if (key == "MemTotal:") f.mem_total_kb = val;
            else if (key == "MemAvailable:") f.mem_avail_kb = val;
            else if (key == "Buffers:" || key == "Cached:") f.buff_cached_kb += val;
        }
    }
    return f;
}
}  // namespace

void Server::tick() {
    auto now_steady = std::chrono::steady_clock::now();
    std::int64_t now = std::time(nullptr);
    ProcFigures p = read_proc();
    struct mallinfo2 mi = ::mallinfo2();
    SystemSample s;
    s.heap_mb = double(mi.uordblks + mi.hblkhd) / 1048576.0;
    s.buff_cached_mb = p.buff_cached_kb / 1024.0;
    s.virt_mb = p.virt_mb;
    s.rss_mb = p.rss_mb;
    double elapsed = last_tick_.time_since_epoch().count() == 0
                         ? 0
                         : std::chrono::duration<double>(now_steady - last_tick_).count();
    s.cpu_pct = elapsed > 0 ? 100.0 * (p.cpu_s - last_cpu_s_) / elapsed : 0;
    s.mem_pct = p.mem_total_kb > 0 ? 100.0 * (p.mem_total_kb - p.mem_avail_kb) / p.mem_total_kb : 0;
    s.threads = p.threads;
    s.device_cache = gate_.cache().size();
    Utilization u;
    u.open_connections = counters_.connections_active;
    u.cpu_pct = s.cpu_pct;
    u.mem_pct = s.mem_pct;
    double heap_total = double(mi.arena + mi.hblkhd);
    u.heap_pct = heap_total > 0 ? 100.0 * double(mi.uordblks + mi.hblkhd) / heap_total : 0;
    u.busy_pct = s.cpu_pct;  // one event-loop thread: its busy share is the process's CPU share
    device_ops_.sample(s, u, now);
    last_cpu_s_ = p.cpu_s;
    last_tick_ = now_steady;

    if (!settings_.devices_file.empty() && now >= next_save_) {
        std::string err;
        if (device_ops_.save(now, &err) < 0) mics::log_warn("device list not saved: " + err);
        next_save_ = now + settings_.devices_save_every.count();
        device_ops_.set_next_save(next_save_);
    }
    if (shared_.draining) return;
    tick_timer_.expires_after(std::chrono::seconds(10));
    tick_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) tick();
    });
}

Status Server::prepare_apply(const ProxyConfig& next) {
    ListenAddress want = next.listen.value_or(ListenAddress{settings_.listen_addr, settings_.listen_port});
    if (want == bound_ || shared_.draining) return ok_status();
    // Bind the new address first: if that fails the apply is refused and
    // the old listener keeps serving. Open connections are not touched.
    auto fresh = std::make_shared<Listener>(ioc_, shared_);
    if (auto st = fresh->open(want.address, want.port); !st) return Status::fail("config.listen: " + st.error());
    listener_->stop();
    listener_ = std::move(fresh);
    listener_->start();
    bound_ = want;
    return ok_status();
}

void Server::applied(const ProxyConfig& now) {
    backends_.apply(now);
    if (std::size_t n = gate_.set_policy(now.device_policy))
        mics::log_info("device policy changed the state of " + std::to_string(n) + " devices");
    uem_.apply(now);
}

void Server::answer_when_done(ControlHooks::DeferredDone done, const DeferredStart& start,
                              std::function<std::string()> early) {
    // MICS waits for the reply with its own loop blocked (10 s at most), so
    // a long operation answers early and carries on; `show sentry
    // device-cache status` / `show sentry status` then show how it ended.
    static constexpr std::chrono::seconds kLoadWait{8};
    struct Pending {
        ControlHooks::DeferredDone done;
        boost::asio::steady_timer timer;
        bool answered = false;
        void answer(std::string data, std::string code, std::string message) {
            if (answered) return;
            answered = true;
            timer.cancel();
            done(std::move(data), std::move(code), std::move(message));
        }
    };
    auto p = std::make_shared<Pending>(Pending{std::move(done), boost::asio::steady_timer(ioc_), false});
    auto st = start([p](std::string data, std::string code, std::string message) {
        p->answer(std::move(data), std::move(code), std::move(message));
    });
    if (!st) return p->answer({}, "bad_request", st.error());
    if (p->answered) return;
    p->timer.expires_after(kLoadWait);
    p->timer.async_wait([p, early = std::move(early)](boost::system::error_code ec) {
        if (ec || p->answered) return;
        p->answer(early(), {}, {});
    });
}

void Server::load_from_uem(ControlHooks::DeferredDone done) {
    answer_when_done(
        std::move(done),
        [this](ControlHooks::DeferredDone reply) {
            return uem_.load_now([reply](long loaded, const std::string& error) {
                if (!error.empty()) return reply({}, "failed", "loading from the UEM failed: " + error);
                reply("{\"done\":true,\"loaded\":" + std::to_string(loaded) + "}", {}, {});
            });
        },
        [this] {
            long so_far = uem_.loading();
            return "{\"done\":false,\"loaded_so_far\":" + std::to_string(so_far < 0 ? 0 : so_far) + "}";
        });
}

void Server::check_in_uem(ControlHooks::DeferredDone done) {
    // Standalone is an answer, not an error: the shell prints the
    // reference's "not applicable" line for it.
    if (!uem_.active()) return done(R"({"applicable":false})", {}, {});
    answer_when_done(
        std::move(done),
        [this](ControlHooks::DeferredDone reply) {
            return uem_.check_in([reply](long changed, bool full, const std::string& error) {
                nlohmann::json d = {{"applicable", true}, {"done", true}, {"full", full}};
                if (error.empty())
                    d["changed"] = changed;
                else
                    d["error"] = error;
                reply(d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}, {});
            });
        },
        [] { return std::string(R"({"applicable":true,"done":false})"); });
}

void Server::drain(std::function<void()> done) {
    if (shared_.draining) return;
    shared_.draining = true;
    drained_ = std::move(done);
    listener_->stop();
    control_.stop();
    backends_.stop();
    uem_.stop();
    tick_timer_.cancel();
    // Before shutdown, as the guide's persistent list is.
    if (!settings_.devices_file.empty()) {
        std::string err;
        long n = device_ops_.save(std::time(nullptr), &err);
        if (n < 0) mics::log_warn("device list not saved: " + err);
    }
    mics::log_info("draining " + std::to_string(shared_.live.size()) + " connections (up to " +
                   std::to_string(settings_.drain_timeout.count()) + " s)");
    shared_.on_drained = [this] { finish_drain(); };
    if (shared_.live.empty()) {
        // Run `done` from the loop, not from inside the signal handler's caller.
        boost::asio::post(drain_timer_.get_executor(), [this] { finish_drain(); });
        return;
    }
    // Copy: drain() may end a session, which erases itself from the set.
    std::vector<HttpsSession*> sessions(shared_.live.begin(), shared_.live.end());
    for (auto* s : sessions) s->drain();
    drain_timer_.expires_after(settings_.drain_timeout);
    drain_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        mics::log_warn("drain deadline passed; closing " + std::to_string(shared_.live.size()) +
                       " connections");
        abort();
    });
}

void Server::abort() {
    std::vector<HttpsSession*> sessions(shared_.live.begin(), shared_.live.end());
    for (auto* s : sessions) s->abort();
}

void Server::finish_drain() {
    drain_timer_.cancel();
    if (auto done = std::move(drained_)) {
        drained_ = nullptr;
        done();
    }
}

}  // namespace sentryd
