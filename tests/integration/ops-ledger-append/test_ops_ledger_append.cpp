// ops-ledger-append as a whole process: placement in a real file, values read back by
// PyYAML, exit codes shared by append and --verify, concurrency, kill -9 and a full disk.
#include "ledger/ledger.hpp"
#include "support/checkpoint_keys.hpp"
#include "support/go_tool.hpp"
#include "support/run.hpp"
#include "support/skip.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

using namespace qops;
using namespace qops::ledger;
using qops::test::slurp;
using qops::test::TempDir;

namespace {

std::string seed_path() {
    return std::string(QOPS_TEST_DATA_DIR) + "/ledger/seed_OPS_CHANGELOG.md";
}

std::vector<std::string> base_args(const std::string& ledger) {
    return {"ops-ledger-append", "--ledger",        ledger,           "--name",          "Deploy",
            "--risk-class",      "LOW_RISK_CONFIG", "--blast-radius", "repository only", "--summary",
            "a change",          "--outcome",       "SUCCESS"};
}

// The tools sign and verify with one throwaway key per test run; each ledger has its own
// verifier state beside it (two test ledgers of one size are not an equivocation).
test::RunOptions signed_env(const std::string& ledger) {
    static const test::CheckpointKeys k;
    auto o = k.env();
    o.env["QUANTUM_VERIFIER_STATE_DIR"] = ledger + ".verifier-state";
    return o;
}

test::RunResult append_entry(const std::string& ledger, std::vector<std::string> extra = {}) {
    auto args = base_args(ledger);
    args.insert(args.end(), extra.begin(), extra.end());
    return test::run(args, signed_env(ledger));
}

Ledger parsed(const std::string& path) {
    auto l = parse(slurp(path));
    REQUIRE(l.ok());
    return *l;
}

YAML::Node node_of(const EntryBlock& e) {
    auto n = load_entry(e.body);
    REQUIRE(n.ok());
    return n->node;
}

test::RunResult verify_cmd(const std::string& ledger) {
    return test::run({"ops-ledger-append", "--ledger", ledger, "--verify"}, signed_env(ledger));
}

} // namespace

TEST_CASE(
    "ops-ledger-append: an entry goes to the top of its month section (created in order) and Template stays last") {
    TempDir tmp;
    const std::string ledger = tmp.file("OPS_CHANGELOG.md");
    std::filesystem::copy_file(seed_path(), ledger);
    auto r = append_entry(ledger);
    REQUIRE(r.exit_code == 0);
    const std::string text = slurp(ledger);
    const auto new_month = text.find("## " + std::string(r.out.substr(r.out.find("OPS-") + 4, 7)));
    const auto old_month = text.find("## 2026-01");
    const auto templ = text.find("## Template (copy for new entries)");
    const auto usage = text.find("## Usage Notes");
    CHECK(new_month < old_month);
    CHECK(old_month < templ);
    CHECK(templ < usage);
    // The trailer is byte for byte the seed's.
    const std::string seed = slurp(seed_path());
    CHECK(text.substr(text.find("## Template")) == seed.substr(seed.find("## Template")));
    auto l = parsed(ledger);
    CHECK(l.entries.size() == 8);
    CHECK(l.entries[0].seq == std::optional<uint64_t>(1));
    // A second entry of the same month goes above the first.
    REQUIRE(append_entry(ledger).exit_code == 0);
    auto l2 = parsed(ledger);
    CHECK(l2.entries[0].seq == std::optional<uint64_t>(2));
    CHECK(l2.entries[0].month == l2.entries[1].month);
    CHECK(verify_cmd(ledger).exit_code == 0);
}

