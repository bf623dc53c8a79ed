// Op rows for the accounts area (see ops_detail.hpp).
#include "ops_detail.hpp"

namespace micsd::ops {

std::vector<OpDef> account_ops() { return {}; }

}  // namespace micsd::ops
