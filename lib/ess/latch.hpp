#pragma once
// The emergency-stop latch: a small file whose existence means "trading stays stopped".
// It records why, who and when, as key=value lines.

#include "base/error.hpp"

#include <optional>
#include <string>

namespace qops::ess {

inline constexpr const char* k_default_latch = "/run/quantum/ESS_ON";

struct Latch {
    std::string reason;
    std::string who;
    std::string when; // ISO 8601 UTC
};

// The latch path: flag value, else $QUANTUM_ESS_LATCH, else k_default_latch.
std::string latch_path(const std::string& flag_value);

// Writes the latch atomically (creating its directory). Errors: unavailable.
Result<void> write_latch(const std::string& path, const Latch& latch);

// Reads the latch; nullopt when it does not exist. Unparseable content is returned as
// the reason, so a hand-made latch (touch) still counts.
Result<std::optional<Latch>> read_latch(const std::string& path);

// Removes the latch. Returns false when there was none.
Result<bool> remove_latch(const std::string& path);

} // namespace qops::ess