TEST_CASE("ops-ledger-append: hard values read back as the same strings with PyYAML") {
    if (!std::filesystem::exists("/usr/bin/python3") ||
        test::run({"/usr/bin/python3", "-c", "import yaml"}).exit_code != 0)
        QOPS_SKIP("/usr/bin/python3 with PyYAML (python3-yaml) is not installed");
    TempDir tmp;
    const std::string ledger = tmp.write("L.md", "# Ledger\n\n---\n\n## Template\n");
    const std::vector<std::string> values{"yes",
                                          "no",
                                          "No",
                                          "on",
                                          "y",
                                          "null",
                                          "~",
                                          "1e3",
                                          "1.5",
                                          "0x1F",
                                          "012",
                                          "0o17",
                                          "1_000",
                                          "12:30:00",
                                          "2026-01-28",
                                          ".inf",
                                          "- x",
                                          "-",
                                          ": ",
                                          "key: value",
                                          "#",
                                          "# comment",
                                          "hash # not a comment",
                                          " leading",
                                          "trailing ",
                                          "line one\nline two\n  indented",
                                          "ends in a newline\n",
                                          "\n",
                                          "",
                                          "\"double\" and 'single'",
                                          "'",
                                          "\"",
                                          "unicode é 日本 ✅",
                                          "tab\there",
                                          "del \x7f char",
                                          "[not, a, list]",
                                          "{not: a map}",
                                          "!tag",
                                          "&anchor",
                                          "*alias",
                                          "%percent",
                                          "@at",
                                          "`tick",
                                          "|",
                                          ">",
                                          "?",
                                          "<<",
                                          "=",
                                          std::string(5000, 'x') + " long"};
    // Each value in --notes, --objective and --service (a list item and a map key), read
    // back by PyYAML.
    for (size_t i = 0; i < values.size(); ++i) {
        INFO(values[i]);
        std::vector<std::string> flags{"--notes", values[i], "--objective", values[i]};
        // A unit needs a name, and CLI11 reads "[a, b]" given to a repeatable flag as two values.
        const bool unit_ok = !values[i].empty() && !values[i].starts_with('[');
        if (unit_ok) flags.insert(flags.end(), {"--service", values[i]});
        REQUIRE(append_entry(ledger, flags).exit_code == 0);
    }
    const std::string script = R"(import json, re, sys, yaml
text = open(sys.argv[1], encoding="utf-8").read()
out = []
for b in reversed(re.findall(r"^```yaml\n(.*?)^```$", text, re.S | re.M)):
    d = yaml.safe_load(b)
    if d and "chain_seq" in d:
        out.append([d.get("notes", ""), d.get("objective", ""), d.get("allowed_services", [""])[0],
                    list(d.get("services_status", {"": 0}).keys())[0], d["entry_hash"], d["prev_hash"], d["git_commit"]])
print(json.dumps(out))
)";
    const std::string script_path = tmp.write("read.py", script);
    auto r = test::run({"/usr/bin/python3", script_path, ledger});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto got = nlohmann::json::parse(r.out);
    REQUIRE(got.size() == values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        INFO(values[i]);
        // An empty value is not recorded; the others read back unchanged, as strings.
        const std::string expect = values[i];
        CHECK(got[i][0].get<std::string>() == expect);
        CHECK(got[i][1].get<std::string>() == expect);
        if (!expect.empty() && !expect.starts_with('[')) {
            CHECK(got[i][2].get<std::string>() == expect);
            CHECK(got[i][3].get<std::string>() == expect);
        }
        // Hashes and commits are strings, never numbers (64 zeros, 1e5..., 01234567).
        CHECK(got[i][4].is_string());
        CHECK(got[i][5].is_string());
        CHECK(got[i][6].is_string());
    }
    CHECK(verify_cmd(ledger).exit_code == 0);
}

TEST_CASE("ops-ledger-append: one exit code per condition whether appending or verifying") {
    TempDir tmp;
    const std::string ledger = tmp.file("L.md");
    std::filesystem::copy_file(seed_path(), ledger);
    REQUIRE(append_entry(ledger).exit_code == 0);
    const auto both = [&](const std::string& path) {
        return std::pair{append_entry(path).exit_code, verify_cmd(path).exit_code};
    };
    SECTION("a missing ledger: 3") {
        CHECK(both(tmp.file("missing.md")) == std::pair{3, 3});
    }
    SECTION("a ledger that is a directory: 3") {
        const std::string dir = tmp.file("dir.md");
        std::filesystem::create_directories(dir);
        CHECK(both(dir) == std::pair{3, 3});
    }
    SECTION("an edited entry: 4, file untouched") {
        std::string t = slurp(ledger);
        t.replace(t.find("operation_name: Deploy"), 22, "operation_name: [Deploy");
        std::ofstream(ledger, std::ios::trunc) << t;
        CHECK(both(ledger) == std::pair{4, 4});
        CHECK(slurp(ledger) == t);
    }
    SECTION("a chained block that is not YAML: 4") {
        std::string t = slurp(ledger);
        t.replace(t.find("chain_seq: 1\n"), 13, "chain_seq: [1\n");
        std::ofstream(ledger, std::ios::trunc) << t;
        CHECK(both(ledger) == std::pair{4, 4});
    }
    SECTION("an unclosed fence, in a month section or after the trailer: 4") {
        const std::string t = slurp(ledger);
        // Past the trailer it would swallow whatever an append adds to the file.
        std::ofstream(ledger, std::ios::app) << "\n```yaml\n---\noperation_id: OPS-2020-01-01-001\n";
        CHECK(both(ledger) == std::pair{4, 4});
        std::ofstream(ledger, std::ios::trunc) << "# L\n## 2020-01\n```yaml\n---\noperation_id: OPS-2020-01-01-001\n";
        CHECK(both(ledger) == std::pair{4, 4});
    }
    SECTION("bad flags or values: 2") {
        CHECK(test::run({"ops-ledger-append", "--ledger", ledger, "--verify", "--bogus"}).exit_code == 2);
        CHECK(append_entry(ledger, {"--outcome", "MAYBE"}).exit_code == 2);
    }
}

