#pragma once
// The process environment: variables, systemd's credentials and state directory.

#include <optional>
#include <string>

namespace qops {

// The variable's value when it is set and not empty.
std::optional<std::string> env(const char* name);

// The variable's value, or fallback when it is unset or empty.
std::string env_or(const char* name, const std::string& fallback);

// $CREDENTIALS_DIRECTORY/<name> when systemd passed that credential (LoadCredential=).
std::optional<std::string> credential_path(const std::string& name);

// The first directory of $STATE_DIRECTORY (StateDirectory= may list several, ':'
// separated), else fallback.
std::string state_directory(const std::string& fallback);

} // namespace qops
