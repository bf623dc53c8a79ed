// MICS application state: the running config, the store, the services and
// their appliers. The socket server (server.cpp) calls dispatch() per frame.
#pragma once
#include "config_model.hpp"
#include "session.hpp"
#include "store.hpp"
#include "supervisor.hpp"

#include "mics/paths.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace micsd {

struct Options {
    mics::Paths paths;
    std::string bind = "127.0.0.1";
    int ssh_port = 2222, https_port = 4443, snmp_port = 1161;
    std::string bin_dir;       // where sentryd, sentry-sshd, ... live
    bool start_services = true;
};

class App {
public:
    explicit App(Options o);

    // Creates the state dir layout, opens the store, first-boot seeding,
    // loads startup config. Returns "" or why it cannot start.
    std::string init();
    void register_services(Supervisor& sup);

    // Frame in, frame out. Never throws.
    std::string dispatch(Session& s, const std::string& frame);

    // Retries pushes that failed because a service was not up yet.
    void tick();
    void on_service_started(const std::string& name);

    const Config& running() const { return running_; }
    std::int64_t revision() const { return revision_; }
    Store& store() { return store_; }
    const Options& options() const { return opt_; }
    long long uptime_s() const;

    // Validates, stores a revision, swaps it in and runs the appliers.
    std::string commit(const Config& next, const Session& s, const std::string& line, std::int64_t* rev);

private:
    void apply_all();
    bool push_sentryd();
    std::string write_snmpd_conf();

    Options opt_;
    Store store_;
    Config running_;
    std::int64_t revision_ = 0;
    Supervisor* sup_ = nullptr;
    bool sentryd_pending_ = false;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace micsd
