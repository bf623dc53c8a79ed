// sentryd: wiring only. Flags and env -> objects -> signals -> run -> exit code.
// Exit status: 0 clean stop or --check-config OK, 1 startup failure, 2 bad usage.
#include "server.hpp"
#include "tls_context.hpp"
#include "sentryd/options.hpp"

#include <mics/log.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    mics::log_init("sentryd");
    // Writes to a vanished peer must fail with EPIPE, not kill the daemon.
    std::signal(SIGPIPE, SIG_IGN);

    auto opts = sentryd::parse_options(std::vector<std::string>(argv + 1, argv + argc),
                                       sentryd::default_options());
    if (!opts) {
        std::fprintf(stderr, "sentryd: %s\n%s", opts.error().c_str(), sentryd::usage_text().c_str());
        return 2;
    }
    if (opts->show_help) {
        std::fputs(sentryd::usage_text().c_str(), stdout);
        return 0;
    }
    if (opts->show_version) {
        std::fputs(sentryd::version_text().c_str(), stdout);
        return 0;
    }

    auto tls = sentryd::make_tls_context(opts->cert_file, opts->key_file);
    if (!tls) {
        mics::log_error(tls.error());
        return 1;
    }
    if (opts->check_config) {
        std::printf("sentryd: configuration OK (%s, %s)\n", opts->cert_file.c_str(),
                    opts->key_file.c_str());
        return 0;
    }

    // One thread, one io_context: sessions need no strand and no lock.
    boost::asio::io_context ioc{1};
    sentryd::Server server(ioc, {opts->listen_addr, opts->listen_port, opts->control_path, opts->devices_file},
                           tls.value());
    if (auto st = server.start(); !st) {
        mics::log_error(st.error());
        return 1;
    }

    boost::asio::signal_set signals(ioc, SIGTERM, SIGINT, SIGHUP);
    bool stopping = false;
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int sig) {
            if (ec) return;  // cancelled once drained
            if (sig == SIGHUP) {
                // Configuration arrives over the control socket; nothing to reload.
                mics::log_info("SIGHUP ignored (configuration comes from MICS)");
            } else if (!stopping) {
                stopping = true;
                mics::log_info(std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                               ", shutting down");
                server.drain([&signals, &ioc] {
                    boost::system::error_code ignored;
                    signals.cancel(ignored);
                    // Every device connection is gone; a health check still
                    // connecting or waiting for its answer is abandoned.
                    ioc.stop();
                });
            } else {
                mics::log_warn("second signal: closing all connections now");
                server.abort();
            }
            signals.async_wait(on_signal);
        };
    signals.async_wait(on_signal);

    // Handlers catch their own errors; this is the backstop so that one
    // unexpected exception is logged instead of taking every connection down.
    for (;;) {
        try {
            ioc.run();
            break;
        } catch (const std::exception& e) {
            mics::log_error(std::string("unexpected exception in event loop: ") + e.what());
        }
    }
    mics::log_info("stopped");
    return 0;
}
