// libFuzzer entry for the EAS query parser: the input is
// "<request-target>\n<MS-ASProtocolVersion value>" (no '\n': no header).
// Built only with -DSENTRY_FUZZ=ON under clang; run by `make fuzz`.
// Besides "no crash, no sanitizer report", it checks what the parser
// promises to the proxy, so a silent contract break also stops the run.
#include "sentryd/eas_request.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::size_t nl = in.find('\n');
    std::string_view target = in.substr(0, nl);
    std::string_view header = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);

    auto r = sentryd::parse_eas_query(target, header);
    if (r.ok()) {
        const auto& req = r.value();
        if (req.cmd.empty() || req.device_id.empty() || req.device_type.empty() ||
            req.device_id.size() > sentryd::kEasMaxDeviceId || req.device_type.size() > sentryd::kEasMaxDeviceType ||
            req.user.size() > sentryd::kEasMaxUser || req.protocol_version <= 0 || target.size() > sentryd::kEasMaxTarget)
            std::abort();
        if (!req.base64_form && (req.user.empty() || req.policy_key)) std::abort();
    } else if (r.error().empty()) {
        std::abort();  // every rejection must say why
    }
    return 0;
}
