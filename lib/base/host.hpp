#pragma once
// Who and where: the host name and the operator running a command.

#include <string>

namespace qops {

// gethostname(2), "unknown" when it fails.
std::string hostname();

// The operator's name: $SUDO_USER, else the login name of the uid, else "uid N".
std::string current_operator();

} // namespace qops
