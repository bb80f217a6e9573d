#pragma once
// The jobs behind audit-log (append, stats, verify, test) and audit-summary.

#include "util/error.hpp"
#include "util/metrics.hpp"

#include <string>
#include <vector>

namespace qops::audit {

struct LogOptions {
    std::string log_flag; // --log (else QT_AUDIT_LOG, else the default with fallback)
    bool json = false;
};

// Appends messages ("-" reads one entry per stdin line).
// The log path of the options (see resolve_log), with a WARN when it fell back.
std::string locate_log(const LogOptions& o);

ExitCode run_append(const LogOptions& o, const std::vector<std::string>& messages, bool no_sync, JobMetrics& metrics);
ExitCode run_stats(const LogOptions& o, JobMetrics& metrics);
ExitCode run_verify(const LogOptions& o, JobMetrics& metrics);
ExitCode run_test(const LogOptions& o, JobMetrics& metrics);

struct SummaryOptions {
    LogOptions log;
    std::string date = "yesterday";
    size_t limit = 50;
    bool notify = false;
};

// Prints the summary; with notify, delivers it (webhook and/or mail): 3 when a delivery fails.
ExitCode run_summary(const SummaryOptions& o, JobMetrics& metrics);

} // namespace qops::audit
