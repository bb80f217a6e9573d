#pragma once
// The policy jobs behind policy-refresh and policy-show. Like every jobs module, these
// are the library code that talks to the operator (log lines, stdout); the modules
// they call do not log.

#include "util/error.hpp"
#include "util/metrics.hpp"

#include <chrono>
#include <string>

namespace qops::policy {

inline constexpr const char* k_default_policy_file = "/etc/quantum/policy.json";
inline constexpr std::chrono::seconds k_default_generator_timeout{30};

struct RefreshOptions {
    std::string policy_file = k_default_policy_file;
    std::string generator;   // shell command line; when set, its stdout is the document
    std::chrono::milliseconds generator_timeout = k_default_generator_timeout;
    bool dry_run = false;    // validate and print the hash; no Redis, nothing written
    bool json = false;       // print the result as JSON on stdout
    std::string redis_url;   // resolved URL text
    std::chrono::milliseconds redis_timeout{2000};
};

// policy-refresh: lock, obtain + validate, save atomically, audit (fail-open), read back
// and check. Returns the contract exit code.
ExitCode run_refresh(const RefreshOptions& options, JobMetrics& metrics);

struct ShowOptions {
    bool json = false;
    std::string redis_url;
    std::chrono::milliseconds redis_timeout{2000};
};

// policy-show: the fail-closed reader. 0 valid, 3 Redis unreachable, 4 missing,
// incomplete, tampered or expired.
ExitCode run_show(const ShowOptions& options, JobMetrics& metrics);

} // namespace qops::policy
