#pragma once
// The emergency stop: trip (write the latch), enforce (stop the trading units over
// D-Bus, escalate to SIGKILL, report the time), status and reset.

#include "util/error.hpp"
#include "util/metrics.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace qops::ess {

inline constexpr std::chrono::milliseconds k_default_kill_after{800};
inline constexpr std::chrono::milliseconds k_kill_wait{1000};
inline constexpr std::chrono::milliseconds k_poll_interval{5};
inline constexpr const char* k_ess_service = "quantum-ess.service";

// The default allowed list (the seed's trading units). Monitoring units are never in it.
const std::vector<std::string>& default_units();

struct Options {
    std::string latch;                    // resolved latch path
    std::vector<std::string> units;       // resolved allowed list (unit names with suffix)
    std::chrono::milliseconds kill_after = k_default_kill_after; // SIGKILL escalation budget
    bool json = false;
    std::string redis_url;                // for the best-effort alert
};

// The units to guard: --unit values, else $QUANTUM_ESS_UNITS (comma or space separated),
// else default_units(); each normalised to a unit name.
std::vector<std::string> resolve_units(const std::vector<std::string>& flag_values);

ExitCode run_trip(const Options& o, const std::string& reason, JobMetrics& metrics);
ExitCode run_enforce(const Options& o, JobMetrics& metrics);
ExitCode run_status(const Options& o, JobMetrics& metrics);
ExitCode run_reset(const Options& o, bool confirmed, JobMetrics& metrics);

} // namespace qops::ess
