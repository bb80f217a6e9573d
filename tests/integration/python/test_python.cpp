// The Python module quantum_ops (python/), run from Debian's /usr/bin/python3 against a
// real redis-server: the document it returns, its arguments, its exceptions, and a key
// rotation and a policy change seen by one long-running process.

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

RunResult python(const std::string& script, RunOptions o) {
    return run({k_python, "-c", script}, with_quantum_ops(o));
}

} // namespace

TEST_CASE("python: load_policy returns the document policy-show accepts") {
    RedisServer redis;
    PolicyKeys keys;
    RunOptions o = keys.env();
    o.env["QUANTUM_REDIS_URL"] = redis.url();
    REQUIRE(run({"policy-refresh", "--policy", sample_path()}, o).exit_code == 0);
    auto show = run({"policy-show", "--json"}, o);
    REQUIRE(show.exit_code == 0);
    auto r = python(R"PY(
import json, quantum_ops
print(json.dumps(quantum_ops.load_policy(), sort_keys=True))
)PY",
                    o);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto doc = nlohmann::json::parse(show.out);
    auto got = nlohmann::json::parse(r.out);
    CHECK(got.at("policy_hash") == redis.cmd({"HGET", "quantum:policy:current", "policy_hash"}).str());
    got.erase("policy_hash");
    CHECK(got == doc); // the stored, signed document, field for field
    CHECK(got.at("policy_seq").is_number_integer());
    CHECK(got.at("valid_until_epoch").is_number_integer());
}

TEST_CASE("python: arguments, defaults and PolicyUnavailable") {
    RedisServer redis;
    PolicyKeys keys;
    RunOptions o = keys.env();
    o.env["QUANTUM_REDIS_URL"] = redis.url();
    REQUIRE(run({"policy-refresh", "--policy", sample_path()}, o).exit_code == 0);
    SECTION("explicit arguments win over the environment") {
        RunOptions bare;
        bare.env["QUANTUM_REDIS_URL"] = "redis://127.0.0.1:1/0";
        bare.env["QUANTUM_POLICY_VERIFIER_KEYS"] = "/nonexistent";
        bare.env["QUANTUM_POLICY_STATE_DIR"] = "/nonexistent";
        bare.env["ARGS_URL"] = redis.url();
        bare.env["ARGS_KEYS"] = keys.verifier_keys_file();
        bare.env["ARGS_STATE"] = keys.state_dir();
        auto r2 = python("import os, quantum_ops\n"
                         "p = quantum_ops.load_policy(os.environ['ARGS_URL'], verifier_keys=os.environ['ARGS_KEYS'], "
                         "state_dir=os.environ['ARGS_STATE'])\n"
                         "print(p['policy_version'])\n",
                         bare);
        INFO(r2.err);
        CHECK(r2.exit_code == 0);
        CHECK(r2.out == "1.0.0-ai-sample\n");
    }
    SECTION("exceptions carry exit_code and reason, like policy-show's exit status") {
        auto r = python(R"PY(
import os, quantum_ops
assert issubclass(quantum_ops.PolicyUnavailable, Exception)
def code(**kw):
    try:
        quantum_ops.load_policy(**kw)
    except quantum_ops.PolicyUnavailable as e:
        assert isinstance(e.reason, str) and e.reason and str(e) == e.reason, e.reason
        return e.exit_code
    return 0
print(code())
print(code(redis_url="redis://127.0.0.1:1/0"))
print(code(verifier_keys="/nonexistent"))
os.system("redis-cli -p %s DEL quantum:policy:current >/dev/null" % os.environ["QUANTUM_REDIS_URL"].split(":")[2].split("/")[0])
print(code())
)PY",
                        o);
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out == "0\n3\n4\n4\n");
    }
}

TEST_CASE("python: one process sees a policy change and a key rotation without a restart") {
    RedisServer redis;
    PolicyKeys old_key, new_key;
    TempDir tmp;
    const std::string trusted = tmp.write("trusted", old_key.verifier_key().text() + "\n");
    RunOptions o = old_key.env();
    o.env["QUANTUM_REDIS_URL"] = redis.url();
    o.env["QUANTUM_POLICY_VERIFIER_KEYS"] = trusted;
    REQUIRE(run({"policy-refresh", "--policy", sample_path()}, o).exit_code == 0);
    // The Python process drives the steps through files it waits on; simpler: it runs the
    // refreshes itself between its loads.
    RunOptions py = o;
    py.env["BIN"] = std::string(QOPS_BIN_DIR);
    py.env["SAMPLE"] = sample_path();
    py.env["TRUSTED"] = trusted;
    py.env["OLD_VK"] = old_key.verifier_key().text();
    py.env["NEW_VK"] = new_key.verifier_key().text();
    py.env["NEW_KEY"] = new_key.key_file();
    auto r = python(R"PY(
import os, subprocess, quantum_ops
e = os.environ
def refresh(key):
    subprocess.run([e["BIN"] + "/policy-refresh", "--policy", e["SAMPLE"]], check=True, stderr=subprocess.DEVNULL,
                   env=dict(e, QUANTUM_POLICY_SIGNING_KEY_FILE=key))
def trust(*keys):
    open(e["TRUSTED"] + ".new", "w").write("".join(k + "\n" for k in keys))
    os.replace(e["TRUSTED"] + ".new", e["TRUSTED"])
seqs = [quantum_ops.load_policy()["policy_seq"]]
trust(e["OLD_VK"], e["NEW_VK"]); seqs.append(quantum_ops.load_policy()["policy_seq"])
refresh(e["NEW_KEY"]); seqs.append(quantum_ops.load_policy()["policy_seq"])
trust(e["NEW_VK"]); seqs.append(quantum_ops.load_policy()["policy_seq"])
assert seqs[0] == seqs[1] < seqs[2] == seqs[3], seqs
refresh(e["QUANTUM_POLICY_SIGNING_KEY_FILE"])  # the retired key
try:
    quantum_ops.load_policy(); print("accepted a retired key")
except quantum_ops.PolicyUnavailable as x:
    print("refused", x.exit_code)
)PY",
                    py);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "refused 4\n");
}
