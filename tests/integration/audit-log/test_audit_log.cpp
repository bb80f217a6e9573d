#include "audit/day_logs.hpp"
#include "audit/log.hpp"
#include "base/time.hpp"
#include "crypto/checkpoint_check.hpp"
#include "support/checkpoint_keys.hpp"
#include "support/go_tool.hpp"
#include "support/redis_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <unistd.h>

#include "support/skip.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <sys/stat.h>
#include <thread>

using namespace qops;
using namespace qops::audit;
using qops::test::lines_of;
using qops::test::slurp;
using qops::test::TempDir;

namespace {

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    for (const auto& l : lines)
        f << l << "\n";
}

test::RunResult audit_log(const std::string& log, std::vector<std::string> args, test::RunOptions o = {}) {
    std::vector<std::string> argv{"audit-log", "--log", log};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run(argv, o);
}

} // namespace

TEST_CASE("audit log: 64 concurrent appenders, then verify and the checkpoint size equal the number of appends") {
    TempDir tmp;
    test::CheckpointKeys keys;
    const std::string log = tmp.file("audit.log");
    constexpr int k_writers = 64;
    constexpr int k_appends_each = 5;
    std::vector<std::thread> writers;
    std::vector<int> failures(k_writers, 0);
    for (int w = 0; w < k_writers; ++w)
        writers.emplace_back([&, w] {
            for (int i = 0; i < k_appends_each; ++i)
                if (audit_log(log, {"append", "--no-sync", fmt::format("writer {} entry {}", w, i)}, keys.env())
                        .exit_code != 0)
                    ++failures[static_cast<size_t>(w)];
        });
    for (auto& t : writers)
        t.join();
    for (int f : failures)
        CHECK(f == 0);
    const auto lines = lines_of(slurp(log));
    REQUIRE(lines.size() == k_writers * k_appends_each);
    std::map<std::string, int> seen;
    for (const auto& l : lines) {
        auto e = parse_line(l);
        REQUIRE(e);
        REQUIRE(e->chain);
        ++seen[e->message];
    }
    CHECK(seen.size() == lines.size()); // every entry once, none torn or merged
    auto v = audit_log(log, {"verify", "--json"}, keys.env());
    INFO(v.err);
    CHECK(v.exit_code == 0);
    const auto j = nlohmann::json::parse(v.out);
    CHECK(j.at("lines") == lines.size());
    auto cp = audit_log(log, {"checkpoint"}, keys.env());
    REQUIRE(cp.exit_code == 0);
    CHECK(cp.out.starts_with(test::default_audit_origin() + "\n" + std::to_string(lines.size()) + "\n"));
    auto body = crypto::checkpoint_body_of(cp.out);
    REQUIRE(body.ok());
    CHECK(body->size == lines.size());
}

namespace {

// A log of 6 entries appended by the tool, verified once (so the verifier accepted its
// checkpoint), and the checkpoint published (copied aside).
struct SignedLog {
    TempDir tmp;
    test::CheckpointKeys keys;
    std::string log = tmp.file("audit.log");
    std::string published = tmp.file("published.checkpoint");
    std::vector<std::string> good;

    SignedLog() {
        for (int i = 1; i <= 6; ++i)
            REQUIRE(audit_log(log, {"append", "action number " + std::to_string(i)}, keys.env()).exit_code == 0);
        good = lines_of(slurp(log));
        REQUIRE(good.size() == 6);
        REQUIRE(audit_log(log, {"verify"}, keys.env()).exit_code == 0);
        std::filesystem::copy_file(log + ".checkpoint", published);
    }

    // verify --json with the published checkpoint: exit 4, first problem at line, of kind.
    void expect_tampered(uint64_t line, const std::string& kind, std::vector<std::string> extra = {}) const {
        std::vector<std::string> args{"verify", "--json", "--checkpoint", published};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = audit_log(log, args, keys.env());
        INFO(slurp(log) << r.out << r.err);
        CHECK(r.exit_code == 4);
        auto j = nlohmann::json::parse(r.out);
        REQUIRE_FALSE(j.at("problems").empty());
        CHECK(j.at("problems")[0].at("line").get<uint64_t>() == line);
        CHECK(j.at("problems")[0].at("kind").get<std::string>() == kind);
        CHECK_THAT(r.err, Catch::Contains(line == 0 ? std::string("FAIL: ") : " line " + std::to_string(line) + ": "));
    }
};

} // namespace

