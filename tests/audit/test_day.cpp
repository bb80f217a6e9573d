#include "audit/day.hpp"
#include "audit/day_logs.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>

using namespace qops;
using namespace qops::audit;
using qops::test::TempDir;

namespace {

std::vector<std::string> write_files(const TempDir& tmp, const std::vector<std::string>& texts) {
    std::vector<std::string> paths;
    for (size_t i = 0; i < texts.size(); ++i) {
        paths.push_back(tmp.file(fmt::format("audit.log.{}", texts.size() - 1 - i)));
        test::write_text(paths.back(), texts[i]);
    }
    return paths;
}

// Empty when the library agrees with the full scan over the files (their texts), else what differs.
std::string difference(const std::vector<std::string>& paths, const std::vector<std::string>& texts,
                       const std::string& day, size_t keep) {
    const auto got = read_day(paths, day, keep);
    if (!got) return "error: " + got.error().message;
    const auto want = test::reference_day(texts, day, keep);
    std::vector<std::string> recent;
    for (const auto& e : got->recent)
        recent.push_back(e.text);
    if (got->count != want.count) return fmt::format("{}: count {} (full scan: {})", day, got->count, want.count);
    if (recent != want.recent)
        return fmt::format("{}: last entries differ ({} against {} from the full scan; last '{}' against '{}')", day,
                           recent.size(), want.recent.size(), recent.empty() ? "" : recent.back().substr(0, 40),
                           want.recent.empty() ? "" : want.recent.back().substr(0, 40));
    return {};
}

std::vector<std::vector<std::string>> split_lines(const std::vector<std::string>& texts, std::vector<bool>& final_nl) {
    std::vector<std::vector<std::string>> out;
    for (const auto& text : texts) {
        std::vector<std::string> lines;
        size_t start = 0;
        while (start < text.size()) {
            size_t nl = text.find('\n', start);
            if (nl == std::string::npos) nl = text.size();
            lines.push_back(text.substr(start, nl - start));
            start = nl + 1;
        }
        final_nl.push_back(text.empty() || text.back() == '\n');
        out.push_back(std::move(lines));
    }
    return out;
}

std::vector<std::string> join_lines(const std::vector<std::vector<std::string>>& files,
                                    const std::vector<bool>& final_nl) {
    std::vector<std::string> texts;
    for (size_t f = 0; f < files.size(); ++f) {
        std::string text;
        for (const auto& l : files[f])
            text += l + "\n";
        if (!final_nl[f] && !text.empty()) text.pop_back();
        texts.push_back(std::move(text));
    }
    return texts;
}

// Removes lines, in halving chunks, as long as the difference stays: what is left is a
// case small enough to read and to keep as a fixture.
std::vector<std::string> shrink(const TempDir& tmp, std::vector<std::string> texts, const std::string& day,
                                size_t keep) {
    std::vector<bool> final_nl;
    auto files = split_lines(texts, final_nl);
    for (size_t f = 0; f < files.size(); ++f) {
        for (size_t chunk = std::max<size_t>(files[f].size() / 2, 1);; chunk /= 2) {
            for (size_t i = 0; i < files[f].size();) {
                auto trial = files;
                auto& t = trial[f];
                t.erase(t.begin() + static_cast<std::ptrdiff_t>(i),
                        t.begin() + static_cast<std::ptrdiff_t>(std::min(i + chunk, t.size())));
                const auto texts_now = join_lines(trial, final_nl);
                if (!difference(write_files(tmp, texts_now), texts_now, day, keep).empty())
                    files = std::move(trial);
                else
                    i += chunk;
            }
            if (chunk == 1) break;
        }
    }
    return join_lines(files, final_nl);
}

// Checks every day of the log against the full scan; on a difference, shrinks the case,
// writes it to $QOPS_SHRINK_DIR when set, and fails naming the seed.
void check_log(const TempDir& tmp, const std::vector<std::string>& texts, const std::vector<std::string>& days,
               size_t keep, const std::string& name) {
    const auto paths = write_files(tmp, texts);
    for (const auto& day : days) {
        const std::string diff = difference(paths, texts, day, keep);
        if (diff.empty()) continue;
        const auto small = shrink(tmp, texts, day, keep);
        if (const char* dir = std::getenv("QOPS_SHRINK_DIR"))
            for (size_t i = 0; i < small.size(); ++i)
                test::write_text(fmt::format("{}/{}-{}.part-{}.log", dir, name, day, i + 1), small[i]);
        size_t bytes = 0;
        for (const auto& t : small)
            bytes += t.size();
        FAIL(name << " (keep " << keep << "): " << diff << "; shrunk to " << small.size() << " file(s), " << bytes
                  << " bytes: " << difference(write_files(tmp, small), small, day, keep));
    }
}

uint64_t base_seed() {
    const char* s = std::getenv("QOPS_PROPERTY_SEED");
    return s ? std::strtoull(s, nullptr, 10) : 20251217;
}

} // namespace

