// Sentry subtree: ActiveSync services, back-end pools, proxy timeouts and the
// device-policy settings pushed to sentryd (docs/sentryd-config.md).
#include "config_fields.hpp"

namespace micsd::model {

void add_sentry_fields(std::vector<Field>&) {}

}  // namespace micsd::model