TEST_CASE("ops-ledger-append: missing or invalid required flags exit 2 and leave the file untouched") {
    TempDir tmp;
    const std::string ledger = tmp.file("L.md");
    std::filesystem::copy_file(seed_path(), ledger);
    const std::string before = slurp(ledger);
    const std::vector<std::vector<std::string>> bad{
        {"ops-ledger-append", "--ledger", ledger, "--name", "x", "--risk-class", "READ_ONLY", "--blast-radius", "b",
         "--summary", "s"},
        {"ops-ledger-append", "--ledger", ledger, "--risk-class", "READ_ONLY", "--blast-radius", "b", "--summary", "s",
         "--outcome", "SUCCESS"},
        {"ops-ledger-append", "--ledger", ledger, "--name", "x", "--risk-class", "YOLO", "--blast-radius", "b",
         "--summary", "s", "--outcome", "SUCCESS"},
        {"ops-ledger-append", "--ledger", ledger, "--name", "x", "--risk-class", "READ_ONLY", "--blast-radius", "b",
         "--summary", "s", "--outcome", "MAYBE"},
        {"ops-ledger-append", "--ledger", ledger, "--name", "bad \xff utf8", "--risk-class", "READ_ONLY",
         "--blast-radius", "b", "--summary", "s", "--outcome", "SUCCESS"},
        {"ops-ledger-append", "--ledger", ledger, "--rollback-of", "OPS-1999-01-01-001", "--name", "x", "--risk-class",
         "READ_ONLY", "--blast-radius", "b", "--summary", "s"},
        {"ops-ledger-append", "--ledger", ledger, "--bogus"},
    };
    for (const auto& args : bad) {
        auto r = test::run(args);
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK(slurp(ledger) == before);
    }
    // --dry-run prints the entry and writes nothing.
    auto d = append_entry(ledger, {"--dry-run"});
    CHECK(d.exit_code == 0);
    CHECK_THAT(d.out, Catch::Contains("operation_name: Deploy"));
    CHECK(slurp(ledger) == before);
}

TEST_CASE("ops-ledger-append: --rollback-of appends a ROLLBACK entry naming the original") {
    TempDir tmp;
    const std::string ledger = tmp.file("L.md");
    std::filesystem::copy_file(seed_path(), ledger);
    auto r = test::run({"ops-ledger-append", "--ledger", ledger, "--rollback-of", "OPS-2026-01-27-012", "--name",
                        "Back to shadow mode", "--risk-class", "SERVICE_RESTART", "--blast-radius", "governor",
                        "--summary", "P28_MODE=shadow", "--json"});
    REQUIRE(r.exit_code == 0);
    auto l = parsed(ledger);
    CHECK(node_of(l.entries[0])["outcome"].as<std::string>() == "ROLLBACK");
    CHECK(node_of(l.entries[0])["rollback_of"].as<std::string>() == "OPS-2026-01-27-012");
    // The original is untouched.
    CHECK(node_of(l.entries[3])["outcome"].as<std::string>() == "SUCCESS");
}

