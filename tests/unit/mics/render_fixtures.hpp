// Expected-text helpers shared by the config-model unit tests.
#pragma once
#include <string>

namespace sentry_test {

// What `show running-config all` prints for the six unconfigured interfaces.
inline std::string all_interfaces() {
    std::string s;
    for (int i = 1; i <= 6; ++i)
        s += "interface GigabitEthernet " + std::to_string(i) + "\n  no ip address\n  no shutdown\n  end\n";
    return s;
}

}  // namespace sentry_test
