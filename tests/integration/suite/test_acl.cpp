// Least privilege on Redis: ops/redis/quantum-ops.acl gives each tool a user allowed only
// the commands and keys it uses. Every tool runs here with its own user against a real
// redis-server loaded with that file; a tool that needs more fails these tests.
#include "crypto/sha256.hpp"
#include "support/journal_fixture.hpp"
#include "support/policy_keys.hpp"
#include "support/redis_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace qops;

namespace {

constexpr const char* k_password = "acl-test-password-7f3a";

// The shipped ACL file with a password hash on every tool user. The default user stays
// open here only for the fixture's own checks (the shipped file turns it off).
std::string acl_file(const test::TempDir& dir) {
    std::ifstream in(std::string(QOPS_SOURCE_DIR) + "/ops/redis/quantum-ops.acl");
    REQUIRE(in);
    std::ostringstream out;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("#", 0) == 0 || line.empty()) continue;
        if (line == "user default off")
            line = "user default on nopass ~* &* +@all";
        else
            line += " #" + crypto::sha256_hex(k_password);
        out << line << "\n";
    }
    return dir.write("users.acl", out.str());
}

struct AclRedis {
    test::TempDir dir;
    test::RedisServer redis{{false, {"aclfile " + acl_file(dir)}}};
    std::string password_file = dir.write("password", k_password);
    test::PolicyKeys keys; // the policy tools sign and verify

    test::RunOptions as(const std::string& user) const {
        test::RunOptions o = keys.env();
        o.env["QUANTUM_REDIS_URL"] = "redis://" + user + "@127.0.0.1:" + std::to_string(redis.port()) + "/0";
        o.env["QUANTUM_REDIS_PASSWORD_FILE"] = password_file;
        return o;
    }
};

} // namespace

TEST_CASE("redis acl: each tool works with only its own user's rights") {
    AclRedis acl;
    const std::string policy = std::string(QOPS_SOURCE_DIR) + "/ops/policy.sample.json";

    auto refresh = test::run({"policy-refresh", "--policy", policy}, acl.as("policy-refresh"));
    INFO(refresh.err);
    REQUIRE(refresh.exit_code == 0);
    CHECK(acl.redis.cmd({"XLEN", "quantum:stream:policy.audit"}).integer() == 1);

    // A lock held by another host: the run reads the holder (GET, PTTL) and skips.
    acl.redis.cmd({"SET", "quantum:lock:policy-refresh", "other-host", "PX", "60000"});
    auto skipped = test::run({"policy-refresh", "--policy", policy}, acl.as("policy-refresh"));
    INFO(skipped.err);
    CHECK(skipped.exit_code == 0);
    CHECK_THAT(skipped.err, Catch::Contains("lock"));
    acl.redis.cmd({"DEL", "quantum:lock:policy-refresh"});

    auto show = test::run({"policy-show"}, acl.as("policy-show"));
    INFO(show.err);
    CHECK(show.exit_code == 0);

    test::TempDir work;
    auto watch = test::run(
        {"exit-owner-watch", "--no-state", "--window", "10min", "--journal-dir", test::one_deny_journal(work.path())},
        acl.as("exit-owner-watch"));
    INFO(watch.err);
    CHECK(watch.exit_code == 1);
    CHECK(acl.redis.cmd({"XLEN", "quantum:stream:alerts"}).integer() == 1);

    const std::string ledger = work.write("OPS_CHANGELOG.md", "# Operations Changelog\n");
    auto append =
        test::run({"ops-ledger-append", "--ledger", ledger, "--name", "ACL check", "--risk-class", "LOW_RISK_CONFIG",
                   "--blast-radius", "none", "--summary", "snapshot", "--outcome", "SUCCESS", "--redis-snapshot",
                   "HGET quantum:policy:current policy_version", "--redis-snapshot", "XLEN quantum:stream:alerts"},
                  acl.as("ops-ledger-append"));
    INFO(append.err);
    CHECK(append.exit_code == 0);
    CHECK_THAT(test::slurp(ledger), Catch::Contains("1.0.0-ai-sample"));
    CHECK_THAT(test::slurp(ledger), !Catch::Contains("FAILED"));

    // The password came from a file; no output, log line or written file repeats it.
    for (const auto* r : {&refresh, &skipped, &show, &watch, &append}) {
        CHECK_THAT(r->out + r->err, !Catch::Contains(k_password));
    }
    CHECK_THAT(test::slurp(ledger), !Catch::Contains(k_password));
}

TEST_CASE("redis acl: a wrong password is exit 3 and is not repeated in the error") {
    AclRedis acl;
    test::RunOptions o = acl.as("policy-show");
    o.env["QUANTUM_REDIS_PASSWORD_FILE"] = acl.dir.write("wrong", "wrong-secret-5d1c");
    auto r = test::run({"policy-show"}, o);
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err, !Catch::Contains("wrong-secret-5d1c"));
    CHECK_THAT(r.err, !Catch::Contains(k_password));
}

TEST_CASE("redis acl: a user cannot do another tool's work") {
    AclRedis acl;
    const std::string policy = std::string(QOPS_SOURCE_DIR) + "/ops/policy.sample.json";
    SECTION("policy-show's user cannot store a policy") {
        auto r = test::run({"policy-refresh", "--policy", policy}, acl.as("policy-show"));
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains("NOPERM"));
        CHECK(acl.redis.cmd({"EXISTS", "quantum:policy:current"}).integer() == 0);
    }
    SECTION("exit-owner-watch's user cannot read the policy") {
        REQUIRE(test::run({"policy-refresh", "--policy", policy}, acl.as("policy-refresh")).exit_code == 0);
        auto r = test::run({"policy-show"}, acl.as("exit-owner-watch"));
        CHECK(r.exit_code != 0);
    }
    SECTION("the ledger's user cannot write") {
        test::TempDir work;
        const std::string ledger = work.write("L.md", "# Operations Changelog\n");
        auto r = test::run({"ops-ledger-append", "--ledger", ledger, "--name", "x", "--risk-class", "LOW_RISK_CONFIG",
                            "--blast-radius", "none", "--summary", "s", "--outcome", "SUCCESS", "--redis-snapshot",
                            "SET quantum:policy:current x"},
                           acl.as("ops-ledger-append"));
        CHECK(r.exit_code == 0); // a failed snapshot is recorded, not fatal
        CHECK_THAT(test::slurp(ledger), Catch::Contains("FAILED"));
        CHECK(acl.redis.cmd({"EXISTS", "quantum:policy:current"}).integer() == 0);
    }
}
