// policy-refresh and policy-show as whole processes against a real redis-server.

#include "base/time.hpp"
#include "crypto/sha256.hpp"
#include "policy/document.hpp"
#include "policy/store.hpp"
#include "support/policy_keys.hpp"
#include "support/redis_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

using namespace qops;
using namespace qops::test;

namespace {

std::string sample_path() {
    return std::string(QOPS_SOURCE_DIR) + "/ops/policy.sample.json";
}

std::string policy_text(const std::string& version, int universe_size = 10) {
    nlohmann::json universe = nlohmann::json::array();
    for (int i = 0; i < universe_size; ++i)
        universe.push_back("SYM" + std::to_string(i) + "USDT");
    return nlohmann::json{{"policy_version", version},
                          {"universe", universe},
                          {"leverage", {{"min", 6.0}, {"max", 15.0}}},
                          {"exit_owner", "exitbrain_v3_5"}}
        .dump();
}

std::map<std::string, std::string> hgetall(const RedisServer& redis) {
    auto c = redis.client();
    auto f = policy::read_fields(c);
    REQUIRE(f.ok());
    return *f;
}

RunResult refresh(const RedisServer& redis, const PolicyKeys& keys, std::vector<std::string> args,
                  RunOptions opts = {}) {
    std::vector<std::string> argv{"policy-refresh", "--redis", redis.url()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, keys.add_to(opts));
}

RunResult show(const RedisServer& redis, const PolicyKeys& keys, std::vector<std::string> args = {}) {
    std::vector<std::string> argv{"policy-show", "--redis", redis.url()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, keys.env());
}

policy::ReaderConfig trusting(const PolicyKeys& keys) {
    return {{keys.verifier_key()}, {}};
}

// Stores sealed (signed with keys) as policy-refresh would, holding the lock.
void store(const RedisServer& redis, const PolicyKeys& keys, policy::Sealed sealed) {
    auto c = redis.client();
    policy::sign(sealed, keys.key());
    auto attempt = policy::RefreshLock::acquire(c, std::chrono::seconds(10));
    REQUIRE(attempt.ok());
    REQUIRE(attempt->lock);
    auto saved = policy::save(c, sealed, attempt->lock->token());
    REQUIRE(saved.ok());
    REQUIRE(*saved == policy::SaveOutcome::saved);
    REQUIRE(attempt->lock->release(c).ok());
}

} // namespace

