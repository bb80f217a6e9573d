#include "audit/log.hpp"
#include "audit/summary.hpp"
#include "support/background.hpp"
#include "support/redis_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include "support/skip.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
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

// Writes a chronological chained log: `per_day` entries for each day listed (none for
// days listed with 0), returns the reference count per day.
std::map<std::string, uint64_t> write_days(const std::string& path,
                                           const std::vector<std::pair<std::string, int>>& days) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    std::map<std::string, uint64_t> ref;
    std::string prev = k_zero_chain;
    for (const auto& [day, n] : days) {
        for (int i = 0; i < n; ++i) {
            const int secs = static_cast<int>((86400LL * i) / std::max(n, 1));
            char ts[64];
            std::snprintf(ts, sizeof ts, "%sT%02d:%02d:%02d.%06dZ", day.c_str(), secs / 3600, (secs / 60) % 60,
                          secs % 60, i % 1000000);
            const std::string text = std::string("[") + ts + "] action " + std::to_string(i) + " of " + day;
            prev = chain_value("", prev, text);
            f << text << "\t#" << prev << "\n";
        }
        ref[day] = static_cast<uint64_t>(n);
    }
    return ref;
}

} // namespace

TEST_CASE("audit log: messages with newlines, TABs, control bytes and invalid UTF-8 read back equal") {
    TempDir tmp;
    const std::string log = tmp.file("audit.log");
    const std::vector<std::string> messages{"multi\nline\nmessage",
                                            "tab\there",
                                            std::string("nul\0byte", 8),
                                            "bell\x07 esc\x1b[31m",
                                            "bad \xff\xfe utf8",
                                            "ok é 日本",
                                            "trailing\\"};
    REQUIRE(append(log, messages, "").ok());
    const auto lines = lines_of(slurp(log));
    REQUIRE(lines.size() == messages.size());
    for (size_t i = 0; i < lines.size(); ++i) {
        auto e = parse_line(lines[i]);
        REQUIRE(e);
        CHECK(e->chain.has_value());
        CHECK(e->message == messages[i]);
    }
    CHECK(verify(log, "")->ok);
}

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

