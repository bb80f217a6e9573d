#include "base/env.hpp"

#include <unistd.h>

#include <cstdlib>

namespace qops {

std::optional<std::string> env(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
}

std::string env_or(const char* name, const std::string& fallback) {
    return env(name).value_or(fallback);
}

std::optional<std::string> credential_path(const std::string& name) {
    const auto dir = env("CREDENTIALS_DIRECTORY");
    if (!dir) return std::nullopt;
    std::string path = *dir + "/" + name;
    if (::access(path.c_str(), F_OK) != 0) return std::nullopt;
    return path;
}

std::string state_directory(const std::string& fallback) {
    const std::string dirs = env_or("STATE_DIRECTORY", fallback);
    return dirs.substr(0, dirs.find(':'));
}

} // namespace qops
