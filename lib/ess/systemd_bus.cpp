#include "ess/systemd_bus.hpp"

#include <systemd/sd-bus.h>

#include <cstring>
#include <fmt/format.h>

namespace qops::ess {
namespace {

constexpr const char* k_service = "org.freedesktop.systemd1";
constexpr const char* k_path = "/org/freedesktop/systemd1";
constexpr const char* k_manager = "org.freedesktop.systemd1.Manager";

// One owner for an sd_bus_error.
struct BusError {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    BusError() = default;
    BusError(const BusError&) = delete;
    BusError& operator=(const BusError&) = delete;
    ~BusError() { sd_bus_error_free(&e); }
    std::string text(int r) const {
        return e.message != nullptr ? std::string(e.message) : std::string(std::strerror(-r));
    }
};

struct MessageDeleter {
    void operator()(sd_bus_message* m) const noexcept { sd_bus_message_unref(m); }
};
using MessagePtr = std::unique_ptr<sd_bus_message, MessageDeleter>;

} // namespace

void SystemdBus::BusDeleter::operator()(sd_bus* b) const noexcept { sd_bus_flush_close_unref(b); }

std::string unit_name(const std::string& name) {
    if (name.find('.') != std::string::npos) return name;
    return name + ".service";
}

Result<SystemdBus> SystemdBus::open() {
    sd_bus* bus = nullptr;
    int r = sd_bus_open_system(&bus);
    if (r < 0)
        return Error{ExitCode::unavailable, fmt::format("cannot connect to the system bus: {}", std::strerror(-r))};
    return SystemdBus(bus);
}

Result<void> SystemdBus::stop_unit(const std::string& unit, const std::string& mode) {
    BusError error;
    sd_bus_message* reply = nullptr;
    int r = sd_bus_call_method(m_bus.get(), k_service, k_path, k_manager, "StopUnit", &error.e, &reply, "ss",
                               unit.c_str(), mode.c_str());
    MessagePtr owned(reply);
    if (r < 0) return Error{ExitCode::unavailable, fmt::format("StopUnit {}: {}", unit, error.text(r))};
    return {};
}

Result<void> SystemdBus::start_unit(const std::string& unit) {
    BusError error;
    sd_bus_message* reply = nullptr;
    int r = sd_bus_call_method(m_bus.get(), k_service, k_path, k_manager, "StartUnit", &error.e, &reply, "ss",
                               unit.c_str(), "replace");
    MessagePtr owned(reply);
    if (r < 0) return Error{ExitCode::unavailable, fmt::format("StartUnit {}: {}", unit, error.text(r))};
    return {};
}

Result<void> SystemdBus::kill_unit(const std::string& unit, int signal) {
    BusError error;
    sd_bus_message* reply = nullptr;
    int r = sd_bus_call_method(m_bus.get(), k_service, k_path, k_manager, "KillUnit", &error.e, &reply, "ssi",
                               unit.c_str(), "all", signal);
    MessagePtr owned(reply);
    if (r < 0) return Error{ExitCode::unavailable, fmt::format("KillUnit {}: {}", unit, error.text(r))};
    return {};
}

Result<std::string> SystemdBus::active_state(const std::string& unit) {
    BusError error;
    sd_bus_message* reply = nullptr;
    int r = sd_bus_call_method(m_bus.get(), k_service, k_path, k_manager, "GetUnit", &error.e, &reply, "s",
                               unit.c_str());
    MessagePtr owned(reply);
    if (r < 0) {
        if (sd_bus_error_has_name(&error.e, "org.freedesktop.systemd1.NoSuchUnit")) return std::string("inactive");
        return Error{ExitCode::unavailable, fmt::format("GetUnit {}: {}", unit, error.text(r))};
    }
    const char* path = nullptr;
    r = sd_bus_message_read(reply, "o", &path);
    if (r < 0) return Error{ExitCode::unavailable, fmt::format("GetUnit {}: bad reply", unit)};
    BusError perror;
    char* state = nullptr;
    r = sd_bus_get_property_string(m_bus.get(), k_service, path, "org.freedesktop.systemd1.Unit", "ActiveState",
                                   &perror.e, &state);
    if (r < 0) return Error{ExitCode::unavailable, fmt::format("ActiveState of {}: {}", unit, perror.text(r))};
    std::unique_ptr<char, decltype(&::free)> owned_state(state, &::free);
    return std::string(state);
}

} // namespace qops::ess
