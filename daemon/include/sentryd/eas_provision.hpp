// The two WBXML bodies sentryd speaks itself, for the remote-wipe exchange
// of MS-ASPROV: the Provision response that orders a wipe, and recognising
// the device's acknowledgement. Everything else in WBXML passes through
// untouched; this is not a general decoder.
#pragma once
#include <string>
#include <string_view>

namespace sentryd {

// <Provision><Status>1</Status><RemoteWipe/></Provision>
std::string provision_remote_wipe_body();
// <Provision><Status>1</Status></Provision>: the answer to the acknowledgement.
std::string provision_done_body();

enum class WipeAck { none, success, failure };
// Looks for Provision > RemoteWipe > Status in a Provision request body;
// Status 1 = the device wiped itself, anything else = it failed. Bounded by
// the body (never reads past it); malformed WBXML is `none`.
WipeAck parse_wipe_ack(std::string_view wbxml);

}  // namespace sentryd
