#include "ledger/ledger.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include "support/skip.hpp"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
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

test::RunResult append_entry(const std::string& ledger, std::vector<std::string> extra = {}) {
    auto args = base_args(ledger);
    args.insert(args.end(), extra.begin(), extra.end());
    return test::run(args);
}

Ledger parsed(const std::string& path) {
    auto l = parse(slurp(path));
    REQUIRE(l.ok());
    return *l;
}

test::RunResult verify_cmd(const std::string& ledger) {
    return test::run({"ops-ledger-append", "--ledger", ledger, "--verify"});
}

} // namespace

TEST_CASE("ledger: the seed's hand-kept file parses completely") {
    auto l = parsed(seed_path());
    REQUIRE(l.entries.size() == 7);
    CHECK(l.entries[0].operation_id == "OPS-2026-01-28-001");
    CHECK(l.entries[6].operation_id == "OPS-2026-01-27-001");
    // Comma-joined services, a loose value with ": ", '|' blocks and '#' comments after list items.
    CHECK(l.entries[2].node["allowed_services"][0].as<std::string>() ==
          "quantum-portfolio-risk-governor,quantum-governor");
    CHECK(l.entries[1].node["blast_radius"].as<std::string>().find("Fail-safe: stale cache") != std::string::npos);
    CHECK(l.entries[2].node["metrics_snapshot"].as<std::string>() == "# http://localhost:8049/metrics: FAILED\n");
    CHECK(l.entries[4].node["commits"][0].as<std::string>() == "b556c2d8");
    CHECK(l.entries[4].node["verification_evidence"].size() == 4);
    const auto r = verify(l);
    CHECK(r.problems.empty());
    CHECK(r.legacy == 7);
    CHECK(r.chained == 0);
}