TEST_CASE("policy-refresh: stores the policy with hash = SHA-256 of policy_json") {
    RedisServer redis;
    PolicyKeys keys;
    TempDir tmp;
    auto r = refresh(redis, keys, {"--policy", sample_path(), "--metrics-dir", tmp.path()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("[POLICY-REFRESH] OK: Policy validated: version=1.0.0-ai-sample"));
    CHECK_THAT(r.err, Catch::Contains("OK: Policy universe: 10 symbols"));

    auto f = hgetall(redis);
    for (const auto& name : policy::required_fields())
        CHECK(f.count(name) == 1);
    CHECK(f.at("policy_hash") == crypto::sha256_hex(f.at("policy_json")));
    CHECK(f.at("universe_count") == "10");
    CHECK(f.at("leverage_range") == "6.0x-15.0x");
    CHECK(f.at("exit_owner") == "exitbrain_v3_5");
    const auto j = nlohmann::json::parse(f.at("policy_json"));
    CHECK(j.at("valid_until_epoch").get<int64_t>() == std::stoll(f.at("valid_until_epoch")));
    CHECK(std::stoll(f.at("valid_until_epoch")) - std::stoll(f.at("created_at_epoch")) == 3600);
    CHECK(j.at("policy_seq").get<int64_t>() == std::stoll(f.at("policy_seq")));
    CHECK(f.at("policy_note")
              .starts_with("quantum-ops/policy\n" + f.at("policy_seq") + "\n" + f.at("policy_hash") +
                           "\n\n\xE2\x80\x94 quantum-ops/policy "));

    // The key expires with the policy.
    auto ttl = redis.cmd({"TTL", policy::k_policy_key});
    CHECK(ttl.integer() > 3500);
    CHECK(ttl.integer() <= 3600);

    // One audit entry with the audit fields.
    auto audit = redis.cmd({"XRANGE", policy::k_audit_stream, "-", "+"});
    REQUIRE(audit.size() == 1);
    auto entry = audit.element(0).element(1);
    std::map<std::string, std::string> af;
    for (size_t i = 0; i + 1 < entry.size(); i += 2)
        af[std::string(entry.element(i).str())] = entry.element(i + 1).str();
    CHECK(af.size() == 7);
    CHECK(af.at("policy_hash") == f.at("policy_hash"));
    CHECK(af.at("leverage_range") == "6.0x-15.0x");
    CHECK(af.at("generator") == "generate_sample_policy");

    // Metrics for node_exporter.
    const std::string prom = slurp(tmp.file("policy-refresh.prom"));
    CHECK_THAT(prom, Catch::Contains("quantum_job_exit_code{job=\"policy-refresh\"} 0"));
    CHECK_THAT(prom, Catch::Contains("quantum_policy_valid_until_timestamp_seconds{job=\"policy-refresh\"} " +
                                     f.at("valid_until_epoch")));

    // And the fail-closed reader accepts it.
    auto s = show(redis, keys, {"--json"});
    CHECK(s.exit_code == 0);
    CHECK(s.out == f.at("policy_json") + "\n");
}

TEST_CASE("policy-refresh: the audit stream is capped near 1000 entries") {
    RedisServer redis;
    PolicyKeys keys;
    auto c = redis.client();
    auto doc = policy::parse_document(policy_text("v-cap"));
    REQUIRE(doc.ok());
    auto sealed = policy::seal(*doc, now_epoch_seconds(), "test");
    for (int i = 0; i < 1300; ++i)
        REQUIRE(policy::publish_audit(c, sealed).ok());
    auto len = redis.cmd({"XLEN", policy::k_audit_stream});
    CHECK(len.integer() >= 1000);
    CHECK(len.integer() < 1300);
}

TEST_CASE("policy-refresh: a reader never sees a mixed or partial hash during 200 concurrent refreshes") {
    RedisServer redis;
    PolicyKeys keys;
    TempDir tmp;
    std::set<std::string> versions;
    std::vector<std::string> files;
    for (int i = 0; i < 200; ++i) {
        const std::string v = "v" + std::to_string(i);
        versions.insert(v);
        files.push_back(tmp.write("p" + std::to_string(i) + ".json", policy_text(v, 1 + i % 40)));
    }
    // A policy exists before the race starts, so an empty read is a torn replace too.
    versions.insert("v-seed");
    {
        auto seed = policy::parse_document(policy_text("v-seed"));
        REQUIRE(seed.ok());
        store(redis, keys, policy::seal(*seed, now_epoch_seconds(), "t"));
    }
    std::atomic<bool> stop{false};
    std::atomic<int> reads{0}, bad{0}, non_empty{0};
    std::string first_bad;
    std::set<std::string> seen; // versions the reader saw (reader thread only until join)
    std::thread reader([&] {
        auto c = redis.client();
        while (!stop) {
            auto f = policy::read_fields(c);
            if (!f) continue;
            ++reads;
            if (f->empty()) {
                if (bad++ == 0) first_bad = "empty hash";
                continue;
            }
            ++non_empty;
            auto v = policy::accept(*f, now_epoch_seconds(), trusting(keys));
            if (v) seen.insert(v->doc.policy_version);
            if (!v || !versions.count(v->doc.policy_version)) {
                if (bad++ == 0) first_bad = v ? v->doc.policy_version : v.error().message;
            }
        }
    });

    {
        std::atomic<int> next{0}, unexpected{0}, saved{0};
        std::vector<std::thread> launchers;
        for (int w = 0; w < 16; ++w)
            launchers.emplace_back([&] {
                for (int i = next++; i < 200; i = next++) {
                    auto r = refresh(redis, keys, {"--policy", files[static_cast<size_t>(i)]});
                    if (r.exit_code != 0) ++unexpected;
                    if (r.err.find("refresh completed successfully") != std::string::npos) ++saved;
                }
            });
        for (auto& t : launchers)
            t.join();
        CHECK(unexpected == 0);
        CHECK(saved > 0); // the rest found the lock held and skipped (exit 0)
    }
    stop = true;
    reader.join();
    INFO("first bad read: " << first_bad);
    CHECK(bad == 0);
    CHECK(non_empty > 0);
    CHECK(seen.size() >= 2); // the reader really raced the writers
    auto final_state = policy::accept(hgetall(redis), now_epoch_seconds(), trusting(keys));
    CHECK(final_state.ok());
}

TEST_CASE("policy-refresh: Redis down or killed leaves the previous policy intact (exit 3)") {
    RedisServer redis(RedisServerOptions{true, {}});
    PolicyKeys keys;
    TempDir tmp;
    REQUIRE(refresh(redis, keys, {"--policy", sample_path()}).exit_code == 0);
    const auto before = hgetall(redis);
    const std::string next = tmp.write("next.json", policy_text("v-next"));

    SECTION("killed before the run") {
        redis.kill9();
        const auto t0 = std::chrono::steady_clock::now();
        auto r = refresh(redis, keys, {"--policy", next});
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains("FAIL"));
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
        redis.start();
    }
    SECTION("killed during the run (after the lock, before the save)") {
        // The generator runs while the lock is held: it kills Redis, then prints a valid document.
        const std::string gen =
            tmp.write("gen.sh", "kill -9 " + std::to_string(redis.pid()) + "; sleep 0.2; cat " + next + "\n");
        auto r = refresh(redis, keys, {"--generator", "sh " + gen});
        INFO(r.err);
        CHECK(r.exit_code == 3);
        redis.kill9(); // reap the killed server
        redis.start();
    }
    SECTION("paused: the command timeout bounds the run") {
        redis.pause();
        const auto t0 = std::chrono::steady_clock::now();
        RunOptions o;
        o.env["QUANTUM_REDIS_TIMEOUT_MS"] = "300";
        auto r = refresh(redis, keys, {"--policy", next}, o);
        CHECK(r.exit_code == 3);
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
        redis.resume();
    }
    // Whatever happened, the previous policy is whole and verifies.
    const auto after = hgetall(redis);
    CHECK(after == before);
    CHECK(policy::verify_fields(after, now_epoch_seconds()).ok());
}