TEST_CASE("audit log: the tamper table, each row exit 4 naming the line and the kind") {
    SignedLog s;
    auto lines = s.good;
    SECTION("a byte edited") {
        lines[2][lines[2].find("number") + 1] = 'U';
        write_lines(s.log, lines);
        s.expect_tampered(3, "chain mismatch");
    }
    SECTION("a line deleted") {
        lines.erase(lines.begin() + 2);
        write_lines(s.log, lines);
        s.expect_tampered(3, "chain mismatch");
    }
    SECTION("two lines swapped") {
        std::swap(lines[2], lines[3]);
        write_lines(s.log, lines);
        s.expect_tampered(3, "chain mismatch");
    }
    SECTION("truncated at a line boundary") {
        lines.resize(3);
        write_lines(s.log, lines);
        s.expect_tampered(4, "truncated");
    }
    SECTION("truncated inside the last line") {
        std::string text = slurp(s.log);
        text.resize(text.size() - 10);
        std::ofstream(s.log, std::ios::binary | std::ios::trunc) << text;
        s.expect_tampered(6, "cut off");
    }
    SECTION("a forged entry inserted, chained from the line before it") {
        const auto prev = parse_line(lines[1]);
        const std::string text = "[2026-01-01T00:00:00.000000Z] forged approval";
        lines.insert(lines.begin() + 2, text + "\t#" + chain_value("", *prev->chain, text));
        write_lines(s.log, lines);
        s.expect_tampered(4, "chain mismatch");
    }
    SECTION("every chain suffix stripped") {
        for (auto& l : lines)
            l = l.substr(0, l.size() - 66);
        write_lines(s.log, lines);
        s.expect_tampered(1, "unchained");
    }
    SECTION("one chain suffix stripped") {
        lines[3] = lines[3].substr(0, lines[3].size() - 66);
        write_lines(s.log, lines);
        s.expect_tampered(4, "unchained");
    }
    SECTION("a legacy line appended after the chained ones") {
        lines.push_back("[2026-01-01T00:00:00.000000Z] Auto-repair: nothing to see");
        write_lines(s.log, lines);
        s.expect_tampered(7, "unchained");
    }
    SECTION("a chained line appended by hand, outside the tool") {
        const auto last = parse_line(lines.back());
        const std::string text = "[2026-01-01T00:00:00.000000Z] appended by hand";
        lines.push_back(text + "\t#" + chain_value("", *last->chain, text));
        write_lines(s.log, lines);
        s.expect_tampered(7, "uncovered");
    }
    SECTION("the stored checkpoint removed") {
        std::filesystem::remove(s.log + ".checkpoint");
        auto r = audit_log(s.log, {"verify"}, s.keys.env());
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("no checkpoint"));
    }
    SECTION("rewritten and re-signed with the same key after the checkpoint was published") {
        // Whoever holds the key writes a fresh log of six other entries: chain and stored
        // checkpoint agree with it, but not with what was published and accepted.
        TempDir other;
        const std::string forged = other.file("audit.log");
        for (int i = 1; i <= 6; ++i)
            REQUIRE(audit_log(forged, {"append", "rewritten " + std::to_string(i)}, s.keys.env()).exit_code == 0);
        for (const char* suffix : {"", ".checkpoint", ".tree"})
            std::filesystem::copy_file(forged + suffix, s.log + suffix,
                                       std::filesystem::copy_options::overwrite_existing);
        s.expect_tampered(6, "equivocation");
        // Without the published copy: the checkpoint this verifier accepted before.
        auto r = audit_log(s.log, {"verify", "--json"}, s.keys.env());
        CHECK(r.exit_code == 4);
        CHECK(nlohmann::json::parse(r.out).at("problems")[0].at("kind") == "equivocation");
        // A longer rewrite: its first six entries are not the published ones.
        REQUIRE(audit_log(s.log, {"append", "seventh"}, s.keys.env()).exit_code == 0);
        s.expect_tampered(6, "rewritten");
    }
    SECTION("a checkpoint signed by a key that is not listed") {
        test::CheckpointKeys stranger;
        auto env = stranger.env();
        env.env["QUANTUM_VERIFIER_KEYS"] = s.keys.verifier_keys_file();
        REQUIRE(audit_log(s.log, {"append", "by a stranger"}, env).exit_code == 0);
        auto r = audit_log(s.log, {"verify", "--json"}, s.keys.env());
        CHECK(r.exit_code == 4);
        CHECK(nlohmann::json::parse(r.out).at("problems")[0].at("kind") == "bad signature");
    }
    SECTION("several problems are all reported") {
        lines[1][lines[1].find("number") + 1] = 'U';
        lines[4][lines[4].find("number") + 1] = 'U';
        write_lines(s.log, lines);
        auto r = audit_log(s.log, {"verify", "--json"}, s.keys.env());
        CHECK(r.exit_code == 4);
        const auto p = nlohmann::json::parse(r.out).at("problems");
        REQUIRE(p.size() >= 3);
        CHECK(p[0].at("line") == 2);
        CHECK(p[1].at("line") == 5);
        CHECK(p[2].at("kind") == "rewritten");
        CHECK_THAT(r.err, Catch::Contains("line 2: chain mismatch") && Catch::Contains("line 5: chain mismatch"));
    }
}

