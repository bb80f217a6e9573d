// exit-owner-watch with QUANTUM_REDIS_MIN_REPLICAS=1 behind Redis Sentinel: the master
// dies right after the alert's XADD, before its replica has it. The alert must end up on
// the promoted replica, re-sent with the same dedup_key: never lost.
#include "support/journal_fixture.hpp"
#include "support/redis_server.hpp"
#include "support/run.hpp"
#include "support/sentinel.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

using namespace qops;

namespace {

constexpr const char* k_master_name = test::k_sentinel_master_name;
constexpr const char* k_stream = "quantum:stream:alerts";

// The dedup_key of each alert in the stream of server, oldest first.
std::vector<std::string> dedup_keys(const test::RedisServer& server) {
    std::vector<std::string> keys;
    auto entries = server.cmd({"XRANGE", k_stream, "-", "+"});
    for (size_t i = 0; i < entries.size(); ++i) {
        auto fields = entries.element(i).element(1);
        for (size_t f = 0; f + 1 < fields.size(); f += 2)
            if (fields.element(f).str() == "dedup_key") keys.emplace_back(fields.element(f + 1).str());
    }
    return keys;
}

} // namespace

TEST_CASE("exit-owner-watch sentinel: master killed right after the XADD, the alert reaches the promoted replica") {
    test::RedisServer master;
    test::RedisServer replica({false, {"replicaof 127.0.0.1 " + std::to_string(master.port())}});
    REQUIRE(test::eventually(
        [&] {
            return replica.cmd({"INFO", "replication"}).str().find("master_link_status:up") != std::string::npos;
        },
        std::chrono::seconds(10)));
    test::TempDir dir;
    test::Sentinel s1(dir, 1, master.port()), s2(dir, 2, master.port()), s3(dir, 3, master.port());
    REQUIRE(test::eventually([&] { return test::reported_master_port(s1.port()) == master.port(); },
                             std::chrono::seconds(10)));

    test::RunOptions o;
    o.env["QUANTUM_REDIS_URL"] = "sentinel://127.0.0.1:" + std::to_string(s1.port()) +
                                 ",127.0.0.1:" + std::to_string(s2.port()) + ",127.0.0.1:" + std::to_string(s3.port()) +
                                 "/" + k_master_name;
    o.env["QUANTUM_REDIS_MIN_REPLICAS"] = "1";
    o.env["QUANTUM_REDIS_TIMEOUT_MS"] = "3000";
    o.unset_env = {"JOURNAL_STREAM", "QUANTUM_METRICS_DIR", "STATE_DIRECTORY"};
    const std::string journal = test::one_deny_journal(dir.path());
    const std::string state = dir.path() + "/state";
    std::filesystem::create_directories(state);
    const std::vector<std::string> watch{"exit-owner-watch", "--journal-dir", journal, "--state-dir", state};

    // The replica cannot acknowledge (stopped), so the alert is only in the master's
    // memory when the master dies.
    replica.pause();
    test::RunResult during;
    std::thread run_it([&] { during = test::run(watch, o); });
    const bool xadded = test::eventually(
        [&] {
            return master.cmd({"XLEN", k_stream}).integer() == 1;
        },
        std::chrono::seconds(10));
    const auto lost_keys = xadded ? dedup_keys(master) : std::vector<std::string>{};
    master.kill9();
    run_it.join();
    replica.resume();
    REQUIRE(xadded);
    INFO(during.err);
    CHECK(during.exit_code == 3);
    CHECK(during.err.find("checkpoint not moved") != std::string::npos);

    REQUIRE(test::eventually([&] { return test::reported_master_port(s1.port()) == replica.port(); },
                             std::chrono::seconds(30)));
    REQUIRE(
        test::eventually([&] { return replica.cmd({"ROLE"}).element(0).str() == "master"; }, std::chrono::seconds(10)));

    // The promoted replica has no replica of its own: the re-send is acknowledged by none.
    o.env["QUANTUM_REDIS_MIN_REPLICAS"] = "0";
    auto after = test::run(watch, o);
    INFO(after.err);
    CHECK(after.exit_code == 1);
    // The replica may also have applied the first XADD from its socket buffer once it
    // ran again: then the stream holds the batch twice, with one dedup_key.
    const auto keys = dedup_keys(replica);
    REQUIRE(lost_keys.size() == 1);
    REQUIRE_FALSE(keys.empty());
    CHECK(keys.size() <= 2);
    for (const auto& k : keys)
        CHECK(k == lost_keys[0]);
    CHECK(test::run(watch, o).exit_code == 0);
    CHECK(dedup_keys(replica).size() == keys.size());
}

TEST_CASE("exit-owner-watch replicas: with the replica acknowledging, the alert survives the master's death") {
    test::RedisServer master;
    test::RedisServer replica({false, {"replicaof 127.0.0.1 " + std::to_string(master.port())}});
    REQUIRE(test::eventually(
        [&] {
            return replica.cmd({"INFO", "replication"}).str().find("master_link_status:up") != std::string::npos;
        },
        std::chrono::seconds(10)));
    test::TempDir dir;
    test::RunOptions o;
    o.env["QUANTUM_REDIS_MIN_REPLICAS"] = "1";
    o.unset_env = {"JOURNAL_STREAM", "QUANTUM_METRICS_DIR", "STATE_DIRECTORY"};
    const std::string journal = test::one_deny_journal(dir.path());
    auto r = test::run(
        {"exit-owner-watch", "--journal-dir", journal, "--state-dir", dir.path(), "--redis", master.url()}, o);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    // WAIT returned 1: the replica had it before the tool moved its checkpoint.
    master.kill9();
    CHECK(replica.cmd({"XLEN", k_stream}).integer() == 1);
}
