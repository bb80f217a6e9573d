// Redis Sentinel failover with real servers: a master, a replica and three redis-sentinel
// processes on loopback. The tools follow the master through sentinel:// URLs.
#include "support/journal_fixture.hpp"
#include "support/policy_keys.hpp"
#include "support/redis_server.hpp"
#include "support/run.hpp"
#include "support/sentinel.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

using namespace qops;

namespace {

constexpr const char* k_master_name = test::k_sentinel_master_name;

} // namespace

TEST_CASE("sentinel failover: policy-refresh and exit-owner-watch follow the promoted replica, no policy lost") {
    test::RedisServer master;
    test::RedisServer replica({false, {"replicaof 127.0.0.1 " + std::to_string(master.port())}});
    REQUIRE(test::eventually(
        [&] {
            return replica.cmd({"INFO", "replication"}).str().find("master_link_status:up") != std::string::npos;
        },
        std::chrono::seconds(10)));
    test::TempDir dir;
    test::Sentinel s1(dir, 1, master.port()), s2(dir, 2, master.port()), s3(dir, 3, master.port());
    const std::string url = "sentinel://127.0.0.1:" + std::to_string(s1.port()) +
                            ",127.0.0.1:" + std::to_string(s2.port()) + ",127.0.0.1:" + std::to_string(s3.port()) +
                            "/" + k_master_name;
    REQUIRE(test::eventually([&] { return test::reported_master_port(s1.port()) == master.port(); },
                             std::chrono::seconds(10)));

    const test::PolicyKeys keys;
    test::RunOptions o = keys.env();
    o.env["QUANTUM_REDIS_URL"] = url;
    const std::string policy = std::string(QOPS_SOURCE_DIR) + "/ops/policy.sample.json";
    auto first = test::run({"policy-refresh", "--policy", policy}, o);
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    const std::string hash(master.cmd({"HGET", "quantum:policy:current", "policy_hash"}).str());
    REQUIRE(hash.size() == 64);
    // Replication is asynchronous: the policy is on the replica before the master dies.
    REQUIRE(test::eventually(
        [&] {
            return replica.cmd({"HGET", "quantum:policy:current", "policy_hash"}).str() == hash;
        },
        std::chrono::seconds(5)));

    master.kill9();
    const auto killed = std::chrono::steady_clock::now();
    REQUIRE(test::eventually([&] { return test::reported_master_port(s1.port()) == replica.port(); },
                             std::chrono::seconds(30)));
    const auto failover_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed).count();
    WARN("failover took " << failover_ms << " ms");
    REQUIRE(
        test::eventually([&] { return replica.cmd({"ROLE"}).element(0).str() == "master"; }, std::chrono::seconds(10)));

    // The policy stored before the failover is still there, and valid.
    auto show = test::run({"policy-show", "--json"}, o);
    INFO(show.err);
    CHECK(show.exit_code == 0);
    CHECK(replica.cmd({"HGET", "quantum:policy:current", "policy_hash"}).str() == hash);

    // New writes go to the promoted replica.
    auto second = test::run({"policy-refresh", "--policy", policy}, o);
    INFO(second.err);
    CHECK(second.exit_code == 0);
    CHECK(replica.cmd({"XLEN", "quantum:stream:policy.audit"}).integer() >= 2);

    // exit-owner-watch stores its alert there too.
    const std::string jdir = test::one_deny_journal(dir.path());
    auto watch = test::run({"exit-owner-watch", "--no-state", "--window", "10min", "--journal-dir", jdir}, o);
    INFO(watch.err);
    CHECK(watch.exit_code == 1);
    CHECK(replica.cmd({"XLEN", "quantum:stream:alerts"}).integer() == 1);
}
