#pragma once
// The calls of systemd's manager API (org.freedesktop.systemd1) the tools make, over sd-bus.
// Every call has an explicit timeout: sd-bus's default of 25 s is far too long for a stop.

#include "base/error.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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

// What an operator asks of a timer and the service it triggers.
struct TimerInfo {
    std::string load_state;             // of the timer
    std::string active_state;           // of the timer ("active" while it waits to elapse)
    uint64_t last_trigger_usec = 0;     // realtime; 0: never triggered
    uint64_t next_elapse_realtime = 0;  // NextElapseUSecRealtime; 0 or UINT64_MAX: none
    uint64_t next_elapse_monotonic = 0; // NextElapseUSecMonotonic (OnActiveSec= timers)
    std::string service;                // the unit it triggers
    std::string service_active_state;
    std::string service_result; // "success", "exit-code", "timeout", ...
    int exec_main_status = 0;   // the last run's exit status
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

    // Manager.LoadUnit of the timer and its service, then the properties of TimerInfo.
    // Errors: unavailable.
    Result<TimerInfo> timer_info(const std::string& timer);
    // Manager.ListUnitsByPatterns([], [pattern]): the names of the loaded units matching it.
    Result<std::vector<std::string>> list_units(const std::string& pattern);

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
