#include "systemd/timespan.hpp"

#include <array>
#include <cctype>
#include <cstdint>
#include <fmt/format.h>
#include <limits>
#include <utility>

namespace qops::systemd {
namespace {

using Usec = int64_t;

constexpr Usec k_usec_per_sec = 1'000'000;

// Longest suffixes first so "ms" is not read as "m" + "s".
constexpr std::array<std::pair<std::string_view, Usec>, 25> k_units{{{"seconds", k_usec_per_sec},
                                                                     {"second", k_usec_per_sec},
                                                                     {"minutes", 60 * k_usec_per_sec},
                                                                     {"minute", 60 * k_usec_per_sec},
                                                                     {"hours", 3600 * k_usec_per_sec},
                                                                     {"hour", 3600 * k_usec_per_sec},
                                                                     {"days", 86400 * k_usec_per_sec},
                                                                     {"day", 86400 * k_usec_per_sec},
                                                                     {"weeks", 604800 * k_usec_per_sec},
                                                                     {"week", 604800 * k_usec_per_sec},
                                                                     {"msec", 1000},
                                                                     {"usec", 1},
                                                                     {"sec", k_usec_per_sec},
                                                                     {"min", 60 * k_usec_per_sec},
                                                                     {"hr", 3600 * k_usec_per_sec},
                                                                     {"ms", 1000},
                                                                     {"us", 1},
                                                                     {"s", k_usec_per_sec},
                                                                     {"m", 60 * k_usec_per_sec},
                                                                     {"h", 3600 * k_usec_per_sec},
                                                                     {"d", 86400 * k_usec_per_sec},
                                                                     {"w", 604800 * k_usec_per_sec},
                                                                     {"mins", 60 * k_usec_per_sec},
                                                                     {"secs", k_usec_per_sec},
                                                                     {"hrs", 3600 * k_usec_per_sec}}};

Error bad(std::string_view text, std::string_view why) {
    return Error{ExitCode::usage,
                 fmt::format("invalid time span '{}': {} (examples: 300s, 5min, 1h 30min)", text, why)};
}

} // namespace

Result<std::chrono::microseconds> parse_timespan(std::string_view text) {
    size_t i = 0;
    Usec total = 0;
    bool any = false;
    auto skip_space = [&] {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0)
            ++i;
    };
    skip_space();
    while (i < text.size()) {
        if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) return bad(text, "expected a number");
        Usec number = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0) {
            if (number > std::numeric_limits<Usec>::max() / 10) return bad(text, "too large");
            number = number * 10 + (text[i] - '0');
            ++i;
        }
        skip_space();
        size_t unit_end = i;
        while (unit_end < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_end])) != 0)
            ++unit_end;
        const std::string_view unit = text.substr(i, unit_end - i);
        Usec factor = k_usec_per_sec; // a bare number is seconds, as in systemd
        if (!unit.empty()) {
            factor = 0;
            for (const auto& [name, usec] : k_units)
                if (name == unit) factor = usec;
            if (factor == 0) return bad(text, fmt::format("unknown unit '{}'", unit));
        }
        if (number > std::numeric_limits<Usec>::max() / factor ||
            total > std::numeric_limits<Usec>::max() - number * factor)
            return bad(text, "too large");
        total += number * factor;
        any = true;
        i = unit_end;
        skip_space();
    }
    if (!any) return bad(text, "empty");
    if (total <= 0) return bad(text, "must be more than zero");
    return std::chrono::microseconds(total);
}

std::string format_timespan(std::chrono::microseconds span) {
    int64_t s = std::chrono::duration_cast<std::chrono::seconds>(span).count();
    if (s <= 0) return "0s";
    constexpr std::array<std::pair<std::string_view, int64_t>, 4> parts{
        {{"d", 86400}, {"h", 3600}, {"min", 60}, {"s", 1}}};
    std::string out;
    for (const auto& [name, size] : parts) {
        if (s >= size) {
            out += fmt::format("{}{}{}", out.empty() ? "" : " ", s / size, name);
            s %= size;
        }
    }
    return out;
}

} // namespace qops::systemd
