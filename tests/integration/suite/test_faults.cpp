// Injected faults for every tool that talks to Redis or writes state: Redis stopped,
// paused (SIGSTOP) and killed while a tool waits on it; read-only state and log
// directories. Each run must end in bounded time with the documented exit code and leave
// the state it had. (policy-refresh's own cases are in tests/policy/test_refresh.cpp; a
// full disk in tests/ledger and tests/audit; a rotated or vacuumed journal and entries
// stamped before the checkpoint in tests/journal.)
#include "support/checkpoint_keys.hpp"
#include "support/journal_fixture.hpp"
#include "support/policy_keys.hpp"
#include "support/redis_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include "support/skip.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

using namespace qops;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto k_bound = std::chrono::seconds(5); // the tools' Redis timeout is 500 ms here

std::string sample_policy() {
    return std::string(QOPS_SOURCE_DIR) + "/ops/policy.sample.json";
}

// The audit log and the ledger sign their checkpoints and verify them with one key.
test::RunOptions signed_env() {
    static const test::CheckpointKeys keys;
    return keys.env();
}

test::RunOptions against(const test::RedisServer& redis) {
    static const test::PolicyKeys keys; // the policy tools sign and verify
    test::RunOptions o = signed_env();
    keys.add_to(o);
    o.env["QUANTUM_REDIS_URL"] = redis.url();
    o.env["QUANTUM_REDIS_TIMEOUT_MS"] = "500";
    return o;
}

// The dedup_key of every alert in the stream, oldest first.
std::vector<std::string> dedup_keys(const test::RedisServer& redis) {
    std::vector<std::string> keys;
    auto all = redis.cmd({"XRANGE", "quantum:stream:alerts", "-", "+"});
    for (size_t i = 0; i < all.size(); ++i) {
        auto fields = all.element(i).element(1);
        for (size_t f = 0; f + 1 < fields.size(); f += 2)
            if (fields.element(f).str() == "dedup_key") keys.emplace_back(fields.element(f + 1).str());
    }
    return keys;
}

// Detaches a mount made by the test when it ends.
struct Unmount {
    std::string dir;
    ~Unmount() { (void)std::system(("umount -l " + dir).c_str()); }
};

enum class Fault { stopped, paused, killed_while_waiting };

// Applies the fault; for killed_while_waiting the server is paused now and killed 300 ms
// later, while the tool is blocked on it.
void inject(test::RedisServer& redis, Fault f, std::thread& killer) {
    switch (f) {
    case Fault::stopped:
        redis.stop();
        break;
    case Fault::paused:
        redis.pause();
        break;
    case Fault::killed_while_waiting:
        redis.pause();
        killer = std::thread([&redis] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            ::kill(redis.pid(), SIGKILL);
        });
        break;
    }
}

void recover(test::RedisServer& redis, Fault f, std::thread& killer) {
    if (killer.joinable()) killer.join();
    if (f == Fault::paused)
        redis.resume();
    else if (f == Fault::killed_while_waiting)
        redis.kill9(), redis.start();
    else
        redis.start();
}

const char* name(Fault f) {
    return f == Fault::stopped ? "stopped" : f == Fault::paused ? "paused" : "killed while the tool waits";
}

} // namespace

TEST_CASE("faults: policy-show with Redis stopped, paused or killed is exit 3 in bounded time, never a fallback") {
    test::RedisServer redis({true, {}});
    REQUIRE(test::run({"policy-refresh", "--policy", sample_policy()}, against(redis)).exit_code == 0);
    for (const auto f : {Fault::stopped, Fault::paused, Fault::killed_while_waiting}) {
        INFO(name(f));
        std::thread killer;
        inject(redis, f, killer);
        const auto t0 = Clock::now();
        auto r = test::run({"policy-show"}, against(redis));
        CHECK(Clock::now() - t0 < k_bound);
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains("Redis", Catch::CaseSensitive::No));
        CHECK(r.out.empty()); // nothing that could be taken for a policy
        recover(redis, f, killer);
        CHECK(test::run({"policy-show"}, against(redis)).exit_code == 0); // the stored policy survived
    }
}

