#include "base/host.hpp"

#include "base/env.hpp"

#include <pwd.h>
#include <unistd.h>

#include <climits>
#include <fmt/format.h>

namespace qops {

std::string hostname() {
    char buf[HOST_NAME_MAX + 1] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown";
    return buf;
}

std::string current_operator() {
    if (auto sudo = env("SUDO_USER")) return *sudo;
    if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr) return pw->pw_name;
    return fmt::format("uid {}", ::getuid());
}

} // namespace qops