TEST_CASE("audit log: random edits never verify (property)") {
    SignedLog s;
    const std::string original = slurp(s.log);
    std::mt19937_64 rng(Catch::rngSeed());
    int tried = 0;
    for (int round = 0; round < 60; ++round) {
        std::string text = original;
        const size_t pos = rng() % text.size();
        switch (rng() % 5) {
        case 0:
            text[pos] = static_cast<char>(static_cast<unsigned char>(text[pos]) ^ (1 + rng() % 255));
            break;
        case 1:
            text.erase(pos, 1 + rng() % 40);
            break;
        case 2:
            text.insert(pos, std::string(1 + rng() % 3, static_cast<char>(' ' + rng() % 90)));
            break;
        case 3:
            text.insert(pos, "\n");
            break;
        default: { // a line duplicated elsewhere
            auto lines = lines_of(text);
            lines.insert(lines.begin() + static_cast<long>(rng() % lines.size()), lines[rng() % lines.size()]);
            text.clear();
            for (const auto& l : lines)
                text += l + "\n";
        }
        }
        if (text == original) continue;
        ++tried;
        std::ofstream(s.log, std::ios::binary | std::ios::trunc) << text;
        auto r = audit_log(s.log, {"verify", "--checkpoint", s.published}, s.keys.env());
        INFO(text);
        CHECK(r.exit_code == 4);
    }
    CHECK(tried > 50);
}

TEST_CASE("audit log: the untampered log stays consistent with an older checkpoint after more appends") {
    SignedLog s;
    for (int i = 0; i < 5; ++i)
        REQUIRE(audit_log(s.log, {"append", "later " + std::to_string(i)}, s.keys.env()).exit_code == 0);
    auto r = audit_log(s.log, {"verify", "--json", "--checkpoint", s.published}, s.keys.env());
    INFO(r.err);
    CHECK(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j.at("lines") == 11);
    for (const auto& c : j.at("checkpoints")) {
        CHECK(c.at("consistent") == true);
        CHECK(c.at("authenticated") == true);
    }
    // The verifier moved on: it now holds the size-11 checkpoint.
    auto accepted = crypto::read_accepted_checkpoint(s.keys.state_dir(), test::default_audit_origin());
    REQUIRE(accepted.ok());
    REQUIRE(accepted->has_value());
    CHECK((*accepted)->size == 11);
}

TEST_CASE("audit log: an auditor elsewhere verifies a copy with only the verifier key and a published checkpoint") {
    SignedLog s;
    TempDir auditor;
    std::filesystem::copy_file(s.log, auditor.file("audit.log"));
    auditor.write("keys", s.keys.verifier_key(test::default_audit_origin()) + "\n");
    test::RunOptions env;
    env.unset_env = {"QUANTUM_VERIFIER_KEYS"};
    env.env["QUANTUM_VERIFIER_STATE_DIR"] = auditor.file("state");
    auto r = audit_log(auditor.file("audit.log"),
                       {"verify", "--verifier-keys", auditor.file("keys"), "--checkpoint", s.published}, env);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    // Without verifier keys nothing is authenticated: said, and not exit 0.
    env.env["QUANTUM_VERIFIER_KEYS"] = "";
    auto none = audit_log(auditor.file("audit.log"), {"verify", "--checkpoint", s.published}, env);
    CHECK(none.exit_code == 1);
    CHECK_THAT(none.err, Catch::Contains("unauthenticated"));
}