TEST_CASE("faults: exit-owner-watch with Redis stopped, paused or killed keeps its checkpoint and alerts later") {
    test::RedisServer redis({true, {}});
    test::TempDir dir;
    const std::string journal = test::one_deny_journal(dir.path());
    const std::string state = dir.path() + "/state";
    std::filesystem::create_directories(state); // systemd's StateDirectory= in production
    for (const auto f : {Fault::stopped, Fault::paused, Fault::killed_while_waiting}) {
        INFO(name(f));
        std::thread killer;
        inject(redis, f, killer);
        const auto t0 = Clock::now();
        auto r = test::run({"exit-owner-watch", "--journal-dir", journal, "--state-dir", state}, against(redis));
        CHECK(Clock::now() - t0 < k_bound);
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains("Redis", Catch::CaseSensitive::No));
        recover(redis, f, killer);
    }
    // The checkpoint never moved: the next run alerts the DENY line. A paused Redis may
    // still execute the XADD the tool gave up on when it resumes, so the stream can hold
    // that batch twice: with the same dedup_key, which is what tells the copy downstream.
    auto r = test::run({"exit-owner-watch", "--journal-dir", journal, "--state-dir", state}, against(redis));
    INFO(r.err);
    CHECK(r.exit_code == 1);
    const auto keys = dedup_keys(redis);
    REQUIRE_FALSE(keys.empty());
    for (const auto& k : keys)
        CHECK(k == keys.front());
    // And once the checkpoint moved, nothing is alerted again.
    CHECK(test::run({"exit-owner-watch", "--journal-dir", journal, "--state-dir", state}, against(redis)).exit_code ==
          0);
    CHECK(dedup_keys(redis).size() == keys.size());
}

TEST_CASE("faults: ops-ledger-append records a Redis snapshot as FAILED in bounded time and still appends") {
    test::RedisServer redis;
    test::TempDir dir;
    const std::string ledger = dir.write("OPS_CHANGELOG.md", "# Operations Changelog\n");
    for (const auto f : {Fault::stopped, Fault::paused, Fault::killed_while_waiting}) {
        INFO(name(f));
        std::thread killer;
        inject(redis, f, killer);
        const auto t0 = Clock::now();
        auto r = test::run({"ops-ledger-append", "--ledger", ledger, "--name", "fault", "--risk-class",
                            "LOW_RISK_CONFIG", "--blast-radius", "none", "--summary", name(f), "--outcome", "SUCCESS",
                            "--redis-snapshot", "XLEN quantum:stream:alerts"},
                           against(redis));
        CHECK(Clock::now() - t0 < k_bound);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("recorded as FAILED"));
        recover(redis, f, killer);
    }
    auto v = test::run({"ops-ledger-append", "--ledger", ledger, "--verify"}, signed_env());
    CHECK(v.exit_code == 0);
    CHECK_THAT(v.err + v.out, Catch::Contains("3 entries"));
}

TEST_CASE("faults: read-only state and log directories are exit 3 with nothing lost or half-written") {
    if (::geteuid() == 0) {
        // root ignores directory permissions; a read-only bind mount would be needed.
        test::TempDir dir;
        const std::string ro = dir.path() + "/ro";
        std::filesystem::create_directories(ro + "/state"); // exists, as StateDirectory= makes it
        if (std::system(("mount --bind " + ro + " " + ro + " && mount -o remount,bind,ro " + ro).c_str()) != 0) {
            QOPS_SKIP("cannot make a read-only bind mount here: case not exercised");
        }
        const Unmount unmount{ro};
        test::RedisServer redis;
        SECTION("exit-owner-watch: no state directory to keep the checkpoint, so no alert either") {
            auto r = test::run(
                {"exit-owner-watch", "--journal-dir", test::one_deny_journal(dir.path()), "--state-dir", ro + "/state"},
                against(redis));
            INFO(r.err);
            CHECK(r.exit_code == 3);
            // No alert without a checkpoint to record it: the next run alerts it once.
            CHECK(redis.cmd({"XLEN", "quantum:stream:alerts"}).integer() == 0);
        }
        SECTION("audit-log: an append to a read-only log directory") {
            auto r = test::run({"audit-log", "--log", ro + "/audit.log", "append", "entry"}, signed_env());
            INFO(r.err);
            CHECK(r.exit_code == 3);
            CHECK_FALSE(std::filesystem::exists(ro + "/audit.log"));
        }
        SECTION("metrics: a read-only metrics directory is a WARN, the run's result stands") {
            auto o = against(redis);
            o.env["QUANTUM_METRICS_DIR"] = ro;
            auto r = test::run({"policy-refresh", "--policy", sample_policy()}, o);
            INFO(r.err);
            CHECK(r.exit_code == 0);
            CHECK_THAT(r.err, Catch::Contains("WARN"));
        }
    } else {
        WARN("not root: the read-only cases need a read-only bind mount");
    }
}