TEST_CASE("ops-ledger-append: git_commit and git_branch name the checkout holding the ledger, unknown outside one") {
    if (test::run({"git", "--version"}).exit_code != 0) QOPS_SKIP("git is not installed");
    TempDir tmp;
    const auto git = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"git", "-C", tmp.file("repo"), "-c", "user.email=t@x", "-c", "user.name=t"});
        test::RunOptions o;
        o.unset_env = {"GIT_DIR", "GIT_WORK_TREE"};
        return test::run(args, o);
    };
    const auto facts = [](const std::string& ledger) {
        test::RunOptions o = signed_env(ledger);
        o.unset_env = {"GIT_DIR", "GIT_WORK_TREE"};
        auto args = base_args(ledger);
        REQUIRE(test::run(args, o).exit_code == 0);
        const YAML::Node n = node_of(parsed(ledger).entries[0]);
        return std::pair{n["git_commit"].as<std::string>(), n["git_branch"].as<std::string>()};
    };
    const std::pair<std::string, std::string> unknown{"unknown", "unknown"};
    SECTION("outside a checkout") {
        if (test::run({"git", "-C", tmp.path(), "rev-parse", "--git-dir"}).exit_code == 0)
            QOPS_SKIP("$TMPDIR is inside a git checkout");
        CHECK(facts(tmp.write("L.md", "# L\n")) == unknown);
    }
    SECTION("in a checkout (through a symlink too), and in one without a commit yet") {
        std::filesystem::create_directories(tmp.file("repo/ops"));
        REQUIRE(git({"init", "-q", "--initial-branch=trunk"}).exit_code == 0);
        const std::string ledger = tmp.write("repo/ops/L.md", "# L\n");
        CHECK(facts(ledger) == unknown);
        REQUIRE(git({"add", "-A"}).exit_code == 0);
        REQUIRE(git({"commit", "-qm", "ledger"}).exit_code == 0);
        const auto head = git({"rev-parse", "--short=8", "HEAD"});
        REQUIRE(head.exit_code == 0);
        const std::pair<std::string, std::string> expected{head.out.substr(0, head.out.find('\n')), "trunk"};
        CHECK(facts(ledger) == expected);
        std::filesystem::create_directory_symlink(tmp.file("repo/ops"), tmp.file("link"));
        CHECK(facts(tmp.file("link/L.md")) == expected);
    }
}

TEST_CASE(
    "ops-ledger-append: 32 processes appending at once give 32 distinct consecutive ids and a chain that verifies") {
    TempDir tmp;
    const std::string ledger = tmp.file("L.md");
    std::filesystem::copy_file(seed_path(), ledger);
    std::vector<std::thread> ts;
    std::vector<int> codes(32, -1);
    for (int i = 0; i < 32; ++i)
        ts.emplace_back([&, i] {
            codes[static_cast<size_t>(i)] = append_entry(ledger, {"--notes", "writer " + std::to_string(i)}).exit_code;
        });
    for (auto& t : ts)
        t.join();
    for (int c : codes)
        CHECK(c == 0);
    auto l = parsed(ledger);
    REQUIRE(l.entries.size() == 39);
    std::set<std::string> ids, notes;
    std::set<int> numbers;
    for (size_t i = 0; i < 32; ++i) {
        ids.insert(l.entries[i].operation_id);
        notes.insert(node_of(l.entries[i])["notes"].as<std::string>());
        numbers.insert(std::stoi(l.entries[i].operation_id.substr(15)));
    }
    CHECK(ids.size() == 32);
    CHECK(notes.size() == 32);
    CHECK(*numbers.begin() == 1);
    CHECK(*numbers.rbegin() == 32); // consecutive: 1..32 all present
    CHECK(verify_cmd(ledger).exit_code == 0);
}

TEST_CASE("ops-ledger-append: a writer killed with SIGKILL never leaves a file that fails to parse") {
    TempDir tmp;
    const std::string ledger = tmp.file("L.md");
    std::filesystem::copy_file(seed_path(), ledger);
    for (int round = 0; round < 40; ++round) {
        const pid_t pid = ::fork();
        if (pid == 0) {
            auto args = base_args(ledger);
            std::vector<char*> argv;
            const std::string exe = test::tool_path("ops-ledger-append");
            args[0] = exe;
            for (auto& a : args)
                argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(exe.c_str(), argv.data());
            ::_exit(127);
        }
        ::usleep(static_cast<useconds_t>(1000 + (round * 997) % 15000));
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        auto l = parse(slurp(ledger));
        REQUIRE(l.ok());
        CHECK(verify(*l).problems.empty());
    }
    // No temp files are left in a state that would be taken for the ledger, and the next
    // append takes in an entry whose writer was killed before its checkpoint.
    REQUIRE(append_entry(ledger).exit_code == 0);
    CHECK(verify_cmd(ledger).exit_code == 0);
}

