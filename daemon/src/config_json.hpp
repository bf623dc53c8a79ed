// Internal: config.apply validation on an already-parsed JSON value, so the
// control handler does not serialise args only to parse them again.
#pragma once
#include "sentryd/proxy_config.hpp"

#include <nlohmann/json_fwd.hpp>

namespace sentryd::detail {

Result<std::shared_ptr<const ProxyConfig>> parse_config_apply(const nlohmann::json& args,
                                                              std::uint64_t current_version);

}  // namespace sentryd::detail
