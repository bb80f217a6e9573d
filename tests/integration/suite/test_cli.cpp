// What every tool does the same way: flag errors, metrics, escaping of outside values.
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace qops;
using qops::test::slurp;
using qops::test::TempDir;

namespace {

const std::vector<std::string> k_tools = {"audit-log",         "audit-summary",  "emergency-stop", "exit-owner-watch",
                                          "ops-ledger-append", "policy-refresh", "policy-show",    "quantum-status"};

} // namespace

TEST_CASE("cli: a bad flag is one error line, exit 2, and is recorded in the metrics file") {
    for (const auto& tool : k_tools) {
        TempDir metrics;
        SECTION(tool) {
            auto r = test::run({tool, "--metrics-dir", metrics.path(), "--no-such-flag"});
            INFO(r.err);
            CHECK(r.exit_code == 2);
            CHECK(r.err.find(tool + ": error: ") == 0);
            CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
            const std::string prom = slurp(metrics.file(tool + ".prom"));
            CHECK_THAT(prom, Catch::Contains("quantum_job_exit_code{job=\"" + tool + "\"} 2\n"));
        }
    }
}

TEST_CASE("cli: --version and --help answer with exit 0 and write no metrics") {
    for (const auto& tool : k_tools) {
        TempDir metrics;
        auto v = test::run({tool, "--version", "--metrics-dir", metrics.path()});
        CHECK(v.exit_code == 0);
        CHECK(v.out.find(tool + " ") == 0);
        auto h = test::run({tool, "--help"});
        CHECK(h.exit_code == 0);
        CHECK_THAT(h.out, Catch::Contains("Exit codes:"));
        CHECK(slurp(metrics.file(tool + ".prom")).empty());
    }
}

TEST_CASE("cli: terminal control sequences from a latch reach neither stdout nor the log") {
    TempDir tmp;
    const std::string latch =
        tmp.write("ESS_ON", "reason=\x1b]0;pwned\x07\x1b[2J gone\nwho=\x1b[31mmallory\nwhen=now\n");
    test::RunOptions o;
    o.env["QUANTUM_ESS_LATCH"] = latch;
    o.env["QUANTUM_ESS_SEED_LATCH"] = tmp.file("seed-ESS_ON");
    o.env["QT_AUDIT_LOG"] = tmp.file("audit.log");
    o.env["QUANTUM_REDIS_URL"] = "redis://127.0.0.1:1/0";
    auto r = test::run({"emergency-stop", "--unit", "qops-test-none", "status"}, o);
    CHECK(r.out.find('\x1b') == std::string::npos);
    CHECK(r.err.find('\x1b') == std::string::npos);
    CHECK(r.out.find('\x07') == std::string::npos);
    CHECK_THAT(r.out, Catch::Contains("\\x1b]0;pwned\\x07"));
    auto reset = test::run({"emergency-stop", "--unit", "qops-test-none", "reset", "--confirm", "--reason", "r"}, o);
    CHECK(reset.err.find('\x1b') == std::string::npos);
    CHECK_THAT(reset.err, Catch::Contains("\\x1b[31mmallory"));
}
