#pragma once
// What audit-log and audit-summary share: where the log is.

#include "audit/log.hpp"
#include "commands/log.hpp"

#include <string>

namespace qops::commands {

struct LogOptions {
    std::string log_flag;   // --log (else QT_AUDIT_LOG, else the default with fallback)
    std::string origin;     // --origin (else QUANTUM_CHECKPOINT_ORIGIN, else the default)
    std::string redis_flag; // --redis: where checkpoints are witnessed
    bool json = false;
};

// The log path of the options (audit::resolve_log), with a WARN when it fell back.
inline std::string locate_log(const LogOptions& o) {
    const auto loc = audit::resolve_log(o.log_flag);
    if (loc.fell_back) log::warn("{} is not writable here; using {}", loc.primary, loc.path);
    return loc.path;
}

} // namespace qops::commands
