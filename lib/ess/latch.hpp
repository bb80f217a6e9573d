#pragma once
// The emergency-stop latch: a small file whose existence means "trading stays stopped".
// It records why, who and when, as key=value lines.

#include "base/error.hpp"

#include <optional>
#include <string>

namespace qops::ess {

// Persistent: a reboot keeps the stop.
inline constexpr const char* k_default_latch = "/var/lib/quantum/ESS_ON";
// The seed's latch: creating it by hand is a trip too (quantum-ess.path watches it).
inline constexpr const char* k_seed_latch = "/run/quantum/ESS_ON";

struct Latch {
    std::string reason;
    std::string who;
    std::string when; // ISO 8601 UTC
};

// The latch path: flag value, else $QUANTUM_ESS_LATCH, else k_default_latch.
std::string latch_path(const std::string& flag_value);

// The seed latch path: $QUANTUM_ESS_SEED_LATCH (empty: none), else k_seed_latch.
std::string seed_latch_path();

// Writes the latch atomically (creating its directory). Errors: unavailable.
Result<void> write_latch(const std::string& path, const Latch& latch);

// Reads the latch; nullopt when it does not exist. Unparseable content is returned as
// the reason, so a hand-made latch (touch) still counts.
Result<std::optional<Latch>> read_latch(const std::string& path);

// Removes the latch. Returns false when there was none.
Result<bool> remove_latch(const std::string& path);

} // namespace qops::ess
