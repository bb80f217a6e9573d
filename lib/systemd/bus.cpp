#include "systemd/bus.hpp"

#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cstdlib>
#include <fmt/format.h>

namespace qops::systemd {
namespace {

constexpr const char* k_service = "org.freedesktop.systemd1";
constexpr const char* k_path = "/org/freedesktop/systemd1";
constexpr const char* k_manager = "org.freedesktop.systemd1.Manager";
constexpr const char* k_unit_iface = "org.freedesktop.systemd1.Unit";

// One owner for an sd_bus_error.
struct BusError {
    sd_bus_error e{}; // SD_BUS_ERROR_NULL: all members null (the macro is a C compound literal)
    BusError() = default;
    BusError(const BusError&) = delete;
    BusError& operator=(const BusError&) = delete;
    ~BusError() { sd_bus_error_free(&e); }
    std::string text(int r) const { return e.message != nullptr ? std::string(e.message) : errno_text(-r); }
};

struct MessageUnref {
    void operator()(sd_bus_message* m) const noexcept { sd_bus_message_unref(m); }
};
using MessagePtr = std::unique_ptr<sd_bus_message, MessageUnref>;

Error bus_error(const std::string& what, const BusError& error, int r) {
    return unavailable(fmt::format("{}: {}", what, error.text(r)),
                       sd_bus_error_is_set(&error.e) != 0 ? ErrorKind::refused : ErrorKind::io);
}

uint64_t usec(std::chrono::milliseconds ms) {
    return static_cast<uint64_t>(ms.count() > 0 ? ms.count() : 1) * 1000U;
}

// The interface that carries ControlGroup for this unit type (".service" -> Service).
std::string cgroup_interface(const std::string& unit) {
    const auto dot = unit.rfind('.');
    std::string type = dot == std::string::npos ? "service" : unit.substr(dot + 1);
    if (!type.empty()) type[0] = static_cast<char>(type[0] - 'a' + 'A');
    return std::string("org.freedesktop.systemd1.") + type;
}

// Calls a method with a bounded timeout. append fills in the arguments.
template <typename Append>
Result<MessagePtr> call(sd_bus* bus, std::chrono::milliseconds timeout, const char* path, const char* iface,
                        const char* method, const std::string& what, Append&& append) {
    sd_bus_message* m = nullptr;
    int r = sd_bus_message_new_method_call(bus, &m, k_service, path, iface, method);
    if (r < 0) return unavailable(fmt::format("{}: {}", what, errno_text(-r)), ErrorKind::io);
    const MessagePtr msg(m);
    r = append(m);
    if (r < 0) return unavailable(fmt::format("{}: {}", what, errno_text(-r)), ErrorKind::io);
    BusError error;
    sd_bus_message* reply = nullptr;
    r = sd_bus_call(bus, m, usec(timeout), &error.e, &reply);
    MessagePtr owned(reply);
    if (r < 0) return bus_error(what, error, r);
    return owned;
}

// Properties.Get(iface, name) of a string or object path property.
Result<std::string> get_string(sd_bus* bus, std::chrono::milliseconds timeout, const char* path,
                               const std::string& iface, const char* name, const std::string& what) {
    auto reply = call(bus, timeout, path, "org.freedesktop.DBus.Properties", "Get", what,
                      [&](sd_bus_message* m) { return sd_bus_message_append(m, "ss", iface.c_str(), name); });
    if (!reply) return reply.error();
    const char* value = nullptr;
    if (sd_bus_message_read(reply->get(), "v", "s", &value) < 0 || value == nullptr)
        return unavailable(fmt::format("{}: bad reply", what));
    return std::string(value);
}

// Properties.Get(iface, name) of a fixed-size property of D-Bus type sig ("t", "i").
template <typename T>
Result<T> get_basic(sd_bus* bus, std::chrono::milliseconds timeout, const char* path, const std::string& iface,
                    const char* name, const char* sig, const std::string& what) {
    auto reply = call(bus, timeout, path, "org.freedesktop.DBus.Properties", "Get", what,
                      [&](sd_bus_message* m) { return sd_bus_message_append(m, "ss", iface.c_str(), name); });
    if (!reply) return reply.error();
    T value{};
    if (sd_bus_message_read(reply->get(), "v", sig, &value) < 0) return unavailable(fmt::format("{}: bad reply", what));
    return value;
}

// Manager.LoadUnit: the unit's object path.
Result<std::string> load_unit(sd_bus* bus, std::chrono::milliseconds timeout, const std::string& unit) {
    auto reply = call(bus, timeout, k_path, k_manager, "LoadUnit", "LoadUnit " + unit,
                      [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", unit.c_str()); });
    if (!reply) return reply.error();
    const char* p = nullptr;
    if (sd_bus_message_read(reply->get(), "o", &p) < 0 || p == nullptr)
        return unavailable(fmt::format("LoadUnit {}: bad reply", unit));
    return std::string(p);
}

} // namespace

void Bus::Unref::operator()(sd_bus* b) const noexcept {
    sd_bus_flush_close_unref(b);
}

Result<Bus> Bus::open_system() {
    sd_bus* bus = nullptr;
    const int r = sd_bus_open_system(&bus);
    if (r < 0) return unavailable(fmt::format("cannot connect to the system bus: {}", errno_text(-r)), ErrorKind::io);
    return Bus(bus, false);
}

Result<Bus> Bus::open_manager() {
    // Only root may use the private socket; systemctl checks the same way.
    if (::geteuid() == 0 && ::access(k_private_socket, F_OK) == 0) {
        sd_bus* bus = nullptr;
        int r = sd_bus_new(&bus);
        if (r >= 0) {
            Bus direct(bus, true);
            r = sd_bus_set_address(bus, fmt::format("unix:path={}", k_private_socket).c_str());
            if (r >= 0) r = sd_bus_start(bus);
            if (r >= 0) return direct;
        }
    }
    return open_system();
}

Result<void> Bus::stop_unit(const std::string& unit, const std::string& mode) {
    auto r = call(m_bus.get(), m_timeout, k_path, k_manager, "StopUnit", "StopUnit " + unit,
                  [&](sd_bus_message* m) { return sd_bus_message_append(m, "ss", unit.c_str(), mode.c_str()); });
    if (!r) return r.error();
    return {};
}

Result<void> Bus::start_unit(const std::string& unit) {
    auto r = call(m_bus.get(), m_timeout, k_path, k_manager, "StartUnit", "StartUnit " + unit,
                  [&](sd_bus_message* m) { return sd_bus_message_append(m, "ss", unit.c_str(), "replace"); });
    if (!r) return r.error();
    return {};
}

Result<void> Bus::kill_unit(const std::string& unit, int signal) {
    auto r = call(m_bus.get(), m_timeout, k_path, k_manager, "KillUnit", "KillUnit " + unit,
                  [&](sd_bus_message* m) { return sd_bus_message_append(m, "ssi", unit.c_str(), "all", signal); });
    if (!r) return r.error();
    return {};
}

Result<std::string> Bus::active_state(const std::string& unit) {
    auto reply = call(m_bus.get(), m_timeout, k_path, k_manager, "GetUnit", "GetUnit " + unit,
                      [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", unit.c_str()); });
    if (!reply) {
        if (reply.error().message.find("not loaded") != std::string::npos ||
            reply.error().message.find("NoSuchUnit") != std::string::npos)
            return std::string("inactive");
        return reply.error();
    }
    const char* path = nullptr;
    if (sd_bus_message_read(reply->get(), "o", &path) < 0)
        return unavailable(fmt::format("GetUnit {}: bad reply", unit));
    return get_string(m_bus.get(), m_timeout, path, k_unit_iface, "ActiveState", "ActiveState of " + unit);
}

Result<UnitInfo> Bus::unit_info(const std::string& unit) {
    auto loaded = load_unit(m_bus.get(), m_timeout, unit);
    if (!loaded) return loaded.error();
    const std::string& path = *loaded;
    UnitInfo info;
    auto load = get_string(m_bus.get(), m_timeout, path.c_str(), k_unit_iface, "LoadState", "LoadState of " + unit);
    if (!load) return load.error();
    info.load_state = *load;
    auto active =
        get_string(m_bus.get(), m_timeout, path.c_str(), k_unit_iface, "ActiveState", "ActiveState of " + unit);
    if (!active) return active.error();
    info.active_state = *active;
    if (info.load_state == "loaded") {
        // Units without processes (targets, paths) have no ControlGroup property at all.
        auto cg = get_string(m_bus.get(), m_timeout, path.c_str(), cgroup_interface(unit), "ControlGroup",
                             "ControlGroup of " + unit);
        if (cg) info.control_group = *cg;
    }
    return info;
}

Result<TimerInfo> Bus::timer_info(const std::string& timer) {
    sd_bus* bus = m_bus.get();
    constexpr const char* k_timer_iface = "org.freedesktop.systemd1.Timer";
    constexpr const char* k_service_iface = "org.freedesktop.systemd1.Service";
    auto path = load_unit(bus, m_timeout, timer);
    if (!path) return path.error();
    TimerInfo t;
    auto load = get_string(bus, m_timeout, path->c_str(), k_unit_iface, "LoadState", "LoadState of " + timer);
    if (!load) return load.error();
    t.load_state = *load;
    auto active = get_string(bus, m_timeout, path->c_str(), k_unit_iface, "ActiveState", "ActiveState of " + timer);
    if (!active) return active.error();
    t.active_state = *active;
    if (t.load_state != "loaded") return t;
    auto last = get_basic<uint64_t>(bus, m_timeout, path->c_str(), k_timer_iface, "LastTriggerUSec", "t",
                                    "LastTriggerUSec of " + timer);
    if (!last) return last.error();
    t.last_trigger_usec = *last;
    auto next_rt = get_basic<uint64_t>(bus, m_timeout, path->c_str(), k_timer_iface, "NextElapseUSecRealtime", "t",
                                       "NextElapseUSecRealtime of " + timer);
    if (!next_rt) return next_rt.error();
    t.next_elapse_realtime = *next_rt;
    auto next_mono = get_basic<uint64_t>(bus, m_timeout, path->c_str(), k_timer_iface, "NextElapseUSecMonotonic", "t",
                                         "NextElapseUSecMonotonic of " + timer);
    if (!next_mono) return next_mono.error();
    t.next_elapse_monotonic = *next_mono;
    auto service = get_string(bus, m_timeout, path->c_str(), k_timer_iface, "Unit", "Unit of " + timer);
    if (!service) return service.error();
    t.service = *service;
    auto spath = load_unit(bus, m_timeout, t.service);
    if (!spath) return spath.error();
    auto sactive =
        get_string(bus, m_timeout, spath->c_str(), k_unit_iface, "ActiveState", "ActiveState of " + t.service);
    if (!sactive) return sactive.error();
    t.service_active_state = *sactive;
    auto result = get_string(bus, m_timeout, spath->c_str(), k_service_iface, "Result", "Result of " + t.service);
    if (!result) return result.error();
    t.service_result = *result;
    auto status = get_basic<int32_t>(bus, m_timeout, spath->c_str(), k_service_iface, "ExecMainStatus", "i",
                                     "ExecMainStatus of " + t.service);
    if (!status) return status.error();
    t.exec_main_status = *status;
    return t;
}

Result<std::vector<std::string>> Bus::list_units(const std::string& pattern) {
    const std::string what = "ListUnitsByPatterns " + pattern;
    auto reply = call(m_bus.get(), m_timeout, k_path, k_manager, "ListUnitsByPatterns", what, [&](sd_bus_message* m) {
        int r = sd_bus_message_append(m, "as", 0);
        if (r >= 0) r = sd_bus_message_append(m, "as", 1, pattern.c_str());
        return r;
    });
    if (!reply) return reply.error();
    sd_bus_message* m = reply->get();
    if (sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "(ssssssouso)") < 0)
        return unavailable(fmt::format("{}: bad reply", what));
    std::vector<std::string> names;
    const char* name = nullptr;
    int r = 0;
    while ((r = sd_bus_message_read(m, "(ssssssouso)", &name, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                                    nullptr, nullptr, nullptr)) > 0)
        names.emplace_back(name);
    if (r < 0) return unavailable(fmt::format("{}: bad reply", what));
    return names;
}

} // namespace qops::systemd
