#include "journal/timespan.hpp"

#include <catch2/catch.hpp>

using namespace qops;
using namespace std::chrono_literals;

TEST_CASE("journal: time spans read like systemd's") {
    auto us = [](std::string_view t) { return journal::parse_timespan(t).value(); };
    CHECK(us("300s") == 300s);
    CHECK(us("5min") == 5min);
    CHECK(us("5m") == 5min);
    CHECK(us("300") == 300s);
    CHECK(us("1h") == 1h);
    CHECK(us("1h 30min") == 90min);
    CHECK(us("1h30min") == 90min);
    CHECK(us(" 2 days ") == 48h);
    CHECK(us("1w") == 7 * 24h);
    CHECK(us("1500ms") == 1500ms);

    for (auto bad : {"", "   ", "5x", "min", "0", "0s", "-5min", "5.5min", "99999999999999999999s", "5min,"}) {
        INFO(bad);
        auto r = journal::parse_timespan(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ExitCode::usage);
    }
}

TEST_CASE("journal: time spans are printed the systemd way") {
    CHECK(journal::format_timespan(5min) == "5min");
    CHECK(journal::format_timespan(300s) == "5min");
    CHECK(journal::format_timespan(3723s) == "1h 2min 3s");
    CHECK(journal::format_timespan(26h) == "1d 2h");
    CHECK(journal::format_timespan(0s) == "0s");
}
