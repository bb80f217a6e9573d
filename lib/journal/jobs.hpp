#pragma once
// The exit-owner-watch job: scan the unit's journal entries for the pattern, alert to
// Redis when any is found, and move the checkpoint only once the alert is stored.

#include "journal/scanner.hpp"
#include "util/error.hpp"
#include "util/metrics.hpp"

#include <chrono>
#include <string>

namespace qops::journal {

inline constexpr const char* k_default_unit = "quantum-apply-layer.service";
inline constexpr const char* k_default_pattern = "DENY_NOT_EXIT_OWNER";
inline constexpr const char* k_default_state_dir = "/var/lib/quantum";
inline constexpr std::chrono::minutes k_default_window{5};
inline constexpr size_t k_default_samples = 3;

struct WatchOptions {
    Source source;
    std::string unit = k_default_unit;
    std::string pattern = k_default_pattern;
    std::string state_dir = k_default_state_dir;
    bool no_state = false;                                     // stateless: look back --window only
    std::chrono::microseconds window = k_default_window;       // first run, lost checkpoint, --no-state
    std::chrono::microseconds max_catch_up = k_default_window; // bound when the checkpoint is lost
    size_t samples = k_default_samples;
    bool json = false;
    std::string redis_url;
    std::chrono::milliseconds redis_timeout{2000};
};

// exit-owner-watch: 0 nothing found, 1 alert stored, 3 journal/Redis/state unavailable
// (checkpoint untouched, the same events are alerted next run).
ExitCode run_watch(const WatchOptions& options, JobMetrics& metrics);

} // namespace qops::journal