TEST_CASE("audit log: keys, the tree state and rescan") {
    TempDir tmp;
    test::CheckpointKeys keys;
    const std::string log = tmp.file("audit.log");
    SECTION("a private key readable by others is refused (exit 2, naming the file)") {
        ::chmod(keys.key_file().c_str(), 0644);
        auto r = audit_log(log, {"append", "x"}, keys.env());
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(keys.key_file()));
        CHECK_FALSE(std::filesystem::exists(log + ".checkpoint"));
    }
    SECTION("without a key the append WARNs and the checkpoint is unsigned; verify with keys refuses it") {
        test::RunOptions o;
        o.env["QUANTUM_VERIFIER_KEYS"] = keys.verifier_keys_file();
        o.env["QUANTUM_VERIFIER_STATE_DIR"] = keys.state_dir();
        o.unset_env = {"QUANTUM_AUDIT_SIGNING_KEY_FILE", "CREDENTIALS_DIRECTORY"};
        auto r = audit_log(log, {"append", "x"}, o);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("WARN: no signing key"));
        auto v = audit_log(log, {"verify", "--json"}, o);
        CHECK(v.exit_code == 4);
        CHECK(nlohmann::json::parse(v.out).at("problems")[0].at("kind") == "unsigned checkpoint");
    }
    SECTION("verifier-key prints the C2SP verifier key of the signing key") {
        auto r = audit_log(log, {"verifier-key"}, keys.env());
        CHECK(r.exit_code == 0);
        CHECK(r.out == keys.verifier_key(test::default_audit_origin()) + "\n");
    }
    SECTION("a first-edition log (legacy lines, HMAC chain, head record) is taken over by rescan") {
        const std::string hkey = "s3cret-key";
        std::string prev = k_zero_chain;
        std::vector<std::string> lines{"[2025-12-17T17:39:46.725707Z] Test audit entry - system check"};
        for (int i = 0; i < 3; ++i) {
            const std::string text = "[2025-12-18T10:00:0" + std::to_string(i) + ".000000Z] keyed " + std::to_string(i);
            prev = chain_value(hkey, prev, text);
            lines.push_back(text + "\t#" + prev);
        }
        write_lines(log, lines);
        tmp.write("audit.log.head", prev + " 1\n");
        auto env = keys.env();
        env.env["QT_AUDIT_KEY_FILE"] = tmp.write("hkey", hkey);
        auto refused = audit_log(log, {"append", "new"}, env);
        CHECK(refused.exit_code == 4);
        CHECK_THAT(refused.err, Catch::Contains("audit-log rescan"));
        auto r = audit_log(log, {"rescan"}, env);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK_FALSE(std::filesystem::exists(log + ".head"));
        REQUIRE(audit_log(log, {"append", "new"}, env).exit_code == 0);
        auto v = audit_log(log, {"verify"}, env);
        INFO(v.err);
        CHECK(v.exit_code == 0);
        CHECK_THAT(v.err, Catch::Contains("4 chained, 1 legacy"));
        // The checkpoint carries the legacy count: stripping a suffix of the old part is seen.
        auto now = lines_of(slurp(log));
        now[1] = now[1].substr(0, now[1].size() - 66);
        write_lines(log, now);
        auto t = audit_log(log, {"verify", "--json"}, env);
        INFO(t.out);
        CHECK(t.exit_code == 4);
        CHECK(nlohmann::json::parse(t.out).at("problems")[0].at("line") == 2);
    }
    SECTION("an append after a line written by hand is refused; one interrupted append is taken in") {
        REQUIRE(audit_log(log, {"append", "one"}, keys.env()).exit_code == 0);
        const auto state = slurp(log + ".tree");
        REQUIRE(audit_log(log, {"append", "two"}, keys.env()).exit_code == 0);
        // As if the writer of "two" was killed after its line, before its tree state.
        std::ofstream(log + ".tree", std::ios::trunc) << state;
        auto r = audit_log(log, {"append", "three"}, keys.env());
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("interrupted append"));
        CHECK(audit_log(log, {"verify"}, keys.env()).exit_code == 0);
        {
            std::ofstream f(log, std::ios::app);
            f << "[2026-01-01T00:00:00.000000Z] echo >> audit.log\n";
        }
        auto refused = audit_log(log, {"append", "four"}, keys.env());
        CHECK(refused.exit_code == 4);
        CHECK_THAT(refused.err, Catch::Contains("audit-log rescan"));
        // rescan refuses a log that does not verify.
        CHECK(audit_log(log, {"rescan"}, keys.env()).exit_code == 4);
    }
}

