// The C++ services' reader (policy/reader.hpp): what a service sees through it, using
// only that header's interface, against a real redis-server.
#include "policy/reader.hpp"

#include "base/time.hpp"
#include "policy/document.hpp"
#include "policy/store.hpp"
#include "support/policy_keys.hpp"
#include "support/redis_server.hpp"

#include <catch2/catch.hpp>

using namespace qops;

namespace {

void store(const test::RedisServer& redis, const test::PolicyKeys& keys, const std::string& version, int64_t seq) {
    auto doc = policy::parse_document(R"({"policy_version":")" + version +
                                      R"(","universe":["BTCUSDT"],"leverage":{"min":2,"max":5},"exit_owner":"e"})");
    REQUIRE(doc.ok());
    auto s = policy::seal(*doc, now_epoch_seconds(), "test", seq);
    policy::sign(s, keys.key());
    redis.cmd({"DEL", policy::k_policy_key});
    std::vector<std::string> hset{"HSET", policy::k_policy_key};
    for (const auto& [k, v] : s.hash_fields()) {
        hset.push_back(k);
        hset.push_back(v);
    }
    redis.cmd(hset);
}

} // namespace

TEST_CASE("policy reader: one reader across changes, tampering and replays") {
    test::RedisServer redis;
    test::PolicyKeys keys;
    quantum_ops::PolicyReader reader({redis.url(), keys.verifier_keys_file(), keys.state_dir()});
    auto code = [&] {
        try {
            reader.load();
            return 0;
        } catch (const quantum_ops::PolicyUnavailable& e) {
            return e.exit_code();
        }
    };
    CHECK(code() == 4); // nothing stored
    store(redis, keys, "v1", 10);
    quantum_ops::Policy p = reader.load();
    CHECK(p.policy_version == "v1");
    CHECK(p.policy_seq == 10);
    CHECK(p.leverage_max == 5.0);
    CHECK(p.universe == std::vector<std::string>{"BTCUSDT"});
    CHECK(reader.load().policy_hash == p.policy_hash); // the same bytes again

    SECTION("an edit after a good read is caught at the next read") {
        redis.cmd({"HSET", policy::k_policy_key, "exit_owner", "rogue"});
        CHECK(code() == 4);
    }
    SECTION("a newer policy is taken, the older one written back is a rollback") {
        const auto older = redis.cmd({"DUMP", policy::k_policy_key});
        store(redis, keys, "v2", 11);
        CHECK(reader.load().policy_version == "v2");
        redis.cmd({"DEL", policy::k_policy_key});
        redis.cmd({"RESTORE", policy::k_policy_key, "0", std::string(older.str())});
        CHECK(code() == 4);
        // And a second reader on the host knows it too (the state directory).
        quantum_ops::PolicyReader other({redis.url(), keys.verifier_keys_file(), keys.state_dir()});
        CHECK_THROWS_AS(other.load(), quantum_ops::PolicyUnavailable);
    }
    SECTION("Redis gone: exit code 3, and back without a new reader") {
        redis.kill9();
        CHECK(code() == 3);
        redis.start(); // empty again: the refresher stores the next policy
        store(redis, keys, "v1", 11);
        CHECK(reader.load().policy_seq == 11);
    }
    SECTION("the verifier keys file emptied: refused at the next read") {
        test::TempDir tmp;
        const std::string keys_file = tmp.write("keys", keys.verifier_key().text() + "\n");
        quantum_ops::PolicyReader r2({redis.url(), keys_file, keys.state_dir()});
        CHECK(r2.load().policy_seq == 10);
        tmp.write("keys", "# rotated away\n");
        CHECK_THROWS_AS(r2.load(), quantum_ops::PolicyUnavailable);
    }
}
