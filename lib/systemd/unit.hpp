#pragma once
// Unit names as systemctl and journalctl -u read them.

#include <string>

namespace qops::systemd {

// Appends ".service" to a name without a unit-type suffix ("quantum-execution" ->
// "quantum-execution.service"); names with one (".timer", ".path", ...) are kept.
std::string unit_name(const std::string& name);

} // namespace qops::systemd
