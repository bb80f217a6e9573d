#pragma once
// systemd-style time spans ("300s", "5min", "1h 30min", "2d"), as systemd.time(7)
// writes them, so --window reads like the units operators already know.

#include "base/error.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace qops::systemd {

// Parses a span; a bare number is seconds. Errors: usage (empty, unknown unit, overflow, zero).
Result<std::chrono::microseconds> parse_timespan(std::string_view text);

// Formats a span the way systemd does ("5min", "1h 2min 3s"), to the second.
std::string format_timespan(std::chrono::microseconds span);

} // namespace qops::systemd
