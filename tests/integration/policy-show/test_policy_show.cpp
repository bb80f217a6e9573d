// What Redis write access alone (or a misbehaving refresher) can store, and what the
// fail-closed readers make of it: policy-show and the Python binding, side by side,
// against a real redis-server. Every case is exit 4 and PolicyUnavailable(4).

#include "base/time.hpp"
#include "crypto/sha256.hpp"
#include "policy/document.hpp"
#include "policy/store.hpp"
#include "support/policy_keys.hpp"
#include "support/python.hpp"
#include "support/redis_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace qops;
using namespace qops::test;

namespace {

std::string sample_path() {
    return std::string(QOPS_SOURCE_DIR) + "/ops/policy.sample.json";
}

policy::Document sample_doc() {
    auto doc = policy::parse_document(slurp(sample_path()));
    REQUIRE(doc.ok());
    return *doc;
}

// Writes fields as they are (DEL + HSET), as anyone with write access to Redis can.
void write_raw(const RedisServer& redis, const std::map<std::string, std::string>& fields) {
    redis.cmd({"DEL", policy::k_policy_key});
    std::vector<std::string> hset{"HSET", policy::k_policy_key};
    for (const auto& [k, v] : fields) {
        hset.push_back(k);
        hset.push_back(v);
    }
    redis.cmd(hset);
}

// sealed with its JSON edited by edit, the hash recomputed and the summary fields matched.
policy::Sealed edited(policy::Sealed s, const std::function<void(nlohmann::json&)>& edit) {
    auto j = nlohmann::json::parse(s.policy_json);
    edit(j);
    s.policy_json = j.dump();
    s.policy_hash = crypto::sha256_hex(s.policy_json);
    s.created_at_epoch = j.at("created_at_epoch").get<int64_t>();
    s.valid_until_epoch = j.at("valid_until_epoch").get<int64_t>();
    s.doc.leverage_min = j.at("leverage").at("min").get<double>();
    s.doc.leverage_max = j.at("leverage").at("max").get<double>();
    return s;
}

RunResult show(const RedisServer& redis, const RunOptions& o) {
    return run({"policy-show", "--redis", redis.url()}, o);
}

// The Python binding from Debian's /usr/bin/python3: "OK <seq>" or "UNAVAILABLE <code> <reason>".
RunResult py_load(const RedisServer& redis, RunOptions o) {
    o.env["QUANTUM_REDIS_URL"] = redis.url();
    return run({k_python, "-c", R"PY(
import quantum_ops
try:
    p = quantum_ops.load_policy()
    print("OK", p["policy_seq"])
except quantum_ops.PolicyUnavailable as e:
    print("UNAVAILABLE", e.exit_code, e.reason)
)PY"},
               with_quantum_ops(o));
}

// Both readers refuse with exit 4; the printout names why.
void both_refuse(const RedisServer& redis, const RunOptions& o, const std::string& why) {
    auto s = show(redis, o);
    INFO(s.err);
    CHECK(s.exit_code == 4);
    CHECK(s.out.empty());
    CHECK_THAT(s.err, Catch::Contains(why));
    CHECK(s.err.find("-2094062883") == std::string::npos); // never a nonsense date
    auto p = py_load(redis, o);
    INFO(p.err);
    CHECK_THAT(p.out, Catch::StartsWith("UNAVAILABLE 4 "));
    CHECK_THAT(p.out, Catch::Contains(why));
}

void both_accept(const RedisServer& redis, const RunOptions& o) {
    auto s = show(redis, o);
    INFO(s.err);
    CHECK(s.exit_code == 0);
    auto p = py_load(redis, o);
    INFO(p.err);
    CHECK_THAT(p.out, Catch::StartsWith("OK "));
}

} // namespace

