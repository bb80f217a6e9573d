#include "ess/units.hpp"

#include "base/env.hpp"
#include "systemd/unit.hpp"

#include <sstream>

namespace qops::ess {

const std::vector<std::string>& default_units() {
    static const std::vector<std::string> k_units{"quantum-ai-engine.service", "quantum-execution.service",
                                                  "quantum-apply-layer.service", "quantum-governor.service"};
    return k_units;
}

std::vector<std::string> resolve_units(const std::vector<std::string>& flag_values) {
    std::vector<std::string> out;
    if (!flag_values.empty()) {
        for (const auto& u : flag_values)
            out.push_back(systemd::unit_name(u));
        return out;
    }
    std::string list = env_or("QUANTUM_ESS_UNITS", "");
    for (char& c : list)
        if (c == ',') c = ' ';
    std::istringstream in(list);
    for (std::string u; in >> u;)
        out.push_back(systemd::unit_name(u));
    if (out.empty()) out = default_units();
    return out;
}

} // namespace qops::ess
