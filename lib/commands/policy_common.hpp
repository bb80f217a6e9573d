#pragma once
// What policy-refresh and policy-show both report.

#include "commands/metrics.hpp"
#include "policy/document.hpp"

namespace qops::commands {

// The policy's gauges: its expiry and universe size.
inline void add_policy_gauges(Metrics& metrics, const policy::Sealed& s) {
    metrics.gauge("quantum_policy_valid_until_timestamp_seconds", "valid_until_epoch of the current policy.",
                  static_cast<double>(s.valid_until_epoch));
    metrics.gauge("quantum_policy_universe_count", "Number of symbols in the current policy.",
                  static_cast<double>(s.doc.universe.size()));
    metrics.gauge("quantum_policy_seq", "policy_seq of the current policy.", static_cast<double>(s.policy_seq));
}

} // namespace qops::commands
