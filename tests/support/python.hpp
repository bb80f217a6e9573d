#pragma once
// Running Debian's /usr/bin/python3 with the built quantum_ops module (python/).

#include "support/run.hpp"

#include <string>

namespace qops::test {

inline constexpr const char* k_python = "/usr/bin/python3";

// Puts the built module on o's PYTHONPATH; in the sanitizer tree also preloads the
// sanitizer runtimes the module needs (python/CMakeLists.txt lists them). Returns o.
RunOptions& with_quantum_ops(RunOptions& o);

} // namespace qops::test