TEST_CASE("policy-refresh: an unavailable audit stream still saves (WARN, exit 0)") {
    RedisServer redis;
    PolicyKeys keys;
    redis.cmd({"SET", policy::k_audit_stream, "not-a-stream"});
    auto r = refresh(redis, keys, {"--policy", sample_path()});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("WARN: Audit entry not written"));
    CHECK_THAT(r.err, Catch::Contains("WRONGTYPE"));
    CHECK(policy::verify_fields(hgetall(redis), now_epoch_seconds()).ok());
}

TEST_CASE("policy-refresh: a lock held by another owner skips the run (INFO, exit 0)") {
    RedisServer redis;
    PolicyKeys keys;
    redis.cmd({"SET", policy::k_lock_key, "other-host:123:abc", "PX", "60000"});
    auto r = refresh(redis, keys, {"--policy", sample_path()});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err,
               Catch::Contains("INFO: Another refresh holds quantum:lock:policy-refresh (owner other-host:123:abc"));
    CHECK(hgetall(redis).empty());
    // The other owner's lock is not released by us.
    CHECK(redis.cmd({"GET", policy::k_lock_key}).str() == "other-host:123:abc");
    // Our own lock is released after a run.
    redis.cmd({"DEL", policy::k_lock_key});
    REQUIRE(refresh(redis, keys, {"--policy", sample_path()}).exit_code == 0);
    CHECK(redis.cmd({"EXISTS", policy::k_lock_key}).integer() == 0);
}

