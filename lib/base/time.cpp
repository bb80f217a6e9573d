#include "base/time.hpp"

#include <chrono>
#include <ctime>
#include <fmt/format.h>

namespace qops {

int64_t now_epoch_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

int64_t now_epoch_micros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

namespace {
std::tm utc_tm(int64_t epoch_seconds) {
    std::time_t t = static_cast<std::time_t>(epoch_seconds);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    return tm;
}
} // namespace

std::string iso8601_utc(int64_t epoch_seconds) {
    std::tm tm = utc_tm(epoch_seconds);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                       tm.tm_min, tm.tm_sec);
}

std::string iso8601_utc_micros(int64_t epoch_micros) {
    int64_t secs = epoch_micros / 1000000;
    int64_t frac = epoch_micros % 1000000;
    if (frac < 0) {
        frac += 1000000;
        --secs;
    }
    std::tm tm = utc_tm(secs);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

std::string human_utc(int64_t epoch_seconds) {
    std::tm tm = utc_tm(epoch_seconds);
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                       tm.tm_min, tm.tm_sec);
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    // Howard Hinnant's algorithm.
    if (m <= 2) --y;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

} // namespace qops
