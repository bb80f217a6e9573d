#pragma once
// The units the emergency stop guards.

#include <string>
#include <vector>

namespace qops::ess {

// The default guarded list (the seed's trading units). Monitoring units are never in it.
const std::vector<std::string>& default_units();

inline constexpr const char* k_default_conf = "/etc/quantum/ess.conf";

// Unit names in a list: comma, space or newline separated, '#' starts a comment.
std::vector<std::string> parse_units(const std::string& text);

// The units to guard: --unit values, else $QUANTUM_ESS_UNITS, else the list in
// $QUANTUM_ESS_CONF (default k_default_conf) when it names any, else default_units();
// each normalised to a unit name.
std::vector<std::string> resolve_units(const std::vector<std::string>& flag_values);

} // namespace qops::ess