TEST_CASE("audit log: falls back to the XDG state directory when /var/log/quantum is not writable") {
    if (::access("/var/log/quantum", W_OK) == 0) {
        QOPS_SKIP("/var/log/quantum is writable here: the fallback cannot be exercised");
    }
    TempDir tmp;
    test::RunOptions o;
    o.unset_env = {"QT_AUDIT_LOG"};
    o.env["XDG_STATE_HOME"] = tmp.path();
    auto r = test::run({"audit-log", "append", "fallback entry"}, o);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("WARN: /var/log/quantum/audit.log is not writable here; using " + tmp.path() +
                                      "/quantum/audit.log"));
    CHECK_THAT(slurp(tmp.file("quantum/audit.log")), Catch::Contains("fallback entry"));
}

TEST_CASE("audit log: usage errors") {
    TempDir tmp;
    CHECK(audit_log(tmp.file("a.log"), {}).exit_code == 2);
    CHECK(audit_log(tmp.file("a.log"), {"append"}).exit_code == 2);
    CHECK(audit_log(tmp.file("a.log"), {"append", std::string(k_max_message_bytes + 1, 'x')}).exit_code == 2);
    CHECK_FALSE(std::filesystem::exists(tmp.file("a.log.checkpoint")));
    CHECK(audit_log(tmp.file("missing.log"), {"verify"}).exit_code == 3);
}

TEST_CASE("audit log: stats and audit-summary report the same count for today as a full scan") {
    TempDir tmp;
    const std::string log = tmp.file("audit.log");
    const int64_t today = now_epoch_seconds() / 86400;
    test::write_days(
        log, {{test::day_string(today - 1), 5000}, {test::day_string(today), 3000}, {test::day_string(today + 1), 10}});
    {
        std::ofstream f(log, std::ios::app | std::ios::binary);
        for (int i = 0; i < 40; ++i) // a run of undated lines at the day's end
            f << "    continuation " << i << "\n";
    }
    const std::string day = test::day_string(today);
    const auto want = test::reference_day({slurp(log)}, day, 0).count;
    REQUIRE(want == 3000);
    auto st = audit_log(log, {"stats", "--json"});
    REQUIRE(st.exit_code == 0);
    const auto j = nlohmann::json::parse(st.out);
    CHECK(j.at("date") == day);
    CHECK(j.at("today") == want);
    CHECK(j.at("total") == 8010); // the continuation lines are not entries
    auto sum = test::run({"audit-summary", "--log", log, "--date", "today", "--json"});
    REQUIRE(sum.exit_code == 0);
    CHECK(nlohmann::json::parse(sum.out).at("total") == want);
}

TEST_CASE("audit log: Go's sumdb/note and sumdb/tlog verify a real log's stored checkpoint") {
    TempDir tmp;
    const auto tool = test::build_go_tool(tmp, "crypto/checkpoint_verify.go");
    if (!tool) QOPS_SKIP("go (golang-go, golang-golang-x-mod-dev) is not installed");
    test::CheckpointKeys keys;
    const std::string log = tmp.file("audit.log");
    write_lines(log, {"[2025-12-17T17:39:46.725707Z] Test audit entry - system check"});
    REQUIRE(audit_log(log, {"rescan"}, keys.env()).exit_code == 0);
    for (const std::string m : {"plain", "tab\there", "multi\nline", "ok é 日本", "bad \xff utf8"})
        REQUIRE(audit_log(log, {"append", m}, keys.env()).exit_code == 0);
    const std::string vkey = keys.verifier_key(test::default_audit_origin());
    const std::string published = tmp.file("published");
    std::filesystem::copy_file(log + ".checkpoint", published);
    auto r = test::run({*tool, vkey, log + ".checkpoint", log});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.starts_with(test::default_audit_origin() + " 6 "));
    for (int i = 0; i < 3; ++i)
        REQUIRE(audit_log(log, {"append", "more " + std::to_string(i)}, keys.env()).exit_code == 0);
    // An older checkpoint against the grown log: its first 6 lines.
    CHECK(test::run({*tool, vkey, published, log}).exit_code == 0);
    CHECK(test::run({*tool, vkey, log + ".checkpoint", log}).out.starts_with(test::default_audit_origin() + " 9 "));
    auto lines = lines_of(slurp(log));
    lines[2][lines[2].size() - 70] ^= 1;
    write_lines(log, lines);
    CHECK(test::run({*tool, vkey, published, log}).exit_code == 1);
}

