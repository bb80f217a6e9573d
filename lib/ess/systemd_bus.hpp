#pragma once
// The few calls of systemd's D-Bus API the emergency stop needs, over sd-bus.

#include "util/error.hpp"

#include <memory>
#include <string>

struct sd_bus;

namespace qops::ess {

class SystemdBus {
public:
    // Connects to the system bus. Errors: unavailable (no D-Bus / no systemd).
    static Result<SystemdBus> open();

    // Manager.StopUnit(name, mode): queues a stop job and returns at once.
    Result<void> stop_unit(const std::string& unit, const std::string& mode);
    // Manager.StartUnit(name, "replace").
    Result<void> start_unit(const std::string& unit);
    // Manager.KillUnit(name, "all", signal).
    Result<void> kill_unit(const std::string& unit, int signal);
    // The unit's ActiveState ("active", "deactivating", "inactive", "failed", ...);
    // "inactive" for a unit systemd has not loaded.
    Result<std::string> active_state(const std::string& unit);

private:
    struct BusDeleter {
        void operator()(sd_bus* b) const noexcept;
    };
    explicit SystemdBus(sd_bus* bus) : m_bus(bus) {}
    std::unique_ptr<sd_bus, BusDeleter> m_bus;
};

// "quantum-execution" -> "quantum-execution.service"; names with a suffix are kept.
std::string unit_name(const std::string& name);

} // namespace qops::ess
