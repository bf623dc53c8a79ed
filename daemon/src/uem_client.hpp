// The UEM connector's Asio half (man 7 sentry-uem-api): on sentryd's
// io_context, fetches the UEM's device list (full resync, paged) and its
// changes (delta polls) over HTTPS and hands each page to the pure half
// (sentryd/uem_sync.hpp), which updates the device cache. Never blocks the
// loop: every step is asynchronous, with one 30 s deadline per request.
//
// Active only while the snapshot says `device_policy.source = uem`.
#pragma once
#include "backends.hpp"
#include "sentryd/device_ops.hpp"
#include "sentryd/proxy_config.hpp"
#include "sentryd/uem_sync.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sentryd {

class UemClient {
public:
    // A full resync finished: loaded = records applied, or error non-empty.
    using LoadDone = std::function<void(long loaded, const std::string& error)>;

    UemClient(boost::asio::io_context& ioc, DeviceGate& gate, DeviceOps& ops);
    ~UemClient();
    UemClient(const UemClient&) = delete;
    UemClient& operator=(const UemClient&) = delete;

    // A snapshot was applied: starts, stops or reconfigures the connector.
    // New url/token/ca-file/verify restart it with a full resync at once;
    // new intervals only reschedule.
    void apply(const ProxyConfig& cfg);
    // Shutdown: cancels the run in flight; waiting loads get an error.
    void stop();

    bool active() const { return active_.has_value(); }
    // `devices.from_uem`: a full resync now, or the one running. `done` runs
    // when it ends. Fails at once when the connector is not active.
    Status load_now(LoadDone done);
    // `uem.check_in` (debug sentry check-in): a poll now (a delta poll, or
    // the full resync the connector needs), or the one running. `done`
    // runs when it ends: changed = records the delta poll applied or the
    // resync loaded, full = it was a resync; error non-empty on failure.
    // Fails at once when the connector is not active.
    using CheckInDone = std::function<void(long changed, bool full, const std::string& error)>;
    Status check_in(CheckInDone done);
    // Records applied so far by the full resync in flight; -1 when none runs.
    long loading() const;

    // `uem.status` data (JSON text) for `show sentry status`.
    std::string status_json(std::int64_t now) const;

private:
    enum class Run : std::uint8_t { none, full, delta };
    struct Active {
        UemConfig cfg;
        BackendTarget target;
        std::string base_path;
        std::shared_ptr<boost::asio::ssl::context> tls;
        std::string setup_error;  // url or ca-file unusable: every check fails with it
    };
    struct Fetched {
        unsigned status = 0;
        std::string body;
        std::string error;  // transport failure; empty when an HTTP answer came
    };
    using FetchDone = std::function<void(Fetched)>;

    void activate(const ProxyConfig& cfg);
    void deactivate(const std::string& why);
    void abandon();
    void schedule(std::chrono::seconds delay);
    void start_run();
    struct Fetch;
    void fetch(std::string target, FetchDone done);
    void connect(std::shared_ptr<Fetch> f);
    void send(std::shared_ptr<Fetch> f);
    void on_list_page(Fetched f);
    void on_changes(Fetched f);
    bool http_failed(const Fetched& f, const char* what);
    void run_succeeded(long loaded);
    void run_failed(const std::string& why, bool auth);
    void end_run();
    void close_inflight();
    void finish_waiters(long loaded, const std::string& error);
    void finish_checkins(long changed, const std::string& error);
    // Guards every callback: the client may be gone or restarted meanwhile.
    std::function<bool()> still(std::uint64_t gen) const;

    boost::asio::io_context& ioc_;
    DeviceGate& gate_;
    DeviceOps& ops_;
    boost::asio::steady_timer timer_;
    std::shared_ptr<int> life_ = std::make_shared<int>(0);
    std::optional<Active> active_;
    std::uint64_t gen_ = 0;  // bumped when a run is abandoned (stop, new settings)

    Run run_ = Run::none;
    UemDetect run_by_ = UemDetect::init;   // who the running check reports as
    UemDetect next_by_ = UemDetect::init;  // and the next one
    bool want_full_ = true;
    std::optional<UemFullSync> full_;
    std::string cursor_;  // where the next delta poll starts; empty = full resync needed
    unsigned pages_ = 0;  // pages fetched by this run (bounded)
    std::int64_t run_started_ms_ = 0;
    std::unique_ptr<BackendConn> conn_;  // kept alive between the pages of one run
    std::weak_ptr<Fetch> inflight_;      // so stop() can close its connection
    UemHealth health_;
    std::vector<LoadDone> waiters_;
    std::vector<CheckInDone> checkins_;
    long run_applied_ = 0;  // delta records applied by the run in flight
};

}  // namespace sentryd