TEST_CASE("audit log: each checkpoint is witnessed in quantum:stream:checkpoints, Redis down is a WARN only") {
    TempDir tmp;
    test::CheckpointKeys keys;
    test::RedisServer redis;
    const std::string log = tmp.file("audit.log");
    auto env = keys.env();
    env.env["QUANTUM_REDIS_URL"] = redis.url();
    env.env["QUANTUM_REDIS_TIMEOUT_MS"] = "500";
    REQUIRE(audit_log(log, {"append", "one"}, env).exit_code == 0);
    REQUIRE(audit_log(log, {"append", "two"}, env).exit_code == 0);
    auto all = redis.cmd({"XRANGE", "quantum:stream:checkpoints", "-", "+"});
    REQUIRE(all.size() == 2);
    std::map<std::string, std::string> f;
    const auto fields = all.element(1).element(1);
    for (size_t i = 0; i + 1 < fields.size(); i += 2)
        f[std::string(fields.element(i).str())] = std::string(fields.element(i + 1).str());
    CHECK(f.at("origin") == test::default_audit_origin());
    CHECK(f.at("size") == "2");
    CHECK(f.at("note") == slurp(log + ".checkpoint"));
    CHECK(slurp(log + ".checkpoint").find(f.at("root")) != std::string::npos);
    // The witnessed note is a published checkpoint like any other.
    const std::string published = tmp.write("witnessed", f.at("note"));
    CHECK(audit_log(log, {"verify", "--checkpoint", published}, env).exit_code == 0);

    redis.stop();
    const auto t0 = std::chrono::steady_clock::now();
    auto r = audit_log(log, {"append", "three"}, env);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("WARN: checkpoint 3 of") && Catch::Contains("not published"));
    CHECK(audit_log(log, {"verify"}, env).exit_code == 0);
}

TEST_CASE("audit log: verify and append write the gauges quantum-status reads") {
    TempDir tmp;
    test::CheckpointKeys keys;
    const std::string log = tmp.file("audit.log");
    auto env = keys.env();
    env.env["QUANTUM_METRICS_DIR"] = tmp.file("metrics");
    std::filesystem::create_directories(tmp.file("metrics"));
    REQUIRE(audit_log(log, {"append", "one"}, env).exit_code == 0);
    REQUIRE(audit_log(log, {"append", "two"}, env).exit_code == 0);
    CHECK_THAT(slurp(tmp.file("metrics/audit-log.prom")),
               Catch::Contains("quantum_audit_checkpoint_size{job=\"audit-log\"} 2"));
    REQUIRE(audit_log(log, {"verify"}, env).exit_code == 0);
    const std::string ok = slurp(tmp.file("metrics/audit-log.prom"));
    CHECK_THAT(ok, Catch::Contains("quantum_audit_verify_ok{job=\"audit-log\"} 1"));
    CHECK_THAT(ok, Catch::Contains("quantum_audit_chain_ok{job=\"audit-log\"} 1"));
    CHECK_THAT(ok, Catch::Contains("quantum_audit_verify_timestamp_seconds{job=\"audit-log\"} "));
    auto lines = lines_of(slurp(log));
    lines[0][lines[0].size() - 70] ^= 1;
    write_lines(log, lines);
    REQUIRE(audit_log(log, {"verify"}, env).exit_code == 4);
    CHECK_THAT(slurp(tmp.file("metrics/audit-log.prom")),
               Catch::Contains("quantum_audit_verify_ok{job=\"audit-log\"} 0"));
}
