// Accounts subtree: local users and password policy (filled in with the SSH
// and accounts work).
#include "config_fields.hpp"

namespace micsd::model {

void add_account_fields(std::vector<Field>&) {}

}  // namespace micsd::model