TEST_CASE("ledger: an entry goes to the top of its month section, created in order; Template stays last") {
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

TEST_CASE("ledger: the splice writes the old text from where it was read, around the new block") {
    const std::string seed = slurp(seed_path());
    const std::string body = "operation_id: OPS-2026-11-30-001\nchain_seq: 1\n";
    for (const std::string& text : {seed, seed.substr(0, seed.size() - 1), std::string(), std::string("# Title")}) {
        const Splice sp = splice_entry(text, "2026-11", body, 1, std::string(64, 'a'));
        const std::string joined = sp.str();
        CHECK(joined.size() == sp.size());
        // Every byte of the old text is still there, in order, and the new block once.
        CHECK(joined.find("```yaml\n" + body + "```\n") != std::string::npos);
        auto l = parse(joined, false);
        REQUIRE(l.ok());
        CHECK(l->entries.size() == count_entries(text) + 1);
        CHECK(l->head_seq == std::optional<uint64_t>(1));
        // The old text's pieces point into it: nothing of it was copied.
        size_t from_text = 0;
        for (const auto v : sp.views())
            if (!text.empty() && v.data() >= text.data() && v.data() + v.size() <= text.data() + text.size())
                from_text += v.size();
        CHECK(from_text + 2 >= text.size()); // all but a replaced head line
        // A file without its last newline gets one before what follows it, and no more.
        CHECK(joined.find("\n\n\n\n") == std::string::npos);
    }
}

TEST_CASE("ledger: entries are counted in the month sections only; ids continue the day's highest") {
    const std::string text = "# Ledger\n```yaml\nnot: counted (before the months)\n```\n"
                             "## 2026-11\n\n```yaml\n---\noperation_id: OPS-2026-11-30-002\n```\n\n"
                             "```yaml   \noperation_id: \"OPS-2026-11-30-009\"\n```\n"
                             "## 2026-10\n```yaml\noperation_id: OPS-2026-10-01-001\n```\n"
                             "## Template\n```yaml\noperation_id: OPS-YYYY-MM-DD-NNN\n```\n";
    CHECK(count_entries(text) == 3);
    CHECK(count_entries("## Template\n```yaml\n```\n") == 0);
    CHECK(count_entries("") == 0);
    CHECK(count_entries(slurp(seed_path())) == 7);
    CHECK(next_operation_id(text, "2026-11-30") == "OPS-2026-11-30-010");
    CHECK(next_operation_id(text, "2026-10-01") == "OPS-2026-10-01-002");
    CHECK(next_operation_id(text, "2026-12-01") == "OPS-2026-12-01-001");
    CHECK(next_operation_id("operation_id: OPS-2026-12-01-004\n", "2026-12-01") == "OPS-2026-12-01-005"); // first line
    CHECK(has_operation(text, "OPS-2026-10-01-001"));
    CHECK_FALSE(has_operation(text, "OPS-2026-10-01-00"));
}

TEST_CASE("ledger: hard values read back equal with a YAML parser") {
    TempDir tmp;
    const std::string ledger = tmp.write("L.md", "# Ledger\n\n---\n\n## Template\n");
    const std::vector<std::string> values{"line one\nline two\n  indented",
                                          "key: value with: colons",
                                          "\"double\" and 'single'",
                                          "hash # not a comment",
                                          "#starts with hash",
                                          "- leading dash",
                                          "* star",
                                          "&anchor",
                                          "yes",
                                          "null",
                                          "1e3",
                                          "0x1F",
                                          "2026-01-28",
                                          "~",
                                          "on",
                                          std::string(3000, 'x') + " long",
                                          " leading space",
                                          "trailing:",
                                          "tab\there",
                                          "unicode é 日本 ✅",
                                          "[not, a, list]",
                                          "{not: a map}",
                                          "!tag",
                                          "%percent",
                                          "@at"};
    for (const auto& v : values) {
        auto r = append_entry(ledger, {"--notes", v, "--objective", v});
        INFO(v);
        REQUIRE(r.exit_code == 0);
        auto l = parsed(ledger);
        CHECK(l.entries[0].node["notes"].as<std::string>() == v);
        CHECK(l.entries[0].node["objective"].as<std::string>() == v);
        CHECK_FALSE(l.entries[0].lenient);
    }
    CHECK(verify_cmd(ledger).exit_code == 0);
}

TEST_CASE("ledger: missing or invalid required flags exit 2 and leave the file untouched") {
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

TEST_CASE("ledger: --rollback-of appends a ROLLBACK entry naming the original") {
    TempDir tmp;
    const std::string ledger = tmp.file("L.md");
    std::filesystem::copy_file(seed_path(), ledger);
    auto r = test::run({"ops-ledger-append", "--ledger", ledger, "--rollback-of", "OPS-2026-01-27-012", "--name",
                        "Back to shadow mode", "--risk-class", "SERVICE_RESTART", "--blast-radius", "governor",
                        "--summary", "P28_MODE=shadow", "--json"});
    REQUIRE(r.exit_code == 0);
    auto l = parsed(ledger);
    CHECK(l.entries[0].node["outcome"].as<std::string>() == "ROLLBACK");
    CHECK(l.entries[0].node["rollback_of"].as<std::string>() == "OPS-2026-01-27-012");
    // The original is untouched.
    CHECK(l.entries[3].node["outcome"].as<std::string>() == "SUCCESS");
}

TEST_CASE("ledger: 32 processes appending at once give 32 distinct consecutive ids and a chain that verifies") {
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
        notes.insert(l.entries[i].node["notes"].as<std::string>());
        numbers.insert(std::stoi(l.entries[i].operation_id.substr(15)));
    }
    CHECK(ids.size() == 32);
    CHECK(notes.size() == 32);
    CHECK(*numbers.begin() == 1);
    CHECK(*numbers.rbegin() == 32); // consecutive: 1..32 all present
    CHECK(verify_cmd(ledger).exit_code == 0);
}

TEST_CASE("ledger: a writer killed with SIGKILL never leaves a file that fails to parse") {
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
    // No temp files are left in a state that would be taken for the ledger.
    CHECK(verify_cmd(ledger).exit_code == 0);
}

TEST_CASE("ledger: a full disk gives exit 3 and the old file intact") {
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

TEST_CASE("ledger: --verify catches an edited value, a removed entry and a reordered pair (exit 4)") {
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
    SECTION("an edited legacy entry is not a chain break") {
        std::string t = good;
        t.replace(t.find("hostname: Gemgeminay"), 20, "hostname: elsewhere1");
        std::ofstream(ledger, std::ios::trunc) << t;
        CHECK(verify_cmd(ledger).exit_code == 0);
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
