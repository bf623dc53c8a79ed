#include "sentryd/control_handler.hpp"

#include "config_json.hpp"

#include <mics/log.hpp>
#include <mics/version.hpp>
#include <nlohmann/json.hpp>

namespace sentryd {

using nlohmann::json;

namespace {

// dump() throws on invalid UTF-8; replace it instead so a reply is always produced.
std::string to_text(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string ok_reply(const json& id, json data) {
    return to_text(json{{"id", id}, {"ok", true}, {"data", std::move(data)}});
}

// Codes are the closed set of docs/mics-protocol.md.
std::string error_reply(const json& id, std::string_view code, std::string_view message) {
    return to_text(json{{"id", id},
                        {"ok", false},
                        {"error", {{"code", std::string(code)}, {"message", std::string(message)}}}});
}

}  // namespace

std::string ControlHandler::too_large_reply() {
    return error_reply(nullptr, "bad_request", "frame too large");
}

std::string ControlHandler::denied_reply() {
    return error_reply(nullptr, "denied", "peer is not allowed to control sentryd");
}

std::string ControlHandler::handle(std::string_view request) {
    // The contract is "never throws": the caller runs on the io_context.
    try {
        return handle_unchecked(request);
    } catch (const std::exception& e) {
        mics::log_error(std::string("control: ") + e.what());
        return error_reply(nullptr, "internal", "internal error");
    }
}

void ControlHandler::handle_async(std::string_view request, ReplyFn reply) {
    if (hooks_.deferred) {
        try {
            json req = json::parse(request, nullptr, /*allow_exceptions=*/false);
            if (req.is_object() && req.contains("op") && req["op"].is_string()) {
                json id = req.contains("id") ? req["id"] : json(nullptr);
                json args = req.contains("args") && req["args"].is_object() ? req["args"] : json::object();
                auto done = [id, reply](std::string data, std::string code, std::string message) {
                    if (!code.empty()) return reply(error_reply(id, code, message));
                    reply(ok_reply(id, json::parse(data, nullptr, false)));
                };
                if (hooks_.deferred(req["op"].get<std::string>(), args.dump(), done)) return;
            }
        } catch (const std::exception& e) {
            mics::log_error(std::string("control: ") + e.what());
            return reply(error_reply(nullptr, "internal", "internal error"));
        }
    }
    reply(handle(request));
}

std::string ControlHandler::handle_unchecked(std::string_view request) {
    json req = json::parse(request, nullptr, /*allow_exceptions=*/false);
    if (req.is_discarded() || !req.is_object())
        return error_reply(nullptr, "bad_request", "malformed JSON request");

    json id = req.contains("id") ? req["id"] : json(nullptr);
    if (auto v = req.find("v"); v != req.end() && (!v->is_number_integer() || v->get<int>() != 1))
        return error_reply(id, "bad_request", "v: unsupported protocol version");
    auto op_it = req.find("op");
    if (op_it == req.end() || !op_it->is_string())
        return error_reply(id, "bad_request", "op: must be a string");
    const std::string op = op_it->get<std::string>();
    json args = req.contains("args") ? req["args"] : json::object();
    if (!args.is_object()) return error_reply(id, "bad_request", "args: must be an object");

    // The ops are few and fixed; a table pays off once there are privileges to check.
    if (op == "config.apply") {
        auto next = detail::parse_config_apply(args, store_.version());
        if (!next) {
            mics::log_warn("config.apply rejected: " + next.error());
            return error_reply(id, "invalid", next.error());
        }
        if (hooks_.prepare) {
            if (auto st = hooks_.prepare(*next.value()); !st) {
                mics::log_warn("config.apply rejected: " + st.error());
                return error_reply(id, "invalid", st.error());
            }
        }
        store_.replace(next.value());
        if (hooks_.applied) hooks_.applied(*store_.current());
        std::size_t servers = 0;
        for (const auto& svc : store_.current()->activesync.services) servers += svc.servers.size();
        mics::log_info("config version " + std::to_string(store_.version()) + " applied (" +
                       std::to_string(store_.current()->activesync.services.size()) +
                       " ActiveSync services, " + std::to_string(servers) + " servers)");
        return ok_reply(id, {{"version", store_.version()}});
    }
    if (op == "status") {
        json responses = json::object();
        for (auto [status, n] : counters_.responses_seen()) responses[std::to_string(status)] = n;
        auto uptime = std::chrono::duration_cast<std::chrono::seconds>(clock::now() - started_);
        const Counters& c = counters_;
        json proxy = {{"proxied_requests", c.proxied_requests},
                      {"proxied_responses", c.proxied_responses},
                      {"backend_connects", c.backend_connects},
                      {"backend_connect_failures", c.backend_connect_failures},
                      {"backend_reused", c.backend_reused},
                      {"backend_retries", c.backend_retries},
                      {"backend_errors", c.backend_errors},
                      {"backend_timeouts", c.backend_timeouts},
                      {"redirects_451", c.redirects_451},
                      {"all_dead_rejected", c.all_dead_rejected},
                      {"all_dead_tried", c.all_dead_tried},
                      {"health_checks_ok", c.health_checks_ok},
                      {"health_checks_failed", c.health_checks_failed},
                      {"pings_total", c.pings_total},
                      {"ping_held", c.ping_held},
                      {"device_gone", c.device_gone}};
        json services = json::array();
        if (hooks_.services) {
            for (const auto& svc : hooks_.services()) {
                json servers = json::array();
                for (const auto& s : svc.servers)
                    servers.push_back({{"host", s.host},
                                       {"port", s.port},
                                       {"status", s.dead ? "dead" : "live"},
                                       {"last_success_ms_ago", s.last_success_ms_ago},
                                       {"last_failure_ms_ago", s.last_failure_ms_ago},
                                       {"requests", s.requests},
                                       {"failures", s.failures},
                                       {"health_ok", s.health_ok},
                                       {"health_fail", s.health_fail},
                                       {"idle_connections", s.idle_connections}});
                services.push_back({{"name", svc.name},
                                    {"scheduling", svc.scheduling == Scheduling::priority ? "priority"
                                                                                        : "round-robin"},
                                    {"health_enabled", svc.health_enabled},
                                    {"servers", std::move(servers)}});
            }
        }
        return ok_reply(id, {{"version", store_.version()},
                             {"uptime_s", uptime.count()},
                             {"connections_total", c.connections_total},
                             {"connections_active", c.connections_active},
                             {"tls_handshake_failures", c.tls_handshake_failures},
                             {"requests_total", c.requests_total},
                             {"eas_malformed", c.eas_malformed},
                             {"responses", std::move(responses)},
                             {"proxy", std::move(proxy)},
                             {"services", std::move(services)}});
    }
    if (op == "hello") {
        auto uptime = std::chrono::duration_cast<std::chrono::seconds>(clock::now() - started_);
        return ok_reply(id, {{"product", mics::kProductName},
                             {"service", "sentryd"},
                             {"version", mics::kVersion},
                             {"git", mics::kGitDescribe},
                             {"build_date", mics::kBuildDate},
                             {"uptime_s", uptime.count()}});
    }
    if (hooks_.extra) {
        std::string data, code, message;
        if (hooks_.extra(op, args.dump(), data, code, message)) {
            if (!code.empty()) return error_reply(id, code, message);
            return ok_reply(id, json::parse(data, nullptr, false));
        }
    }
    return error_reply(id, "unknown_op", "unknown op: " + op);
}

}  // namespace sentryd