TEST_CASE("audit summary: counts equal a reference count across day boundaries, a leap day and an empty day") {
    TempDir tmp;
    const std::string log = tmp.file("audit.log");
    // Enough lines that the day search really bisects (far more than its linear stretch).
    const auto ref = write_days(log, {{"2024-02-26", 9000},
                                      {"2024-02-27", 1},
                                      {"2024-02-28", 7000},
                                      {"2024-02-29", 8123},
                                      {"2024-03-01", 0},
                                      {"2024-03-02", 5000},
                                      {"2024-12-31", 3000},
                                      {"2025-01-01", 2}});
    for (const auto& [day, n] : ref) {
        auto s = summarize(log, day, 10);
        REQUIRE(s.ok());
        INFO(day);
        CHECK(s->total == n);
        CHECK(s->recent.size() == std::min<uint64_t>(n, 10));
        if (n > 0) {
            CHECK(s->recent.back().message == "action " + std::to_string(n - 1) + " of " + day);
            CHECK(s->recent.back().timestamp.substr(0, 10) == day);
        }
    }
    for (const char* outside : {"2023-01-01", "2024-02-25", "2024-06-15", "2025-01-02"}) {
        auto s = summarize(log, outside, 10);
        REQUIRE(s.ok());
        CHECK(s->total == 0);
    }
    auto r = test::run({"audit-summary", "--log", log, "--date", "2024-02-29", "--limit", "5"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out,
               Catch::StartsWith("Quantum Trader V3 – Daily Audit Summary (2024-02-29)\n\n📊 Total Actions: 8123\n"));
    CHECK_THAT(r.out, Catch::Contains("… 8118 earlier actions not shown (the 5 most recent follow)"));
    CHECK_THAT(r.out, Catch::Contains("action 8122 of 2024-02-29\n"));
    CHECK_THAT(r.out, Catch::EndsWith("✅ 8123 auto-repair actions executed\n"));
    auto empty = test::run({"audit-summary", "--log", log, "--date", "2024-03-01", "--json"});
    CHECK(empty.exit_code == 0);
    CHECK(nlohmann::json::parse(empty.out).at("total") == 0);
    CHECK(test::run({"audit-summary", "--log", log, "--date", "2023-02-29"}).exit_code == 2);
    CHECK(test::run({"audit-summary", "--log", log, "--date", "tomorrow"}).exit_code == 2);
    // stats: the whole file and today.
    auto st = audit_log(log, {"stats", "--json"});
    CHECK(nlohmann::json::parse(st.out).at("total") == 32126);
}

TEST_CASE("audit summary: the day reader copes with long, empty, undated and unterminated lines") {
    TempDir tmp;
    const std::string log = tmp.file("audit.log");
    std::vector<std::string> lines;
    for (int i = 0; i < 3000; ++i)
        lines.push_back(fmt::format("[2025-03-01T10:00:{:02}.000000Z] early {}", i % 60, i));
    const std::string long_text(5000, 'x'); // longer than a probe block and the tail's first guess
    for (int i = 0; i < 40; ++i) {
        lines.push_back(fmt::format("[2025-03-02T11:00:{:02}.000000Z] long {} {}", i, i, long_text));
        if (i % 10 == 0) lines.push_back("");                        // empty lines are not entries
        if (i % 15 == 0) lines.push_back("free text with no stamp"); // a stray line inside the day
    }
    for (int i = 0; i < 3000; ++i)
        lines.push_back(fmt::format("[2025-03-03T12:00:{:02}.000000Z] late {}", i % 60, i));
    write_lines(log, lines);
    {
        std::ofstream f(log, std::ios::app | std::ios::binary);
        f << "[2025-03-03T23:59:59.000000Z] cut off"; // the last line has no newline
    }

    auto mid = summarize(log, "2025-03-02", 25);
    REQUIRE(mid.ok());
    CHECK(mid->total == 40); // empty and stray lines are not entries
    REQUIRE(mid->recent.size() == 25);
    CHECK(mid->recent.back().message == "long 39 " + long_text);
    CHECK(mid->recent.front().message == "long 15 " + long_text);

    auto last = summarize(log, "2025-03-03", 2);
    REQUIRE(last.ok());
    CHECK(last->total == 3001);
    REQUIRE(last->recent.size() == 2);
    CHECK(last->recent[0].message == "late 2999");
    CHECK(last->recent[1].message == "cut off");

    auto first = summarize(log, "2025-03-01", 1);
    REQUIRE(first.ok());
    CHECK(first->total == 3000);
}

TEST_CASE("audit summary: delivered to a webhook and by mail on loopback; a dead webhook is exit 3") {
    TempDir tmp;
    const std::string log = tmp.file("audit.log");
    REQUIRE(append(log, {"Auto-repair: Restarted Grafana container", "Weekly self-heal: All checks passed"}, "").ok());
    const int http_port = test::free_port();
    std::filesystem::create_directories(tmp.file("posts"));
    test::Background http({"/usr/bin/python3", std::string(QOPS_TEST_DATA_DIR) + "/audit/http_sink.py",
                           std::to_string(http_port), tmp.file("posts"), "204"},
                          tmp.file("http.log"));
    const int smtp_port = test::free_port();
    test::Background smtp({"/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(smtp_port),
                           "-c", "aiosmtpd.handlers.Mailbox", tmp.file("maildir")},
                          tmp.file("smtp.log"));
    REQUIRE(test::wait_for_port(http_port, 10000));
    REQUIRE(test::wait_for_port(smtp_port, 10000));

    test::RunOptions o;
    o.env["QT_ALERT_WEBHOOK"] = "http://127.0.0.1:" + std::to_string(http_port) + "/hook";
    o.env["QT_AUDIT_EMAIL"] = "desk@example.org";
    o.env["QT_SMTP_SERVER"] = "127.0.0.1";
    o.env["QT_SMTP_PORT"] = std::to_string(smtp_port);
    o.env["QT_SMTP_FROM"] = "quantum-ops@example.org";
    auto r = test::run({"audit-summary", "--log", log, "--date", "today", "--notify"}, o);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("Summary posted to the webhook"));
    CHECK_THAT(r.err, Catch::Contains("Summary mailed to desk@example.org"));

    const auto body = nlohmann::json::parse(slurp(tmp.file("posts/1.json")));
    CHECK_THAT(body.at("text").get<std::string>(), Catch::Contains("📊 Total Actions: 2"));
    CHECK_THAT(body.at("text").get<std::string>(), Catch::Contains("Restarted Grafana container"));
    CHECK(body.at("content") == body.at("text"));

    std::string mail;
    for (const auto& sub : {"new", "cur"})
        if (std::filesystem::exists(tmp.file(std::string("maildir/") + sub)))
            for (const auto& f : std::filesystem::directory_iterator(tmp.file(std::string("maildir/") + sub)))
                mail += slurp(f.path().string());
    CHECK_THAT(mail, Catch::Contains("To: <desk@example.org>"));
    CHECK_THAT(mail, Catch::Contains("Subject: =?UTF-8?B?"));
    CHECK_THAT(mail, Catch::Contains("Total Actions: 2"));
    CHECK_THAT(mail, Catch::Contains("Weekly self-heal: All checks passed"));

    SECTION("webhook down: WARN, exit 3, the summary still printed") {
        test::RunOptions down;
        down.env["QT_ALERT_WEBHOOK"] = "http://127.0.0.1:" + std::to_string(test::free_port()) + "/hook";
        auto d = test::run({"audit-summary", "--log", log, "--date", "today", "--notify"}, down);
        CHECK(d.exit_code == 3);
        CHECK_THAT(d.err, Catch::Contains("WARN: Summary not delivered to the webhook"));
        CHECK_THAT(d.out, Catch::Contains("📊 Total Actions: 2"));
    }
    SECTION("webhook answering 500: exit 3") {
        std::filesystem::create_directories(tmp.file("posts500"));
        const int port500 = test::free_port();
        test::Background bad({"/usr/bin/python3", std::string(QOPS_TEST_DATA_DIR) + "/audit/http_sink.py",
                              std::to_string(port500), tmp.file("posts500"), "500"},
                             tmp.file("http500.log"));
        REQUIRE(test::wait_for_port(port500, 10000));
        test::RunOptions e;
        e.env["QT_ALERT_WEBHOOK"] = "http://127.0.0.1:" + std::to_string(port500) + "/hook";
        auto d = test::run({"audit-summary", "--log", log, "--date", "today", "--notify"}, e);
        CHECK(d.exit_code == 3);
        CHECK_THAT(d.err, Catch::Contains("HTTP 500"));
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
    CHECK_FALSE(std::filesystem::exists(tmp.file("a.log.head")));
    CHECK(audit_log(tmp.file("missing.log"), {"verify"}).exit_code == 3);
}