TEST_CASE("ops-ledger-append: a full disk gives exit 3 and the old file intact") {
    TempDir tmp;
    const std::string dir = tmp.file("tiny");
    std::filesystem::create_directories(dir);
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=32k") != 0) {
        QOPS_SKIP("cannot mount a tmpfs here (not root?): the full-disk case is not exercised");
    }
    struct Unmount {
        std::string d;
        ~Unmount() { ::umount2(d.c_str(), MNT_DETACH); }
    } unmount{dir};
    const std::string ledger = dir + "/L.md";
    std::filesystem::copy_file(seed_path(), ledger); // ~11 KiB of 32
    const std::string before = slurp(ledger);
    // Fill the rest of the filesystem.
    {
        std::ofstream fill(dir + "/filler", std::ios::binary);
        fill << std::string(64 * 1024, 'x');
    }
    auto r = append_entry(ledger, {"--notes", std::string(8000, 'n')});
    INFO(r.err);
    CHECK(r.exit_code == 3);
    CHECK(slurp(ledger) == before);
    for (const auto& e : std::filesystem::directory_iterator(dir))
        CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);
}

TEST_CASE("ops-ledger-append: --verify catches an edited value or a removed or reordered entry (exit 4)") {
    TempDir tmp;
    const std::string ledger = tmp.file("L.md");
    std::filesystem::copy_file(seed_path(), ledger);
    for (int i = 0; i < 4; ++i)
        REQUIRE(append_entry(ledger, {"--notes", "entry " + std::to_string(i)}).exit_code == 0);
    REQUIRE(verify_cmd(ledger).exit_code == 0);
    const std::string good = slurp(ledger);
    auto blocks = [&](const std::string& text) {
        std::vector<std::pair<size_t, size_t>> out;
        for (size_t p = text.find("```yaml\n"); p != std::string::npos; p = text.find("```yaml\n", p + 1)) {
            const size_t end = text.find("```\n", p + 8) + 4;
            out.emplace_back(p, end);
        }
        return out;
    };
    auto expect_broken = [&](const std::string& text, const char* needle) {
        std::ofstream(ledger, std::ios::trunc) << text;
        auto r = verify_cmd(ledger);
        INFO(r.err);
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains(needle));
        std::ofstream(ledger, std::ios::trunc) << good;
    };
    SECTION("an edited value") {
        std::string t = good;
        t.replace(t.find("notes: entry 2"), 14, "notes: entry 9");
        expect_broken(t, "does not match its entry_hash");
    }
    SECTION("an edited legacy entry is no chain break, but the checkpoint's tree holds it") {
        std::string t = good;
        t.replace(t.find("hostname: Gemgeminay"), 20, "hostname: elsewhere1");
        expect_broken(t, "rewritten");
    }
    SECTION("a removed entry (in the middle)") {
        const auto b = blocks(good);
        std::string t = good;
        t.erase(b[1].first, b[1].second - b[1].first);
        expect_broken(t, "missing");
    }
    SECTION("the newest entry removed") {
        const auto b = blocks(good);
        std::string t = good;
        t.erase(b[0].first, b[0].second - b[0].first);
        expect_broken(t, "newest entries removed");
    }
    SECTION("a reordered pair") {
        const auto b = blocks(good);
        const std::string first = good.substr(b[1].first, b[1].second - b[1].first);
        const std::string second = good.substr(b[2].first, b[2].second - b[2].first);
        std::string t = good.substr(0, b[1].first) + second + good.substr(b[1].second, b[2].first - b[1].second) +
                        first + good.substr(b[2].second);
        expect_broken(t, "reordered");
    }
}