TEST_CASE("audit day: each day's total and last entries equal a full scan, over thousands of generated logs") {
    TempDir tmp;
    const uint64_t seed0 = base_seed();
    const int runs = std::getenv("QOPS_PROPERTY_RUNS") ? std::atoi(std::getenv("QOPS_PROPERTY_RUNS")) : 2000;
    for (int i = 0; i < runs; ++i) {
        const uint64_t seed = seed0 + static_cast<uint64_t>(i);
        const auto log = test::generate_log(seed);
        const size_t keep = seed % 7 == 0 ? 50 : seed % 4;
        check_log(tmp, log.files, log.days, keep, fmt::format("seed {}", seed));
    }
}

TEST_CASE("audit day: the kept cases (tests/data/audit/days) equal a full scan") {
    TempDir tmp;
    // NAME.part-N.log files are the files of one log, oldest (N = 1) first.
    std::map<std::string, std::vector<std::string>> logs;
    const std::string dir = std::string(QOPS_TEST_DATA_DIR) + "/audit/days";
    for (const auto& f : std::filesystem::directory_iterator(dir)) {
        const std::string name = f.path().filename().string();
        logs[name.substr(0, name.find(".part-"))].push_back(f.path().string());
    }
    REQUIRE(logs.size() >= 3);
    for (auto& [name, paths] : logs) {
        std::sort(paths.begin(), paths.end());
        std::vector<std::string> texts;
        std::vector<std::string> days;
        for (const auto& p : paths) {
            texts.push_back(test::slurp(p));
            const std::string& t = texts.back();
            for (size_t at = 0; at < t.size();
                 at = t.find('\n', at) == std::string::npos ? t.size() : t.find('\n', at) + 1)
                if (t.size() >= at + 11 && t[at] == '[' && std::isdigit(static_cast<unsigned char>(t[at + 1])) &&
                    std::isdigit(static_cast<unsigned char>(t[at + 7])))
                    days.push_back(t.substr(at + 1, 10));
        }
        std::sort(days.begin(), days.end());
        days.erase(std::unique(days.begin(), days.end()), days.end());
        for (const size_t keep : {0u, 1u, 3u, 50u})
            check_log(tmp, texts, days, keep, name);
    }
}

TEST_CASE("audit day: the issue's log (30 undated lines after every 2,000th entry) counts 288 a day") {
    TempDir tmp;
    std::string text;
    const int64_t start = days_from_civil(2025, 1, 1) * 86400;
    for (int i = 0; i < 100000; ++i) {
        text += fmt::format("[{}.000000Z] Auto-repair: action {}\t#{}\n", iso8601_utc(start + 300LL * i).substr(0, 19),
                            i, std::string(64, 'a'));
        if (i % 2000 == 1999)
            for (int k = 0; k < 30; ++k)
                text += "    continuation of a legacy multi-line message " + std::to_string(k) + "\n";
    }
    const auto paths = write_files(tmp, {text});
    for (const char* day : {"2025-01-30", "2025-05-22", "2025-01-01", "2025-07-15", "2025-12-12"}) {
        auto d = read_day(paths, day, 2);
        REQUIRE(d.ok());
        INFO(day);
        CHECK(d->count == 288);
        CHECK(d->out_of_order == 0);
        CHECK_FALSE(d->scanned_all);
        REQUIRE(d->recent.size() == 2);
        CHECK(d->recent.back().timestamp == std::string(day) + "T23:55:00.000000Z");
    }
    CHECK(read_day(paths, "2025-12-14", 0)->count == 64); // the last day: 100,000 entries end at 05:15
    CHECK(read_day(paths, "2025-12-15", 0)->count == 0);
}

