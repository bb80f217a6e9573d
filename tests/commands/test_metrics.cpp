#include "commands/metrics.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace qops::commands;
using qops::test::slurp;
using qops::test::TempDir;

TEST_CASE("metrics: textfile format, success carried over failures") {
    TempDir tmp;
    Metrics m("policy-refresh", tmp.path());
    m.gauge("quantum_policy_universe_count", "Symbols.", 10);
    REQUIRE(m.write(0, 0.25).ok());
    const std::string first = slurp(tmp.file("policy-refresh.prom"));
    CHECK_THAT(first, Catch::Contains("# TYPE quantum_job_last_run_timestamp_seconds gauge"));
    CHECK_THAT(first, Catch::Contains("quantum_job_exit_code{job=\"policy-refresh\"} 0\n"));
    CHECK_THAT(first, Catch::Contains("quantum_job_duration_seconds{job=\"policy-refresh\"} 0.25\n"));
    CHECK_THAT(first, Catch::Contains("quantum_policy_universe_count{job=\"policy-refresh\"} 10\n"));
    const int64_t success = read_last_success(tmp.file("policy-refresh.prom"));
    CHECK(success > 0);

    const std::string failed = m.render(3, 1.0, success + 100, success);
    CHECK_THAT(failed, Catch::Contains("quantum_job_last_success_timestamp_seconds{job=\"policy-refresh\"} " +
                                       std::to_string(success) + "\n"));
    CHECK_THAT(failed, Catch::Contains("quantum_job_last_run_timestamp_seconds{job=\"policy-refresh\"} " +
                                       std::to_string(success + 100) + "\n"));
    // Exit 1 (reported) counts as success, as SuccessExitStatus=0 1 does.
    CHECK_THAT(m.render(1, 1.0, 500, 1),
               Catch::Contains("quantum_job_last_success_timestamp_seconds{job=\"policy-refresh\"} 500"));
    // Disabled without a directory.
    CHECK(Metrics("x", "").write(0, 0).ok());
}
