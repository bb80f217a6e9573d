#include "audit/day_logs.hpp"
#include "audit/summary.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>

using namespace qops;
using namespace qops::audit;
using qops::test::TempDir;

namespace {

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    for (const auto& l : lines)
        f << l << "\n";
}

} // namespace

TEST_CASE("audit summary: counts equal a reference count across day boundaries, a leap day and an empty day") {
    TempDir tmp;
    const std::string log = tmp.file("audit.log");
    // Enough lines that the day search really bisects (far more than its linear stretch).
    const auto ref = test::write_days(log, {{"2024-02-26", 9000},
                                            {"2024-02-27", 1},
                                            {"2024-02-28", 7000},
                                            {"2024-02-29", 8123},
                                            {"2024-03-01", 0},
                                            {"2024-03-02", 5000},
                                            {"2024-12-31", 3000},
                                            {"2025-01-01", 2}});
    for (const auto& [day, n] : ref) {
        auto s = summarize({log}, day, 10);
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
        auto s = summarize({log}, outside, 10);
        REQUIRE(s.ok());
        CHECK(s->total == 0);
    }
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

    auto mid = summarize({log}, "2025-03-02", 25);
    REQUIRE(mid.ok());
    CHECK(mid->total == 40); // empty and stray lines are not entries
    REQUIRE(mid->recent.size() == 25);
    CHECK(mid->recent.back().message == "long 39 " + long_text);
    CHECK(mid->recent.front().message == "long 15 " + long_text);

    auto last = summarize({log}, "2025-03-03", 2);
    REQUIRE(last.ok());
    CHECK(last->total == 3001);
    REQUIRE(last->recent.size() == 2);
    CHECK(last->recent[0].message == "late 2999");
    CHECK(last->recent[1].message == "cut off");

    auto first = summarize({log}, "2025-03-01", 1);
    REQUIRE(first.ok());
    CHECK(first->total == 3000);
}

TEST_CASE("audit summary: a day that spans two files (rotated at noon) is summed over both") {
    TempDir tmp;
    std::vector<std::string> older, current;
    for (int i = 0; i < 3000; ++i)
        older.push_back(
            fmt::format("[2025-03-0{}T{:02}:{:02}:00.000000Z] older {}", 1 + i / 1500, i % 1500 / 125, i % 60, i));
    for (int i = 0; i < 2000; ++i)
        current.push_back(fmt::format("[2025-03-0{}T{:02}:{:02}:00.000000Z] current {}", 2 + i / 1000,
                                      12 + i % 1000 / 100, i % 60, i));
    write_lines(tmp.file("audit.log.1"), older);
    write_lines(tmp.file("audit.log"), current);
    auto s = summarize({tmp.file("audit.log.1"), tmp.file("audit.log")}, "2025-03-02", 2);
    REQUIRE(s.ok());
    CHECK(s->total == 2500);
    REQUIRE(s->recent.size() == 2);
    CHECK(s->recent.back().message == "current 999");
    CHECK(summarize({tmp.file("audit.log.1"), tmp.file("audit.log")}, "2025-03-01", 0)->total == 1500);
    CHECK(summarize({tmp.file("audit.log.1"), tmp.file("audit.log")}, "2025-03-03", 0)->total == 1000);
}

TEST_CASE("audit summary: resolve_date takes today, yesterday and real dates only") {
    const int64_t now = days_from_civil(2024, 3, 1) * 86400 + 3600;
    CHECK(*resolve_date("today", now) == "2024-03-01");
    CHECK(*resolve_date("yesterday", now) == "2024-02-29");
    CHECK(*resolve_date("2024-02-29", now) == "2024-02-29");
    for (const char* bad : {"2023-02-29", "2024-13-01", "2024-1-01", "tomorrow", "2024-02-29x", ""})
        CHECK(resolve_date(bad, now).error().code == ExitCode::usage);
}

TEST_CASE("audit summary: the text and JSON forms carry the count, the actions and the entries out of order") {
    Summary s;
    s.date = "2025-07-15";
    s.total = 3;
    s.out_of_order = 1;
    s.recent.push_back(*parse_line("[2025-07-15T10:00:00.000000Z] second"));
    s.recent.push_back(*parse_line("[2025-07-15T09:59:00.000000Z] third, the clock stepped back"));
    const std::string text = render_text(s);
    CHECK_THAT(text, Catch::StartsWith("Quantum Trader V3 – Daily Audit Summary (2025-07-15)\n\n📊 Total Actions: 3\n"));
    CHECK_THAT(text, Catch::Contains("… 1 earlier actions not shown (the 2 most recent follow)"));
    CHECK_THAT(text, Catch::EndsWith("✅ 3 auto-repair actions executed\n"));
    const auto j = nlohmann::json::parse(render_json(s));
    CHECK(j.at("total") == 3);
    CHECK(j.at("shown") == 2);
    CHECK(j.at("more") == 1);
    CHECK(j.at("out_of_order") == 1);
    CHECK(j.at("actions").at(1).at("message") == "third, the clock stepped back");
    s.total = 0;
    s.recent.clear();
    CHECK_THAT(render_text(s), Catch::Contains("No actions recorded."));
}
