#include "support/python.hpp"

#include "support/temp_dir.hpp"

namespace qops::test {

RunOptions& with_quantum_ops(RunOptions& o) {
    o.env["PYTHONPATH"] = std::string(QOPS_BUILD_DIR) + "/python";
    const std::string preload = slurp(std::string(QOPS_BUILD_DIR) + "/python/preload");
    if (!preload.empty()) {
        o.env["LD_PRELOAD"] = preload;
        // CPython's own allocations alive at exit are not ours to report.
        o.env["ASAN_OPTIONS"] = "detect_leaks=0";
    }
    return o;
}

} // namespace qops::test
