#pragma once
// Builds one of the Go programs in tests/data (independent implementations from Debian's
// golang-golang-x-mod-dev, built offline) for a test.

#include "support/temp_dir.hpp"

#include <optional>
#include <string>

namespace qops::test {

// Builds tests/data/<relative_source> into dir and returns the executable's path;
// nullopt when Go is not installed (the caller skips). Throws when the build fails.
std::optional<std::string> build_go_tool(const TempDir& dir, const std::string& relative_source);

} // namespace qops::test
