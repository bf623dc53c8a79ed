// Op rows for the sentry area (see ops_detail.hpp).
#include "ops_detail.hpp"

namespace micsd::ops {

std::vector<OpDef> sentry_ops() { return {}; }

}  // namespace micsd::ops