TEST_CASE("load: 64 concurrent writers on the audit log and on the ledger, and both chains verify") {
    test::TempDir dir;
    constexpr int k_writers = 64;
    SECTION("audit log: 64 processes x 20 entries") {
        const std::string log = dir.file("audit.log");
        std::vector<std::thread> ts;
        std::vector<int> codes(k_writers, -1);
        for (int i = 0; i < k_writers; ++i)
            ts.emplace_back([&, i] {
                std::vector<std::string> argv{"audit-log", "--log", log, "append"};
                for (int k = 0; k < 20; ++k)
                    argv.push_back("writer " + std::to_string(i) + " entry " + std::to_string(k));
                codes[static_cast<size_t>(i)] = test::run(argv, signed_env()).exit_code;
            });
        for (auto& t : ts)
            t.join();
        for (int c : codes)
            CHECK(c == 0);
        auto stats = test::run({"audit-log", "--log", log, "stats", "--json"});
        CHECK_THAT(stats.out, Catch::Contains("\"total\":1280"));
        auto v = test::run({"audit-log", "--log", log, "verify"}, signed_env());
        INFO(v.err);
        CHECK(v.exit_code == 0);
    }
    SECTION("ledger: 64 processes, one entry each") {
        const std::string ledger = dir.write("OPS_CHANGELOG.md", "# Operations Changelog\n");
        std::vector<std::thread> ts;
        std::vector<int> codes(k_writers, -1);
        for (int i = 0; i < k_writers; ++i)
            ts.emplace_back([&, i] {
                codes[static_cast<size_t>(i)] =
                    test::run({"ops-ledger-append", "--ledger", ledger, "--name", "load " + std::to_string(i),
                               "--risk-class", "LOW_RISK_CONFIG", "--blast-radius", "none", "--summary", "load",
                               "--outcome", "SUCCESS"},
                              signed_env())
                        .exit_code;
            });
        for (auto& t : ts)
            t.join();
        for (int c : codes)
            CHECK(c == 0);
        auto v = test::run({"ops-ledger-append", "--ledger", ledger, "--verify"}, signed_env());
        INFO(v.err);
        CHECK(v.exit_code == 0);
        CHECK_THAT(v.err + v.out, Catch::Contains("64 entries, 64 chained and intact"));
        // The checkpoint after the last append names every entry.
        auto cp = test::run({"ops-ledger-append", "--ledger", ledger, "--checkpoint"}, signed_env());
        CHECK(cp.exit_code == 0);
        CHECK_THAT(cp.out, Catch::Contains("\n64\n"));
    }
}

TEST_CASE("faults: a full disk under the audit log is exit 3 and leaves a log that verifies") {
    test::TempDir dir;
    const std::string small = dir.path() + "/small";
    std::filesystem::create_directories(small);
    if (std::system(("mount -t tmpfs -o size=16k tmpfs " + small + " 2>/dev/null").c_str()) != 0) {
        QOPS_SKIP("cannot mount a tmpfs here (not root?): the full-disk case is not exercised");
    }
    const Unmount unmount{small};
    const std::string log = small + "/audit.log";
    int last = 0;
    int appended = 0;
    for (int i = 0; i < 400 && last == 0; ++i) {
        last = test::run({"audit-log", "--log", log, "append", std::string(200, 'x') + " " + std::to_string(i)},
                         signed_env())
                   .exit_code;
        if (last == 0) ++appended;
    }
    CHECK(last == 3);
    CHECK(appended > 0);
    auto v = test::run({"audit-log", "--log", log, "verify", "--json"}, signed_env());
    INFO(v.out << v.err);
    // No partial line: what is there is whole and chained. The refused entry may be there
    // as a whole line that its checkpoint did not fit after: named, as no signature covers it.
    if (v.exit_code != 0) {
        CHECK(v.exit_code == 4);
        const auto problems = nlohmann::json::parse(v.out).at("problems");
        REQUIRE(problems.size() == 1);
        CHECK(problems[0].at("kind") == "uncovered");
        CHECK(problems[0].at("line") == appended + 1);
    }
    // Every acknowledged entry is there; the refused one at most as a whole line.
    auto stats = test::run({"audit-log", "--log", log, "stats", "--json"});
    const bool counted = stats.out.find("\"total\":" + std::to_string(appended) + "}") != std::string::npos ||
                         stats.out.find("\"total\":" + std::to_string(appended + 1) + "}") != std::string::npos;
    INFO(stats.out);
    CHECK(counted);
}
