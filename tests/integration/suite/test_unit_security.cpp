// The units' sandboxing never weakens: `systemd-analyze security` rates each service, and
// no rating may rise above its ceiling below. A ceiling is lowered when a unit gets
// stricter and raised only with a reason written beside it.
#include "support/run.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <regex>

using namespace qops;

namespace {

// The exposure of each service (0 = fully sandboxed, 10 = none).
const std::map<std::string, double> k_ceilings = {
    {"quantum-policy-refresh.service", 1.4},
    {"quantum-exit-owner-watch.service", 1.5},
    {"quantum-audit-summary.service", 1.4},
    // 1.9 in the first edition. The persistent latch, the metrics and the audit log are in
    // the quantum user's directories (CAP_DAC_OVERRIDE), and the last resort writes the
    // units' cgroup.kill (no ProtectControlGroups=); CAP_KILL was dropped and
    // PrivateMounts= added against that.
    {"quantum-ess.service", 2.0},
};

} // namespace

TEST_CASE("units: systemd-analyze security exposure does not rise for any service") {
    const std::string dir = std::string(QOPS_SOURCE_DIR) + "/systemd";
    size_t rated = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().extension() != ".service") continue;
        const std::string unit = e.path().filename().string();
        INFO(unit);
        const auto ceiling = k_ceilings.find(unit);
        REQUIRE(ceiling != k_ceilings.end()); // a new service gets a ceiling here
        test::RunOptions o;
        o.cwd = dir;
        auto r = test::run({"systemd-analyze", "security", "--offline=true", "--no-pager", e.path().string()}, o);
        INFO(r.out << r.err);
        std::smatch m;
        const std::string out = r.out;
        REQUIRE(std::regex_search(out, m, std::regex("Overall exposure level for [^:]+: ([0-9]+\\.[0-9])")));
        const double exposure = std::stod(m[1].str());
        CHECK(exposure <= ceiling->second + 1e-9);
        ++rated;
    }
    CHECK(rated == k_ceilings.size());
}
