// The per-device counters of `show sentry statistics entry` and their sum in
// `show sentry statistics global device` (spec §4.1): one list, in print
// order, so the names, the storage and the output cannot drift apart.
// Counters for features this appliance does not have (attachment control,
// Kerberos) are kept in the list because the layout is a contract; they stay 0.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sentryd {

// X(identifier, printed name). Byte counters are 64-bit per device; the rest
// 32-bit (a device would need 4 G requests to wrap one).
#define SENTRY_DEVICE_COUNTERS(X)                             \
    X(d_connection, "d-connection")                           \
    X(s_connections, "s-connections")                         \
    X(d_bytes_rcvd, "d-bytes-rcvd")                           \
    X(s_bytes_sent, "s-bytes-sent")                           \
    X(s_bytes_rcvd, "s-bytes-rcvd")                           \
    X(d_bytes_sent, "d-bytes-sent")                           \
    X(d_http_requests, "d-http-requests")                     \
    X(s_http_requests, "s-http-requests")                     \
    X(s_http_responses, "s-http-responses")                   \
    X(d_http_responses, "d-http-responses")                   \
    X(d_http_449, "d-http-449")                               \
    X(s_http_449, "s-http-449")                               \
    X(permits, "permits")                                     \
    X(pendings, "pendings")                                   \
    X(blocks, "blocks")                                       \
    X(wipes, "wipes")                                         \
    X(s_http_3xx_redirects, "s-http-3xx-redirects")           \
    X(s_http_451_redirects, "s-http-451-redirects")           \
    X(d_http_451_redirect_drops, "d-http-451-redirect-drops") \
    X(cmd_none, "cmd-none")                                   \
    X(cmd_options, "cmd-options")                             \
    X(cmd_provision, "cmd-provision")                         \
    X(cmd_sync, "cmd-sync")                                   \
    X(cmd_folder_sync, "cmd-folder-sync")                     \
    X(cmd_ping, "cmd-ping")                                   \
    X(cmd_get_attachment, "cmd-get-attachment")               \
    X(cmd_item_operations, "cmd-item-operations")             \
    X(cmd_unknown, "cmd-unknown")                             \
    X(d_err_conn_timeout, "d-err-conn-timeout")               \
    X(s_err_conn_timeout, "s-err-conn-timeout")               \
    X(d_err_so_timeout, "d-err-so-timeout")                   \
    X(s_err_so_timeout, "s-err-so-timeout")                   \
    X(s_err_cmd_ping_timeout, "s-err-cmd-ping-timeout")       \
    X(s_err_cmd_sync_timeout, "s-err-cmd-sync-timeout")       \
    X(d_err_cmd_timeout, "d-err-cmd-timeout")                 \
    X(s_err_cmd_timeout, "s-err-cmd-timeout")                 \
    X(d_err_reset, "d-err-reset")                             \
    X(s_err_reset, "s-err-reset")                             \
    X(d_so_close, "d-so-close")                               \
    X(s_so_close, "s-so-close")                               \
    X(http_status_200, "http-status-200")                     \
    X(http_status_401, "http-status-401")                     \
    X(http_status_404, "http-status-404")                     \
    X(http_status_409, "http-status-409")                     \
    X(http_status_5xx, "http-status-5xx")                     \
    X(http_status_other, "http-status-other")                 \
    X(err_conn_pooling, "err-conn-pooling")                   \
    X(d_unclassified, "d-unclassified")                       \
    X(s_unclassified, "s-unclassified")                       \
    X(ping_sync_throttled, "ping-sync-throttled")             \
    X(kerberos_auth_error, "kerberos-auth-error")             \
    X(attachments_encrypted, "attachments-encrypted")         \
    X(attachment_encrypt_failures, "attachment-encrypt-failures") \
    X(attachments_converted, "attachments-converted")         \
    X(attachments_replaced, "attachments-replaced")           \
    X(attachment_replaced_failures, "attachment-replaced-failures") \
    X(attachments_fwd_restored, "attachments-fwd-restored")   \
    X(attachments_fetched, "attachments-fetched")             \
    X(attachments_embedded, "attachments-embedded")           \
    X(attachments_renamed, "attachments-renamed")             \
    X(attachments_size_mb, "attachments-size-MB")             \
    X(attachments_size_bytes, "attachments-size-bytes")       \
    X(decryption_failures, "decryption-failures")             \
    X(d_http_503_s2c, "d-http-503-s2c")                       \
    X(d_http_503_c2s, "d-http-503-c2s")                       \
    X(d_http_400_c2s, "d-http-400-c2s")                       \
    X(active_sync_status_reports, "active-sync-status-reports")

enum class Dc : std::uint8_t {
#define SENTRY_DC_ENUM(id, name) id,
    SENTRY_DEVICE_COUNTERS(SENTRY_DC_ENUM)
#undef SENTRY_DC_ENUM
        count
};

inline constexpr std::size_t kDeviceCounterCount = static_cast<std::size_t>(Dc::count);

inline constexpr std::array<std::string_view, kDeviceCounterCount> kDeviceCounterNames = {
#define SENTRY_DC_NAME(id, name) std::string_view(name),
    SENTRY_DEVICE_COUNTERS(SENTRY_DC_NAME)
#undef SENTRY_DC_NAME
};

inline constexpr bool is_byte_counter(Dc c) {
    return c == Dc::d_bytes_rcvd || c == Dc::s_bytes_sent || c == Dc::s_bytes_rcvd || c == Dc::d_bytes_sent;
}

// One device's counters, allocated on the device's first request (so a
// million devices loaded from the UEM cost nothing here until they connect).
struct DeviceCounters {
    std::array<std::uint32_t, kDeviceCounterCount> n{};
    std::array<std::uint64_t, 4> bytes{};  // d-bytes-rcvd, s-bytes-sent, s-bytes-rcvd, d-bytes-sent

    std::uint64_t get(Dc c) const {
        if (is_byte_counter(c)) return bytes[byte_slot(c)];
        return n[static_cast<std::size_t>(c)];
    }
    void add(Dc c, std::uint64_t v = 1) {
        if (is_byte_counter(c))
            bytes[byte_slot(c)] += v;
        else
            n[static_cast<std::size_t>(c)] += static_cast<std::uint32_t>(v);
    }
    static constexpr std::size_t byte_slot(Dc c) {
        return c == Dc::d_bytes_rcvd ? 0 : c == Dc::s_bytes_sent ? 1 : c == Dc::s_bytes_rcvd ? 2 : 3;
    }
};

// The all-device sum: 64-bit everywhere, kept separately so it survives
// purging entries (an admin clearing the cache does not rewrite history).
struct GlobalDeviceCounters {
    std::array<std::uint64_t, kDeviceCounterCount> n{};
    std::uint64_t get(Dc c) const { return n[static_cast<std::size_t>(c)]; }
    void add(Dc c, std::uint64_t v = 1) { n[static_cast<std::size_t>(c)] += v; }
};

// Maps an EAS command name (as in the query, `Cmd=`) to its counter.
Dc command_counter(std::string_view cmd);

// Maps a response status to its http-status-* counter.
Dc status_counter(unsigned status);

}  // namespace sentryd
