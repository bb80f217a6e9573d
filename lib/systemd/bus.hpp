#pragma once
// The calls of systemd's manager API (org.freedesktop.systemd1) the tools make, over sd-bus.

#include "base/error.hpp"

#include <memory>
#include <string>

struct sd_bus;

namespace qops::systemd {

class Bus {
public:
    // Connects to the system bus. Errors: unavailable (no D-Bus / no systemd).
    static Result<Bus> open_system();

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
    struct Unref {
        void operator()(sd_bus* b) const noexcept;
    };
    explicit Bus(sd_bus* bus) : m_bus(bus) {}
    std::unique_ptr<sd_bus, Unref> m_bus;
};

} // namespace qops::systemd