TEST_CASE("policy-refresh: bad generators and documents write nothing (exit 2)") {
    RedisServer redis;
    PolicyKeys keys;
    TempDir tmp;
    REQUIRE(refresh(redis, keys, {"--policy", sample_path()}).exit_code == 0);
    const auto before = hgetall(redis);
    const auto audit_before = redis.cmd({"XLEN", policy::k_audit_stream}).integer();

    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::string invalid =
        tmp.write("bad.json", R"({"policy_version":"x","universe":[],"leverage":{"min":1,"max":2},"exit_owner":"e"})");
    const std::vector<Case> cases{
        {{"--generator", "sleep 30", "--generator-timeout", "0.5"}, "did not finish within 500 ms"},
        {{"--generator", "echo '{}'; exit 3"}, "generator exited with status 3"},
        {{"--generator", "echo this is not json"}, "not JSON"},
        {{"--generator", "head -c 2000000 /dev/zero"}, "more than"},
        {{"--generator", "cat " + invalid}, "'universe' must be a non-empty array"},
        {{"--policy", invalid}, "'universe' must be a non-empty array"},
        {{"--policy", tmp.file("missing.json")}, "No such file"},
    };
    for (const auto& c : cases) {
        const auto t0 = std::chrono::steady_clock::now();
        auto r = refresh(redis, keys, c.args);
        INFO(c.args.back() << "\n" << r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(c.message));
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
        CHECK(hgetall(redis) == before);
        CHECK(redis.cmd({"XLEN", policy::k_audit_stream}).integer() == audit_before);
        CHECK(redis.cmd({"EXISTS", policy::k_lock_key}).integer() == 0);
    }
    SECTION("a valid generator works") {
        auto r = refresh(redis, keys, {"--generator", "cat " + tmp.write("g.json", policy_text("v-gen"))});
        CHECK(r.exit_code == 0);
        auto f = hgetall(redis);
        CHECK(f.at("policy_version") == "v-gen");
        CHECK(f.at("generator") == "cat");
    }
}

TEST_CASE("policy-refresh: usage errors and dry run") {
    TempDir tmp;
    SECTION("unknown flag") {
        auto r = run({"policy-refresh", "--nope"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("policy-refresh: error:"));
    }
    SECTION("--policy and --generator together") {
        CHECK(run({"policy-refresh", "--policy", "a", "--generator", "b"}).exit_code == 2);
    }
    SECTION("bad Redis URL") {
        PolicyKeys keys;
        auto r = run({"policy-refresh", "--redis", "http://x", "--policy", sample_path()}, keys.env());
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("invalid Redis URL"));
    }
    SECTION("--dry-run needs no Redis and prints the hash") {
        auto r = run({"policy-refresh", "--dry-run", "--policy", sample_path(), "--redis", "redis://127.0.0.1:1/0"});
        CHECK(r.exit_code == 0);
        REQUIRE(r.out.size() == 65);
        CHECK(r.out.find_first_not_of("0123456789abcdef\n") == std::string::npos);
        auto j = run({"policy-refresh", "--dry-run", "--json", "--policy", sample_path()});
        auto doc = nlohmann::json::parse(j.out);
        CHECK(doc.at("policy_hash") == crypto::sha256_hex(doc.at("policy_json").get<std::string>()));
    }
    SECTION("--dry-run rejects an invalid document") {
        auto r = run({"policy-refresh", "--dry-run", "--policy", tmp.write("x.json", "[]")});
        CHECK(r.exit_code == 2);
    }
    SECTION("--help lists exit codes and environment; --version") {
        auto r = run({"policy-refresh", "--help"});
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.out, Catch::Contains("Exit codes:"));
        CHECK_THAT(r.out, Catch::Contains("QUANTUM_REDIS_URL"));
        CHECK(run({"policy-refresh", "--version"}).exit_code == 0);
    }
}

TEST_CASE("policy-show: fail-closed on missing, incomplete, tampered and expired policies") {
    RedisServer redis;
    PolicyKeys keys;
    SECTION("no policy") {
        auto r = show(redis, keys);
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("FAIL: No valid policy"));
        CHECK(r.out.empty());
    }
    REQUIRE(refresh(redis, keys, {"--policy", sample_path()}).exit_code == 0);
    SECTION("valid") {
        auto r = show(redis, keys);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.out, Catch::Contains("exit_owner:      exitbrain_v3_5"));
    }
    SECTION("missing field") {
        redis.cmd({"HDEL", policy::k_policy_key, "exit_owner"});
        auto r = show(redis, keys);
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("'exit_owner' is missing"));
    }
    SECTION("tampered hash") {
        redis.cmd({"HSET", policy::k_policy_key, "policy_hash", std::string(64, 'a')});
        auto r = show(redis, keys);
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("hash mismatch"));
    }
    SECTION("tampered document") {
        auto f = hgetall(redis);
        std::string pj = f.at("policy_json");
        pj.replace(pj.find("exitbrain_v3_5"), 14, "rogue_service1");
        redis.cmd({"HSET", policy::k_policy_key, "policy_json", pj});
        CHECK(show(redis, keys).exit_code == 4);
    }
    SECTION("expired") {
        auto doc = policy::parse_document(slurp(sample_path()));
        REQUIRE(doc.ok());
        auto old = policy::seal(*doc, now_epoch_seconds() - 7200, "old", now_epoch_seconds() + 10);
        policy::sign(old, keys.key());
        redis.cmd({"DEL", policy::k_policy_key});
        std::vector<std::string> hset{"HSET", policy::k_policy_key};
        for (const auto& [k, v] : old.hash_fields()) {
            hset.push_back(k);
            hset.push_back(v);
        }
        redis.cmd(hset);
        auto r = show(redis, keys);
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("expired"));
    }
    SECTION("Redis unreachable") {
        redis.kill9();
        auto r = show(redis, keys);
        CHECK(r.exit_code == 3);
        redis.start();
    }
}