TEST_CASE("audit day: a clock stepped back within the window is counted by its stamps and reported") {
    TempDir tmp;
    // 23:59:50 on the 14th, 00:00:10 on the 15th, then the clock is stepped back 30 s.
    std::string text;
    for (int i = 0; i < 3000; ++i)
        text += fmt::format("[2025-07-14T{:02}:{:02}:00.000000Z] early {}\n", 10 + i / 600, (i / 10) % 60, i);
    text += "[2025-07-14T23:59:50.000000Z] before midnight\n";
    text += "[2025-07-15T00:00:10.000000Z] clock ahead\n";
    text += "[2025-07-14T23:59:45.000000Z] stepped back\n";
    text += "[2025-07-15T00:00:05.000000Z] on time\n";
    for (int i = 0; i < 3000; ++i)
        text += fmt::format("[2025-07-15T{:02}:{:02}:00.000000Z] later {}\n", 10 + i / 600, (i / 10) % 60, i);
    const auto paths = write_files(tmp, {text});
    auto d14 = read_day(paths, "2025-07-14", 1);
    REQUIRE(d14.ok());
    CHECK(d14->count == 3002);
    CHECK(d14->recent.back().message == "stepped back");
    CHECK(d14->out_of_order >= 1);
    auto d15 = read_day(paths, "2025-07-15", 1);
    REQUIRE(d15.ok());
    CHECK(d15->count == 3002);
    CHECK(d15->out_of_order >= 1);
}

TEST_CASE("audit day: a clock reset by days inside the day makes the search read every file, still exact") {
    TempDir tmp;
    std::string older;
    std::string current;
    const int64_t july = days_from_civil(2025, 7, 1) * 86400;
    for (int i = 0; i < 4000; ++i) // July 1st to 14th
        older += fmt::format("[{}.000000Z] old {}\n", iso8601_utc(july + i * 300).substr(0, 19), i);
    for (int i = 0; i < 2000; ++i) {
        // At noon a reboot brought the clock up at 1970 until NTP set it again.
        const bool reset = i >= 1000 && i < 1100;
        current += fmt::format("[{}T{:02}:{:02}:{:02}.000000Z] entry {}\n", reset ? "1970-01-01" : "2025-07-15",
                               i * 86400 / 2000 / 3600, i * 86400 / 2000 / 60 % 60, i * 86400 / 2000 % 60, i);
    }
    const auto paths = write_files(tmp, {older, current});
    auto d = read_day(paths, "2025-07-15", 3);
    REQUIRE(d.ok());
    CHECK(d->count == 1900);
    CHECK(d->scanned_all);
    CHECK(d->out_of_order >= 100);
    REQUIRE(d->recent.size() == 3);
    CHECK(d->recent.back().message == "entry 1999");
    // The limit day.hpp names: asked for 1970-01-01, the search looks where 1970 would be
    // in a log in time order (before everything) and does not see these entries.
    CHECK(read_day(paths, "1970-01-01", 0)->count == 0);
}

TEST_CASE("audit day: empty files, no files, a missing file, a bad day") {
    TempDir tmp;
    const auto empty = write_files(tmp, {"", ""});
    auto d = read_day(empty, "2025-07-15", 5);
    REQUIRE(d.ok());
    CHECK(d->count == 0);
    CHECK(d->recent.empty());
    CHECK(read_day({}, "2025-07-15", 5)->count == 0);
    auto missing = read_day({tmp.file("missing.log")}, "2025-07-15", 5);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ExitCode::unavailable);
    CHECK(read_day(empty, "2025-7-15", 5).error().code == ExitCode::usage);
}
