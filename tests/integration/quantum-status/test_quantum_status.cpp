// quantum-status as a whole process against a real redis-server, in each state an
// operator meets: the exit code and the JSON checked in each, and the table on a
// terminal (a pty from script(1)) and off one.

#include "base/time.hpp"
#include "crypto/checkpoint.hpp"
#include "crypto/merkle.hpp"
#include "crypto/note.hpp"
#include "policy/accepted.hpp"
#include "policy/document.hpp"
#include "policy/store.hpp"
#include "support/policy_keys.hpp"
#include "support/redis_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace qops;
using namespace qops::test;
using nlohmann::json;

namespace {

// One host's worth of quantum-status inputs, all in a temp directory.
struct Desk {
    RedisServer redis;
    PolicyKeys keys;
    TempDir dir;

    RunOptions env() const {
        RunOptions o = keys.env();
        o.env["QUANTUM_ESS_LATCH"] = dir.file("ESS_ON");
        o.env["QUANTUM_ESS_SEED_LATCH"] = "";
        o.env["QT_AUDIT_LOG"] = dir.file("audit.log");
        o.unset_env = {"QUANTUM_LEDGER", "QUANTUM_VERIFIER_KEYS", "NO_COLOR", "JOURNAL_STREAM"};
        return o;
    }
    std::vector<std::string> argv(std::vector<std::string> extra = {}) const {
        std::vector<std::string> a{"quantum-status", "--redis", redis.url(), "--metrics-dir", dir.path()};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
    RunResult status_json() const { return run(argv({"--json"}), env()); }
    void refresh() const {
        RunOptions o = env();
        auto r = run({"policy-refresh", "--redis", redis.url(), "--policy",
                      std::string(QOPS_SOURCE_DIR) + "/ops/policy.sample.json"},
                     o);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
};

json parse(const RunResult& r) {
    INFO(r.out << r.err);
    auto j = json::parse(r.out, nullptr, false);
    REQUIRE(j.is_object());
    return j;
}

std::string check_health(const json& j, const std::string& name) {
    for (const auto& c : j["checks"])
        if (c["check"] == name) return c["health"].get<std::string>();
    return "absent";
}

// A signed checkpoint of the audit log's first size lines (lines as stored, no newline).
std::string checkpoint_note(const PolicyKeys& keys, const std::vector<std::string>& lines, uint64_t size) {
    std::vector<crypto::Hash> leaves;
    for (size_t i = 0; i < lines.size() && i < size; ++i)
        leaves.push_back(crypto::leaf_hash(lines[i]));
    crypto::CheckpointBody body;
    body.origin = "test-host/quantum-ops/audit";
    body.size = size;
    body.root = crypto::tree_hash(leaves);
    auto note = crypto::sign_note(body.text(), body.origin, keys.key());
    REQUIRE(note.ok());
    return *note;
}

} // namespace

TEST_CASE("quantum-status: a healthy desk is exit 0, with the policy's figures") {
    Desk desk;
    desk.refresh();
    auto r = desk.status_json();
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    const json j = parse(r);
    CHECK(j["exit_code"] == 0);
    CHECK(j["status"] == "healthy");
    CHECK(j["redis"]["reachable"] == true);
    CHECK(j["policy"]["state"] == "valid");
    CHECK(j["policy"]["seq"].get<int64_t>() ==
          std::stoll(std::string(desk.redis.cmd({"HGET", policy::k_policy_key, "policy_seq"}).str())));
    CHECK(j["policy"]["signer"] ==
          desk.keys.verifier_key().name + "+" + fmt::format("{:08x}", desk.keys.verifier_key().id));
    CHECK(j["policy"]["expires_in_seconds"].get<int64_t>() > 1800);
    CHECK(j["emergency_stop"]["latched"] == false);
    CHECK(j["alerts"]["total"] == 0);
    CHECK(j["audit_log"]["exists"] == false);

    SECTION("the policy row is read only: the reader's accepted seq is not recorded") {
        CHECK_FALSE(std::filesystem::exists(desk.keys.state_dir() + "/" + policy::k_accepted_file));
    }
    SECTION("a rolled-back policy (a seq lower than this host accepted) is exit 4") {
        const auto old = desk.redis.cmd({"HGETALL", policy::k_policy_key});
        desk.refresh();
        REQUIRE(run({"policy-show", "--redis", desk.redis.url()}, desk.env()).exit_code == 0); // accepts the newer
        // The older signed policy put back, as a replay by someone with write access to Redis.
        std::vector<std::string> hset{"DEL", policy::k_policy_key};
        desk.redis.cmd(hset);
        hset = {"HSET", policy::k_policy_key};
        for (size_t i = 0; i < old.size(); ++i)
            hset.emplace_back(old.element(i).str());
        desk.redis.cmd(hset);
        auto rolled = desk.status_json();
        INFO(rolled.out);
        CHECK(rolled.exit_code == 4);
        CHECK(parse(rolled)["policy"]["state"] == "rejected");
    }
}

TEST_CASE("quantum-status: no policy is exit 4, as the fail-closed reader says") {
    Desk desk;
    auto r = desk.status_json();
    CHECK(r.exit_code == 4);
    const json j = parse(r);
    CHECK(j["exit_code"] == 4);
    CHECK(j["policy"]["state"] == "missing");
    CHECK(check_health(j, "policy") == "FAIL");

    SECTION("a tampered policy too") {
        desk.refresh();
        desk.redis.cmd({"HSET", policy::k_policy_key, "exit_owner", "someone-else"});
        auto t = desk.status_json();
        CHECK(t.exit_code == 4);
        CHECK(parse(t)["policy"]["state"] == "rejected");
    }
}

TEST_CASE("quantum-status: a policy within the freshness margin needs a look (exit 1)") {
    Desk desk;
    auto doc = policy::parse_document(slurp(std::string(QOPS_SOURCE_DIR) + "/ops/policy.sample.json"));
    REQUIRE(doc.ok());
    doc->valid_for_seconds = 1900;
    const int64_t now = now_epoch_seconds();
    policy::Sealed s = policy::seal(*doc, now - 300, "test", 7); // expires in 1600 s
    policy::sign(s, desk.keys.key());
    std::vector<std::string> hset{"HSET", policy::k_policy_key};
    for (const auto& [k, v] : s.hash_fields()) {
        hset.push_back(k);
        hset.push_back(v);
    }
    desk.redis.cmd(hset);
    auto r = desk.status_json();
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    const json j = parse(r);
    CHECK(j["policy"]["state"] == "near expiry");
    CHECK(j["policy"]["seq"] == 7);
    CHECK(j["policy"]["expires_in_seconds"].get<int64_t>() <= 1600);
    CHECK(check_health(j, "policy") == "look");
}

TEST_CASE("quantum-status: exit-owner alerts of the last 24 h need a look, older ones do not count") {
    Desk desk;
    desk.refresh();
    const int64_t now = now_epoch_seconds();
    desk.redis.cmd({"XADD", "quantum:stream:alerts", std::to_string((now - 25 * 3600) * 1000) + "-0", "alert_type",
                    "EXIT_OWNER_VIOLATION", "deny_count", "3"});
    auto quiet = desk.status_json();
    CHECK(quiet.exit_code == 0);
    CHECK(parse(quiet)["alerts"]["total"] == 0);
    desk.redis.cmd({"XADD", "quantum:stream:alerts", "*", "alert_type", "EXIT_OWNER_VIOLATION", "deny_count", "2"});
    desk.redis.cmd({"XADD", "quantum:stream:alerts", "*", "alert_type", "ESS_TRIPPED"});
    auto r = desk.status_json();
    CHECK(r.exit_code == 1);
    const json j = parse(r);
    CHECK(j["alerts"]["total"] == 2);
    CHECK(j["alerts"]["exit_owner"] == 1);
    CHECK(j["alerts"]["by_type"]["ESS_TRIPPED"] == 1);
}

TEST_CASE("quantum-status: a latched emergency stop is exit 4") {
    Desk desk;
    desk.refresh();
    desk.dir.write("ESS_ON", "reason=drill\nwho=alice\nwhen=2026-12-02T03:00:00Z\n");
    auto r = desk.status_json();
    CHECK(r.exit_code == 4);
    const json j = parse(r);
    CHECK(j["emergency_stop"]["latched"] == true);
    CHECK(j["emergency_stop"]["reason"] == "drill");
    CHECK(j["emergency_stop"]["who"] == "alice");
    CHECK(j["emergency_stop"]["enforced"] == false); // no systemd here to verify a stop
    CHECK(check_health(j, "emergency stop") == "FAIL");
}

TEST_CASE("quantum-status: the audit log's checkpoint and last verification") {
    Desk desk;
    desk.refresh();
    const std::vector<std::string> lines{"[2026-12-01T10:00:00.000000Z] one", "[2026-12-01T11:00:00.000000Z] two"};
    desk.dir.write("audit.log", lines[0] + "\n" + lines[1] + "\n");

    SECTION("a log with entries and no checkpoint needs a look") {
        auto r = desk.status_json();
        CHECK(r.exit_code == 1);
        CHECK(parse(r)["audit_log"]["checkpoint"].is_null());
    }
    SECTION("a checkpoint and a passed verification are healthy") {
        desk.dir.write("audit.log.checkpoint", checkpoint_note(desk.keys, lines, 2));
        desk.dir.write("audit-log.prom", "quantum_audit_verify_ok{job=\"audit-log\"} 1\n"
                                         "quantum_audit_verify_timestamp_seconds{job=\"audit-log\"} " +
                                             std::to_string(now_epoch_seconds() - 60) + "\n");
        auto r = desk.status_json();
        INFO(r.out);
        CHECK(r.exit_code == 0);
        const json j = parse(r);
        CHECK(j["audit_log"]["checkpoint"]["size"] == 2);
        CHECK(j["audit_log"]["checkpoint"]["origin"] == "test-host/quantum-ops/audit");
        CHECK(j["audit_log"]["verify"]["ok"] == true);
    }
    SECTION("a tampered log (the last verification failed) is exit 4") {
        desk.dir.write("audit.log.checkpoint", checkpoint_note(desk.keys, lines, 2));
        desk.dir.write("audit-log.prom", "quantum_audit_verify_ok{job=\"audit-log\"} 0\n");
        auto r = desk.status_json();
        CHECK(r.exit_code == 4);
        const json j = parse(r);
        CHECK(j["audit_log"]["verify"]["ok"] == false);
        CHECK(check_health(j, "audit log") == "FAIL");
    }
    SECTION("a log truncated below its checkpoint is exit 4") {
        desk.dir.write("audit.log.checkpoint", checkpoint_note(desk.keys, lines, 5));
        auto r = desk.status_json();
        CHECK(r.exit_code == 4);
        CHECK(parse(r)["audit_log"]["checkpoint"]["entries"] == 2);
    }
    SECTION("a rotated log: the entries of its rotated files count too") {
        // 3 entries in a rotated file (as audit.log.segments records it), 2 in the log.
        const std::string h(64, 'a');
        desk.dir.write("audit.log.segments", "audit.log-20261201-1796000000 120 0 " + h + " 3 " + h + " " + h + "\n");
        desk.dir.write("audit.log.checkpoint", checkpoint_note(desk.keys, lines, 5));
        auto r = desk.status_json();
        INFO(r.out);
        CHECK(parse(r)["audit_log"]["checkpoint"]["entries"] == 5);
        CHECK(check_health(parse(r), "audit log") != "FAIL");
        desk.dir.write("audit.log.checkpoint", checkpoint_note(desk.keys, lines, 6));
        CHECK(desk.status_json().exit_code == 4);
    }
    SECTION("a checkpoint signed by no listed key is exit 4") {
        PolicyKeys other;
        desk.dir.write("audit.log.checkpoint", checkpoint_note(other, lines, 2));
        const std::string keys = desk.dir.write("checkpoint-keys", desk.keys.verifier_key().text() + "\n");
        RunOptions o = desk.env();
        o.unset_env.erase(std::remove(o.unset_env.begin(), o.unset_env.end(), "QUANTUM_VERIFIER_KEYS"),
                          o.unset_env.end());
        o.env["QUANTUM_VERIFIER_KEYS"] = keys;
        auto r = run(desk.argv({"--json"}), o);
        CHECK(r.exit_code == 4);
        CHECK(parse(r)["audit_log"]["checkpoint"]["signed"] == false);
    }
}

TEST_CASE("quantum-status: Redis down is exit 3 (a dependency unreachable)") {
    Desk desk;
    desk.refresh();
    desk.redis.stop();
    auto r = desk.status_json();
    CHECK(r.exit_code == 3);
    const json j = parse(r);
    CHECK(j["redis"]["reachable"] == false);
    CHECK(j["policy"]["state"] == "unknown");
    CHECK(check_health(j, "alerts 24h") == "unreachable");

    SECTION("a latched stop still outranks it: exit 4") {
        desk.dir.write("ESS_ON", "reason=drill\n");
        CHECK(desk.status_json().exit_code == 4);
    }
}

TEST_CASE("quantum-status: a table with colour on a terminal, no escape byte off one") {
    Desk desk;
    desk.refresh();
    auto quote = [](const std::string& s) { return "'" + s + "'"; };
    std::string cmd;
    for (const auto& a : desk.argv())
        cmd += (cmd.empty() ? "" : " ") + quote(a == "quantum-status" ? tool_path(a) : a);

    SECTION("under a pty (script -qc) the rows are aligned and coloured") {
        auto r = run({"script", "-qec", cmd, "/dev/null"}, desk.env());
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("CHECK") != std::string::npos);
        CHECK(r.out.find("\x1b[32mok") != std::string::npos);
        CHECK(r.out.find("healthy (exit 0)") != std::string::npos);
    }
    SECTION("NO_COLOR on a terminal: no escape byte") {
        RunOptions o = desk.env();
        o.env["NO_COLOR"] = "1";
        auto r = run({"script", "-qec", cmd, "/dev/null"}, o);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("CHECK") != std::string::npos);
        CHECK(r.out.find('\x1b') == std::string::npos);
    }
    SECTION("stdout not a terminal: the same table, no escape byte") {
        auto r = run(desk.argv(), desk.env());
        INFO(r.out);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find('\x1b') == std::string::npos);
        // Aligned: every row's state starts in the same column as the header's.
        std::istringstream in(r.out);
        std::string header;
        std::getline(in, header);
        const auto column = header.find("STATE");
        std::string line;
        int rows = 0;
        while (std::getline(in, line) && !line.empty()) {
            INFO(line);
            CHECK(line.size() > column);
            CHECK(line[column - 1] == ' ');
            CHECK(line[column] != ' ');
            ++rows;
        }
        CHECK(rows >= 6);
    }
}

TEST_CASE("quantum-status: a bad flag is one error line and exit 2") {
    auto r = run({"quantum-status", "--no-such-flag"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("quantum-status: error:") != std::string::npos);

    SECTION("a Redis URL that does not parse is bad input too, not an unreachable Redis") {
        auto bad = run({"quantum-status", "--json", "--redis", "bogus://nowhere"});
        CHECK(bad.exit_code == 2);
        CHECK(bad.out.empty());
        CHECK(bad.err.find("FAIL:") != std::string::npos);
    }
}