TEST_CASE("ops-ledger-append: the tamper table, each row exit 4 naming the entry's line") {
    TempDir tmp;
    const std::string ledger = tmp.file("L.md");
    std::filesystem::copy_file(seed_path(), ledger);
    for (int i = 0; i < 3; ++i)
        REQUIRE(append_entry(ledger, {"--notes", "entry " + std::to_string(i)}).exit_code == 0);
    REQUIRE(verify_cmd(ledger).exit_code == 0);
    const std::string published = tmp.file("published");
    std::filesystem::copy_file(ledger + ".checkpoint", published);
    const std::string good = slurp(ledger);
    // The ```yaml blocks, newest first: [0..2] chained, then the seed's.
    std::vector<std::pair<size_t, size_t>> b;
    for (size_t p = good.find("```yaml\n"); p != std::string::npos; p = good.find("```yaml\n", p + 1))
        b.emplace_back(p, good.find("```\n", p + 8) + 4);
    auto block = [&](size_t i) { return good.substr(b[i].first, b[i].second - b[i].first); };
    auto line_of = [](const std::string& text, size_t offset) {
        return 1 + std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n');
    };
    auto expect_tampered = [&](const std::string& text, long line, const std::string& needle) {
        std::ofstream(ledger, std::ios::trunc) << text;
        auto r = test::run({"ops-ledger-append", "--ledger", ledger, "--verify", "--checkpoint", published},
                           signed_env(ledger));
        INFO(text << r.err);
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("(line " + std::to_string(line) + ")") && Catch::Contains(needle));
    };
    const std::string legacy_block = "```yaml\n---\noperation_id: OPS-2026-01-01-099\noperation_name: forged\n```\n";
    SECTION("a byte edited") {
        std::string t = good;
        t[t.find("notes: entry 1") + 13] = '7';
        expect_tampered(t, line_of(t, b[1].first), "does not match its entry_hash");
    }
    SECTION("an entry deleted") {
        std::string t = good;
        t.erase(b[1].first, b[1].second - b[1].first);
        expect_tampered(t, line_of(t, t.find("```yaml\n")), "missing before it");
    }
    SECTION("two entries swapped") {
        std::string t = good.substr(0, b[0].first) + block(1) + good.substr(b[0].second, b[1].first - b[0].second) +
                        block(0) + good.substr(b[1].second);
        expect_tampered(t, line_of(t, b[0].first), "reordered");
    }
    SECTION("truncated: the newest entry removed") {
        std::string t = good;
        t.erase(b[0].first, b[0].second - b[0].first);
        expect_tampered(t, line_of(t, t.find("```yaml\n")), "truncated");
    }
    SECTION("an unchained entry inserted between two chained ones") {
        std::string t = good;
        t.insert(b[1].first, legacy_block + "\n");
        expect_tampered(t, line_of(t, b[1].first), "unchained, but newer than the chained entry");
    }
    SECTION("the chain fields stripped from an entry") {
        std::string t = good;
        const size_t from = t.find("chain_seq: 3");
        t.erase(from, t.find("```\n", from) - from);
        expect_tampered(t, line_of(t, b[0].first), "unchained");
    }
    SECTION("a legacy entry added after the chained ones (at the top of the month)") {
        std::string t = good;
        t.insert(b[0].first, legacy_block + "\n");
        expect_tampered(t, line_of(t, b[0].first), "unchained, but newer than the chained entry");
    }
    SECTION("rewritten and re-signed with the same key after the checkpoint was published") {
        TempDir other;
        const std::string forged = other.file("L.md");
        std::filesystem::copy_file(seed_path(), forged);
        for (int i = 0; i < 3; ++i)
            REQUIRE(append_entry(forged, {"--notes", "rewritten " + std::to_string(i)}).exit_code == 0);
        std::filesystem::copy_file(forged + ".checkpoint", ledger + ".checkpoint",
                                   std::filesystem::copy_options::overwrite_existing);
        const std::string t = slurp(forged);
        expect_tampered(t, line_of(t, t.find("```yaml\n")), "equivocation");
    }
    SECTION("an edited legacy entry: the chain cannot see it, the checkpoint's tree does") {
        std::string t = good;
        t.replace(t.find("hostname: Gemgeminay"), 20, "hostname: elsewhere1");
        std::ofstream(ledger, std::ios::trunc) << t;
        auto r = verify_cmd(ledger);
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("rewritten") && Catch::Contains("(line "));
    }
}

