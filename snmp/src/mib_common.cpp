#include "mib_common.hpp"

#include "mib_glue.hpp"

#include "mics/log.hpp"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

#include <chrono>
#include <type_traits>

namespace sentry::snmp {

// oids.hpp avoids net-snmp headers; make sure its oid type is the real one.
static_assert(std::is_same_v<oid_t, oid>, "oid_t must match net-snmp's oid");

namespace {

void set_value(netsnmp_variable_list* vb, const ScalarValue& v) {
    switch (v.type) {
    case ScalarType::display_string:
        snmp_set_var_typed_value(vb, ASN_OCTET_STR, v.text.data(), v.text.size());
        break;
    case ScalarType::time_ticks:
        snmp_set_var_typed_integer(vb, ASN_TIMETICKS, v.number);
        break;
    case ScalarType::truth_value:
        snmp_set_var_typed_integer(vb, ASN_INTEGER, v.number);
        break;
    }
}

void on_refresh_alarm(unsigned int /*reg*/, void* arg) {
    static_cast<MicsCache*>(arg)->refresh();
}

}  // namespace

int serve_scalar_group(netsnmp_agent_request_info* reqinfo, netsnmp_request_info* requests,
                       const MicsCache& cache, std::span<const oid_t> group, ValueFn value) {
    // Read-only MIB: the scalar-group helper turns GETNEXT/GETBULK into GET
    // on a concrete instance, and HANDLER_CAN_RONLY refuses SETs before here.
    if (reqinfo->mode != MODE_GET) return SNMP_ERR_GENERR;
    const Snapshot snap = cache.snapshot();
    for (netsnmp_request_info* r = requests; r; r = r->next) {
        netsnmp_variable_list* vb = r->requestvb;
        std::optional<ScalarValue> v;
        if (vb->name_length > group.size()) v = value(snap, vb->name[group.size()]);
        if (v)
            set_value(vb, *v);
        else
            netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHOBJECT);
    }
    return SNMP_ERR_NOERROR;
}

bool register_group(const char* name, Netsnmp_Node_Handler* handler, std::span<const oid_t> group,
                    oid_t first, oid_t last, MicsCache& cache) {
    netsnmp_handler_registration* reg = netsnmp_create_handler_registration(
        name, handler, group.data(), group.size(), HANDLER_CAN_RONLY);
    if (!reg) {
        mics::log_error(std::string("cannot create registration for ") + name);
        return false;
    }
    reg->handler->myvoid = &cache;
    // netsnmp_register_scalar_group frees reg on failure.
    if (netsnmp_register_scalar_group(reg, first, last) != MIB_REGISTERED_OK) {
        mics::log_error(std::string("cannot register ") + name);
        return false;
    }
    return true;
}

bool start_refresh_timer(MicsCache& cache, unsigned period_s) {
    return snmp_alarm_register(period_s, SA_REPEAT, on_refresh_alarm, &cache) != 0;
}

}  // namespace sentry::snmp
