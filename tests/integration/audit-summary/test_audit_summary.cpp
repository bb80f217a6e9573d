#include "audit/day_logs.hpp"
#include "audit/log.hpp"
#include "support/background.hpp"
#include "support/redis_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>

using namespace qops;
using namespace qops::audit;
using qops::test::slurp;
using qops::test::TempDir;

TEST_CASE("audit-summary: prints the day's count and last actions, bad dates are exit 2") {
    TempDir tmp;
    const std::string log = tmp.file("audit.log");
    test::write_days(log, {{"2024-02-26", 9000},
                           {"2024-02-27", 1},
                           {"2024-02-28", 7000},
                           {"2024-02-29", 8123},
                           {"2024-03-01", 0},
                           {"2024-03-02", 5000},
                           {"2024-12-31", 3000},
                           {"2025-01-01", 2}});
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
    auto st = test::run({"audit-log", "--log", log, "stats", "--json"});
    CHECK(nlohmann::json::parse(st.out).at("total") == 32126);
}

TEST_CASE("audit-summary: --json equals a full scan on generated logs, a clock step back is a WARN") {
    TempDir tmp;
    const std::string path = tmp.file("audit.log");
    int warned = 0;
    for (uint64_t seed = 7000; seed < 7030; ++seed) {
        auto log = test::generate_log(seed);
        std::string text;
        for (const auto& f : log.files) // one file: the tool reads one log
            text += f.empty() || f.back() == '\n' ? f : f + "\n";
        test::write_text(path, text);
        const std::string day = log.days.front();
        auto r = test::run({"audit-summary", "--log", path, "--date", day, "--limit", "3", "--json"});
        INFO("seed " << seed << " day " << day << "\n" << r.err);
        REQUIRE(r.exit_code == 0);
        const auto j = nlohmann::json::parse(r.out);
        const auto want = test::reference_day({text}, day, 3);
        CHECK(j.at("total") == want.count);
        std::vector<std::string> got;
        for (const auto& a : j.at("actions"))
            got.push_back("[" + a.at("timestamp").get<std::string>() + "] ");
        REQUIRE(got.size() == want.recent.size());
        for (size_t i = 0; i < got.size(); ++i)
            CHECK_THAT(want.recent[i], Catch::StartsWith(got[i]));
        if (j.at("out_of_order").get<uint64_t>() > 0) {
            CHECK_THAT(r.err, Catch::Contains("WARN: ") && Catch::Contains("the clock stepped back"));
            ++warned;
        } else {
            CHECK(r.err.find("stepped back") == std::string::npos);
        }
    }
    CHECK(warned > 0); // the generated logs do include steps back
}

TEST_CASE("audit-summary: delivered to a webhook and by mail on loopback, a dead webhook is exit 3") {
    TempDir tmp;
    const std::string log = tmp.file("audit.log");
    REQUIRE(append(log, {"Auto-repair: Restarted Grafana container", "Weekly self-heal: All checks passed"},
                   AppendOptions{})
                .ok());
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
    // The summary carries the log's checkpoint: each receiver keeps a witness copy.
    const std::string checkpoint = slurp(log + ".checkpoint");
    REQUIRE_FALSE(checkpoint.empty());
    CHECK_THAT(body.at("text").get<std::string>(),
               Catch::Contains("🔏 Audit log checkpoint") && Catch::Contains(checkpoint));
    auto j = test::run({"audit-summary", "--log", log, "--date", "today", "--json"});
    CHECK(nlohmann::json::parse(j.out).at("checkpoint") == checkpoint);

    std::string mail;
    for (const auto& sub : {"new", "cur"})
        if (std::filesystem::exists(tmp.file(std::string("maildir/") + sub)))
            for (const auto& f : std::filesystem::directory_iterator(tmp.file(std::string("maildir/") + sub)))
                mail += slurp(f.path().string());
    CHECK_THAT(mail, Catch::Contains("To: <desk@example.org>"));
    CHECK_THAT(mail, Catch::Contains("Subject: =?UTF-8?B?"));
    CHECK_THAT(mail, Catch::Contains("Total Actions: 2"));
    CHECK_THAT(mail, Catch::Contains("Weekly self-heal: All checks passed"));
    CHECK_THAT(mail, Catch::Contains(checkpoint.substr(0, checkpoint.find('\n'))));

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