TEST_CASE("ops-ledger-append: the untampered ledger stays consistent with an older checkpoint, and prints its own") {
    TempDir tmp;
    const std::string ledger = tmp.file("L.md");
    std::filesystem::copy_file(seed_path(), ledger);
    REQUIRE(append_entry(ledger).exit_code == 0);
    const std::string published = tmp.file("published");
    std::filesystem::copy_file(ledger + ".checkpoint", published);
    for (int i = 0; i < 3; ++i)
        REQUIRE(append_entry(ledger).exit_code == 0);
    auto r = test::run({"ops-ledger-append", "--ledger", ledger, "--verify", "--checkpoint", published, "--json"},
                       signed_env(ledger));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    auto cp = test::run({"ops-ledger-append", "--ledger", ledger, "--checkpoint"}, signed_env(ledger));
    CHECK(cp.exit_code == 0);
    CHECK(cp.out.starts_with(test::default_ledger_origin() + "\n11\n"));
    auto vk = test::run({"ops-ledger-append", "--verifier-key"}, signed_env(ledger));
    CHECK(vk.exit_code == 0);
    CHECK_THAT(vk.out, Catch::StartsWith(test::default_ledger_origin() + "+"));
}

TEST_CASE("ops-ledger-append: Go's sumdb/note and sumdb/tlog verify a real ledger's stored checkpoint") {
    TempDir tmp;
    const auto tool = test::build_go_tool(tmp, "crypto/checkpoint_verify.go");
    if (!tool) QOPS_SKIP("go (golang-go, golang-golang-x-mod-dev) is not installed");
    const std::string ledger = tmp.file("L.md");
    std::filesystem::copy_file(seed_path(), ledger);
    for (int i = 0; i < 3; ++i)
        REQUIRE(append_entry(ledger, {"--notes", "multi\nline: \"value\" " + std::to_string(i)}).exit_code == 0);
    auto vk = test::run({"ops-ledger-append", "--verifier-key"}, signed_env(ledger));
    REQUIRE(vk.exit_code == 0);
    const std::string vkey = vk.out.substr(0, vk.out.find('\n'));
    auto r = test::run({*tool, vkey, ledger + ".checkpoint", ledger, "ledger"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.starts_with(test::default_ledger_origin() + " 10 "));
    std::string t = slurp(ledger);
    t[t.find("multi") + 1] = 'U';
    std::ofstream(ledger, std::ios::trunc) << t;
    CHECK(test::run({*tool, vkey, ledger + ".checkpoint", ledger, "ledger"}).exit_code == 1);
}

TEST_CASE("ops-ledger-append: verify and append write the gauges quantum-status reads") {
    TempDir tmp;
    const std::string ledger = tmp.file("L.md");
    std::filesystem::copy_file(seed_path(), ledger);
    auto env = signed_env(ledger);
    env.env["QUANTUM_METRICS_DIR"] = tmp.file("metrics");
    std::filesystem::create_directories(tmp.file("metrics"));
    auto args = base_args(ledger);
    REQUIRE(test::run(args, env).exit_code == 0);
    CHECK_THAT(slurp(tmp.file("metrics/ops-ledger-append.prom")),
               Catch::Contains("quantum_ledger_checkpoint_size{job=\"ops-ledger-append\"} 8"));
    REQUIRE(test::run({"ops-ledger-append", "--ledger", ledger, "--verify"}, env).exit_code == 0);
    const std::string m = slurp(tmp.file("metrics/ops-ledger-append.prom"));
    CHECK_THAT(m, Catch::Contains("quantum_ledger_verify_ok{job=\"ops-ledger-append\"} 1"));
    CHECK_THAT(m, Catch::Contains("quantum_ledger_verify_timestamp_seconds{job=\"ops-ledger-append\"} "));
}

TEST_CASE("ops-ledger-append: a signing key readable by others is refused (exit 2, naming it), nothing written") {
    TempDir tmp;
    const std::string ledger = tmp.file("L.md");
    std::filesystem::copy_file(seed_path(), ledger);
    const std::string before = slurp(ledger);
    const auto key = crypto::SigningKey::generate();
    REQUIRE(key.write_pem_file(tmp.file("key")).ok());
    ::chmod(tmp.file("key").c_str(), 0644);
    auto env = signed_env(ledger);
    env.env["QUANTUM_LEDGER_SIGNING_KEY_FILE"] = tmp.file("key");
    auto args = base_args(ledger);
    auto r = test::run(args, env);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(tmp.file("key")));
    CHECK(slurp(ledger) == before);
    CHECK_FALSE(std::filesystem::exists(ledger + ".checkpoint"));
}
