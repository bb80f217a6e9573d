#pragma once
// The units the emergency stop guards.

#include <string>
#include <vector>

namespace qops::ess {

// The default guarded list (the seed's trading units). Monitoring units are never in it.
const std::vector<std::string>& default_units();

// The units to guard: --unit values, else $QUANTUM_ESS_UNITS (comma or space separated),
// else default_units(); each normalised to a unit name.
std::vector<std::string> resolve_units(const std::vector<std::string>& flag_values);

} // namespace qops::ess
