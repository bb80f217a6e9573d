#include "audit/day_logs.hpp"
#include "audit/log.hpp"
#include "base/time.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <unistd.h>

#include "support/skip.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

using namespace qops;
using namespace qops::audit;
using qops::test::slurp;
using qops::test::TempDir;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string l;
    while (std::getline(in, l))
        out.push_back(l);
    return out;
}

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

TEST_CASE("audit log: 8 processes appending 500 entries each give 4000 whole lines and a chain that verifies") {
    TempDir tmp;
    const std::string log = tmp.file("audit.log");
    std::vector<std::thread> writers;
    std::vector<int> codes(8, -1);
    for (int w = 0; w < 8; ++w)
        writers.emplace_back([&, w] {
            std::string input;
            for (int i = 0; i < 500; ++i)
                input += "writer " + std::to_string(w) + " entry " + std::to_string(i) + "\n";
            test::RunOptions o;
            o.stdin_data = input;
            codes[static_cast<size_t>(w)] = audit_log(log, {"append", "--no-sync", "-"}, o).exit_code;
        });
    for (auto& t : writers)
        t.join();
    for (int c : codes)
        CHECK(c == 0);
    const auto lines = lines_of(slurp(log));
    REQUIRE(lines.size() == 4000);
    std::map<std::string, int> seen;
    for (const auto& l : lines) {
        auto e = parse_line(l);
        REQUIRE(e);
        REQUIRE(e->chain);
        ++seen[e->message];
    }
    CHECK(seen.size() == 4000); // every entry once, none torn or merged
    auto v = audit_log(log, {"verify"});
    CHECK(v.exit_code == 0);
    CHECK_THAT(v.err, Catch::Contains("4000 entries verify"));
}

TEST_CASE("audit log: verify catches tampering (exit 4, first bad line)") {
    TempDir tmp;
    const std::string log = tmp.file("audit.log");
    std::vector<std::string> msgs;
    for (int i = 0; i < 20; ++i)
        msgs.push_back("action number " + std::to_string(i));
    REQUIRE(append(log, msgs, "").ok());
    const auto good = lines_of(slurp(log));
    REQUIRE(audit_log(log, {"verify"}).exit_code == 0);

    auto expect_bad = [&](const std::vector<std::string>& lines, uint64_t line, const char* why, bool raw_end = false) {
        if (raw_end) {
            std::ofstream f(log, std::ios::binary | std::ios::trunc);
            for (size_t i = 0; i < lines.size(); ++i)
                f << lines[i] << (i + 1 < lines.size() ? "\n" : "");
        } else {
            write_lines(log, lines);
        }
        auto r = audit_log(log, {"verify", "--json"});
        INFO(why << "\n" << r.out << r.err);
        CHECK(r.exit_code == 4);
        auto j = nlohmann::json::parse(r.out);
        CHECK(j.at("bad_line").get<uint64_t>() == line);
        CHECK_THAT(r.err, Catch::Contains("line " + std::to_string(line)));
    };
    SECTION("an edited byte") {
        auto lines = good;
        lines[7][lines[7].find("number") + 1] = 'U';
        expect_bad(lines, 8, "edited");
    }
    SECTION("a deleted line") {
        auto lines = good;
        lines.erase(lines.begin() + 5);
        expect_bad(lines, 6, "deleted");
    }
    SECTION("swapped lines") {
        auto lines = good;
        std::swap(lines[10], lines[11]);
        expect_bad(lines, 11, "swapped");
    }
    SECTION("a truncated file (cut inside the last line)") {
        auto lines = good;
        lines.back().resize(lines.back().size() - 10);
        expect_bad(lines, 20, "truncated", true);
    }
    SECTION("a removed tail (cut at a line boundary): the head record names a later entry") {
        auto lines = good;
        lines.resize(15);
        expect_bad(lines, 15, "tail");
    }
    SECTION("a chain value removed (line made to look legacy)") {
        auto lines = good;
        lines[12] = lines[12].substr(0, lines[12].size() - 66);
        expect_bad(lines, 13, "unchained");
    }
    SECTION("the wrong key") {
        auto r = audit_log(
            log, {"verify"},
            test::RunOptions{
                {{"QT_AUDIT_KEY_FILE", tmp.write("k", "other")}}, {}, {}, {}, std::chrono::milliseconds(30000)});
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("line 1"));
    }
}

TEST_CASE("audit log: HMAC key from a file or the credential; legacy prefix accepted") {
    TempDir tmp;
    const std::string log = tmp.file("audit.log");
    // The original system's lines stay readable at the top of a log.
    write_lines(log, {"[2025-12-17T17:39:46.725707Z] Test audit entry - system check",
                      "[2025-12-17T17:40:37.981297Z] Auto-repair: Created PostgreSQL database quantum"});
    std::filesystem::create_directories(tmp.file("creds"));
    tmp.write("creds/audit-key", "s3cret-key\n");
    test::RunOptions cred;
    cred.env["CREDENTIALS_DIRECTORY"] = tmp.file("creds");
    REQUIRE(audit_log(log, {"append", "keyed entry"}, cred).exit_code == 0);
    const auto lines = lines_of(slurp(log));
    REQUIRE(lines.size() == 3);
    auto e = parse_line(lines[2]);
    REQUIRE(e);
    CHECK(*e->chain == chain_value("s3cret-key", k_zero_chain, e->text));
    CHECK(*e->chain != chain_value("", k_zero_chain, e->text));
    auto ok = audit_log(log, {"verify"}, cred);
    CHECK(ok.exit_code == 0);
    CHECK_THAT(ok.err, Catch::Contains("1 chained, 2 legacy"));
    test::RunOptions file_key;
    file_key.env["QT_AUDIT_KEY_FILE"] = tmp.write("key", "s3cret-key");
    CHECK(audit_log(log, {"verify"}, file_key).exit_code == 0);
    CHECK(audit_log(log, {"verify"}).exit_code == 4); // without the key the chain does not hold
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
    CHECK_FALSE(std::filesystem::exists(tmp.file("a.log.head")));
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
