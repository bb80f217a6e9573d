#pragma once
// Wall-clock helpers. Everything the contract prints is UTC.

#include <cstdint>
#include <string>

namespace qops {

// Seconds since the epoch.
int64_t now_epoch_seconds();
// Microseconds since the epoch.
int64_t now_epoch_micros();
// "2026-02-03T01:09:43Z" style ISO 8601 UTC.
std::string iso8601_utc(int64_t epoch_seconds);
// "2026-02-03T01:09:43.123456Z".
std::string iso8601_utc_micros(int64_t epoch_micros);
// "2026-02-03 01:09:43".
std::string human_utc(int64_t epoch_seconds);
// Days since 1970-01-01 for a civil date (proleptic Gregorian).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

} // namespace qops