TEST_CASE("redis: the password comes from a file or a credential and is never printed") {
    const std::string password = "s3cret-Pa55word-xyz";
    RedisServer redis(RedisServerOptions{false, {"requirepass " + password}});
    PolicyKeys keys;
    TempDir tmp;
    const std::string pw_file = tmp.write("pw", password + "\n");
    SECTION("QUANTUM_REDIS_PASSWORD_FILE") {
        RunOptions o;
        o.env["QUANTUM_REDIS_PASSWORD_FILE"] = pw_file;
        auto r = refresh(redis, keys, {"--policy", sample_path()}, o);
        CHECK(r.exit_code == 0);
        CHECK(r.err.find(password) == std::string::npos);
    }
    SECTION("systemd credential redis-password") {
        std::filesystem::create_directories(tmp.file("creds"));
        tmp.write("creds/redis-password", password);
        RunOptions o;
        o.env["CREDENTIALS_DIRECTORY"] = tmp.file("creds");
        auto r = refresh(redis, keys, {"--policy", sample_path()}, o);
        CHECK(r.exit_code == 0);
    }
    SECTION("wrong password: exit 3, password not echoed") {
        RunOptions o;
        o.env["QUANTUM_REDIS_PASSWORD_FILE"] = tmp.write("bad", "wrong-password-123");
        auto r = refresh(redis, keys, {"--policy", sample_path()}, o);
        CHECK(r.exit_code == 3);
        CHECK(r.err.find("wrong-password-123") == std::string::npos);
    }
    SECTION("password in the URL is redacted in errors") {
        auto r = run({"policy-show", "--redis", "redis://default:" + password + "@127.0.0.1:1/0"}, keys.env());
        CHECK(r.exit_code == 3);
        CHECK(r.err.find(password) == std::string::npos);
    }
    SECTION("no password: exit 3") {
        auto r = refresh(redis, keys, {"--policy", sample_path()},
                         RunOptions{{},
                                    {"QUANTUM_REDIS_PASSWORD_FILE", "CREDENTIALS_DIRECTORY"},
                                    {},
                                    {},
                                    std::chrono::milliseconds(60000)});
        CHECK(r.exit_code == 3);
    }
}

TEST_CASE("redis: unix socket URL") {
    TempDir tmp;
    const std::string sock = tmp.file("redis.sock");
    RedisServer redis(RedisServerOptions{false, {"unixsocket " + sock, "unixsocketperm 700"}});
    PolicyKeys keys;
    auto r = run({"policy-refresh", "--redis", "unix://" + sock, "--policy", sample_path()}, keys.env());
    CHECK(r.exit_code == 0);
    CHECK(run({"policy-show", "--redis", "unix://" + sock + "?db=0"}, keys.env()).exit_code == 0);
    CHECK(run({"policy-show", "--redis", "unix://" + sock + "?db=3"}, keys.env()).exit_code == 4);
}

