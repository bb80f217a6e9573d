#pragma once
// The calls of systemd's manager API (org.freedesktop.systemd1) the tools make, over sd-bus.
// Every call has an explicit timeout: sd-bus's default of 25 s is far too long for a stop.

#include "base/error.hpp"

#include <chrono>
#include <memory>
#include <string>

struct sd_bus;

namespace qops::systemd {

inline constexpr const char* k_private_socket = "/run/systemd/private";
inline constexpr std::chrono::milliseconds k_default_call_timeout{1000};

// What the emergency stop needs to know about one unit.
struct UnitInfo {
    std::string load_state;    // "loaded", "not-found", "masked", "error", ...
    std::string active_state;  // "active", "deactivating", "inactive", "failed", ...
    std::string control_group; // "/system.slice/x.service", empty when it has none
};

class Bus {
public:
    // Connects to the system bus. Errors: unavailable (no D-Bus / no systemd).
    static Result<Bus> open_system();
    // Connects to systemd itself over its private socket (as systemctl does as root), so
    // that nothing depends on dbus-daemon; falls back to the system bus when the socket is
    // absent or refused (non-root). Errors: unavailable.
    static Result<Bus> open_manager();

    // True when connected over systemd's private socket.
    bool direct() const noexcept { return m_direct; }
    // The timeout of every later call (bounded, never sd-bus's 25 s default).
    void set_call_timeout(std::chrono::milliseconds timeout) noexcept { m_timeout = timeout; }

    // Manager.StopUnit(name, mode): queues a stop job and returns at once.
    Result<void> stop_unit(const std::string& unit, const std::string& mode);
    // Manager.StartUnit(name, "replace").
    Result<void> start_unit(const std::string& unit);
    // Manager.KillUnit(name, "all", signal).
    Result<void> kill_unit(const std::string& unit, int signal);
    // The unit's ActiveState ("active", "deactivating", "inactive", "failed", ...);
    // "inactive" for a unit systemd has not loaded.
    Result<std::string> active_state(const std::string& unit);
    // Manager.LoadUnit, then LoadState, ActiveState and ControlGroup: a misspelled name
    // comes back with load_state "not-found". Errors: unavailable.
    Result<UnitInfo> unit_info(const std::string& unit);

private:
    struct Unref {
        void operator()(sd_bus* b) const noexcept;
    };
    Bus(sd_bus* bus, bool direct) : m_bus(bus), m_direct(direct) {}
    std::unique_ptr<sd_bus, Unref> m_bus;
    bool m_direct = false;
    std::chrono::milliseconds m_timeout = k_default_call_timeout;
};

} // namespace qops::systemd
