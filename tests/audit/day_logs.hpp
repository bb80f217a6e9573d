#pragma once
// Generated audit logs of every shape the day search must handle, and the full scan they
// are checked against (tests/audit/test_day.cpp, tests/integration/audit-summary).

#include "audit/log.hpp"
#include "base/time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace qops::test {

// One log as its files' text, oldest first.
struct GeneratedLog {
    std::vector<std::string> files;
    std::vector<std::string> days; // the days worth asking for (those written, their neighbours, one far away)
};

// The full scan: the lines of every file (a file's last line ends with it), the ones
// beginning "[day" counted, the last `keep` of them parsed (those that parse).
struct Reference {
    uint64_t count = 0;
    std::vector<std::string> recent; // Entry::text, oldest first
};

inline Reference reference_day(const std::vector<std::string>& files, const std::string& day, size_t keep) {
    const std::string head = "[" + day;
    std::vector<std::string> lines;
    for (const auto& text : files) {
        size_t start = 0;
        while (start < text.size()) {
            size_t nl = text.find('\n', start);
            if (nl == std::string::npos) nl = text.size();
            if (text.compare(start, head.size(), head) == 0) lines.push_back(text.substr(start, nl - start));
            start = nl + 1;
        }
    }
    Reference r;
    r.count = lines.size();
    for (size_t i = lines.size() > keep ? lines.size() - keep : 0; i < lines.size(); ++i)
        if (auto e = audit::parse_line(lines[i])) r.recent.push_back(e->text);
    return r;
}

inline std::string day_string(int64_t day_number) {
    return iso8601_utc(day_number * 86400).substr(0, 10);
}

// A random log: days of random sizes (empty ones too), runs of undated lines of any
// length, long lines, bursts of equal stamps at midnight, a clock that runs ahead by up
// to `max_ahead_seconds` and steps back, split over 1 to 3 files, with or without final
// newlines.
inline GeneratedLog generate_log(uint64_t seed, int max_ahead_seconds = 3600) {
    std::mt19937_64 rng(seed);
    auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
    auto chance = [&](int percent) { return pick(1, 100) <= percent; };
    const int64_t first_day = days_from_civil(2024, 1, 1) + pick(0, 900);
    const int ndays = static_cast<int>(pick(0, 6));
    // Big logs now and then, so that the bisection runs rather than the final linear read.
    const int scale = chance(8) ? 800 : 60;
    std::vector<std::string> lines;
    GeneratedLog log;
    int64_t ahead_until = -1; // entries before this index are stamped ahead of time
    int64_t ahead_us = 0;
    int64_t day = first_day - 1;
    for (int d = 0; d < ndays; ++d) {
        day += 1 + (chance(10) ? pick(1, 40) : 0); // now and then a gap of days without entries
        const int n = chance(20) ? 0 : static_cast<int>(pick(1, chance(50) ? 5 : scale));
        std::vector<int64_t> times;
        for (int i = 0; i < n; ++i)
            times.push_back(day * 86400000000LL + pick(0, 86400000000LL - 1));
        std::sort(times.begin(), times.end());
        if (n > 0 && chance(15)) { // a burst of equal stamps at the day's very end or start
            const int64_t t = chance(50) ? day * 86400000000LL + 86400000000LL - 1 : day * 86400000000LL;
            for (auto& x : times)
                if (chance(30)) x = t;
            std::sort(times.begin(), times.end());
        }
        for (int i = 0; i < n; ++i) {
            const auto index = static_cast<int64_t>(lines.size());
            if (index >= ahead_until && chance(2)) { // the clock runs ahead for a while, then is stepped back
                ahead_until = index + pick(1, 200);
                ahead_us = pick(1, max_ahead_seconds) * 1000000LL - pick(0, 999999);
            }
            const int64_t stamp = times[static_cast<size_t>(i)] + (index < ahead_until ? ahead_us : 0);
            std::string message = fmt::format("action {} of day {}", i, d);
            if (chance(2))
                message += std::string(static_cast<size_t>(pick(4000, 70000)), 'x'); // beyond any probe window
            else
                message += std::string(static_cast<size_t>(pick(0, 120)), 'm');
            std::string line = "[" + iso8601_utc_micros(stamp) + "] " + message;
            if (chance(70)) line += "\t#" + std::string(64, "0123456789abcdef"[pick(0, 15)]);
            lines.push_back(line);
            if (chance(3)) { // a run of undated lines: continuations, blanks, a bracket that is no date
                const int64_t run = chance(20) ? pick(100, 3000) : pick(1, 40);
                for (int64_t k = 0; k < run; ++k) {
                    switch (pick(0, 3)) {
                    case 0:
                        lines.emplace_back("");
                        break;
                    case 1:
                        lines.push_back("[continued] " + std::string(static_cast<size_t>(pick(0, 80)), 'c'));
                        break;
                    case 2:
                        lines.push_back("[2025-1x-01 not a stamp");
                        break;
                    default:
                        lines.push_back("    at frame " + std::to_string(k));
                        break;
                    }
                }
            }
        }
        log.days.push_back(day_string(day));
        log.days.push_back(day_string(day - 1));
        log.days.push_back(day_string(day + 1));
    }
    log.days.push_back(day_string(first_day - 400));
    log.days.push_back(day_string(first_day + 400));
    // Split into files at line boundaries (rotation), each with or without a final newline.
    const int nfiles = chance(30) ? static_cast<int>(pick(2, 3)) : 1;
    std::vector<size_t> cuts{0};
    for (int f = 1; f < nfiles; ++f)
        cuts.push_back(static_cast<size_t>(pick(0, static_cast<int64_t>(lines.size()))));
    cuts.push_back(lines.size());
    std::sort(cuts.begin(), cuts.end());
    for (size_t f = 0; f + 1 < cuts.size(); ++f) {
        std::string text;
        for (size_t i = cuts[f]; i < cuts[f + 1]; ++i)
            text += lines[i] + "\n";
        if (!text.empty() && chance(30)) text.pop_back();
        log.files.push_back(std::move(text));
    }
    return log;
}

// Writes a new file: removed first, since ext4 flushes a truncated file rewritten in place
// (auto_da_alloc), which makes thousands of small logs take minutes instead of seconds.
inline void write_text(const std::string& path, const std::string& text) {
    std::remove(path.c_str());
    std::ofstream(path, std::ios::binary) << text;
}

// Writes a chronological chained log: n entries spread over each day listed (none for a
// 0), and returns the count per day.
inline std::map<std::string, uint64_t> write_days(const std::string& path,
                                                  const std::vector<std::pair<std::string, int>>& days) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    std::map<std::string, uint64_t> counts;
    std::string prev = audit::k_zero_chain;
    for (const auto& [day, n] : days) {
        for (int i = 0; i < n; ++i) {
            const int secs = static_cast<int>((86400LL * i) / std::max(n, 1));
            const std::string text = fmt::format("[{}T{:02}:{:02}:{:02}.{:06}Z] action {} of {}", day, secs / 3600,
                                                 (secs / 60) % 60, secs % 60, i % 1000000, i, day);
            prev = audit::chain_value("", prev, text);
            f << text << "\t#" << prev << "\n";
        }
        counts[day] = static_cast<uint64_t>(n);
    }
    return counts;
}

} // namespace qops::test