TEST_CASE("policy-refresh: signing key and verifier key") {
    RedisServer redis;
    PolicyKeys keys;
    SECTION("--verifier-key prints the key readers trust; no Redis needed") {
        auto r = run({"policy-refresh", "--verifier-key", "--redis", "redis://127.0.0.1:1/0"}, keys.env());
        CHECK(r.exit_code == 0);
        CHECK(r.out == keys.verifier_key().text() + "\n");
        CHECK(r.err.find("PRIVATE") == std::string::npos);
    }
    SECTION("without a key: exit 2 naming the setting, nothing written") {
        RunOptions o;
        o.unset_env = {"QUANTUM_POLICY_SIGNING_KEY_FILE", "CREDENTIALS_DIRECTORY"};
        auto r = run({"policy-refresh", "--redis", redis.url(), "--policy", sample_path()}, o);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("QUANTUM_POLICY_SIGNING_KEY_FILE"));
        CHECK_THAT(r.err, Catch::Contains("policy-signing-key"));
        CHECK(hgetall(redis).empty());
    }
    SECTION("a key file readable by others: exit 2 naming the file") {
        ::chmod(keys.key_file().c_str(), 0644);
        auto r = refresh(redis, keys, {"--policy", sample_path()});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(keys.key_file()));
        CHECK(hgetall(redis).empty());
    }
    SECTION("the systemd credential policy-signing-key") {
        TempDir creds;
        std::filesystem::copy_file(keys.key_file(), creds.file("policy-signing-key"));
        RunOptions o;
        o.env["CREDENTIALS_DIRECTORY"] = creds.path();
        o.unset_env = {"QUANTUM_POLICY_SIGNING_KEY_FILE"};
        auto r = run({"policy-refresh", "--redis", redis.url(), "--policy", sample_path()}, o);
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(show(redis, keys).exit_code == 0);
    }
    SECTION("policy_seq rises with every save") {
        REQUIRE(refresh(redis, keys, {"--policy", sample_path()}).exit_code == 0);
        const int64_t first = std::stoll(hgetall(redis).at("policy_seq"));
        REQUIRE(refresh(redis, keys, {"--policy", sample_path()}).exit_code == 0);
        CHECK(std::stoll(hgetall(redis).at("policy_seq")) > first);
        CHECK(show(redis, keys).exit_code == 0);
    }
}

TEST_CASE("policy-refresh: the save is fenced by the lock token and the stored seq") {
    RedisServer redis;
    PolicyKeys keys;
    auto c = redis.client();
    auto doc = policy::parse_document(policy_text("v-fence"));
    REQUIRE(doc.ok());
    auto sealed = policy::seal(*doc, now_epoch_seconds(), "t", 100);
    policy::sign(sealed, keys.key());
    SECTION("without the lock nothing is written") {
        auto r = policy::save(c, sealed, "not-the-holder");
        REQUIRE(r.ok());
        CHECK(*r == policy::SaveOutcome::lock_lost);
        CHECK(hgetall(redis).empty());
    }
    SECTION("a seq not above the stored one is not written") {
        store(redis, keys, sealed);
        auto older = policy::seal(*doc, now_epoch_seconds(), "t", 100);
        policy::sign(older, keys.key());
        auto attempt = policy::RefreshLock::acquire(c, std::chrono::seconds(10));
        REQUIRE(attempt->lock);
        auto r = policy::save(c, older, attempt->lock->token());
        REQUIRE(r.ok());
        CHECK(*r == policy::SaveOutcome::newer_stored);
        CHECK(hgetall(redis).at("policy_seq") == "100");
    }
}

