#include "support/go_tool.hpp"

#include "support/run.hpp"

#include <stdexcept>

namespace qops::test {

std::optional<std::string> build_go_tool(const TempDir& dir, const std::string& relative_source) {
    RunOptions env;
    env.env["GOPATH"] = "/usr/share/gocode"; // where golang-golang-x-mod-dev installs its source
    env.env["GO111MODULE"] = "off";
    env.env["GOCACHE"] = dir.file("gocache");
    env.env["GOFLAGS"] = "";
    env.timeout = std::chrono::minutes(3);
    const std::string out = dir.file("go-tool");
    auto r = run({"go", "build", "-o", out, std::string(QOPS_TEST_DATA_DIR) + "/" + relative_source}, env);
    if (r.exit_code == -1 || r.err.find("not found") != std::string::npos) return std::nullopt;
    if (r.exit_code != 0) throw std::runtime_error("go build " + relative_source + ": " + r.err);
    return out;
}

} // namespace qops::test
