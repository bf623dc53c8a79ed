#include "rendered_service.hpp"

#include "mics/log.hpp"

namespace micsd {

std::string RenderedService::write(const std::string& conf, const Step& write, bool* changed) {
    if (changed) *changed = false;
    if (conf == written_) return {};
    if (std::string why = write(conf); !why.empty()) return why;
    if (changed) *changed = !written_.empty();
    written_ = conf;
    return {};
}

bool RenderedService::update(const std::string& conf, const Step& write, bool* changed) {
    std::string why = this->write(conf, write, changed);
    if (why.empty()) return true;
    mics::log_error(service_ + ": " + why);
    return false;
}

std::string RenderedService::check(const std::string& conf, const Step& check) const {
    if (conf == written_) return {};
    return check(conf);
}

RenderedService::Action RenderedService::control(Supervisor& sup, bool on, bool restart,
                                                 std::chrono::milliseconds grace) const {
    bool running = sup.pid(service_) != 0;
    if (on != running) {
        sup.set_enabled(service_, on, grace);
        return Action::switched;
    }
    if (!on || !restart) return Action::none;
    sup.stop(service_, grace);
    sup.start(service_);
    return Action::restarted;
}

}  // namespace micsd