TEST_CASE("policy-refresh: a run stopped past its lock writes nothing, exits 1, the newer policy stays") {
    RedisServer redis;
    PolicyKeys keys;
    TempDir tmp;
    const std::string stale = tmp.write("stale.json", policy_text("v-stale"));
    const std::string newer = tmp.write("newer.json", policy_text("v-newer"));
    // The first run's generator waits for the file go: the run holds the lock meanwhile.
    const std::string go = tmp.file("go");
    RunResult first;
    std::thread t([&] {
        first = refresh(redis, keys, {"--generator", "while [ ! -e " + go + " ]; do sleep 0.02; done; cat " + stale});
    });
    std::string token;
    for (int i = 0; i < 2000 && token.empty(); ++i) {
        auto r = redis.cmd({"GET", policy::k_lock_key});
        if (r.is_string()) token = r.str();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    REQUIRE_FALSE(token.empty());
    // The token is host:pid:random: stop that process, as a VM pause would.
    const size_t a = token.find(':'), b = token.find(':', a + 1);
    const pid_t pid = static_cast<pid_t>(std::stol(token.substr(a + 1, b - a - 1)));
    REQUIRE(::kill(pid, SIGSTOP) == 0);
    // Its lock runs out while it is stopped (the TTL, shortened here), and another host refreshes.
    redis.cmd({"PEXPIRE", policy::k_lock_key, "1"});
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto second = refresh(redis, keys, {"--policy", newer});
    INFO(second.err);
    REQUIRE(second.exit_code == 0);
    const auto stored = hgetall(redis);
    REQUIRE(stored.at("policy_version") == "v-newer");
    tmp.write("go", ""); // the stopped run's generator finishes while the run is stopped
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE(::kill(pid, SIGCONT) == 0);
    t.join();
    INFO(first.err);
    CHECK(first.exit_code == 1);
    CHECK_THAT(first.err, Catch::Contains("WARN: Refresh lock quantum:lock:policy-refresh was lost"));
    CHECK(hgetall(redis) == stored);
    CHECK(show(redis, keys).exit_code == 0);
}

TEST_CASE("policy-refresh: key rotation, old and new key trusted, then only the new, and no reader fails") {
    RedisServer redis;
    PolicyKeys old_key, new_key;
    TempDir tmp;
    const std::string trusted = tmp.file("trusted");
    auto trust = [&](const std::string& lines) { tmp.write("trusted", lines); };
    auto reader = [&] {
        RunOptions o = old_key.env(); // one reader, one state directory, throughout
        o.env["QUANTUM_POLICY_VERIFIER_KEYS"] = trusted;
        return run({"policy-show", "--redis", redis.url()}, o);
    };
    trust(old_key.verifier_key().text() + "\n");
    REQUIRE(refresh(redis, old_key, {"--policy", sample_path()}).exit_code == 0);
    CHECK(reader().exit_code == 0);
    // 1. Readers trust both keys; the policy is still signed by the old one.
    trust("# old, retire after the switch\n" + old_key.verifier_key().text() + "\n" + new_key.verifier_key().text() +
          "\n");
    CHECK(reader().exit_code == 0);
    // 2. The refresher signs with the new key. Its host is a reader too and trusts both
    // (runbook step 2), so the stored policy's seq counts and the new one rises above it,
    // even within the same second.
    {
        RunOptions o = new_key.env();
        o.env["QUANTUM_POLICY_VERIFIER_KEYS"] = trusted;
        auto r2 = run({"policy-refresh", "--redis", redis.url(), "--policy", sample_path()}, o);
        INFO(r2.out << r2.err);
        REQUIRE(r2.exit_code == 0);
    }
    CHECK(reader().exit_code == 0);
    // 3. Readers trust only the new key.
    trust(new_key.verifier_key().text() + "\n");
    CHECK(reader().exit_code == 0);
    // And a policy signed by the retired key is no longer accepted (stored by a refresher
    // that still trusts both, so that its seq rises above the stored one).
    {
        tmp.write("both", old_key.verifier_key().text() + "\n" + new_key.verifier_key().text() + "\n");
        RunOptions o = old_key.env();
        o.env["QUANTUM_POLICY_VERIFIER_KEYS"] = tmp.file("both");
        auto stale = run({"policy-refresh", "--redis", redis.url(), "--policy", sample_path()}, o);
        INFO(stale.out << stale.err);
        REQUIRE(stale.exit_code == 0);
    }
    auto r = reader();
    CHECK(r.exit_code == 4);
    CHECK_THAT(r.err, Catch::Contains("trusted key"));
}

TEST_CASE("policy-refresh: a policy_seq planted in Redis is not signed into the next policy") {
    RedisServer redis;
    PolicyKeys keys;
    REQUIRE(refresh(redis, keys, {"--policy", sample_path()}).exit_code == 0);
    const int64_t genuine = std::stoll(hgetall(redis).at("policy_seq"));
    // Someone with write access plants an absurd seq (readers reject that hash anyway).
    redis.cmd({"HSET", policy::k_policy_key, "policy_seq", "9007199254740000"});
    auto r = refresh(redis, keys, {"--policy", sample_path()});
    INFO(r.err);
    // The save script still refuses to go below the stored value: nothing written, exit 1 ...
    CHECK(r.exit_code == 1);
    // ... and once the planted hash is gone, the next seq follows the genuine one, not the planted one.
    redis.cmd({"DEL", policy::k_policy_key});
    REQUIRE(refresh(redis, keys, {"--policy", sample_path()}).exit_code == 0);
    const int64_t next = std::stoll(hgetall(redis).at("policy_seq"));
    CHECK(next >= genuine);
    CHECK(next < genuine + 1000);
    CHECK(show(redis, keys).exit_code == 0);
}
