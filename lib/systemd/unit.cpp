#include "systemd/unit.hpp"

#include <string_view>

namespace qops::systemd {

std::string unit_name(const std::string& name) {
    static constexpr std::string_view k_suffixes[] = {".service", ".socket", ".timer",  ".target", ".mount",    ".path",
                                                      ".slice",   ".scope",  ".device", ".swap",   ".automount"};
    for (const auto suffix : k_suffixes)
        if (name.size() > suffix.size() && std::string_view(name).ends_with(suffix)) return name;
    return name + ".service";
}

} // namespace qops::systemd
