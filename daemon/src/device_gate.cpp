#include "sentryd/device_gate.hpp"

#include "sentryd/eas_provision.hpp"

namespace sentryd {

bool DeviceGate::resolve(const DeviceRef& d) const {
    if (!d.valid() || d.id >= cache_.slots()) return false;
    const DeviceEntry& e = cache_.at(d.id);
    return e.is(DeviceEntry::live) && e.hash == d.hash;
}

void DeviceGate::count(const DeviceRef& d, Dc c, std::uint64_t v) {
    global_.add(c, v);
    if (resolve(d)) cache_.counters(d.id).add(c, v);
}

void DeviceGate::redecide(DeviceCache::Id id) {
    DeviceEntry& e = cache_.at(id);
    Verdict v = decide(policy_, cache_.device_id(id), cache_.user(id), cache_.device_type(id), e.uem,
                       e.is(DeviceEntry::wiped), uem_reachable_);
    e.status = v.status;
    e.set(DeviceEntry::validated, v.validated);
    e.policy_gen = policy_gen_;
}

std::size_t DeviceGate::set_policy(const DevicePolicy& p) {
    if (p == policy_) return 0;
    policy_ = p;
    return redecide_all();
}

std::size_t DeviceGate::redecide_all() {
    if (++policy_gen_ == 0) policy_gen_ = 1;
    std::size_t changed = 0;
    for (auto id = cache_.first(); id != DeviceCache::npos; id = cache_.next(id)) {
        DeviceEntry& e = cache_.at(id);
        DeviceStatus before = e.status;
        bool was_valid = e.is(DeviceEntry::validated);
        redecide(id);
        changed += before != e.status || was_valid != e.is(DeviceEntry::validated);
    }
    return changed;
}

bool DeviceGate::apply_uem(std::string_view device_id, std::string_view user, std::string_view device_type,
                           UemStatus s) {
    bool created = false;
    auto id = cache_.find_or_add(device_id, user, &created);
    if (id == DeviceCache::npos) return false;
    DeviceEntry& e = cache_.at(id);
    e.uem = s;
    if (!device_type.empty()) cache_.set_device_type(id, device_type);
    redecide(id);
    return true;
}

bool DeviceGate::clear_uem(DeviceCache::Id id) {
    DeviceEntry& e = cache_.at(id);
    if (e.first_seen == 0 && e.connections == 0 && e.stats == 0) {
        // Copy the key: erase() may compact the arena the views point into.
        std::string dev(cache_.device_id(id)), user(cache_.user(id));
        cache_.erase(dev, user);
        return true;
    }
    e.uem = UemStatus::none;
    redecide(id);
    return false;
}

bool DeviceGate::clear_uem(std::string_view device_id, std::string_view user) {
    auto id = cache_.find(device_id, user);
    if (id == DeviceCache::npos) return false;
    clear_uem(id);
    return true;
}

std::size_t DeviceGate::set_uem_reachable(bool up) {
    if (up == uem_reachable_) return 0;
    uem_reachable_ = up;
    // Only UEM mode reads reachability; standalone entries would not change.
    return policy_.uem ? redecide_all() : 0;
}

Admission DeviceGate::admit(const DeviceRequest& r, std::uint32_t now) {
    Admission a;
    bool created = false;
    auto id = cache_.find_or_add(r.device_id, r.user, &created);
    if (id == DeviceCache::npos) {
        // No cache slot (full, or no usable id): decide without remembering.
        ++events_.not_cached;
        Verdict v = decide(policy_, r.device_id, r.user, r.device_type, UemStatus::none, false, uem_reachable_);
        a.state = v.status;
    } else {
        DeviceEntry& e = cache_.at(id);
        a.device = {id, e.hash};
        if (!r.device_type.empty() && cache_.device_type(id) != r.device_type) cache_.set_device_type(id, r.device_type);
        if (created || e.policy_gen != policy_gen_) redecide(id);
        if (e.first_seen == 0) e.first_seen = now;
        e.last_seen = now;
        if (r.protocol_version > 0) e.eas_version = static_cast<std::uint16_t>(r.protocol_version);
        if (r.policy_key) e.policy_key = r.policy_key;
        a.state = e.status;
    }
    count(a.device, Dc::d_http_requests);
    count(a.device, Dc::d_bytes_rcvd, r.request_bytes);
    count(a.device, r.options ? Dc::cmd_options : command_counter(r.cmd));

    switch (a.state) {
        case DeviceStatus::allowed:
            count(a.device, Dc::permits);
            return a;
        case DeviceStatus::pending:
            // The UEM has not decided yet: the device passes meanwhile (it
            // would be blocked if auto-block were on; see decide()).
            count(a.device, Dc::pendings);
            return a;
        case DeviceStatus::blocked:
            count(a.device, Dc::blocks);
            a.pass = false;
            a.status = 403;
            a.body = "device blocked by policy\n";
            return a;
        case DeviceStatus::wipe_pending:
            break;
    }
    // Remote wipe (MS-ASPROV): anything but Provision gets 449 so the device
    // provisions; a Provision gets the RemoteWipe order; the device's
    // acknowledgement ends it (the device is then blocked).
    a.pass = false;
    if (r.options) {
        a.status = 403;
        a.body = "device blocked by policy\n";
        count(a.device, Dc::blocks);
        return a;
    }
    if (r.cmd != "Provision") {
        a.status = 449;
        a.body = "provisioning required\n";
        count(a.device, Dc::d_http_449);
        return a;
    }
    WipeAck ack = parse_wipe_ack(r.body);
    a.status = 200;
    a.wbxml = true;
    if (ack == WipeAck::none) {
        a.body = provision_remote_wipe_body();
        count(a.device, Dc::wipes);
        return a;
    }
    a.body = provision_done_body();
    if (ack == WipeAck::success) {
        ++events_.wipes_acknowledged;
        if (resolve(a.device)) {
            DeviceEntry& e = cache_.at(a.device.id);
            e.set(DeviceEntry::wiped, true);
            redecide(a.device.id);  // a wipe rule now reads as blocked
        }
    } else {
        ++events_.wipes_failed;  // stays wipe-pending: it is asked again
    }
    return a;
}

void DeviceGate::finish(const DeviceRef& d, unsigned status, std::uint64_t response_bytes, bool forwarded) {
    count(d, Dc::d_http_responses);
    count(d, Dc::d_bytes_sent, response_bytes);
    count(d, status_counter(status));
    if (forwarded) {
        if (status == 449) count(d, Dc::s_http_449);
        if (status == 503) count(d, Dc::d_http_503_s2c);
        if (status >= 300 && status < 400) count(d, Dc::s_http_3xx_redirects);
    } else if (status == 503) {
        count(d, Dc::d_http_503_c2s);
    } else if (status == 400) {
        count(d, Dc::d_http_400_c2s);
    }
}

void DeviceGate::record(const DeviceRef& d, const WireTally& t) {
    // Most fields are 0 on most requests: a test per field, then one add.
    bool live = resolve(d);
    DeviceCounters* c = live ? &cache_.counters(d.id) : nullptr;
    auto put = [&](Dc k, std::uint64_t v) {
        if (v == 0) return;
        global_.add(k, v);
        if (c) c->add(k, v);
    };
    put(Dc::s_bytes_sent, t.s_bytes_sent);
    put(Dc::s_bytes_rcvd, t.s_bytes_rcvd);
    // d_bytes_sent is finish()'s: it counts every answer, local ones too.
    for (std::size_t i = 0; i < kWireEventCount; ++i) put(kWireEventCounter[i], t.n[i]);
}

void DeviceGate::connection_open(const DeviceRef& d) {
    count(d, Dc::d_connection);
    if (resolve(d)) ++cache_.at(d.id).connections;
}

void DeviceGate::connection_closed(const DeviceRef& d) {
    count(d, Dc::d_so_close);
    if (resolve(d)) {
        auto& n = cache_.at(d.id).connections;
        if (n > 0) --n;
    }
}

}  // namespace sentryd