TEST_CASE("policy-show and quantum_ops: Redis write access alone cannot make a policy the readers accept") {
    RedisServer redis;
    PolicyKeys keys;
    const RunOptions o = keys.env();
    const int64_t now = now_epoch_seconds();
    REQUIRE(run({"policy-refresh", "--redis", redis.url(), "--policy", sample_path()}, o).exit_code == 0);
    both_accept(redis, o);
    auto client = redis.client();
    auto stored = policy::read_fields(client);
    REQUIRE(stored.ok());
    auto current = policy::verify_fields(*stored, now);
    REQUIRE(current.ok());

    SECTION("the forged-hash policy: leverage 100x-125x, valid_until 4000000000000000000, hash recomputed") {
        auto f = edited(*current, [](nlohmann::json& j) {
            j["leverage"] = {{"min", 100.0}, {"max", 125.0}};
            j["valid_until_epoch"] = 4000000000000000000;
        });
        write_raw(redis, f.hash_fields()); // the old note stays, it no longer matches
        CHECK(redis.cmd({"HGET", policy::k_policy_key, "leverage_range"}).str() == "100.0x-125.0x");
        both_refuse(redis, o, "31 days");
        SECTION("and within the bounds, the note of the genuine policy does not vouch for it") {
            auto g = edited(*current, [](nlohmann::json& j) { j["leverage"] = {{"min", 100.0}, {"max", 125.0}}; });
            write_raw(redis, g.hash_fields());
            both_refuse(redis, o, "another policy");
        }
    }
    SECTION("a policy signed by another key") {
        PolicyKeys other;
        RunOptions elsewhere = other.env();
        elsewhere.env["QUANTUM_POLICY_VERIFIER_KEYS"] = keys.verifier_keys_file(); // it knows the current policy
        auto r = run({"policy-refresh", "--redis", redis.url(), "--policy", sample_path()}, elsewhere);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        both_refuse(redis, o, "no signature by a trusted key");
    }
    SECTION("a replay of an older signed policy after a newer one was read") {
        const auto older = *stored;
        policy::Sealed newer = policy::seal(sample_doc(), now, "test", current->policy_seq + 1);
        policy::sign(newer, keys.key());
        write_raw(redis, newer.hash_fields());
        both_accept(redis, o);
        write_raw(redis, older);
        both_refuse(redis, o, "rollback");
    }
    SECTION("the same seq with another document") {
        auto other = edited(*current, [](nlohmann::json& j) { j["exit_owner"] = "rogue_service"; });
        other.doc.exit_owner = "rogue_service";
        policy::sign(other, keys.key()); // even signed by the trusted key: equivocation
        write_raw(redis, other.hash_fields());
        both_refuse(redis, o, "equivocation");
    }
    SECTION("no verifier keys configured") {
        RunOptions none = o;
        none.env["QUANTUM_POLICY_VERIFIER_KEYS"] = keys.state_dir() + "/missing";
        both_refuse(redis, none, "no policy verifier keys configured");
        TempDir tmp;
        none.env["QUANTUM_POLICY_VERIFIER_KEYS"] = tmp.write("empty", "# nobody\n\n");
        both_refuse(redis, none, "no policy verifier keys configured");
        none.unset_env = {"QUANTUM_POLICY_VERIFIER_KEYS"}; // the default file does not exist here
        none.env.erase("QUANTUM_POLICY_VERIFIER_KEYS");
        both_refuse(redis, none, "/etc/quantum/policy-verifier-keys");
    }
    SECTION("created_at in the future (signed by the trusted key)") {
        policy::Sealed future = policy::seal(sample_doc(), now + 3600, "test", current->policy_seq + 1);
        policy::sign(future, keys.key());
        write_raw(redis, future.hash_fields());
        both_refuse(redis, o, "created in the future");
    }
    SECTION("a validity over 31 days (signed by the trusted key)") {
        auto longer = edited(*current, [&](nlohmann::json& j) {
            j["valid_until_epoch"] = now + policy::k_max_valid_for_seconds + 3600;
            j["policy_seq"] = current->policy_seq + 1;
        });
        longer.policy_seq = current->policy_seq + 1;
        policy::sign(longer, keys.key());
        write_raw(redis, longer.hash_fields());
        both_refuse(redis, o, "31 days");
    }
}

TEST_CASE("policy-show: the printout shows the seq and sane dates") {
    RedisServer redis;
    PolicyKeys keys;
    REQUIRE(run({"policy-refresh", "--redis", redis.url(), "--policy", sample_path()}, keys.env()).exit_code == 0);
    auto s = show(redis, keys.env());
    CHECK(s.exit_code == 0);
    CHECK_THAT(s.out, Catch::Contains("policy_seq:      " +
                                      std::string(redis.cmd({"HGET", policy::k_policy_key, "policy_seq"}).str())));
    CHECK_THAT(s.out, Catch::Contains("valid_until:     20"));
}
