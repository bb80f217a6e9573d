#pragma once
// The stop engine: stops the guarded units and verifies that nothing of them runs.
// "Stopped" means ActiveState inactive or failed AND the unit's cgroup empty, so a child
// left behind by KillMode=process, or a restart by Restart=, still counts as running.

#include "base/error.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace qops::systemd {
class Bus;
}

namespace qops::ess {

inline constexpr std::chrono::milliseconds k_kill_after_ms{800};
inline constexpr std::chrono::milliseconds k_budget_ms{2000};
inline constexpr std::chrono::milliseconds k_call_timeout_ms{300};
inline constexpr const char* k_cgroup_root = "/sys/fs/cgroup";

struct StopOptions {
    std::chrono::milliseconds kill_after = k_kill_after_ms; // SIGKILL (KillUnit all) for survivors
    std::chrono::milliseconds budget = k_budget_ms;         // the whole enforcement
    std::chrono::milliseconds call_timeout = k_call_timeout_ms;
    std::string cgroup_root = k_cgroup_root;
};

struct UnitResult {
    std::string unit;
    // "stopped", "killed" (needed SIGKILL), "cgroup-killed" (needed cgroup.kill),
    // "running" (still running when the budget ran out), "unknown" (not a loaded unit),
    // "error" (could not be asked)
    std::string outcome;
    bool stopped = false; // verified: inactive or failed, cgroup empty
    long long ms = -1;    // when it was verified stopped, after the start
    std::string state;    // last ActiveState seen
    std::string detail;   // why it is not stopped, or which errors were seen
};

struct StopReport {
    std::vector<UnitResult> units;
    bool all_stopped = false;
    long long elapsed_ms = 0;
    std::string transport; // "systemd private socket", "system bus", "none"
};

// One guarded unit as it is now, judged the way enforce judges it.
struct UnitState {
    std::string unit;
    std::string state;    // ActiveState ("inactive", "active", ...), the LoadState when not loaded,
                          // "unknown" when it could not be asked
    size_t processes = 0; // in its cgroup
    bool stopped = false; // loaded, inactive or failed, cgroup empty
    std::string error;    // why it could not be asked
};

// Judges each unit now without acting on it. bus may be null (no connection): then every
// state is "unknown" and nothing is stopped.
std::vector<UnitState> judge_units(systemd::Bus* bus, const std::vector<std::string>& units,
                                   const std::string& cgroup_root);

// The pids in <cgroup_root><control_group>/cgroup.procs; empty when the cgroup is gone.
std::vector<long> cgroup_pids(const std::string& cgroup_root, const std::string& control_group);

// Writes "1" to the cgroup's cgroup.kill (SIGKILL to every process in it, atomically).
Result<void> cgroup_kill(const std::string& cgroup_root, const std::string& control_group);

// Resolves every unit first (a name that is not a loaded unit is "unknown", never stopped),
// queues StopUnit for all at once, then polls until each is verified stopped; survivors get
// KillUnit(all, SIGKILL) at kill_after and cgroup.kill after that, all within budget.
// bus may be null (no connection): then only the cgroups can be killed and nothing is
// verified stopped.
StopReport stop_units(systemd::Bus* bus, const std::vector<std::string>& units, const StopOptions& options);

} // namespace qops::ess
