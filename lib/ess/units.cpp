#include "ess/units.hpp"

#include "base/env.hpp"
#include "base/file.hpp"
#include "systemd/unit.hpp"

#include <sstream>

namespace qops::ess {

const std::vector<std::string>& default_units() {
    static const std::vector<std::string> k_units{"quantum-ai-engine.service", "quantum-execution.service",
                                                  "quantum-apply-layer.service", "quantum-governor.service"};
    return k_units;
}

std::vector<std::string> parse_units(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        line = line.substr(0, line.find('#'));
        for (char& c : line)
            if (c == ',') c = ' ';
        std::istringstream in(line);
        for (std::string u; in >> u;)
            out.push_back(systemd::unit_name(u));
    }
    return out;
}

std::vector<std::string> resolve_units(const std::vector<std::string>& flag_values) {
    std::vector<std::string> out;
    if (!flag_values.empty()) {
        for (const auto& u : flag_values)
            out.push_back(systemd::unit_name(u));
        return out;
    }
    out = parse_units(env_or("QUANTUM_ESS_UNITS", ""));
    if (!out.empty()) return out;
    // A missing or unreadable file means the defaults; the generator reads the same file.
    if (auto conf = read_file(env_or("QUANTUM_ESS_CONF", k_default_conf), 64 * 1024); conf) out = parse_units(*conf);
    if (out.empty()) out = default_units();
    return out;
}

} // namespace qops::ess
