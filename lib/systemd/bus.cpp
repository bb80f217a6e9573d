#include "systemd/bus.hpp"

#include <systemd/sd-bus.h>

#include <cstdlib>
#include <fmt/format.h>

namespace qops::systemd {
namespace {

constexpr const char* k_service = "org.freedesktop.systemd1";
constexpr const char* k_path = "/org/freedesktop/systemd1";
constexpr const char* k_manager = "org.freedesktop.systemd1.Manager";

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

} // namespace

void Bus::Unref::operator()(sd_bus* b) const noexcept {
    sd_bus_flush_close_unref(b);
}

Result<Bus> Bus::open_system() {
    sd_bus* bus = nullptr;
    const int r = sd_bus_open_system(&bus);
    if (r < 0) return unavailable(fmt::format("cannot connect to the system bus: {}", errno_text(-r)), ErrorKind::io);
    return Bus(bus);
}

Result<void> Bus::stop_unit(const std::string& unit, const std::string& mode) {
    BusError error;
    sd_bus_message* reply = nullptr;
    const int r = sd_bus_call_method(m_bus.get(), k_service, k_path, k_manager, "StopUnit", &error.e, &reply, "ss",
                                     unit.c_str(), mode.c_str());
    const MessagePtr owned(reply);
    if (r < 0) return bus_error("StopUnit " + unit, error, r);
    return {};
}

Result<void> Bus::start_unit(const std::string& unit) {
    BusError error;
    sd_bus_message* reply = nullptr;
    const int r = sd_bus_call_method(m_bus.get(), k_service, k_path, k_manager, "StartUnit", &error.e, &reply, "ss",
                                     unit.c_str(), "replace");
    const MessagePtr owned(reply);
    if (r < 0) return bus_error("StartUnit " + unit, error, r);
    return {};
}

Result<void> Bus::kill_unit(const std::string& unit, int signal) {
    BusError error;
    sd_bus_message* reply = nullptr;
    const int r = sd_bus_call_method(m_bus.get(), k_service, k_path, k_manager, "KillUnit", &error.e, &reply, "ssi",
                                     unit.c_str(), "all", signal);
    const MessagePtr owned(reply);
    if (r < 0) return bus_error("KillUnit " + unit, error, r);
    return {};
}

Result<std::string> Bus::active_state(const std::string& unit) {
    BusError error;
    sd_bus_message* reply = nullptr;
    int r =
        sd_bus_call_method(m_bus.get(), k_service, k_path, k_manager, "GetUnit", &error.e, &reply, "s", unit.c_str());
    const MessagePtr owned(reply);
    if (r < 0) {
        if (sd_bus_error_has_name(&error.e, "org.freedesktop.systemd1.NoSuchUnit") != 0) return std::string("inactive");
        return bus_error("GetUnit " + unit, error, r);
    }
    const char* path = nullptr;
    r = sd_bus_message_read(reply, "o", &path);
    if (r < 0) return unavailable(fmt::format("GetUnit {}: bad reply", unit));
    BusError perror;
    char* state = nullptr;
    r = sd_bus_get_property_string(m_bus.get(), k_service, path, "org.freedesktop.systemd1.Unit", "ActiveState",
                                   &perror.e, &state);
    if (r < 0) return bus_error("ActiveState of " + unit, perror, r);
    const std::unique_ptr<char, decltype(&::free)> owned_state(state, &::free);
    return std::string(state);
}

} // namespace qops::systemd
