// What operators get besides the binaries: man pages, bash completion, the textfile
// metrics as node_exporter serves them, and the Prometheus rules.
#include "net/http.hpp"
#include "support/background.hpp"
#include "support/policy_keys.hpp"
#include "support/redis_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace qops;
using qops::test::TempDir;

namespace {

const std::vector<std::string> k_tools = {"policy-refresh", "policy-show",       "exit-owner-watch", "audit-log",
                                          "audit-summary",  "ops-ledger-append", "emergency-stop",   "quantum-status"};

// COMPREPLY for the words typed so far (the last one being completed), with the
// completion file sourced as bash-completion does and the built tools first in PATH.
std::string complete(const std::vector<std::string>& words) {
    std::string script = "source " + std::string(QOPS_SOURCE_DIR) + "/ops/completion/quantum-ops.bash; COMP_WORDS=(";
    for (const auto& w : words)
        script += "'" + w + "' ";
    script += "); COMP_CWORD=" + std::to_string(words.size() - 1) + "; _quantum_ops_complete; echo \"${COMPREPLY[*]}\"";
    test::RunOptions o;
    o.env["PATH"] = std::string(QOPS_BIN_DIR) + ":/usr/bin:/bin";
    auto r = test::run({"bash", "-c", script}, o);
    REQUIRE(r.exit_code == 0);
    return r.out.substr(0, r.out.find_last_not_of('\n') + 1);
}

} // namespace

TEST_CASE("man pages: every tool's page and quantum-ops(8) render with man -l without warnings") {
    std::vector<std::string> pages;
    for (const auto& tool : k_tools)
        pages.push_back(std::string(QOPS_BUILD_DIR) + "/ops/man/" + tool + ".1");
    pages.push_back(std::string(QOPS_SOURCE_DIR) + "/ops/man/quantum-ops.8");
    for (const auto& page : pages) {
        INFO(page);
        REQUIRE(std::filesystem::exists(page));
        test::RunOptions o;
        o.env["MANWIDTH"] = "80";
        auto r = test::run({"man", "--warnings", "-l", page}, o);
        CHECK(r.exit_code == 0);
        CHECK(r.err.empty());
        CHECK_THAT(r.out, Catch::Contains("NAME"));
    }
    SECTION("a tool's page carries its options, exit codes and runbook") {
        test::RunOptions o;
        o.env["MANWIDTH"] = "200";
        auto r = test::run({"man", "-l", std::string(QOPS_BUILD_DIR) + "/ops/man/policy-refresh.1"}, o);
        CHECK_THAT(r.out, Catch::Contains("--generator-timeout"));
        CHECK_THAT(r.out, Catch::Contains("usage error or invalid input"));
        CHECK_THAT(r.out, Catch::Contains("/usr/share/doc/quantum-ops/runbooks/policy-refresh.md"));
    }
}

TEST_CASE("completion: flags and subcommands of every tool, from its own --help") {
    for (const auto& tool : k_tools) {
        INFO(tool);
        const std::string all = complete({tool, "--"});
        CHECK_THAT(all, Catch::Contains("--help"));
        CHECK_THAT(all, Catch::Contains("--metrics-dir"));
    }
    CHECK(complete({"policy-refresh", "--gen"}) == "--generator --generator-timeout");
    CHECK(complete({"audit-log", "ve"}) == "verifier-key verify");
    CHECK(complete({"audit-log", "che"}) == "checkpoint");
    CHECK(complete({"emergency-stop", ""}).find("trip") != std::string::npos);
    // After a subcommand, that subcommand's flags.
    CHECK_THAT(complete({"emergency-stop", "trip", "--re"}), Catch::Contains("--reason"));
    SECTION("a path follows --policy") {
        TempDir tmp;
        const std::string file = tmp.file("policy-x.json");
        std::ofstream(file) << "{}";
        CHECK(complete({"policy-refresh", "--policy", tmp.path() + "/policy-"}) == file);
    }
}

TEST_CASE("metrics: node_exporter serves the tools' textfile metrics") {
    test::RedisServer redis;
    TempDir metrics;
    const test::PolicyKeys keys; // the policy tools sign and verify
    test::RunOptions o = keys.env();
    o.env["QUANTUM_METRICS_DIR"] = metrics.path();
    o.env["QUANTUM_REDIS_URL"] = redis.url();
    REQUIRE(test::run({"policy-refresh", "--policy", std::string(QOPS_SOURCE_DIR) + "/ops/policy.sample.json"}, o)
                .exit_code == 0);
    REQUIRE(test::run({"policy-show"}, o).exit_code == 0);
    REQUIRE(std::filesystem::exists(metrics.file("policy-refresh.prom")));

    const int port = test::free_port();
    test::Background exporter({"prometheus-node-exporter", "--web.listen-address=127.0.0.1:" + std::to_string(port),
                               "--collector.disable-defaults", "--collector.textfile",
                               "--collector.textfile.directory=" + metrics.path()},
                              metrics.file("exporter.log"));
    REQUIRE(test::wait_for_port(port, 10000));
    auto page = net::get("http://127.0.0.1:" + std::to_string(port) + "/metrics", std::chrono::seconds(5), 4 << 20);
    REQUIRE(page.ok());
    REQUIRE(page->status == 200);
    const std::string& body = page->body;
    CHECK_THAT(body, Catch::Contains("quantum_job_last_success_timestamp_seconds{job=\"policy-refresh\"}"));
    CHECK_THAT(body, Catch::Contains("quantum_job_exit_code{job=\"policy-refresh\"} 0"));
    CHECK_THAT(body, Catch::Contains("quantum_policy_valid_until_timestamp_seconds{job=\"policy-refresh\"}"));
    CHECK_THAT(body, Catch::Contains("quantum_job_exit_code{job=\"policy-show\"} 0"));
    // node_exporter reports files it could not parse; ours all parse.
    CHECK_THAT(body, Catch::Contains("node_textfile_scrape_error 0"));
}

TEST_CASE("prometheus rules: promtool accepts them and its rule tests raise the alerts") {
    const std::string dir = std::string(QOPS_SOURCE_DIR) + "/ops/prometheus";
    auto check = test::run({"promtool", "check", "rules", dir + "/quantum-ops.rules.yml"});
    INFO(check.out << check.err);
    CHECK(check.exit_code == 0);
    test::RunOptions o;
    o.cwd = dir;
    auto unit = test::run({"promtool", "test", "rules", "quantum-ops.rules.test.yml"}, o);
    INFO(unit.out << unit.err);
    CHECK(unit.exit_code == 0);
}
